import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { useState } from "react";

import { Address, AssetLink } from "../Address";
import { Countdown, useNow } from "../Countdown";
import { TokenAmount } from "../TokenAmount";
import type { useMints } from "../../hooks/useMints";
import type { TxRunner } from "../../hooks/useTx";
import { type EscrowConfig, type Job, type Keyed, type MintInfo, variant } from "../../lib/accounts";
import { big, formatDuration } from "../../lib/amounts";
import { sha256Text } from "../../lib/hash";
import {
  acceptJobInstructions,
  confirmJobInstructions,
  disputeJobInstructions,
  refundJobInstructions,
  releaseJobInstructions,
  settleDisputeInstructions,
  submitResultInstructions,
} from "../../lib/instructions";
import { type JobTerms, type Role, allowedActions, deadlineOf, jobTerms } from "../../lib/jobs";

/** A job's terms: its windows, its deadlines and the slash at stake (before anyone accepts too). */
function Terms({ job, terms, info }: { job: Job; terms: JobTerms; info: MintInfo | undefined }) {
  const state = variant(job.state);
  const accepted = state !== "open";
  const delivered = state === "delivered" || state === "disputed";
  return (
    <div className="terms" data-testid="job-terms">
      <div>
        deliver within{" "}
        <span data-testid="job-delivery-window" data-seconds={terms.deliveryWindow}>
          {formatDuration(terms.deliveryWindow)}
        </span>{" "}
        of acceptance
        {accepted && (
          <>
            {" "}
            (by <Countdown deadline={Number(big(job.deliveryDeadline))} />)
          </>
        )}
      </div>
      <div>
        disputable for{" "}
        <span data-testid="job-challenge-window" data-seconds={terms.challengeWindow}>
          {formatDuration(terms.challengeWindow)}
        </span>{" "}
        after delivery
        {delivered && (
          <>
            {" "}
            (until <Countdown deadline={Number(big(job.challengeDeadline))} />)
          </>
        )}
      </div>
      <div>
        slash at stake:{" "}
        {terms.slash !== null ? (
          <span data-testid="job-slash" data-base-units={terms.slash.toString()}>
            <TokenAmount amount={terms.slash} mint={job.mint} info={info} />
          </span>
        ) : terms.slashCap !== null ? (
          <span data-testid="job-slash-cap" data-base-units={terms.slashCap.toString()}>
            up to <TokenAmount amount={terms.slashCap} mint={job.mint} info={info} />
          </span>
        ) : (
          <span className="muted">unknown</span>
        )}{" "}
        <span className="muted">
          {terms.slashFixed ? "(fixed at acceptance)" : terms.slash !== null ? "(if you accept now)" : "(set when a provider accepts)"}
        </span>
      </div>
      {terms.disputeWindow !== null && (
        <div className="muted">
          arbiter decides a dispute within{" "}
          <span data-testid="job-dispute-window" data-seconds={terms.disputeWindow}>
            {formatDuration(terms.disputeWindow)}
          </span>
          {terms.arbiter && (
            <>
              {" "}
              (arbiter <Address value={terms.arbiter} />)
            </>
          )}
          , then anyone settles it half each
        </div>
      )}
    </div>
  );
}

/**
 * Jobs with their state, their terms (windows, deadlines, slash at stake), the deadline that
 * matters as a countdown, and the allowed actions. A provider's Accept sends exactly the terms
 * shown in its row as accept_job's guards.
 */
export function JobTable({
  jobs,
  role,
  tx,
  mints,
  servedModels,
  config,
  providerBond,
  onDone,
  testId,
}: {
  jobs: Keyed<Job>[];
  role: Role;
  tx: TxRunner;
  mints: ReturnType<typeof useMints>;
  servedModels: PublicKey[];
  /** The escrow config (slash share and cap, dispute window), for the terms of open jobs. */
  config: EscrowConfig | null;
  /** The viewing provider's recorded bond (quotes the slash of an open job); null for a consumer. */
  providerBond: bigint | null;
  onDone: () => void;
  testId: string;
}) {
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const now = useNow();
  const [results, setResults] = useState<Record<string, string>>({});
  if (jobs.length === 0) return <p className="muted">No open job.</p>;

  const act = async (label: string, build: () => Promise<TransactionInstruction[]>) => {
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
          <th>Terms</th>
          <th>Deadline</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => {
          const a = allowedActions(j.account, role, now, servedModels.some((m) => m.equals(j.account.model)));
          const deadline = deadlineOf(j.account);
          const terms = jobTerms(j.account, config, providerBond);
          const info = mints.get(j.account.mint.toBase58());
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
                <Terms job={j.account} terms={terms} info={info} />
              </td>
              <td>
                {deadline ? (
                  <>
                    {deadline.label} <Countdown deadline={deadline.at} />
                  </>
                ) : (
                  <span className="muted">-</span>
                )}
              </td>
              <td className="actions">
                {a.confirm && (
                  <button type="button" className="small" data-testid="job-confirm" disabled={tx.busy}
                    onClick={() => void act("Confirm the job", () => confirmJobInstructions(connection, me, j))}>
                    Confirm
                  </button>
                )}
                {a.dispute && (
                  <button type="button" className="small" data-testid="job-dispute" disabled={tx.busy}
                    onClick={() => void act("Dispute the job", () => disputeJobInstructions(me, j))}>
                    Dispute
                  </button>
                )}
                {a.release && (
                  <button type="button" className="small" data-testid="job-release" disabled={tx.busy}
                    onClick={() => void act("Release the job", () => releaseJobInstructions(connection, me, j))}>
                    Release
                  </button>
                )}
                {a.refund && (
                  <button type="button" className="small" data-testid="job-refund" disabled={tx.busy}
                    onClick={() => void act("Refund the job", () => refundJobInstructions(connection, me, j))}>
                    Refund
                  </button>
                )}
                {a.settle && (
                  <button type="button" className="small" data-testid="job-settle" disabled={tx.busy}
                    onClick={() => void act("Settle the dispute (half each)", () => settleDisputeInstructions(connection, me, j))}>
                    Settle (half each)
                  </button>
                )}
                {a.accept && (
                  <button type="button" className="small" data-testid="job-accept"
                    disabled={tx.busy || terms.slash === null || terms.arbiter === null || terms.disputeWindow === null}
                    title="Accepts exactly the fee, windows and slash shown (the program refuses other terms)"
                    onClick={() =>
                      void act("Accept the job", () =>
                        acceptJobInstructions(me, j, {
                          inputCommitment: terms.inputCommitment,
                          fundedAt: terms.fundedAt,
                          fee: terms.fee,
                          deliveryWindow: terms.deliveryWindow,
                          challengeWindow: terms.challengeWindow,
                          maxSlash: terms.slash!,
                          arbiter: terms.arbiter!,
                          disputeWindow: terms.disputeWindow!,
                        }),
                      )
                    }>
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
                      onClick={() => void act("Submit the result", () => submitResultInstructions(me, j, sha256Text(results[key].trim())))}>
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
