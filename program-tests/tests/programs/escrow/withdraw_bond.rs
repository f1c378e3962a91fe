//! `withdraw_bond`: after the unbonding delay the provider takes the requested amount back. Its
//! tests: `register_provider::registers_bonds_unbonds_and_withdraws` (refused before the delay
//! and with nothing requested), `scenarios::case5_refusals` (refused with open jobs),
//! `audit::audit_unbonding_delay_is_fixed_at_the_request`,
//! `audit::audit_unbonding_delay_unchanged_config_control` and
//! `stray::stray_tokens_do_not_block_a_refund_nor_freeze_the_bond`.
