// The RPC endpoint setting (localnet, devnet or a custom URL), persisted in localStorage, and
// cluster-aware Solana Explorer links.

export type ClusterKind = "localnet" | "devnet" | "custom";

export interface EndpointSetting {
  kind: ClusterKind;
  /** Used when `kind` is "custom". */
  customUrl: string;
}

export const LOCALNET_URL = "http://127.0.0.1:8899";
export const DEVNET_URL = "https://api.devnet.solana.com";

const STORAGE_KEY = "tessera.endpoint";
const DEFAULT_SETTING: EndpointSetting = { kind: "localnet", customUrl: "" };

export function loadEndpointSetting(): EndpointSetting {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return DEFAULT_SETTING;
    const parsed = JSON.parse(raw) as Partial<EndpointSetting>;
    if (parsed.kind !== "localnet" && parsed.kind !== "devnet" && parsed.kind !== "custom") return DEFAULT_SETTING;
    return { kind: parsed.kind, customUrl: typeof parsed.customUrl === "string" ? parsed.customUrl : "" };
  } catch {
    return DEFAULT_SETTING;
  }
}

export function saveEndpointSetting(setting: EndpointSetting): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(setting));
}

export function endpointUrl(setting: EndpointSetting): string {
  switch (setting.kind) {
    case "localnet":
      return LOCALNET_URL;
    case "devnet":
      return DEVNET_URL;
    case "custom":
      return setting.customUrl.trim();
  }
}

/** An http(s) URL, or an error message. */
export function validateRpcUrl(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return "The RPC URL must start with http:// or https://";
    return null;
  } catch {
    return "Not a valid URL";
  }
}

/** Whether the endpoint is a validator on this machine (localhost, 127.0.0.1, ::1). */
export function isLocalEndpoint(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host === "::1";
  } catch {
    return false;
  }
}

function explorerQuery(rpcUrl: string): string {
  if (rpcUrl === DEVNET_URL) return "?cluster=devnet";
  if (/api\.mainnet(-beta)?\.solana\.com/.test(rpcUrl)) return "";
  if (/api\.testnet\.solana\.com/.test(rpcUrl)) return "?cluster=testnet";
  return `?cluster=custom&customUrl=${encodeURIComponent(rpcUrl)}`;
}

export function explorerTxUrl(signature: string, rpcUrl: string): string {
  return `https://explorer.solana.com/tx/${signature}${explorerQuery(rpcUrl)}`;
}

export function explorerAddressUrl(address: string, rpcUrl: string): string {
  return `https://explorer.solana.com/address/${address}${explorerQuery(rpcUrl)}`;
}
