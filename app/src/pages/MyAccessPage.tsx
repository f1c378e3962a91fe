import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { PublicKey } from "@solana/web3.js";

import { AssetLink } from "../components/Address";
import { PassExpiry, PassStatus, passState } from "../components/Pass";
import { ScrollTable } from "../components/Table";
import { TokenAmount } from "../components/TokenAmount";
import { TxStatus } from "../components/TxStatus";
import { useIndexer } from "../components/publisher/indexer";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { useTx } from "../hooks/useTx";
import { type AccessPass, type Asset, type Keyed, variant } from "../lib/accounts";
import { big, formatDuration } from "../lib/amounts";
import { buyInstructions, durationGuard } from "../lib/instructions";

/** AccessPass: 8-byte discriminator, asset (32), then the holder. */
const PASS_HOLDER_OFFSET = 40;

interface Row {
  pass: Keyed<AccessPass>;
  asset: Asset | null;
  tokens: bigint;
}

/** The access tokens the wallet holds, per mint, over all its token accounts (SPL Token and Token-2022). */
async function tokensByMint(connection: ReturnType<typeof useConnection>["connection"], owner: PublicKey): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const programId of [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID]) {
    const res = await connection.getParsedTokenAccountsByOwner(owner, { programId }, "confirmed");
    for (const { account } of res.value) {
      const info = (account.data as { parsed?: { info?: { mint?: string; tokenAmount?: { amount?: string } } } }).parsed?.info;
      if (!info?.mint || !info.tokenAmount?.amount) continue;
      out.set(info.mint, (out.get(info.mint) ?? 0n) + BigInt(info.tokenAmount.amount));
    }
  }
  return out;
}

/** "My access": the connected wallet's passes, their expiry (a countdown), the tokens held; renew by buying again. */
export function MyAccessPage() {
  const programs = usePrograms();
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const tx = useTx();

  const rows = useAsync(async (): Promise<Row[] | null> => {
    if (!publicKey) return null;
    const passes = (await programs.registry.account.accessPass.all([
      { memcmp: { offset: PASS_HOLDER_OFFSET, bytes: publicKey.toBase58() } },
    ])) as Keyed<AccessPass>[];
    const [assets, tokens] = await Promise.all([
      programs.registry.account.asset.fetchMultiple(passes.map((p) => p.account.asset)) as Promise<(Asset | null)[]>,
      tokensByMint(connection, publicKey),
    ]);
    return passes
      .map((pass, i) => ({ pass, asset: assets[i], tokens: assets[i] ? (tokens.get(assets[i]!.accessMint.toBase58()) ?? 0n) : 0n }))
      .sort((a, b) => Number(big(b.pass.account.createdAt) - big(a.pass.account.createdAt)));
  }, [programs, connection, publicKey]);

  const mints = useMints((rows.data ?? []).flatMap((r) => (r.asset ? [r.asset.paymentMint] : [])));
  // Names from the assets' metadata, through the indexer when it runs (else the on-chain URI is shown).
  const indexer = useIndexer();
  const names = useAsync(async () => {
    const out = new Map<string, string>();
    await Promise.all(
      (rows.data ?? []).map(async (r) => {
        const a = r.pass.account.asset.toBase58();
        const name = await indexer
          .asset(a)
          .then((x) => x.metadata?.name)
          .catch(() => null);
        if (name) out.set(a, name);
      }),
    );
    return out;
  }, [rows.data, indexer]);

  const renew = async (r: Row) => {
    if (!publicKey || !r.asset) return;
    const a = r.asset;
    const sig = await tx.run(`Renew access to ${a.uri} (buy 1 access token)`, () =>
      // Guards: the price shown in the row and the access duration it states.
      buyInstructions(connection, publicKey, r.pass.account.asset, a, 1n, big(a.price), durationGuard(a)),
    );
    if (sig) rows.reload();
  };

  return (
    <div className="page">
      <h1>My access</h1>
      {!publicKey ? (
        <p className="muted">Connect a wallet to see its passes.</p>
      ) : rows.error ? (
        <p className="error">Could not load the passes: {rows.error.message}</p>
      ) : !rows.data ? (
        <p>Loading…</p>
      ) : rows.data.length === 0 ? (
        <p className="muted" data-testid="my-access-empty">
          This wallet holds no pass. Buy access on an asset's page.
        </p>
      ) : (
        <ScrollTable
          label="Your access passes"
          testId="my-access"
          columns={["Asset", "Kind", "Pass", "Expiry", "Access tokens held", "Price", "Renew"]}
        >
          {rows.data.map((r) => (
            <PassRow
              key={r.pass.publicKey.toBase58()}
              row={r}
              name={names.data?.get(r.pass.account.asset.toBase58()) ?? null}
              mints={mints}
              busy={tx.busy}
              onRenew={() => void renew(r)}
            />
          ))}
        </ScrollTable>
      )}
      <TxStatus state={tx.state} />
    </div>
  );
}

function PassRow({
  row,
  name,
  mints,
  busy,
  onRenew,
}: {
  row: Row;
  /** The asset's name from its metadata (the indexer), if known. */
  name: string | null;
  mints: ReturnType<typeof useMints>;
  busy: boolean;
  onRenew: () => void;
}) {
  const p = row.pass.account;
  const a = row.asset;
  const assetKey = p.asset.toBase58();
  const now = Math.floor(Date.now() / 1000);
  const listed = a ? "listed" in a.state : false;
  const free = a ? big(a.price) === 0n : false;
  return (
    <tr data-testid="my-access-row" data-asset={assetKey} data-status={passState(p, now)}>
      <td className="uri" data-testid="my-access-asset">
        {a ? <AssetLink asset={assetKey} label={name ?? a.uri} /> : <AssetLink asset={assetKey} />}
        {name && a && <div className="muted">{a.uri}</div>}
      </td>
      <td>{a ? variant(a.kind) : "?"}</td>
      <td data-testid="my-access-status">
        <PassStatus pass={p} now={now} />
      </td>
      <td data-testid="my-access-expiry">
        <PassExpiry pass={p} />
      </td>
      <td data-testid="my-access-tokens">{row.tokens.toString()}</td>
      <td>
        {a ? (
          <>
            <TokenAmount amount={big(a.price)} mint={a.paymentMint} info={mints.get(a.paymentMint.toBase58())} />
            {!p.perpetual && big(a.accessDuration) > 0n && <span className="muted"> · +{formatDuration(big(a.accessDuration))}</span>}
          </>
        ) : (
          "—"
        )}
      </td>
      <td>
        <button
          type="button"
          className="small"
          data-testid="my-access-renew"
          disabled={busy || !a || !listed || free || p.revoked}
          title={p.revoked ? "A revoked pass is never renewed" : !listed ? "Not for sale" : free ? "A free asset is claimed on its page" : undefined}
          onClick={onRenew}
        >
          Buy again
        </button>
      </td>
    </tr>
  );
}
