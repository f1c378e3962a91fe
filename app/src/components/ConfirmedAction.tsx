// The shape every action form of the app shares: its fields, the problems that keep it from being
// sent, and its submit button — with, for what moves money or changes an asset's or a provider's
// state (the publisher dashboard, the provider console), a confirmation before anything is sent.

import { type CSSProperties, type FormEvent, type ReactNode, useState } from "react";

import { type Confirmation, ConfirmDialog } from "./ConfirmDialog";

/** The problems that keep a form from being sent, as a list (nothing when there is none). */
export function Problems({ problems, testId }: { problems: string[]; testId?: string }) {
  if (problems.length === 0) return null;
  return (
    <ul className="problems" data-testid={testId}>
      {problems.map((p) => (
        <li key={p}>{p}</li>
      ))}
    </ul>
  );
}

/** What a confirmation says: its title (also the Confirm button's words) and what will happen. */
export interface ConfirmText {
  title: string;
  body: ReactNode;
}

/**
 * A form that sends one action: its fields (`children`), the problems that keep it from being
 * sent, and its submit button, disabled while there is a problem or a transaction is in flight.
 * With `confirm`, submitting (the button, or Enter in a field) first opens a confirmation that
 * says what will happen — Confirm or Cancel, Escape cancels — and nothing is sent before Confirm;
 * without it, submitting sends at once. `onConfirmed` sends (e.g. through useTx's `run`, whose
 * state a <TxStatus> shows: pending, confirmed with an explorer link, refused with the program's
 * error name).
 */
export function ConfirmedAction({
  submitLabel,
  submitTestId,
  problems = [],
  showProblems = true,
  problemsTestId,
  busy,
  confirm,
  onConfirmed,
  children,
  className = "form",
  style,
  testId,
  submitClassName,
  submitStyle,
  submitTitle,
  after,
}: {
  submitLabel: ReactNode;
  submitTestId: string;
  /** Why it cannot be sent now; the button is disabled while there is one. */
  problems?: string[];
  /** Lists the problems under the fields (else the first one is the button's tooltip). */
  showProblems?: boolean;
  problemsTestId?: string;
  /** A transaction is in flight. */
  busy: boolean;
  /** What the confirmation says, read when the form is submitted; omitted: no confirmation. */
  confirm?: () => ConfirmText;
  /** Sends (after Confirm, or at once without `confirm`). */
  onConfirmed: () => void;
  /** The fields. */
  children?: ReactNode;
  className?: string;
  style?: CSSProperties;
  testId?: string;
  submitClassName?: string;
  submitStyle?: CSSProperties;
  /** The button's tooltip (while no problem is shown there instead). */
  submitTitle?: string;
  /** Shown after the submit button (e.g. a note on the delay). */
  after?: ReactNode;
}) {
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const blocked = problems.length > 0 || busy;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blocked) return;
    if (!confirm) return onConfirmed();
    setConfirmation({ ...confirm(), onConfirm: onConfirmed });
  };
  return (
    <form className={className} style={style} onSubmit={submit} data-testid={testId}>
      {children}
      {showProblems && <Problems problems={problems} testId={problemsTestId} />}
      <button
        type="submit"
        className={submitClassName}
        style={submitStyle}
        data-testid={submitTestId}
        disabled={blocked}
        title={!showProblems && problems.length > 0 ? problems[0] : submitTitle}
      >
        {submitLabel}
      </button>
      {after}
      <ConfirmDialog confirmation={confirmation} onClose={() => setConfirmation(null)} />
    </form>
  );
}
