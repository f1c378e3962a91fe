import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey } from "@solana/web3.js";
import { useState } from "react";

import { Address, AssetLink } from "../components/Address";
import { Countdown, useNow } from "../components/Countdown";
import { TokenAmount } from "../components/TokenAmount";
import { TxStatus } from "../components/TxStatus";
import { useAsync } from "../hooks/useAsync";
import { useMints } from "../hooks/useMints";
import { usePrograms } from "../hooks/usePrograms";
import { type TxRunner, useTx } from "../hooks/useTx";
import { type Job, type JobStateName, type Keyed, fetchJobs, fetchProviderOf, variant } from "../lib/accounts";
import { big } from "../lib/amounts";
import { sha256Text } from "../lib/hash";
import {
  acceptJobInstructions,
  confirmJobInstructions,
  disputeJobInstructions,
  refundJobInstructions,
  releaseJobInstructions,
  submitResultInstructions,
} from "../lib/instructions";
import { providerAddress } from "../lib/pda";

type Role = "consumer" | "provider";

/** What the escrow program allows now, for this role (programs/tessera-escrow/src/instructions). */
export function allowedActions(job: Job, role: Role, now: number, servesModel: boolean) {
  const state = variant<JobStateName>(job.state);
  const acceptDeadline = Number(big(job.acceptDeadline));
  const deliveryDeadline = Number(big(job.deliveryDeadline));
  const challengeDeadline = Number(big(job.challengeDeadline));
  return {
    confirm: role === "consumer" && state === "delivered",
    dispute: role === "consumer" && state === "delivered" && now < challengeDeadline,
    release: state === "delivered" && now >= challengeDeadline,
    refund: (state === "open" && now >= acceptDeadline) || (state === "accepted" && now >= deliveryDeadline),
    accept: role === "provider" && servesModel && state === "open" && now < acceptDeadline,
    submit: role === "provider" && state === "accepted" && now < deliveryDeadline,
  };
}

function deadlineOf(job: Job): { label: string; at: number } | null {
  switch (variant<JobStateName>(job.state)) {
    case "open":
      return { label: "accept window closes", at: Number(big(job.acceptDeadline)) };
    case "accepted":
      return { label: "delivery deadline", at: Number(big(job.deliveryDeadline)) };
    case "delivered":
      return { label: "challenge window closes", at: Number(big(job.challengeDeadline)) };
    default:
      return null;
  }
}

export function JobsPage() {
  const programs = usePrograms();
  const { publicKey } = useWallet();
  const tx = useTx();

  const data = useAsync(async () => {
    if (!publicKey) return null;
    const providerKey = providerAddress(publicKey);
    const [asConsumer, provider] = await Promise.all([fetchJobs(programs, { consumer: publicKey }), fetchProviderOf(programs, publicKey)]);
    let asProvider: Keyed<Job>[] = [];
    if (provider) {
      const [mine, open] = await Promise.all([
        fetchJobs(programs, { provider: providerKey }),
        fetchJobs(programs, { state: "open" }),
      ]);
      const served = open.filter(
        (j) =>
          provider.models.some((m) => m.equals(j.account.model)) &&
          (!j.account.requestedProvider || j.account.requestedProvider.equals(providerKey)),
      );
      asProvider = [...served, ...mine];
    }
    return { asConsumer, asProvider, provider };
  }, [programs, publicKey]);
  const mints = useMints([...(data.data?.asConsumer ?? []), ...(data.data?.asProvider ?? [])].map((j) => j.account.mint));

  if (!publicKey) {
    return (
      <div className="page">
        <h1>My jobs</h1>
        <p className="muted">Connect a wallet to see your inference jobs.</p>
      </div>
    );
  }
  const servedModels = data.data?.provider?.models ?? [];
  return (
    <div className="page">
      <h1>My jobs</h1>
      {data.error && <p className="error">Could not load the jobs: {data.error.message}</p>}
      <TxStatus state={tx.state} />
      <section className="card">
        <h2>As consumer</h2>
        <JobTable
          jobs={data.data?.asConsumer ?? []}
          role="consumer"
          tx={tx}
          mints={mints}
          servedModels={[]}
          onDone={data.reload}
          testId="consumer-jobs"
        />
      </section>
      <section className="card">
        <h2>As provider</h2>
        {data.data && !data.data.provider ? (
          <p className="muted">This wallet is not a registered provider (tessera provider register).</p>
        ) : (
          <JobTable
            jobs={data.data?.asProvider ?? []}
            role="provider"
            tx={tx}
            mints={mints}
            servedModels={servedModels}
            onDone={data.reload}
            testId="provider-jobs"
          />
        )}
      </section>
    </div>
  );
}

