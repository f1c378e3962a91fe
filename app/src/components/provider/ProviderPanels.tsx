// The provider console's panels: registration, the bond (bond, request unbond, withdraw after
// the delay), the models served, and the record and earnings (chain counters and the indexer's
// history). Jobs use My jobs' JobTable.

import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { PublicKey } from "@solana/web3.js";
import {
  bondFlow,
  registerProviderFlow,
  requestUnbondInstruction,
  updateProviderInstruction,
  withdrawBondFlow,
} from "@tessera/sdk";
import { type FormEvent, useState } from "react";

import { AssetLink } from "../Address";
import { Countdown, useNow } from "../Countdown";
import { TokenAmount } from "../TokenAmount";
import type { TxRunner } from "../../hooks/useTx";
import type { EscrowConfig, MintInfo, ProviderAccount } from "../../lib/accounts";
import { big, formatDuration, formatInt, formatUnits, parseUnits } from "../../lib/amounts";
import type { IndexedJob, IndexedProvider } from "../publisher/indexer";

/** Addresses, one per line (or separated by commas or spaces); null with the bad one named. */
function parseModels(text: string): { models: PublicKey[]; problem: string | null } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const models: PublicKey[] = [];
  for (const p of parts) {
    try {
      models.push(new PublicKey(p));
    } catch {
      return { models: [], problem: `Not an address: ${p}` };
    }
  }
  return { models, problem: null };
}

const minBondOf = (config: EscrowConfig | null, mint: PublicKey) =>
  config?.minBonds.find((b) => b.mint.equals(mint)) ? big(config.minBonds.find((b) => b.mint.equals(mint))!.minBond) : null;

