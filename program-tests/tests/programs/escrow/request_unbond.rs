//! `request_unbond`: the provider announces a withdrawal; the unbonding delay starts. Its tests:
//! `register_provider::registers_bonds_unbonds_and_withdraws`,
//! `register_provider::refuses_bad_listings_and_amounts` (above the bond),
//! `audit::audit_unbonding_delay_is_fixed_at_the_request` and
//! `audit::audit_unbonding_delay_unchanged_config_control`.
