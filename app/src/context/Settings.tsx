// The RPC endpoint in use, shared by the whole app and persisted in localStorage.

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

import {
  type EndpointSetting,
  endpointUrl,
  isLocalEndpoint,
  loadEndpointSetting,
  saveEndpointSetting,
} from "../lib/cluster";

interface SettingsValue {
  setting: EndpointSetting;
  /** The RPC URL the app talks to. */
  endpoint: string;
  isLocal: boolean;
  setSetting: (s: EndpointSetting) => void;
}

const SettingsContext = createContext<SettingsValue | null>(null);

export function SettingsProvider({ children }: { children: ReactNode }) {
  const [setting, setState] = useState<EndpointSetting>(loadEndpointSetting);
  const setSetting = useCallback((s: EndpointSetting) => {
    saveEndpointSetting(s);
    setState(s);
  }, []);
  const value = useMemo(() => {
    const endpoint = endpointUrl(setting);
    return { setting, endpoint, isLocal: isLocalEndpoint(endpoint), setSetting };
  }, [setting, setSetting]);
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsValue {
  const v = useContext(SettingsContext);
  if (!v) throw new Error("useSettings outside SettingsProvider");
  return v;
}
