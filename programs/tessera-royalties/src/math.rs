//! Pure royalty arithmetic. Integers only; every product is taken in u128; every division rounds
//! down, so a recipient is never credited more than its exact share and rounding dust stays in
//! the vault (see [`crate::state::Split`] for where that dust goes). The share function is the
//! one all Tessera programs use: [`tessera_common::bps`].

/// `floor(amount × bps / 10_000)` of a u128 amount, or `None` on overflow.
pub use tessera_common::bps::bps_of_u128 as bps_share;
