// The provider console's panels: registration, the bond (bond, request unbond, withdraw after
// the delay), the models served, and the record and earnings (chain counters and the indexer's
// history). Jobs use My jobs' JobTable. Every transaction (register, bond, request unbond,
// withdraw, update the models) is a ConfirmedAction: it says what will happen and sends nothing
// before Confirm; the page's TxStatus shows it pending, confirmed or refused.

import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import { PublicKey, type TransactionInstruction } from "@solana/web3.js";
import {
  bondFlow,
  registerProviderFlow,
  requestUnbondInstruction,
  updateProviderInstruction,
  withdrawBondFlow,
} from "@tessera/sdk";
import { useState } from "react";

import { AssetLink } from "../Address";
import { ConfirmedAction } from "../ConfirmedAction";
import { Countdown, useNow } from "../Countdown";
import { ScrollTable } from "../Table";
import { TokenAmount, mintSymbol } from "../TokenAmount";
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

/** Sends through the console's transaction runner; `onDone` (reload) once confirmed. */
function sender(tx: TxRunner, onDone: () => void) {
  return (label: string, build: () => Promise<TransactionInstruction[]>) => {
    void tx.run(label, build).then((sig) => {
      if (sig) onDone();
    });
  };
}

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
  const send = sender(tx, onDone);
  const minBond = chosen ? minBondOf(config, new PublicKey(chosen)) : null;
  const chosenInfo = mints.get(chosen);

  return (
    <section className="card">
      <h2>Register as a provider</h2>
      <ConfirmedAction
        testId="register-form"
        submitLabel="Register"
        submitTestId="register-submit"
        problems={problems}
        busy={tx.busy}
        confirm={() => ({
          title: "Register as a provider",
          body: (
            <>
              <p>
                This wallet becomes a provider (its account's rent is paid from it), reachable at <code>{endpoint.trim()}</code>,
                serving {parsed.models.length === 0 ? "no model yet" : `${parsed.models.length} model(s)`}, bonded in{" "}
                <code>{chosen}</code>.
              </p>
              <p className="muted">
                Nothing is bonded yet: bond at least{" "}
                {minBond !== null ? <TokenAmount amount={minBond} mint={new PublicKey(chosen)} info={chosenInfo} /> : "the minimum"} to
                accept jobs.
              </p>
            </>
          ),
        })}
        onConfirmed={() =>
          send("Register as a provider", async () => {
            const built = await registerProviderFlow(connection, publicKey!, new PublicKey(chosen), {
              endpoint: endpoint.trim(),
              models: parsed.models,
            });
            return built.instructions;
          })
        }
      >
        <label>
          Bond mint (jobs you accept are paid in it)
          <select data-testid="register-mint" value={chosen} onChange={(e) => setMint(e.target.value)}>
            {bondable.map((b) => {
              const info = mints.get(b.mint.toBase58());
              return (
                <option key={b.mint.toBase58()} value={b.mint.toBase58()}>
                  {mintSymbol(info) ? `${mintSymbol(info)} · ` : ""}
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
      </ConfirmedAction>
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
  const send = sender(tx, onDone);
  const amount = (v: bigint) => <TokenAmount amount={v} mint={provider.mint} info={info} />;
  const delayText = delay !== null ? formatDuration(delay) : "the unbonding delay";
  const notConnected = publicKey ? [] : ["Connect the provider's wallet"];

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
      <ConfirmedAction
        className="row"
        style={{ marginTop: "0.8rem" }}
        submitLabel="Bond"
        submitTestId="bond-submit"
        submitClassName="small"
        problems={toBond === null ? ["Give an amount above zero", ...notConnected] : notConnected}
        showProblems={false}
        busy={tx.busy}
        confirm={() => ({
          title: "Bond",
          body: (
            <p>
              {amount(toBond!)} move from this wallet into the provider's bond vault; the bond is then {amount(bond + toBond!)}. It
              backs the jobs you accept (a lost dispute or a missed delivery is slashed from it), and taking it back takes{" "}
              {delayText}.
            </p>
          ),
        })}
        onConfirmed={() => {
          const v = toBond!;
          send("Bond", async () => (await bondFlow(connection, publicKey!, v)).instructions);
        }}
      >
        <label className="row">
          Add to the bond
          <input className="narrow" data-testid="bond-amount" value={bondAmount} inputMode="decimal" onChange={(e) => setBondAmount(e.target.value)} />
        </label>
      </ConfirmedAction>
      <ConfirmedAction
        className="row"
        style={{ marginTop: "0.5rem" }}
        submitLabel="Request unbond"
        submitTestId="unbond-submit"
        submitClassName="small"
        problems={toUnbond === null ? ["Give an amount above zero", ...notConnected] : notConnected}
        showProblems={false}
        busy={tx.busy}
        confirm={() => ({
          title: "Request unbond",
          body: (
            <p>
              {amount(toUnbond!)} of the bond become withdrawable {delayText} after this request, once no job of yours is open
              {pending > 0n && <> (this replaces the pending request of {amount(pending)}, whose delay starts again)</>}. Until then
              it still backs your jobs.
            </p>
          ),
        })}
        onConfirmed={() => {
          const v = toUnbond!;
          send("Request unbond", async () => [requestUnbondInstruction(publicKey!, v)]);
        }}
        after={delay !== null && <span className="muted">withdrawable {formatDuration(delay)} after the request</span>}
      >
        <label className="row">
          Unbond
          <input className="narrow" data-testid="unbond-amount" value={unbondAmount} inputMode="decimal" onChange={(e) => setUnbondAmount(e.target.value)} />
        </label>
      </ConfirmedAction>
      <ConfirmedAction
        className="row"
        style={{ marginTop: "0.5rem" }}
        submitLabel={<>Withdraw {pending > 0n && info ? formatUnits(pending, info.decimals) : ""}</>}
        submitTestId="withdraw-bond"
        submitClassName="small"
        problems={[
          ...(pending === 0n ? ["Request an unbond first"] : now < availableAt ? ["The unbonding delay has not passed"] : []),
          ...notConnected,
        ]}
        showProblems={false}
        busy={tx.busy}
        confirm={() => ({
          title: "Withdraw the bond",
          body: (
            <p>
              {amount(pending)} leave the bond vault for this wallet's token account; the bond is then{" "}
              {amount(bond > pending ? bond - pending : 0n)}.
            </p>
          ),
        })}
        onConfirmed={() => send("Withdraw the bond", async () => (await withdrawBondFlow(connection, publicKey!)).instructions)}
      />
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
        <ConfirmedAction
          style={{ marginTop: "0.5rem" }}
          submitLabel="Update"
          submitTestId="update-provider-submit"
          problems={[
            ...(parsed.problem ? [parsed.problem] : []),
            ...(parsed.models.length > 16 ? ["At most 16 models"] : []),
            ...(endpoint.trim() ? [] : ["The endpoint cannot be empty"]),
            ...(publicKey ? [] : ["Connect the provider's wallet"]),
          ]}
          busy={tx.busy}
          confirm={() => ({
            title: "Update the provider",
            body: (
              <p>
                Endpoint <code>{endpoint.trim()}</code>; {parsed.models.length} model(s) served (jobs of a model no longer listed
                are no longer offered to you; jobs already accepted stay yours).
              </p>
            ),
          })}
          onConfirmed={() => {
            const update = { endpoint: endpoint.trim(), models: parsed.models };
            sender(tx, () => {
              setEditing(false);
              onDone();
            })("Update the provider", async () => [updateProviderInstruction(publicKey!, update)]);
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
        </ConfirmedAction>
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
        <ScrollTable label="Settled jobs and what each paid you" testId="earnings" columns={["Job", "Model", "Fee", "Outcome", "Paid to you"]}>
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
        </ScrollTable>
      )}
    </section>
  );
}
