//! `sync_bond`: anyone credits tokens sent straight to a bond vault to the provider's bond. Its
//! test is `stray::sync_bond_credits_stray_tokens_to_the_providers_bond` (with the refusal of
//! another provider's vault).
