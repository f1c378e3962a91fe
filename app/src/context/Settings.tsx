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
  /** The indexer's HTTP API (`tessera index serve`), e.g. http://127.0.0.1:8788, without `/v1/`. */
  indexerUrl: string;
  setIndexerUrl: (url: string) => void;
}

/** Where `tessera index serve` listens by default. */
export const DEFAULT_INDEXER_URL = "http://127.0.0.1:8788";
const INDEXER_STORAGE_KEY = "tessera.indexerUrl";

function loadIndexerUrl(): string {
  try {
    return localStorage.getItem(INDEXER_STORAGE_KEY)?.trim() || DEFAULT_INDEXER_URL;
  } catch {
    return DEFAULT_INDEXER_URL;
  }
}

const SettingsContext = createContext<SettingsValue | null>(null);

export function SettingsProvider({ children }: { children: ReactNode }) {
  const [setting, setState] = useState<EndpointSetting>(loadEndpointSetting);
  const setSetting = useCallback((s: EndpointSetting) => {
    saveEndpointSetting(s);
    setState(s);
  }, []);
  const [indexerUrl, setIndexerState] = useState<string>(loadIndexerUrl);
  const setIndexerUrl = useCallback((url: string) => {
    const trimmed = url.trim().replace(/\/+$/, "");
    localStorage.setItem(INDEXER_STORAGE_KEY, trimmed);
    setIndexerState(trimmed);
  }, []);
  const value = useMemo(() => {
    const endpoint = endpointUrl(setting);
    return { setting, endpoint, isLocal: isLocalEndpoint(endpoint), setSetting, indexerUrl, setIndexerUrl };
  }, [setting, setSetting, indexerUrl, setIndexerUrl]);
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsValue {
  const v = useContext(SettingsContext);
  if (!v) throw new Error("useSettings outside SettingsProvider");
  return v;
}
