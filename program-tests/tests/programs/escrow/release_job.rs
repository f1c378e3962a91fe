//! `release_job`: after the challenge window anyone releases a delivered job to the provider.
//! Its tests live in the suites that drive it end to end:
//! `scenarios::case3_optimistic_release_and_immediate_confirmation` (refused while the challenge
//! window is open, then released), `scenarios::case5_refusals` (a disputed job is not
//! released), `stray::stray_tokens_do_not_block_a_release_a_resolution_or_an_unaccepted_refund`,
//! `governance::config_changes_after_acceptance_do_not_reach_the_job` and
//! `security::sysvar_address_checks`.
