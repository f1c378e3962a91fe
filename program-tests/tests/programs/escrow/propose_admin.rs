//! `propose_admin`: the first step of the two-step admin transfer. Its test, with the second step,
//! is `governance::the_admin_changes_in_two_steps` (only the admin proposes; the admin stays
//! admin until the proposed key accepts).
