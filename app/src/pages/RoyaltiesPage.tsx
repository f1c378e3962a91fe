import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey } from "@solana/web3.js";

import { Address, AssetLink } from "../components/Address";
import { TokenAmount, mintSymbol } from "../components/TokenAmount";
import { TxStatus } from "../components/TxStatus";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { useTx } from "../hooks/useTx";
import { type Keyed, type Parked, type Split, fetchParkedOf, fetchSplitsOf, tokenBalance } from "../lib/accounts";
import { big, formatBps } from "../lib/amounts";
import { ataOf, claimInstructions, claimParkedInstructions, syncSplitInstructions } from "../lib/instructions";
import { owedTo } from "../lib/royalties";

/** Claims per transaction in "claim all" (each adds two accounts and a small instruction). */
const CLAIMS_PER_TX = 6;

interface Row {
  split: Keyed<Split>;
  bps: number;
  owed: bigint;
  /** Tokens in the split's vault that no deposit credited (a plain transfer): `sync` credits them. */
  uncredited: bigint;
  /** Set when the balance was parked by an update of a full split (paid by claim_parked). */
  parked?: Keyed<Parked>;
}

interface MintGroup {
  mint: PublicKey;
  rows: Row[];
  total: bigint;
  balance: bigint;
}

export function RoyaltiesPage() {
  const programs = usePrograms();
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const tx = useTx();

  const groups = useAsync(async (): Promise<MintGroup[]> => {
    if (!publicKey) return [];
    const [splits, parked] = await Promise.all([fetchSplitsOf(programs, publicKey), fetchParkedOf(programs, publicKey)]);
    const uncredited = async (s: Keyed<Split>) => {
      const held = big(s.account.totalReceived) - big(s.account.totalClaimed);
      const inVault = await tokenBalance(connection, s.account.vault);
      return inVault > held ? inVault - held : 0n;
    };
    const rows: Row[] = [
      ...(await Promise.all(
        splits.map(async (s) => {
          const entry = s.account.entries.find((e) => e.address.equals(publicKey))!;
          return { split: s, bps: entry.bps, owed: owedTo(s.account, publicKey), uncredited: await uncredited(s) };
        }),
      )),
      ...parked.map((p) => ({ split: p.split, bps: 0, owed: p.owed, uncredited: 0n, parked: p.parked })),
    ];
    const byMint = new Map<string, Row[]>();
    for (const row of rows) {
      const k = row.split.account.mint.toBase58();
      byMint.set(k, [...(byMint.get(k) ?? []), row]);
    }
    return Promise.all(
      [...byMint.values()].map(async (rows) => {
        const mint = rows[0].split.account.mint;
        const info = await connection.getAccountInfo(mint, "confirmed");
        const balance = info ? await tokenBalance(connection, ataOf(mint, publicKey, info.owner)) : 0n;
        rows.sort((a, b) => (b.owed > a.owed ? 1 : b.owed < a.owed ? -1 : 0));
        return { mint, rows, total: rows.reduce((t, r) => t + r.owed, 0n), balance };
      }),
    );
  }, [programs, connection, publicKey]);
  const mints = useMints((groups.data ?? []).map((g) => g.mint));

  const claim = async (label: string, rows: Row[]) => {
    if (!publicKey) return;
    const splits = rows.filter((r) => !r.parked).map((r) => r.split);
    let ok = true;
    for (let i = 0; i < splits.length && ok; i += CLAIMS_PER_TX) {
      const chunk = splits.slice(i, i + CLAIMS_PER_TX);
      const part = splits.length > CLAIMS_PER_TX ? ` (${i / CLAIMS_PER_TX + 1}/${Math.ceil(splits.length / CLAIMS_PER_TX)})` : "";
      ok = !!(await tx.run(label + part, () => claimInstructions(connection, publicKey, chunk)));
    }
    // Parked balances: one claim_parked each.
    for (const r of rows) {
      if (!ok || !r.parked) continue;
      const parked = r.parked;
      ok = !!(await tx.run(`${label} (parked balance)`, () => claimParkedInstructions(connection, publicKey, parked, r.split)));
    }
    groups.reload();
  };
  const sync = async (split: Keyed<Split>) => {
    await tx.run("Credit the vault's uncredited tokens (sync)", () => syncSplitInstructions(split));
    groups.reload();
  };

  if (!publicKey) {
    return (
      <div className="page">
        <h1>My royalties</h1>
        <p className="muted">Connect a wallet to see what your splits owe you.</p>
      </div>
    );
  }
  const all = groups.data ?? [];
  return (
    <div className="page">
      <h1>My royalties</h1>
      <p className="muted">
        Every split that names <Address value={publicKey} />, and what each owes you now (floor(pool × share) minus what you already
        claimed). Claims are paid into your associated token account.
      </p>
      {groups.error && <p className="error">Could not load the splits: {groups.error.message}</p>}
      {groups.loading && !groups.data && <p>Loading…</p>}
      {groups.data && all.length === 0 && <p data-testid="no-royalties">You are not a recipient of any split on this cluster.</p>}
      <TxStatus state={tx.state} />
      {all.map((g) => {
        const info = mints.get(g.mint.toBase58());
        const claimable = g.rows.filter((r) => r.owed > 0n);
        return (
          <section key={g.mint.toBase58()} className="card" data-testid="royalty-mint" data-mint={g.mint.toBase58()}>
            <h2>
              Paid in {mintSymbol(info) && <span data-testid="royalty-mint-symbol">{mintSymbol(info)} </span>}
              <Address value={g.mint} />
            </h2>
            <p>
              Claimable: <TokenAmount amount={g.total} mint={g.mint} info={info} testId="claimable-total" /> · Your balance:{" "}
              <TokenAmount amount={g.balance} mint={g.mint} info={info} testId="mint-balance" />
            </p>
            <button
              type="button"
              data-testid="claim-all-button"
              disabled={claimable.length === 0 || tx.busy}
              onClick={() => void claim(`Claim all (${claimable.length} split${claimable.length === 1 ? "" : "s"})`, claimable)}
            >
              Claim all
            </button>
            <table className="table">
              <thead>
                <tr>
                  <th>Asset</th>
                  <th>Split</th>
                  <th>Your share</th>
                  <th>Claimable</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {g.rows.map((r) => (
                  <tr
                    key={(r.parked ?? r.split).publicKey.toBase58()}
                    data-testid="royalty-row"
                    data-split={r.split.publicKey.toBase58()}
                    data-subject={r.split.account.subject.toBase58()}
                    data-parked={r.parked ? r.parked.publicKey.toBase58() : undefined}
                  >
                    <td>
                      <AssetLink asset={r.split.account.subject} />
                    </td>
                    <td>
                      <Address value={r.split.publicKey} />
                    </td>
                    <td>{r.bps > 0 ? formatBps(r.bps) : r.parked ? "removed (parked balance)" : "removed (unclaimed balance)"}</td>
                    <td>
                      <TokenAmount amount={r.owed} mint={g.mint} info={info} testId="claimable" />
                      {r.uncredited > 0n && (
                        <div className="muted" data-testid="uncredited">
                          + <TokenAmount amount={r.uncredited} mint={g.mint} info={info} /> sent to the vault without a deposit{" "}
                          <button type="button" className="small" data-testid="sync-button" disabled={tx.busy} onClick={() => void sync(r.split)}>
                            Credit it (sync)
                          </button>
                        </div>
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="small"
                        data-testid="claim-button"
                        disabled={r.owed === 0n || tx.busy}
                        onClick={() => void claim("Claim", [r])}
                      >
                        Claim
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </div>
  );
}
