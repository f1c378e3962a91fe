//! `update_provider`: the provider rewrites its endpoint and models. Its tests:
//! `register_provider::registers_bonds_unbonds_and_withdraws` (the update) and
//! `register_provider::refuses_bad_listings_and_amounts` (another signer on this provider's
//! account).
