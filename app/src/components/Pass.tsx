// An access pass as every table of the app shows it (My access, the publisher's holders): its
// state, and its expiry as a date with a countdown.

import { Countdown } from "./Countdown";
import type { AccessPass } from "../lib/accounts";
import { big, formatTime } from "../lib/amounts";

export type PassState = "revoked" | "perpetual" | "valid" | "expired";

/** The pass's state at `now` (unix seconds, this machine's clock). */
export function passState(p: AccessPass, now: number): PassState {
  if (p.revoked) return "revoked";
  if (p.perpetual) return "perpetual";
  return Number(big(p.expiresAt)) > now ? "valid" : "expired";
}

/** The state in words: "revoked (reason N)" (in red), "perpetual", "valid" or "expired". */
export function PassStatus({ pass, now }: { pass: AccessPass; now: number }) {
  const state = passState(pass, now);
  return state === "revoked" ? <span className="error">revoked (reason {pass.revokeReason})</span> : <>{state}</>;
}

/** When the pass expires: its date and a countdown; "never" for a perpetual pass, "—" for a revoked one. */
export function PassExpiry({ pass }: { pass: AccessPass }) {
  if (pass.perpetual) return <>never</>;
  if (pass.revoked) return <>—</>;
  const expires = Number(big(pass.expiresAt));
  return (
    <>
      {formatTime(expires)} (<Countdown deadline={expires} />)
    </>
  );
}
