//! `bond`: the provider deposits into its bond vault. Its tests:
//! `register_provider::registers_bonds_unbonds_and_withdraws` (the deposit and its event),
//! `register_provider::refuses_bad_listings_and_amounts` (a zero deposit) and
//! `prefund::a_bond_vault_is_created_at_a_prefunded_address`.
