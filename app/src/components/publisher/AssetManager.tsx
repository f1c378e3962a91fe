// One of the publisher's assets on the dashboard: its terms, its sales and revenue over time
// (charts from the indexer), its holders (their passes, read from the chain), and every action
// the publisher may take — each behind a confirmation, each shown as pending, confirmed with an
// explorer link, or refused with the program's error name (TxStatus).

import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { PublicKey, type TransactionInstruction } from "@solana/web3.js";
import {
  revokePassInstruction,
  setAssetStateInstruction,
  updateAssetInstruction,
  updateSplitInstruction,
} from "@tessera/sdk";
import { useState } from "react";

import { AssetLink, Address } from "../Address";
import { type ConfirmText, ConfirmedAction } from "../ConfirmedAction";
import { PassExpiry, PassStatus, passState } from "../Pass";
import { type ShareRow, SplitEditor, checkSplit } from "../SplitEditor";
import { TokenAmount } from "../TokenAmount";
import { ScrollTable } from "../Table";
import { TxStatus } from "../TxStatus";
import { useAsync } from "../../hooks/useAsync";
import { usePrograms } from "../../hooks/usePrograms";
import { useTx } from "../../hooks/useTx";
import {
  type AccessPass,
  type Asset,
  type Keyed,
  type MintInfo,
  type Split,
  fetchSplit,
  variant,
} from "../../lib/accounts";
import { U64_MAX, big, formatBps, formatDuration, formatInt, formatUnits, parseUnits } from "../../lib/amounts";
import { fromHex, sha256File, toHex } from "../../lib/hash";
import { publishInstructions } from "../../lib/instructions";
import { BarChart } from "./BarChart";
import type { IndexedAsset, IndexerClient } from "./indexer";

const DURATION_UNITS = { seconds: 1n, hours: 3_600n, days: 86_400n } as const;
type DurationUnit = keyof typeof DURATION_UNITS;

/** Chart buckets the publisher may pick. */
const BUCKETS = { hour: 3_600, day: 86_400, week: 604_800 } as const;
type Bucket = keyof typeof BUCKETS;

function bucketLabel(start: number, bucket: Bucket): string {
  const iso = new Date(start * 1000).toISOString();
  return bucket === "hour" ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(0, 10);
}

/** The asset's passes (every holder), read from the chain: AccessPass.asset is at byte 8. */
async function fetchHolders(programs: ReturnType<typeof usePrograms>, asset: PublicKey): Promise<Keyed<AccessPass>[]> {
  const found = (await programs.registry.account.accessPass.all([
    { memcmp: { offset: 8, bytes: asset.toBase58() } },
  ])) as Keyed<AccessPass>[];
  return found.sort((a, b) => Number(big(b.account.createdAt) - big(a.account.createdAt)));
}