function JobTable({
  jobs,
  role,
  tx,
  mints,
  servedModels,
  onDone,
  testId,
}: {
  jobs: Keyed<Job>[];
  role: Role;
  tx: TxRunner;
  mints: ReturnType<typeof useMints>;
  servedModels: PublicKey[];
  onDone: () => void;
  testId: string;
}) {
  const programs = usePrograms();
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const now = useNow();
  const [results, setResults] = useState<Record<string, string>>({});
  if (jobs.length === 0) return <p className="muted">No open job.</p>;

  const act = async (label: string, build: () => Promise<import("@solana/web3.js").TransactionInstruction[]>) => {
    await tx.run(label, build);
    onDone();
  };

  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>Job</th>
          <th>Model</th>
          <th>Fee</th>
          <th>State</th>
          <th>Deadline</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => {
          const a = allowedActions(j.account, role, now, servedModels.some((m) => m.equals(j.account.model)));
          const deadline = deadlineOf(j.account);
          const key = j.publicKey.toBase58();
          const me = publicKey!;
          return (
            <tr key={key} data-testid="job-row" data-job={key}>
              <td>
                <Address value={j.publicKey} /> <span className="muted">#{big(j.account.jobId).toString()}</span>
              </td>
              <td>
                <AssetLink asset={j.account.model} />
              </td>
              <td>
                <TokenAmount amount={big(j.account.fee)} mint={j.account.mint} info={mints.get(j.account.mint.toBase58())} />
              </td>
              <td data-testid="job-state">{variant(j.account.state)}</td>
              <td>
                {deadline ? (
                  <>
                    {deadline.label} <Countdown deadline={deadline.at} />
                  </>
                ) : (
                  <span className="muted">awaiting the arbiter</span>
                )}
              </td>
              <td className="actions">
                {a.confirm && (
                  <button type="button" className="small" data-testid="job-confirm" disabled={tx.busy}
                    onClick={() => void act("Confirm the job", () => confirmJobInstructions(programs, connection, me, j))}>
                    Confirm
                  </button>
                )}
                {a.dispute && (
                  <button type="button" className="small" data-testid="job-dispute" disabled={tx.busy}
                    onClick={() => void act("Dispute the job", () => disputeJobInstructions(programs, me, j))}>
                    Dispute
                  </button>
                )}
                {a.release && (
                  <button type="button" className="small" data-testid="job-release" disabled={tx.busy}
                    onClick={() => void act("Release the job", () => releaseJobInstructions(programs, connection, me, j))}>
                    Release
                  </button>
                )}
                {a.refund && (
                  <button type="button" className="small" data-testid="job-refund" disabled={tx.busy}
                    onClick={() => void act("Refund the job", () => refundJobInstructions(programs, connection, me, j))}>
                    Refund
                  </button>
                )}
                {a.accept && (
                  <button type="button" className="small" data-testid="job-accept" disabled={tx.busy}
                    onClick={() => void act("Accept the job", () => acceptJobInstructions(programs, me, j))}>
                    Accept
                  </button>
                )}
                {a.submit && (
                  <span className="row">
                    <input
                      className="narrow"
                      placeholder="result (its SHA-256 is committed)"
                      value={results[key] ?? ""}
                      onChange={(e) => setResults({ ...results, [key]: e.target.value })}
                    />
                    <button type="button" className="small" data-testid="job-submit" disabled={tx.busy || !(results[key] ?? "").trim()}
                      onClick={() => void act("Submit the result", () => submitResultInstructions(programs, me, j, sha256Text(results[key].trim())))}>
                      Submit result
                    </button>
                  </span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
