import { useConnection, useWallet } from "@solana/wallet-adapter-react";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { type ReactNode, useState } from "react";

import { Address, AssetLink } from "../Address";
import { ConfirmedAction } from "../ConfirmedAction";
import { ScrollTable } from "../Table";
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
 * shown in its row as accept_job's guards. With `confirmActions` (the provider console), every
 * action first says what it does and sends nothing before Confirm.
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
  label,
  confirmActions = false,
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
  /** The table's accessible label. */
  label: string;
  /** Each action behind a confirmation (ConfirmedAction). */
  confirmActions?: boolean;
}) {
  const { connection } = useConnection();
  const { publicKey } = useWallet();
  const now = useNow();
  const [results, setResults] = useState<Record<string, string>>({});
  if (jobs.length === 0) return <p className="muted">No open job.</p>;

  const act = async (title: string, build: () => Promise<TransactionInstruction[]>) => {
    await tx.run(title, build);
    onDone();
  };
  /** One action's button (with `fields` before it), behind a confirmation saying `what` when confirmActions. */
  const action = (p: {
    label: string;
    button: string;
    testId: string;
    what: ReactNode;
    build: () => Promise<TransactionInstruction[]>;
    problems?: string[];
    title?: string;
    fields?: ReactNode;
  }) => (
    <ConfirmedAction
      key={p.testId}
      className="row"
      submitLabel={p.button}
      submitTestId={p.testId}
      submitClassName="small"
      submitTitle={p.title}
      problems={p.problems}
      showProblems={false}
      busy={tx.busy}
      confirm={confirmActions ? () => ({ title: p.label, body: p.what }) : undefined}
      onConfirmed={() => void act(p.label, p.build)}
    >
      {p.fields}
    </ConfirmedAction>
  );

  return (
    <ScrollTable label={label} testId={testId} columns={["Job", "Model", "Fee", "State", "Terms", "Deadline", "Actions"]}>
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
                {a.confirm &&
                  action({
                    label: "Confirm the job",
                    button: "Confirm",
                    testId: "job-confirm",
                    what: <p>The fee is paid out: to the provider, the model's split and the protocol.</p>,
                    build: () => confirmJobInstructions(connection, me, j),
                  })}
                {a.dispute &&
                  action({
                    label: "Dispute the job",
                    button: "Dispute",
                    testId: "job-dispute",
                    what: <p>The arbiter decides who is paid; the provider's slash is at stake.</p>,
                    build: () => disputeJobInstructions(me, j),
                  })}
                {a.release &&
                  action({
                    label: "Release the job",
                    button: "Release",
                    testId: "job-release",
                    what: <p>The challenge window has passed: the fee is paid out as if the consumer confirmed.</p>,
                    build: () => releaseJobInstructions(connection, me, j),
                  })}
                {a.refund &&
                  action({
                    label: "Refund the job",
                    button: "Refund",
                    testId: "job-refund",
                    what: <p>The deadline has passed: the fee goes back to the consumer (and an accepted job's slash is taken from the provider's bond).</p>,
                    build: () => refundJobInstructions(connection, me, j),
                  })}
                {a.settle &&
                  action({
                    label: "Settle the dispute (half each)",
                    button: "Settle (half each)",
                    testId: "job-settle",
                    what: <p>The arbiter did not decide in time: the fee is split half to the consumer, half to the provider.</p>,
                    build: () => settleDisputeInstructions(connection, me, j),
                  })}
                {a.accept &&
                  action({
                    label: "Accept the job",
                    button: "Accept",
                    testId: "job-accept",
                    title: "Accepts exactly the fee, windows and slash shown (the program refuses other terms)",
                    problems: terms.slash === null || terms.arbiter === null || terms.disputeWindow === null ? ["The terms are still loading"] : [],
                    what: (
                      <p>
                        You take job #{big(j.account.jobId).toString()} for <TokenAmount amount={terms.fee} mint={j.account.mint} info={info} />:
                        deliver within {formatDuration(terms.deliveryWindow)}, then the consumer may dispute for{" "}
                        {formatDuration(terms.challengeWindow)}.{" "}
                        <strong>
                          {terms.slash !== null ? <TokenAmount amount={terms.slash} mint={j.account.mint} info={info} /> : "?"} of your bond is
                          at stake
                        </strong>{" "}
                        (slashed if you miss the delivery deadline or lose a dispute). These exact terms are sent: if they changed, the
                        program refuses.
                      </p>
                    ),
                    build: async () =>
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
                  })}
                {a.submit &&
                  action({
                    label: "Submit the result",
                    button: "Submit result",
                    testId: "job-submit",
                    problems: (results[key] ?? "").trim() ? [] : ["Type the result first"],
                    what: (
                      <p>
                        The SHA-256 of your result is committed on chain; the consumer then has {formatDuration(terms.challengeWindow)} to
                        confirm or dispute it.
                      </p>
                    ),
                    build: () => submitResultInstructions(me, j, sha256Text((results[key] ?? "").trim())),
                    fields: (
                      <input
                        className="narrow"
                        placeholder="result (its SHA-256 is committed)"
                        value={results[key] ?? ""}
                        onChange={(e) => setResults({ ...results, [key]: e.target.value })}
                      />
                    ),
                  })}
              </td>
            </tr>
          );
        })}
    </ScrollTable>
  );
}
