//! Two-step transfer of a role (an admin, a split's authority): the holder proposes a
//! successor, which takes over only when it signs the acceptance, so the role never goes to a
//! key nobody controls. The checks return which refusal applies; each program maps it to its
//! own error code and emits its own events.

use anchor_lang::prelude::Pubkey;

/// Why a step of a two-step transfer is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The signer of a proposal is not the current holder.
    NotCurrent,
    /// Acceptance while nothing is proposed.
    NoPending,
    /// Acceptance signed by another key than the proposed one.
    NotPending,
}

/// Checks a proposal: only the current holder may propose (any key may be proposed: it has no
/// power until it accepts).
pub fn check_propose(current: &Pubkey, signer: &Pubkey) -> Result<(), Refusal> {
    if current == signer {
        Ok(())
    } else {
        Err(Refusal::NotCurrent)
    }
}

/// Records a proposal: replaces any earlier one; `None` withdraws it.
pub fn propose(pending: &mut Option<Pubkey>, proposed: Option<Pubkey>) {
    *pending = proposed;
}

/// Checks an acceptance: a key is proposed, and it is the signer.
pub fn check_accept(pending: Option<&Pubkey>, signer: &Pubkey) -> Result<(), Refusal> {
    match pending {
        None => Err(Refusal::NoPending),
        Some(p) if p == signer => Ok(()),
        Some(_) => Err(Refusal::NotPending),
    }
}

/// Completes an accepted transfer (after [`check_accept`]): the signer becomes the holder and
/// the proposal is cleared. Returns the previous holder.
pub fn accept(current: &mut Pubkey, pending: &mut Option<Pubkey>, signer: Pubkey) -> Pubkey {
    *pending = None;
    core::mem::replace(current, signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propose_then_accept() {
        let (a, b, c) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let (mut current, mut pending) = (a, None);
        assert_eq!(check_propose(&current, &b), Err(Refusal::NotCurrent));
        assert_eq!(check_accept(pending.as_ref(), &b), Err(Refusal::NoPending));
        assert_eq!(check_propose(&current, &a), Ok(()));
        propose(&mut pending, Some(b));
        assert_eq!(check_accept(pending.as_ref(), &c), Err(Refusal::NotPending));
        assert_eq!(check_accept(pending.as_ref(), &b), Ok(()));
        assert_eq!(accept(&mut current, &mut pending, b), a);
        assert_eq!((current, pending), (b, None));
        propose(&mut pending, Some(c));
        propose(&mut pending, None);
        assert_eq!(check_accept(pending.as_ref(), &c), Err(Refusal::NoPending));
    }
}
