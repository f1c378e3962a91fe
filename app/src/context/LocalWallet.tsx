// The app's single "Local keypair" adapter (see lib/localWallet.ts), reachable by the settings
// page so that importing a new key switches the connected wallet at once.

import { createContext, useContext } from "react";

import type { LocalKeypairWalletAdapter } from "../lib/localWallet";

export const LocalWalletContext = createContext<LocalKeypairWalletAdapter | null>(null);

export function useLocalWalletAdapter(): LocalKeypairWalletAdapter {
  const a = useContext(LocalWalletContext);
  if (!a) throw new Error("useLocalWalletAdapter outside LocalWalletContext");
  return a;
}