/** register_provider: the mint of the bond (one the escrow accepts), the endpoint, the models. */
export function RegisterForm({
  config,
  mints,
  tx,
  onDone,
}: {
  config: EscrowConfig | null;
  mints: Map<string, MintInfo>;
  tx: TxRunner;
  onDone: () => void;
}) {
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const bondable = config?.minBonds ?? [];
  const [mint, setMint] = useState("");
  const [endpoint, setEndpoint] = useState("");
  const [models, setModels] = useState("");
  const chosen = mint || bondable[0]?.mint.toBase58() || "";
  const parsed = parseModels(models);
  const problems: string[] = [];
  if (!config) problems.push("The escrow is not initialised on this cluster");
  if (!chosen) problems.push("No mint accepts bonds");
  if (!endpoint.trim() || new TextEncoder().encode(endpoint.trim()).length > 200) problems.push("The endpoint must be 1–200 bytes");
  if (parsed.problem) problems.push(parsed.problem);
  if (parsed.models.length > 16) problems.push("At most 16 models");
  if (!publicKey) problems.push("Connect a wallet: it becomes the provider's authority");

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problems.length > 0 || tx.busy || !publicKey) return;
    const sig = await tx.run("Register as a provider", async () => {
      const built = await registerProviderFlow(connection, publicKey, new PublicKey(chosen), {
        endpoint: endpoint.trim(),
        models: parsed.models,
      });
      return built.instructions;
    });
    if (sig) onDone();
  };

  return (
    <section className="card">
      <h2>Register as a provider</h2>
      <form className="form" onSubmit={submit} data-testid="register-form">
        <label>
          Bond mint (jobs you accept are paid in it)
          <select data-testid="register-mint" value={chosen} onChange={(e) => setMint(e.target.value)}>
            {bondable.map((b) => {
              const info = mints.get(b.mint.toBase58());
              return (
                <option key={b.mint.toBase58()} value={b.mint.toBase58()}>
                  {b.mint.toBase58()} (minimum bond {info ? formatUnits(big(b.minBond), info.decimals) : big(b.minBond).toString()})
                </option>
              );
            })}
          </select>
        </label>
        <label>
          Endpoint (where consumers reach you)
          <input data-testid="register-endpoint" value={endpoint} placeholder="https://provider.example.org" onChange={(e) => setEndpoint(e.target.value)} />
        </label>
        <label>
          Models you serve (addresses, one per line)
          <textarea data-testid="register-models" rows={3} value={models} onChange={(e) => setModels(e.target.value)} />
        </label>
        {problems.length > 0 && (
          <ul className="problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <button type="submit" data-testid="register-submit" disabled={problems.length > 0 || tx.busy}>
          Register
        </button>
      </form>
    </section>
  );
}

/** The bond: add to it, ask to unbond, withdraw once the delay has passed. */
export function BondPanel({
  provider,
  config,
  info,
  tx,
  onDone,
}: {
  provider: ProviderAccount;
  config: EscrowConfig | null;
  info: MintInfo | undefined;
  tx: TxRunner;
  onDone: () => void;
}) {
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const now = useNow();
  const [bondAmount, setBondAmount] = useState("");
  const [unbondAmount, setUnbondAmount] = useState("");
  const bond = big(provider.bond);
  const pending = big(provider.unbondAmount);
  const availableAt = Number(big(provider.unbondAvailableAt));
  const minBond = minBondOf(config, provider.mint);
  const delay = config ? config.unbondingDelay : null;

  const parse = (text: string): bigint | null => {
    if (!info || !text.trim()) return null;
    try {
      const v = parseUnits(text, info.decimals);
      return v > 0n ? v : null;
    } catch {
      return null;
    }
  };
  const toBond = parse(bondAmount);
  const toUnbond = parse(unbondAmount);
  const run = async (label: string, build: () => Promise<import("@solana/web3.js").TransactionInstruction[]>) => {
    const sig = await tx.run(label, build);
    if (sig) onDone();
  };

  return (
    <section className="card" data-testid="bond-panel">
      <h2>Bond</h2>
      <dl className="details">
        <dt>Bonded</dt>
        <dd data-testid="provider-bond" data-base-units={bond.toString()}>
          <TokenAmount amount={bond} mint={provider.mint} info={info} />
        </dd>
        <dt>Minimum to accept jobs</dt>
        <dd>{minBond !== null ? <TokenAmount amount={minBond} mint={provider.mint} info={info} /> : "—"}</dd>
        <dt>Unbonding delay</dt>
        <dd data-testid="unbonding-delay" data-seconds={delay ?? ""}>
          {delay !== null ? formatDuration(delay) : "…"} between a request and the withdrawal (and no open job)
        </dd>
        <dt>Unbonding</dt>
        <dd data-testid="provider-unbonding" data-base-units={pending.toString()}>
          {pending > 0n ? (
            <>
              <TokenAmount amount={pending} mint={provider.mint} info={info} />, withdrawable <Countdown deadline={availableAt} />
              {provider.openJobs > 0 && <span className="muted"> once your {provider.openJobs} open job(s) settle</span>}
            </>
          ) : (
            "nothing requested"
          )}
        </dd>
      </dl>
      <form
        className="row"
        style={{ marginTop: "0.8rem" }}
        onSubmit={(e) => {
          e.preventDefault();
          if (!publicKey || toBond === null || tx.busy) return;
          void run("Bond", async () => (await bondFlow(connection, publicKey, toBond)).instructions);
        }}
      >
        <label className="row">
          Add to the bond
          <input className="narrow" data-testid="bond-amount" value={bondAmount} inputMode="decimal" onChange={(e) => setBondAmount(e.target.value)} />
        </label>
        <button type="submit" className="small" data-testid="bond-submit" disabled={toBond === null || tx.busy}>
          Bond
        </button>
      </form>
      <form
        className="row"
        style={{ marginTop: "0.5rem" }}
        onSubmit={(e) => {
          e.preventDefault();
          if (!publicKey || toUnbond === null || tx.busy) return;
          void run("Request unbond", async () => [requestUnbondInstruction(publicKey, toUnbond)]);
        }}
      >
        <label className="row">
          Unbond
          <input className="narrow" data-testid="unbond-amount" value={unbondAmount} inputMode="decimal" onChange={(e) => setUnbondAmount(e.target.value)} />
        </label>
        <button type="submit" className="small" data-testid="unbond-submit" disabled={toUnbond === null || tx.busy}>
          Request unbond
        </button>
        {delay !== null && <span className="muted">withdrawable {formatDuration(delay)} after the request</span>}
      </form>
      <div className="row" style={{ marginTop: "0.5rem" }}>
        <button
          type="button"
          className="small"
          data-testid="withdraw-bond"
          disabled={pending === 0n || now < availableAt || tx.busy}
          title={pending === 0n ? "Request an unbond first" : now < availableAt ? "The unbonding delay has not passed" : undefined}
          onClick={() => publicKey && void run("Withdraw the bond", async () => (await withdrawBondFlow(connection, publicKey)).instructions)}
        >
          Withdraw {pending > 0n && info ? formatUnits(pending, info.decimals) : ""}
        </button>
      </div>
    </section>
  );
}

/** The models served and the endpoint, editable (update_provider). */
export function ServedModels({
  provider,
  names,
  tx,
  onDone,
}: {
  provider: ProviderAccount;
  names: Map<string, string>;
  tx: TxRunner;
  onDone: () => void;
}) {
  const { publicKey } = useWallet();
  const [editing, setEditing] = useState(false);
  const [endpoint, setEndpoint] = useState(provider.endpoint);
  const [models, setModels] = useState(provider.models.map((m) => m.toBase58()).join("\n"));
  const parsed = parseModels(models);
  const ok = !parsed.problem && parsed.models.length <= 16 && endpoint.trim().length > 0;
  return (
    <section className="card">
      <h2>Models you serve</h2>
      {provider.models.length === 0 ? (
        <p className="muted">None yet: you see no open job until you serve a model.</p>
      ) : (
        <ul data-testid="served-models">
          {provider.models.map((m) => (
            <li key={m.toBase58()}>
              <AssetLink asset={m} label={names.get(m.toBase58())} />
            </li>
          ))}
        </ul>
      )}
      <p className="muted">
        Endpoint: <code data-testid="provider-endpoint">{provider.endpoint}</code>
      </p>
      <button type="button" className="small" data-testid="edit-models" onClick={() => setEditing(!editing)}>
        {editing ? "Cancel" : "Change the models or the endpoint"}
      </button>
      {editing && (
        <form
          className="form"
          style={{ marginTop: "0.5rem" }}
          onSubmit={async (e) => {
            e.preventDefault();
            if (!ok || !publicKey || tx.busy) return;
            const sig = await tx.run("Update the provider", async () => [
              updateProviderInstruction(publicKey, { endpoint: endpoint.trim(), models: parsed.models }),
            ]);
            if (sig) {
              setEditing(false);
              onDone();
            }
          }}
        >
          <label>
            Endpoint
            <input data-testid="update-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} />
          </label>
          <label>
            Models (addresses, one per line)
            <textarea data-testid="update-models" rows={3} value={models} onChange={(e) => setModels(e.target.value)} />
          </label>
          {parsed.problem && <p className="error">{parsed.problem}</p>}
          <button type="submit" data-testid="update-provider-submit" disabled={!ok || tx.busy}>
            Update
          </button>
        </form>
      )}
    </section>
  );
}

/** The record (chain counters; the indexer's when it answers) and the earnings (indexer). */
export function RecordPanel({
  provider,
  indexed,
  jobs,
  indexerError,
  info,
}: {
  provider: ProviderAccount;
  indexed: IndexedProvider | null | undefined;
  jobs: IndexedJob[] | undefined;
  indexerError: Error | undefined;
  info: MintInfo | undefined;
}) {
  const settled = (jobs ?? []).filter((j) => j.toProvider !== null);
  const earned = settled.reduce((s, j) => s + BigInt(j.toProvider ?? 0), 0n);
  return (
    <section className="card" data-testid="record-panel">
      <h2>Record and earnings</h2>
      <dl className="details">
        <dt>Jobs completed</dt>
        <dd data-testid="record-completed">{formatInt(big(provider.jobsCompleted))}</dd>
        <dt>Refunded (missed)</dt>
        <dd data-testid="record-refunded">{formatInt(big(provider.jobsRefunded))}</dd>
        <dt>Disputes lost</dt>
        <dd data-testid="record-disputes-lost">{formatInt(big(provider.disputesLost))}</dd>
        <dt>Open jobs</dt>
        <dd data-testid="record-open">{formatInt(provider.openJobs)}</dd>
        {indexed && (
          <>
            <dt>Slashed</dt>
            <dd data-testid="record-slashed">
              {formatInt(indexed.slashes)} time(s), <TokenAmount amount={BigInt(indexed.slashedTotal)} mint={provider.mint} info={info} />
            </dd>
          </>
        )}
        <dt>Earned</dt>
        <dd data-testid="provider-earned" data-base-units={jobs ? earned.toString() : ""}>
          {jobs ? (
            <>
              <TokenAmount amount={earned} mint={provider.mint} info={info} /> over {formatInt(settled.length)} settled job(s)
            </>
          ) : indexerError ? (
            <span className="muted">needs the indexer: {indexerError.message}</span>
          ) : (
            "…"
          )}
        </dd>
      </dl>
      {settled.length > 0 && (
        <div style={{ overflowX: "auto" }}>
          <table className="table" aria-label="Settled jobs and what each paid you" data-testid="earnings">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Model</th>
                <th scope="col">Fee</th>
                <th scope="col">Outcome</th>
                <th scope="col">Paid to you</th>
              </tr>
            </thead>
            <tbody>
              {settled.map((j) => (
                <tr key={j.address}>
                  <td>#{j.jobId}</td>
                  <td>
                    <AssetLink asset={j.model} />
                  </td>
                  <td>{info ? formatUnits(BigInt(j.fee), info.decimals) : j.fee}</td>
                  <td>{j.outcome}</td>
                  <td data-testid="earning" data-base-units={String(j.toProvider)}>
                    {info ? formatUnits(BigInt(j.toProvider ?? 0), info.decimals) : j.toProvider}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
