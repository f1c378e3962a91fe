import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { PublicKey } from "@solana/web3.js";
import { providerAddress } from "@tessera/sdk";
import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";

import { Address } from "../Address";
import { Problems } from "../ConfirmedAction";
import { TxStatus } from "../TxStatus";
import { useAsync } from "../../hooks/useAsync";
import { usePrograms } from "../../hooks/usePrograms";
import { useTx } from "../../hooks/useTx";
import { type Asset, type MintInfo, fetchEscrowConfig } from "../../lib/accounts";
import { formatDuration, formatUnits, tryParseUnits } from "../../lib/amounts";
import { sha256Text } from "../../lib/hash";
import { openJobInstructions } from "../../lib/instructions";

const MAX_WINDOW = 30 * 86_400;

/** Opens a paid inference job for a model: the fee waits in escrow until a provider delivers. */
export function OpenJobForm({ assetKey, asset, mint }: { assetKey: PublicKey; asset: Asset; mint: MintInfo | undefined }) {
  const programs = usePrograms();
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const tx = useTx();
  const [fee, setFee] = useState("");
  const [input, setInput] = useState("");
  const [providerAuthority, setProviderAuthority] = useState("");
  const [windows, setWindows] = useState({ accept: "600", delivery: "600", challenge: "600" });
  const [opened, setOpened] = useState<PublicKey | null>(null);
  const config = useAsync(() => fetchEscrowConfig(programs), [programs]).data ?? null;
  // The config's minimum windows (open_job refuses shorter ones: WindowBelowMinimum).
  const minimums = config
    ? { accept: config.minAcceptWindow, delivery: config.minDeliveryWindow, challenge: config.minChallengeWindow }
    : { accept: 1, delivery: 1, challenge: 1 };

  const feeUnits = mint ? tryParseUnits(fee, mint.decimals) : null;
  const parsedWindows = Object.values(windows).map((w) => (/^\d+$/.test(w.trim()) ? Number(w.trim()) : NaN));
  let provider: PublicKey | null | "invalid" = null;
  if (providerAuthority.trim()) {
    try {
      provider = providerAddress(new PublicKey(providerAuthority.trim()));
    } catch {
      provider = "invalid";
    }
  }
  const problems: string[] = [];
  if (feeUnits === null || feeUnits === 0n) problems.push("The fee must be above zero");
  if (!input.trim()) problems.push("Describe the input (only its SHA-256 goes on chain)");
  if (!parsedWindows.every((w) => w >= 1 && w <= MAX_WINDOW)) problems.push("Windows must be 1 s to 30 days");
  (["accept", "delivery", "challenge"] as const).forEach((k, i) => {
    if (parsedWindows[i] < minimums[k]) problems.push(`The ${k} window must be at least ${formatDuration(minimums[k])}`);
  });
  if (provider === "invalid") problems.push("The provider is not an address");
  if (!publicKey) problems.push("Connect a wallet");

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problems.length || !publicKey || feeUnits === null || provider === "invalid") return;
    setOpened(null);
    let job: PublicKey | null = null;
    const sig = await tx.run("Open an inference job", async () => {
      const built = await openJobInstructions(connection, {
        consumer: publicKey,
        modelKey: assetKey,
        model: asset,
        jobId: BigInt(Date.now()),
        fee: feeUnits,
        inputCommitment: sha256Text(input.trim()),
        provider: provider as PublicKey | null,
        acceptWindow: parsedWindows[0],
        deliveryWindow: parsedWindows[1],
        challengeWindow: parsedWindows[2],
      });
      job = built.job;
      return built.instructions;
    });
    if (sig && job) setOpened(job);
  };

  const windowInput = (key: keyof typeof windows, label: string) => (
    <label>
      {label} (seconds, at least <span data-testid={`job-${key}-window-min`}>{minimums[key]}</span>)
      <input
        data-testid={`job-${key}-window`}
        value={windows[key]}
        inputMode="numeric"
        onChange={(e) => setWindows({ ...windows, [key]: e.target.value })}
      />
    </label>
  );

  return (
    <section className="card" data-testid="open-job">
      <h2>Pay for an inference</h2>
      <form className="form" onSubmit={submit}>
        <label>
          Fee (held in escrow)
          <input data-testid="job-fee" value={fee} inputMode="decimal" onChange={(e) => setFee(e.target.value)} />
        </label>
        <label>
          Input (its SHA-256 is the job's input commitment)
          <input data-testid="job-input" value={input} onChange={(e) => setInput(e.target.value)} />
        </label>
        <label>
          Provider's wallet (optional; empty: any provider serving this model)
          <input value={providerAuthority} onChange={(e) => setProviderAuthority(e.target.value)} />
        </label>
        {windowInput("accept", "Accept window")}
        {windowInput("delivery", "Delivery window")}
        {windowInput("challenge", "Challenge window")}
        {asset.inferenceGated && <p className="muted">This model is access-gated: your pass is checked.</p>}
        {config && mint && feeUnits !== null && feeUnits > 0n && (
          <p className="muted" data-testid="job-slash-cap-note">
            The provider that accepts puts at most{" "}
            {formatUnits(feeUnits * BigInt(config.maxSlashFeeMultiple), mint.decimals)} of its bond at stake (
            {config.maxSlashFeeMultiple}× the fee, {config.slashBps / 100}% of its bond at most), paid to you if it misses
            the delivery window or loses a dispute. An unresolved dispute is settled half each{" "}
            {formatDuration(config.disputeWindow)} after it is raised.
          </p>
        )}
        {fee && <Problems problems={problems} />}
        <button type="submit" data-testid="open-job-button" disabled={problems.length > 0 || tx.busy}>
          Open the job
        </button>
      </form>
      <TxStatus state={tx.state} />
      {opened && (
        <p className="ok" data-testid="opened-job" data-address={opened.toBase58()}>
          Job <Address value={opened} /> opened — follow it in <Link to="/jobs">My jobs</Link>
        </p>
      )}
    </section>
  );
}
