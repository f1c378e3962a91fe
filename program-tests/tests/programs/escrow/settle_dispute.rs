//! `settle_dispute`: after the dispute deadline anyone settles a dispute the arbiter left open,
//! half each and no slash. Its test is
//! `governance::an_unresolved_dispute_settles_half_each_after_its_deadline` (refused while the
//! dispute window is open and by the arbiter after it, then settled).