export function AssetManager({
  asset,
  indexed,
  indexer,
  mint,
  onChanged,
}: {
  asset: Keyed<Asset>;
  /** The indexer's record (name from the metadata, sales); undefined while not indexed. */
  indexed: IndexedAsset | undefined;
  indexer: IndexerClient;
  mint: MintInfo | undefined;
  /** After a confirmed transaction: reload the assets. */
  onChanged: () => void;
}) {
  const programs = usePrograms();
  const { publicKey } = useWallet();
  const tx = useTx();
  const [panel, setPanel] = useState<"none" | "terms" | "split" | "version">("none");
  const [bucket, setBucket] = useState<Bucket>("day");
  const a = asset.account;
  const address = asset.publicKey.toBase58();
  const state = variant<"listed" | "delisted" | "retired">(a.state);
  const kind = variant<"dataset" | "model">(a.kind);
  const name = indexed?.metadata.name ?? null;

  const history = useAsync(async () => {
    const revenue = await indexer.revenue(address, BUCKETS[bucket]);
    return revenue;
  }, [indexer, address, bucket]);
  const holders = useAsync(() => fetchHolders(programs, asset.publicKey), [programs, address]);
  const split = useAsync(() => fetchSplit(programs, a.split), [programs, a.split.toBase58()]);

  const units = (v: bigint) => (mint ? formatUnits(v, mint.decimals) : v.toString());
  const reloadAll = () => {
    onChanged();
    history.reload();
    holders.reload();
    split.reload();
  };
  /** Sends (once confirmed: every action below is a ConfirmedAction); reloads once confirmed on chain. */
  const send: Send = (title, build) => {
    void tx.run(title, build).then((sig) => {
      if (sig) {
        setPanel("none");
        reloadAll();
      }
    });
  };
  const busy = tx.busy || !publicKey;
  /** A button behind a confirmation that sets the asset's state (delist, relist, retire). */
  const stateAction = (action: "delist" | "relist" | "retire", label: string, body: ConfirmText["body"], danger = false) => (
    <ConfirmedAction
      className="row"
      submitLabel={label}
      submitTestId={action}
      submitClassName="small"
      submitStyle={danger ? { background: "#b91c1c" } : undefined}
      busy={busy}
      confirm={() => ({ title: label, body })}
      onConfirmed={() => send(label, async () => [setAssetStateInstruction(publicKey!, asset.publicKey, action)])}
    />
  );

  const series = history.data?.series ?? [];
  return (
    <section className="card" data-testid={`asset-${address}`} data-state={state} aria-label={name ?? address}>
      <h2 style={{ wordBreak: "break-word" }}>
        <AssetLink asset={asset.publicKey} label={name ?? undefined} />{" "}
        <span className="tag">{kind}</span> <span className="tag" data-testid="asset-state">{state}</span>
      </h2>
      {indexed?.metadata.description && <p className="muted">{indexed.metadata.description}</p>}
      <dl className="details">
        <dt>Address</dt>
        <dd>
          <Address value={asset.publicKey} />
        </dd>
        <dt>Price</dt>
        <dd>
          <TokenAmount amount={big(a.price)} mint={a.paymentMint} info={mint} testId="asset-price" />
        </dd>
        <dt>Sold</dt>
        <dd data-testid="asset-sold">
          {formatInt(big(a.sold))} of {big(a.maxSupply) === 0n ? "unlimited" : formatInt(big(a.maxSupply))} ({formatInt(big(a.sales))} sales)
        </dd>
        <dt>Access</dt>
        <dd data-testid="asset-duration">{big(a.accessDuration) === 0n ? "perpetual" : formatDuration(big(a.accessDuration))} per token</dd>
        <dt>URI</dt>
        <dd data-testid="asset-uri">{a.uri}</dd>
        {a.previousVersion && (
          <>
            <dt>Previous version</dt>
            <dd data-testid="asset-previous-version">
              <AssetLink asset={a.previousVersion} />
            </dd>
          </>
        )}
        {a.successor && (
          <>
            <dt>Superseded by</dt>
            <dd data-testid="asset-successor">
              <AssetLink asset={a.successor} />
            </dd>
          </>
        )}
      </dl>

      <div className="actions" style={{ margin: "0.8rem 0" }}>
        <button type="button" className="small" data-testid="open-terms" onClick={() => setPanel(panel === "terms" ? "none" : "terms")}>
          Update terms
        </button>
        <button type="button" className="small" data-testid="open-split" onClick={() => setPanel(panel === "split" ? "none" : "split")}>
          Edit split
        </button>
        <button
          type="button"
          className="small"
          data-testid="open-version"
          disabled={state === "retired"}
          onClick={() => setPanel(panel === "version" ? "none" : "version")}
        >
          Publish a new version
        </button>
        {state === "listed" &&
          stateAction("delist", "Delist", <p>Nobody can buy access while it is delisted; passes already sold stay valid. You can relist it later.</p>)}
        {state === "delisted" && stateAction("relist", "Relist", <p>It is on sale again at {units(big(a.price))}.</p>)}
        {state !== "retired" &&
          stateAction(
            "retire",
            "Retire",
            <p>
              <strong>Retiring is final:</strong> it can never be sold again nor relisted. Passes already sold stay valid.
            </p>,
            true,
          )}
      </div>
      <TxStatus state={tx.state} />

      {panel === "terms" && publicKey && <TermsForm asset={a} mint={mint} busy={tx.busy} send={send} publisher={publicKey} assetKey={asset.publicKey} />}
      {panel === "split" && publicKey && (
        <SplitForm split={split.data ?? null} splitKey={a.split} busy={tx.busy} send={send} authority={publicKey} />
      )}
      {panel === "version" && publicKey && (
        <NewVersionForm asset={a} assetKey={asset.publicKey} split={split.data ?? null} busy={tx.busy} send={send} publisher={publicKey} />
      )}

      <h3>Sales and revenue</h3>
      <div className="row">
        <label>
          Per{" "}
          <select data-testid="chart-bucket" value={bucket} onChange={(e) => setBucket(e.target.value as Bucket)}>
            <option value="hour">hour</option>
            <option value="day">day</option>
            <option value="week">week</option>
          </select>
        </label>
        <button type="button" className="small" data-testid="refresh-history" onClick={history.reload}>
          Refresh
        </button>
      </div>
      {history.error ? (
        <p className="error" data-testid="history-error">
          No history: {history.error.message}
        </p>
      ) : (
        <>
          <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(260px, 1fr))", gap: "0.8rem" }}>
            <BarChart
              title="Access tokens sold"
              testId="chart-sold"
              points={series.map((b) => ({ label: bucketLabel(b.start, bucket), value: BigInt(b.quantity) }))}
              format={(v) => formatInt(v)}
            />
            <BarChart
              title={`Revenue (what buyers paid${mint ? "" : ", base units"})`}
              testId="chart-revenue"
              points={series.map((b) => ({ label: bucketLabel(b.start, bucket), value: BigInt(b.gross) }))}
              format={units}
            />
          </div>
          {history.data && (
            <p className="muted" data-testid="revenue-totals" data-gross={history.data.total.gross} data-net={history.data.total.net}>
              In total: {formatInt(history.data.total.sales)} sales, {units(BigInt(history.data.total.gross))} paid,{" "}
              {units(BigInt(history.data.total.fees))} protocol fees, {units(BigInt(history.data.total.toParents))} to parents,{" "}
              {units(BigInt(history.data.total.net))} to the split
              {history.data.asParent > 0 && <>; {units(BigInt(history.data.asParent))} received as a parent</>}.
            </p>
          )}
        </>
      )}

      <h3>Holders</h3>
      {holders.error && <p className="error">Could not read the passes: {holders.error.message}</p>}
      <HoldersTable
        holders={holders.data ?? []}
        busy={busy}
        confirmRevoke={(holder, reason) => ({
          title: "Revoke the pass",
          body: (
            <p>
              The pass of <code>{holder.toBase58()}</code> is revoked for good (reason code {reason}): it cannot use, redeem or
              renew its access. The payment is not refunded.
            </p>
          ),
        })}
        onRevoke={(holder, reason) =>
          send("Revoke the pass", async () => [revokePassInstruction(publicKey!, asset.publicKey, holder, reason)])
        }
      />
    </section>
  );
}

