//! `update_config`: the admin changes the escrow settings. Its tests:
//! `initialize_config::upgrade_authority_initialises_and_admin_updates` (the update),
//! `initialize_config::refuses_an_intruder_and_bad_settings` (not the admin),
//! `governance::the_slash_share_is_capped_at_half_the_bond`,
//! `governance::the_admin_changes_in_two_steps` (the admin is kept),
//! `terms::windows_below_the_configured_minimums_are_refused` and
//! `terms::the_minimum_bond_is_set_per_mint`.
