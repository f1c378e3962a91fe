import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { PublicKey } from "@solana/web3.js";
import { type FormEvent, useEffect, useRef, useState } from "react";

import { AssetLink } from "../components/Address";
import { type ParentRow, ParentsEditor, checkParents } from "../components/ParentsEditor";
import { type ShareRow, SplitEditor, checkSplit } from "../components/SplitEditor";
import { mintOptionLabel } from "../components/TokenAmount";
import { TxStatus } from "../components/TxStatus";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { useTx } from "../hooks/useTx";
import { fetchRegistryConfig } from "../lib/accounts";
import { U64_MAX, formatInt, parseUnits } from "../lib/amounts";
import { type HashMethod, fromHex, sha256File, sha256Text, toHex } from "../lib/hash";
import { publishInstructions } from "../lib/instructions";
import { LICENSE_FLAGS } from "../lib/license";

const DURATION_UNITS = { seconds: 1n, hours: 3_600n, days: 86_400n } as const;
type DurationUnit = keyof typeof DURATION_UNITS;

interface HashState {
  fileName?: string;
  progress?: number;
  method?: HashMethod;
  error?: string;
}

export function PublishPage() {
  const programs = usePrograms();
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const tx = useTx();
  const config = useAsync(() => fetchRegistryConfig(programs), [programs]);
  const mints = useMints(config.data?.paymentMints ?? []);

  const [kind, setKind] = useState<"dataset" | "model">("dataset");
  const [hashHex, setHashHex] = useState("");
  const [hashState, setHashState] = useState<HashState>({});
  const [uri, setUri] = useState("");
  const [mint, setMint] = useState("");
  const [price, setPrice] = useState("");
  const [maxSupply, setMaxSupply] = useState("0");
  const [duration, setDuration] = useState("0");
  const [durationUnit, setDurationUnit] = useState<DurationUnit>("days");
  const [licenseFlags, setLicenseFlags] = useState(0);
  const [terms, setTerms] = useState("");
  const [inferenceRoyaltyBps, setInferenceRoyaltyBps] = useState("0");
  const [inferenceGated, setInferenceGated] = useState(false);
  const [previousVersion, setPreviousVersion] = useState("");
  const [parents, setParents] = useState<ParentRow[]>([]);
  const [recipients, setRecipients] = useState<ShareRow[]>([]);
  const [published, setPublished] = useState<PublicKey | null>(null);

  // Default payment mint: the first allowed one; default split: the publisher alone.
  useEffect(() => {
    if (!mint && config.data?.paymentMints.length) setMint(config.data.paymentMints[0].toBase58());
  }, [config.data, mint]);
  const defaultedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!publicKey || defaultedFor.current === publicKey.toBase58()) return;
    defaultedFor.current = publicKey.toBase58();
    setRecipients((rows) => (rows.length === 0 ? [{ address: publicKey.toBase58(), bps: "10000" }] : rows));
  }, [publicKey]);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setHashHex("");
    setHashState({ fileName: file.name, progress: 0 });
    try {
      const { hash, method } = await sha256File(file, (done, total) =>
        setHashState({ fileName: file.name, progress: total ? done / total : 1 }),
      );
      setHashHex(toHex(hash));
      setHashState({ fileName: file.name, progress: 1, method });
    } catch (e) {
      setHashState({ fileName: file.name, error: e instanceof Error ? e.message : String(e) });
    }
  };

  // Every check the programs would make, before anything is sent.
  const split = checkSplit(recipients);
  const parentCheck = kind === "model" ? checkParents(parents) : { total: 0, problems: [] };
  const mintInfo = mints.get(mint);
  const problems: string[] = [];
  const contentHash = fromHex(hashHex);
  if (!contentHash) problems.push("Choose the file (or paste its SHA-256 as 64 hex digits)");
  else if (contentHash.every((b) => b === 0)) problems.push("The content hash cannot be all zeros");
  const uriBytes = new TextEncoder().encode(uri.trim()).length;
  if (uriBytes === 0 || uriBytes > 200) problems.push("The metadata URI must be 1–200 bytes");
  let priceUnits: bigint | null = null;
  if (!mintInfo) problems.push("Choose a payment mint");
  else {
    try {
      priceUnits = parseUnits(price, mintInfo.decimals);
      if (priceUnits === 0n) problems.push("The price must be above zero");
      if (priceUnits > U64_MAX) problems.push("The price is too large");
    } catch (e) {
      problems.push(`Price: ${(e as Error).message}`);
    }
  }
  const supply = /^\d+$/.test(maxSupply.trim()) ? BigInt(maxSupply.trim()) : null;
  if (supply === null) problems.push("The max supply must be a whole number (0 = unlimited)");
  const durationSeconds = /^\d+$/.test(duration.trim()) ? BigInt(duration.trim()) * DURATION_UNITS[durationUnit] : null;
  if (durationSeconds === null) problems.push("The access duration must be a whole number (0 = perpetual)");
  const royaltyBps = /^\d+$/.test(inferenceRoyaltyBps.trim()) ? Number(inferenceRoyaltyBps.trim()) : NaN;
  if (kind === "model" && !(royaltyBps >= 0 && royaltyBps <= 5_000)) problems.push("The inference royalty must be 0–5,000 bps");
  let previous: PublicKey | null = null;
  if (previousVersion.trim()) {
    try {
      previous = new PublicKey(previousVersion.trim());
    } catch {
      problems.push("The previous version is not an address");
    }
  }
  problems.push(...parentCheck.problems, ...split.problems);
  if (!publicKey) problems.push("Connect a wallet: it signs as the publisher");
  const canSubmit = problems.length === 0 && !tx.busy;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // The button is disabled while there is a problem; Enter in a field must not bypass that.
    if (!canSubmit || !publicKey || !contentHash || priceUnits === null || supply === null || durationSeconds === null) return;
    setPublished(null);
    const termsHash = terms.trim() ? sha256Text(terms.trim()) : new Uint8Array(32);
    let asset: PublicKey | null = null;
    const sig = await tx.run(`Publish the ${kind}`, async () => {
      const built = await publishInstructions(connection, {
        publisher: publicKey,
        kind,
        contentHash,
        uri: uri.trim(),
        licenseFlags,
        termsHash,
        paymentMint: new PublicKey(mint),
        price: priceUnits!,
        maxSupply: supply,
        accessDuration: durationSeconds,
        inferenceRoyaltyBps: kind === "model" ? royaltyBps : 0,
        inferenceGated: kind === "model" && inferenceGated,
        parents: kind === "model" ? parents.map((p) => ({ asset: new PublicKey(p.asset.trim()), bps: Number(p.bps) })) : [],
        recipients: recipients.map((r) => ({ address: new PublicKey(r.address.trim()), bps: Number(r.bps) })),
        previousVersion: previous,
      });
      asset = built.asset;
      return built.instructions;
    });
    if (sig && asset) setPublished(asset);
  };

  return (
    <div className="page">
      <h1>Publish a dataset or a model</h1>
      {!config.loading && !config.data && <p className="warning">The registry is not initialised on this cluster.</p>}
      <form className="form card" onSubmit={submit} data-testid="publish-form">
        <fieldset>
          <legend>Artifact</legend>
          <div className="row">
            <label>
              <input type="radio" name="kind" data-testid="kind-dataset" checked={kind === "dataset"} onChange={() => setKind("dataset")} />{" "}
              Dataset
            </label>
            <label>
              <input type="radio" name="kind" data-testid="kind-model" checked={kind === "model"} onChange={() => setKind("model")} /> Model
            </label>
          </div>
          <label>
            File (hashed in this browser; it is not uploaded)
            <input type="file" data-testid="file-input" onChange={(e) => void onFile(e.target.files?.[0])} />
          </label>
          {hashState.progress !== undefined && hashState.progress < 1 && (
            <p className="muted" data-testid="hash-progress">
              Hashing {hashState.fileName}: {Math.floor(hashState.progress * 100)}%
            </p>
          )}
          {hashState.error && <p className="error">Could not read the file: {hashState.error}</p>}
          <label>
            Content hash (SHA-256)
            <input data-testid="content-hash-input" value={hashHex} onChange={(e) => setHashHex(e.target.value)} placeholder="64 hex digits" />
          </label>
          {hashState.method && (
            <p className="muted" data-testid="hash-method">
              {hashState.fileName} hashed ({hashState.method === "streamed" ? "streamed" : "Web Crypto"})
            </p>
          )}
          <label>
            Metadata URI
            <input data-testid="uri-input" value={uri} onChange={(e) => setUri(e.target.value)} placeholder="ar://…, ipfs://…, https://…" />
          </label>
          <label>
            Previous version (optional: the asset this one supersedes)
            <input
              data-testid="previous-version-input"
              value={previousVersion}
              onChange={(e) => setPreviousVersion(e.target.value)}
              placeholder="asset address"
            />
          </label>
        </fieldset>

        <fieldset>
          <legend>Sale</legend>
          <label>
            Payment mint
            <select data-testid="mint-select" value={mint} onChange={(e) => setMint(e.target.value)}>
              {(config.data?.paymentMints ?? []).map((m) => (
                <option key={m.toBase58()} value={m.toBase58()}>
                  {mintOptionLabel(m, mints.get(m.toBase58()))}
                </option>
              ))}
            </select>
          </label>
          <label>
            Price per access token
            <input data-testid="price-input" value={price} inputMode="decimal" onChange={(e) => setPrice(e.target.value)} />
          </label>
          <label>
            Max supply (0 = unlimited)
            <input data-testid="supply-input" value={maxSupply} inputMode="numeric" onChange={(e) => setMaxSupply(e.target.value)} />
          </label>
          <label>
            Access per token (0 = perpetual)
            <div className="row">
              <input data-testid="duration-input" className="narrow" value={duration} inputMode="numeric" onChange={(e) => setDuration(e.target.value)} />
              <select data-testid="duration-unit" value={durationUnit} onChange={(e) => setDurationUnit(e.target.value as DurationUnit)}>
                <option value="seconds">seconds</option>
                <option value="hours">hours</option>
                <option value="days">days</option>
              </select>
            </div>
          </label>
        </fieldset>

        <fieldset>
          <legend>License</legend>
          {LICENSE_FLAGS.map((f) => (
            <label key={f.bit} className="check">
              <input
                type="checkbox"
                data-testid={`license-${f.bit}`}
                checked={(licenseFlags & f.bit) !== 0}
                onChange={(e) => setLicenseFlags(e.target.checked ? licenseFlags | f.bit : licenseFlags & ~f.bit)}
              />{" "}
              {f.name}
            </label>
          ))}
          <label>
            License terms (text or URL; its SHA-256 is recorded)
            <input value={terms} onChange={(e) => setTerms(e.target.value)} />
          </label>
        </fieldset>

        {kind === "model" && (
          <fieldset>
            <legend>Model</legend>
            <label>
              Inference royalty (bps of each paid inference, ≤ 5,000)
              <input data-testid="royalty-input" value={inferenceRoyaltyBps} inputMode="numeric" onChange={(e) => setInferenceRoyaltyBps(e.target.value)} />
            </label>
            <label className="check">
              <input type="checkbox" checked={inferenceGated} onChange={(e) => setInferenceGated(e.target.checked)} /> Inference requires a
              valid pass
            </label>
            <h3>Parents (datasets it was trained on)</h3>
            <ParentsEditor rows={parents} onChange={setParents} />
          </fieldset>
        )}

        <fieldset>
          <legend>Royalty split (exactly 10,000 bps)</legend>
          <SplitEditor rows={recipients} onChange={setRecipients} />
        </fieldset>

        {problems.length > 0 && (
          <ul className="problems" data-testid="publish-problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <button type="submit" data-testid="publish-button" disabled={!canSubmit}>
          Publish
        </button>
        <p className="muted">
          Total to recipients: {formatInt(split.total)} bps{kind === "model" ? ` · parents: ${formatInt(parentCheck.total)} bps` : ""}
        </p>
        <TxStatus state={tx.state} />
        {published && (
          <p className="ok" data-testid="published-asset" data-address={published.toBase58()}>
            Published: <AssetLink asset={published} label={published.toBase58()} />
          </p>
        )}
      </form>
    </div>
  );
}