function HoldersTable({
  holders,
  busy,
  confirmRevoke,
  onRevoke,
}: {
  holders: Keyed<AccessPass>[];
  busy: boolean;
  confirmRevoke: (holder: PublicKey, reason: number) => ConfirmText;
  onRevoke: (holder: PublicKey, reason: number) => void;
}) {
  const [reason, setReason] = useState("1");
  const reasonNumber = /^\d+$/.test(reason.trim()) ? Number(reason.trim()) : NaN;
  const reasonOk = Number.isInteger(reasonNumber) && reasonNumber >= 1 && reasonNumber <= 65_535;
  if (holders.length === 0) return <p className="muted">Nobody holds a pass yet.</p>;
  const now = Math.floor(Date.now() / 1000);
  return (
    <>
      <label className="row" style={{ fontSize: "0.9rem" }}>
        Revocation reason code (1–65,535, kept on the pass and in the event)
        <input className="narrow" data-testid="revoke-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <ScrollTable label="Holders" testId="holders" columns={["Holder", "Bought", "Redeemed", "Valid until", "Status", ""]}>
        {holders.map((h) => {
          const p = h.account;
          return (
            <tr key={h.publicKey.toBase58()} data-testid="holder-row" data-holder={p.holder.toBase58()} data-status={passState(p, now)}>
              <td>
                <Address value={p.holder} />
              </td>
              <td>{formatInt(big(p.purchased))}</td>
              <td>{formatInt(big(p.redeemed))}</td>
              <td>
                <PassExpiry pass={p} />
              </td>
              <td data-testid="holder-status">
                <PassStatus pass={p} now={now} />
              </td>
              <td>
                {!p.revoked && (
                  <ConfirmedAction
                    className="row"
                    submitLabel="Revoke"
                    submitTestId="revoke"
                    submitClassName="small"
                    problems={reasonOk ? [] : ["Give a reason code first"]}
                    showProblems={false}
                    busy={busy}
                    confirm={() => confirmRevoke(p.holder, reasonNumber)}
                    onConfirmed={() => onRevoke(p.holder, reasonNumber)}
                  />
                )}
              </td>
            </tr>
          );
        })}
      </ScrollTable>
    </>
  );
}

