import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { LAMPORTS_PER_SOL } from "@solana/web3.js";
import { useEffect, useState } from "react";

import { useSettings } from "../context/Settings";
import { useAsync } from "../hooks/useAsync";
import { formatUnits } from "../lib/amounts";

/** The wallet's SOL balance, and on a local validator an airdrop button. */
export function SolBalance() {
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const { isLocal } = useSettings();
  const [airdrop, setAirdrop] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const balance = useAsync(
    async () => (publicKey ? BigInt(await connection.getBalance(publicKey, "confirmed")) : null),
    [connection, publicKey],
  );
  // Fees change it behind our back: refresh now and then.
  const { reload } = balance;
  useEffect(() => {
    const id = setInterval(reload, 10_000);
    return () => clearInterval(id);
  }, [reload]);
  if (!publicKey) return null;

  const requestAirdrop = async () => {
    setAirdrop({ busy: true });
    try {
      const sig = await connection.requestAirdrop(publicKey, 10 * LAMPORTS_PER_SOL);
      for (let i = 0; i < 60; i++) {
        const st = (await connection.getSignatureStatuses([sig])).value[0];
        if (st?.err) throw new Error(JSON.stringify(st.err));
        if (st?.confirmationStatus === "confirmed" || st?.confirmationStatus === "finalized") break;
        await new Promise((r) => setTimeout(r, 500));
      }
      setAirdrop({ busy: false });
    } catch (e) {
      setAirdrop({ busy: false, error: e instanceof Error ? e.message : String(e) });
    }
    balance.reload();
  };

  return (
    <span className="sol-balance">
      <span data-testid="sol-balance">
        {balance.data === undefined || balance.data === null ? "…" : formatUnits(balance.data, 9)}
      </span>{" "}
      SOL
      {isLocal && (
        <button type="button" className="small" data-testid="airdrop" disabled={airdrop.busy} onClick={requestAirdrop}>
          {airdrop.busy ? "Airdropping…" : "Airdrop 10 SOL"}
        </button>
      )}
      {airdrop.error && (
        <span className="error" data-testid="airdrop-error">
          Airdrop failed: {airdrop.error}
        </span>
      )}
    </span>
  );
}
