import type { WalletError } from "@solana/wallet-adapter-base";
import { ConnectionProvider, WalletProvider, useWallet } from "@solana/wallet-adapter-react";
import { WalletModalProvider } from "@solana/wallet-adapter-react-ui";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { HashRouter, Route, Routes } from "react-router-dom";

import { Header } from "./components/Header";
import { LocalWalletContext } from "./context/LocalWallet";
import { SettingsProvider, useSettings } from "./context/Settings";
import { LocalKeypairWalletAdapter, LocalKeypairWalletName } from "./lib/localWallet";
import { AssetPage } from "./pages/AssetPage";
import { CataloguePage } from "./pages/CataloguePage";
import { JobsPage } from "./pages/JobsPage";
import { MyAccessPage } from "./pages/MyAccessPage";
import { PublishPage } from "./pages/PublishPage";
import { PublisherPage } from "./pages/PublisherPage";
import { ProviderPage } from "./pages/ProviderPage";
import { RoyaltiesPage } from "./pages/RoyaltiesPage";
import { SettingsPage } from "./pages/SettingsPage";

export function App() {
  return (
    <SettingsProvider>
      <Wallets />
    </SettingsProvider>
  );
}

function Wallets() {
  const { endpoint } = useSettings();
  const endpointRef = useRef(endpoint);
  endpointRef.current = endpoint;
  // Wallet-standard wallets (Phantom, Solflare, Backpack…) are detected by the provider itself;
  // the only adapter given here is the local keypair for development.
  const localWallet = useMemo(() => new LocalKeypairWalletAdapter(() => endpointRef.current), []);
  const wallets = useMemo(() => [localWallet], [localWallet]);
  const [walletError, setWalletError] = useState<string | null>(null);
  const onError = useCallback((error: WalletError) => setWalletError(error.message || error.name), []);

  return (
    <ConnectionProvider endpoint={endpoint} config={{ commitment: "confirmed" }}>
      <LocalWalletContext.Provider value={localWallet}>
        <WalletProvider wallets={wallets} onError={onError} autoConnect>
          <WalletModalProvider>
            <HashRouter>
              <LocalWalletGuard />
              <Header />
              {walletError && (
                <div className="banner banner-error" data-testid="wallet-error" role="alert">
                  {walletError}
                  <button type="button" className="small" onClick={() => setWalletError(null)}>
                    Dismiss
                  </button>
                </div>
              )}
              <main>
                <Routes>
                  <Route path="/" element={<CataloguePage />} />
                  <Route path="/asset/:address" element={<AssetPage />} />
                  <Route path="/publish" element={<PublishPage />} />
                  <Route path="/royalties" element={<RoyaltiesPage />} />
                  <Route path="/jobs" element={<JobsPage />} />
                  <Route path="/access" element={<MyAccessPage />} />
                  <Route path="/publisher" element={<PublisherPage />} />
                  <Route path="/provider" element={<ProviderPage />} />
                  <Route path="/settings" element={<SettingsPage />} />
                </Routes>
              </main>
            </HashRouter>
          </WalletModalProvider>
        </WalletProvider>
      </LocalWalletContext.Provider>
    </ConnectionProvider>
  );
}

/** Disconnects the local keypair wallet as soon as the endpoint is not a local validator. */
function LocalWalletGuard() {
  const { isLocal } = useSettings();
  const { wallet, disconnect, connected } = useWallet();
  useEffect(() => {
    if (!isLocal && connected && wallet?.adapter.name === LocalKeypairWalletName) void disconnect();
  }, [isLocal, connected, wallet, disconnect]);
  return null;
}
