//! Code shared by the Tessera programs.
//!
//! [`bps`]: the basis-point denominator and the one rounding-down share function.
//!
//! [`two_step`]: the checks and updates of a two-step role transfer (propose, then accept).
//!
//! [`lineage`]: how a paid inference is divided between the protocol, the model's split, its
//! parents' splits and the provider (the lineage rule, parts adding up to the amount).
//!
//! [`token`]: a token account's amount, and the harvest of a vault's withheld Token-2022 fees
//! before it closes.
//!
//! [`create`]: account creation that succeeds whatever lamports already sit at the address.
//! Anchor 1.2's `init` switches to the system program's `CreateAccountAllowPrefund` when the
//! address holds lamports, an instruction the runtime we target (Agave 3.1) refuses; anyone could
//! then block a PDA for good by sending it rent first. Every account the Tessera programs create
//! goes through [`create::create_pda_account`] instead, which tops up, allocates and assigns, as
//! the associated-token program does.

pub mod bps;
pub mod create;
pub mod lineage;
pub mod token;
pub mod two_step;
