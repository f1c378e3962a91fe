import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { useState } from "react";

import { Address, AssetLink } from "../Address";
import { Countdown, useNow } from "../Countdown";
import { TokenAmount } from "../TokenAmount";
import type { useMints } from "../../hooks/useMints";
import { usePrograms } from "../../hooks/usePrograms";
import type { TxRunner } from "../../hooks/useTx";
import { type Job, type Keyed, variant } from "../../lib/accounts";
import { big } from "../../lib/amounts";
import { sha256Text } from "../../lib/hash";
import {
  acceptJobInstructions,
  confirmJobInstructions,
  disputeJobInstructions,
  refundJobInstructions,
  releaseJobInstructions,
  submitResultInstructions,
} from "../../lib/instructions";
import { type Role, allowedActions, deadlineOf } from "../../lib/jobs";

/** Jobs with their state, the deadline that matters as a countdown, and the allowed actions. */
export function JobTable({
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