/** Sends a transaction (after its confirmation) under `title`, its TxStatus label. */
type Send = (title: string, build: () => Promise<TransactionInstruction[]>) => void;

/** update_asset: only the fields filled in are changed. */
function TermsForm({
  asset,
  assetKey,
  mint,
  busy,
  send,
  publisher,
}: {
  asset: Asset;
  assetKey: PublicKey;
  mint: MintInfo | undefined;
  busy: boolean;
  send: Send;
  publisher: PublicKey;
}) {
  const [price, setPrice] = useState("");
  const [uri, setUri] = useState("");
  const [duration, setDuration] = useState("");
  const [unit, setUnit] = useState<DurationUnit>("days");
  const [supply, setSupply] = useState("");

  const problems: string[] = [];
  const changes: string[] = [];
  let priceUnits: bigint | null = null;
  if (price.trim()) {
    if (!mint) problems.push("The payment mint is still loading");
    else {
      try {
        priceUnits = parseUnits(price, mint.decimals);
        if (priceUnits === 0n) problems.push("The price must be above zero");
        else if (priceUnits > U64_MAX) problems.push("The price is too large");
        else changes.push(`price ${formatUnits(big(asset.price), mint.decimals)} → ${formatUnits(priceUnits, mint.decimals)}`);
      } catch (e) {
        problems.push(`Price: ${(e as Error).message}`);
      }
    }
  }
  const uriBytes = new TextEncoder().encode(uri.trim()).length;
  if (uri.trim()) {
    if (uriBytes > 200) problems.push("The metadata URI must be at most 200 bytes");
    else changes.push(`URI → ${uri.trim()}`);
  }
  let durationSeconds: bigint | null = null;
  if (duration.trim()) {
    if (!/^\d+$/.test(duration.trim())) problems.push("The access duration must be a whole number (0 = perpetual)");
    else {
      durationSeconds = BigInt(duration.trim()) * DURATION_UNITS[unit];
      changes.push(`access ${formatDuration(big(asset.accessDuration))} → ${durationSeconds === 0n ? "perpetual" : formatDuration(durationSeconds)}`);
    }
  }
  let supplyNumber: bigint | null = null;
  if (supply.trim()) {
    if (!/^\d+$/.test(supply.trim())) problems.push("The max supply must be a whole number (0 = unlimited)");
    else {
      supplyNumber = BigInt(supply.trim());
      if (supplyNumber !== 0n && supplyNumber < big(asset.sold)) problems.push(`The max supply cannot be below what was sold (${big(asset.sold)})`);
      else changes.push(`max supply → ${supplyNumber === 0n ? "unlimited" : formatInt(supplyNumber)}`);
    }
  }
  if (changes.length === 0 && problems.length === 0) problems.push("Fill in what to change");

  return (
    <ConfirmedAction
      testId="terms-form"
      style={{ marginBottom: "1rem" }}
      submitLabel="Update the terms"
      submitTestId="terms-submit"
      problems={problems}
      problemsTestId="terms-problems"
      busy={busy}
      confirm={() => ({
        title: "Update the terms",
        body: (
          <ul data-testid="terms-changes">
            {changes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        ),
      })}
      onConfirmed={() =>
        send("Update the terms", async () => [
          updateAssetInstruction(publisher, assetKey, {
            price: priceUnits,
            uri: uri.trim() || null,
            accessDuration: durationSeconds,
            maxSupply: supplyNumber,
          }),
        ])
      }
    >
      <p className="muted">Leave a field empty to keep it. A buyer's price and duration guards protect purchases in flight.</p>
      <label>
        Price (UI units; now {mint ? formatUnits(big(asset.price), mint.decimals) : "…"})
        <input data-testid="terms-price" value={price} onChange={(e) => setPrice(e.target.value)} inputMode="decimal" />
      </label>
      <label>
        Metadata URI
        <input data-testid="terms-uri" value={uri} placeholder={asset.uri} onChange={(e) => setUri(e.target.value)} />
      </label>
      <div className="row">
        <label>
          Access duration per token (0 = perpetual)
          <input className="narrow" data-testid="terms-duration" value={duration} onChange={(e) => setDuration(e.target.value)} />
        </label>
        <select data-testid="terms-duration-unit" aria-label="Duration unit" value={unit} onChange={(e) => setUnit(e.target.value as DurationUnit)}>
          <option value="seconds">seconds</option>
          <option value="hours">hours</option>
          <option value="days">days</option>
        </select>
      </div>
      <label>
        Max supply (0 = unlimited; now {big(asset.maxSupply) === 0n ? "unlimited" : formatInt(big(asset.maxSupply))})
        <input className="narrow" data-testid="terms-supply" value={supply} onChange={(e) => setSupply(e.target.value)} />
      </label>
    </ConfirmedAction>
  );
}

/** update_split with the same editor as at publication. */
function SplitForm({
  split,
  splitKey,
  busy,
  send,
  authority,
}: {
  split: Split | null;
  splitKey: PublicKey;
  busy: boolean;
  send: Send;
  authority: PublicKey;
}) {
  const [rows, setRows] = useState<ShareRow[] | null>(null);
  if (!split) return <p className="muted">Loading the split…</p>;
  if (!split.authority.equals(authority)) {
    return (
      <p className="warning">
        This wallet is not the split's authority (<Address value={split.authority} />): only it can change the split.
      </p>
    );
  }
  const current: ShareRow[] = split.entries.filter((e) => e.bps > 0).map((e) => ({ address: e.address.toBase58(), bps: String(e.bps) }));
  const shown = rows ?? current;
  const { problems } = checkSplit(shown);
  const recipients = () => shown.map((r) => ({ address: new PublicKey(r.address.trim()), bps: Number(r.bps.trim()) }));
  return (
    <ConfirmedAction
      testId="split-form"
      style={{ marginBottom: "1rem" }}
      submitLabel="Update the split"
      submitTestId="split-submit"
      problems={problems}
      problemsTestId="split-problems"
      busy={busy}
      confirm={() => ({
        title: "Update the split",
        body: (
          <>
            <p>From the next sale on, the split pays:</p>
            <ul>
              {recipients().map((r) => (
                <li key={r.address.toBase58()}>
                  <code>{r.address.toBase58()}</code>: {formatBps(r.bps)}
                </li>
              ))}
            </ul>
            <p className="muted">What the split already received stays owed to the recipients of the time, claimable as before.</p>
          </>
        ),
      })}
      onConfirmed={() => {
        const chosen = recipients();
        send("Update the split", async () => [updateSplitInstruction(authority, splitKey, split.version, chosen)]);
      }}
    >
      <SplitEditor rows={shown} onChange={setRows} />
    </ConfirmedAction>
  );
}

/**
 * publish_asset of a new version linked to this one (previous_version), with this one's terms,
 * parents and split; optionally delisting this one in the same transaction.
 */
function NewVersionForm({
  asset,
  assetKey,
  split,
  busy,
  send,
  publisher,
}: {
  asset: Asset;
  assetKey: PublicKey;
  split: Split | null;
  busy: boolean;
  send: Send;
  publisher: PublicKey;
}) {
  const { connection } = useConnection();
  const [hashHex, setHashHex] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [uri, setUri] = useState(asset.uri);
  const [delistOld, setDelistOld] = useState(true);
  const contentHash = fromHex(hashHex);
  const problems: string[] = [];
  if (!contentHash) problems.push("Choose the new file (or paste its SHA-256 as 64 hex digits)");
  else if (toHex(contentHash) === toHex(asset.contentHash)) problems.push("The new version must have other content than this one");
  const uriBytes = new TextEncoder().encode(uri.trim()).length;
  if (uriBytes === 0 || uriBytes > 200) problems.push("The metadata URI must be 1–200 bytes");
  if (!split) problems.push("Loading the split…");
  const state = variant(asset.state);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setProgress(0);
    const { hash } = await sha256File(file, (done, total) => setProgress(total ? done / total : 1));
    setHashHex(toHex(hash));
    setProgress(null);
  };

  const delisting = delistOld && state === "listed";
  const title = delisting ? "Publish the new version and delist this one" : "Publish the new version";
  const publishVersion = () => {
    if (!contentHash || !split) return;
    const recipients = split.entries.filter((x) => x.bps > 0).map((x) => ({ address: x.address, bps: x.bps }));
    send(title, async () => {
      const built = await publishInstructions(connection, {
        publisher,
        kind: variant(asset.kind),
        contentHash,
        uri: uri.trim(),
        licenseFlags: asset.license.flags,
        termsHash: Uint8Array.from(asset.license.termsHash),
        paymentMint: asset.paymentMint,
        price: big(asset.price),
        maxSupply: big(asset.maxSupply),
        accessDuration: big(asset.accessDuration),
        inferenceRoyaltyBps: asset.inferenceRoyaltyBps,
        inferenceGated: asset.inferenceGated,
        parents: asset.parents.map((p) => ({ asset: p.asset, bps: p.bps })),
        recipients,
        previousVersion: assetKey,
      });
      const delist = delisting ? [setAssetStateInstruction(publisher, assetKey, "delist")] : [];
      return [...built.instructions, ...delist];
    });
  };

  return (
    <ConfirmedAction
      testId="version-form"
      style={{ marginBottom: "1rem" }}
      submitLabel="Publish the new version"
      submitTestId="version-submit"
      problems={problems}
      busy={busy}
      confirm={() => ({
        title,
        body: (
          <p>
            A new {variant(asset.kind)} with the same price, mint, supply, duration, license, parents and split, linked to this one
            as its previous version{delisting ? "; this one is delisted in the same transaction" : ""}.
          </p>
        ),
      })}
      onConfirmed={publishVersion}
    >
      <label>
        The new file (hashed in this browser; not uploaded)
        <input type="file" data-testid="version-file" onChange={(e) => void onFile(e.target.files?.[0])} />
      </label>
      {progress !== null && <p className="muted">Hashing: {Math.floor(progress * 100)}%</p>}
      <label>
        Content hash (SHA-256)
        <input data-testid="version-hash" value={hashHex} onChange={(e) => setHashHex(e.target.value)} placeholder="64 hex digits" />
      </label>
      <label>
        Metadata URI
        <input data-testid="version-uri" value={uri} onChange={(e) => setUri(e.target.value)} />
      </label>
      {state === "listed" && (
        <label className="check">
          <input type="checkbox" data-testid="version-delist-old" checked={delistOld} onChange={(e) => setDelistOld(e.target.checked)} /> Take
          this version off sale (delist it in the same transaction)
        </label>
      )}
    </ConfirmedAction>
  );
}
