//! `accept_admin`: the second step of the two-step admin transfer. Its test, with the first step,
//! is `governance::the_admin_changes_in_two_steps` (refused with nothing proposed and for any key
//! but the proposed one; the old admin loses its power).
