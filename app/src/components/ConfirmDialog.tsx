import { type ReactNode, useEffect, useRef } from "react";
import { createPortal } from "react-dom";

export interface Confirmation {
  /** What the button says and what the transaction is called, e.g. "Delist". */
  title: string;
  /** What will happen, in words. */
  body: ReactNode;
  /** Runs on "Confirm". */
  onConfirm: () => void;
}

/**
 * A modal confirmation before a transaction: what will change, then Confirm or Cancel (Escape
 * cancels). Nothing is sent until Confirm. Rendered over the page (a portal into <body>), so a
 * confirmation asked from inside a form or a table row is still a top-level dialog.
 */
export function ConfirmDialog({ confirmation, onClose }: { confirmation: Confirmation | null; onClose: () => void }) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!confirmation) return;
    confirmRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [confirmation, onClose]);
  if (!confirmation) return null;
  return createPortal(
    <div
      style={{
        position: "fixed",
        inset: 0,
        background: "#0f172a80",
        display: "flex",
        alignItems: "center",
        justifyContent: "center",
        padding: "1rem",
        zIndex: 1000,
      }}
    >
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        className="card"
        data-testid="confirm-dialog"
        style={{ maxWidth: 480, width: "100%" }}
      >
        <h2 id="confirm-title">{confirmation.title}?</h2>
        <div data-testid="confirm-body" style={{ wordBreak: "break-word" }}>
          {confirmation.body}
        </div>
        <div className="row" style={{ marginTop: "1rem", justifyContent: "flex-end" }}>
          <button type="button" className="small" data-testid="confirm-cancel" style={{ background: "#64748b" }} onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            ref={confirmRef}
            data-testid="confirm-yes"
            onClick={() => {
              onClose();
              confirmation.onConfirm();
            }}
          >
            Confirm: {confirmation.title}
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
