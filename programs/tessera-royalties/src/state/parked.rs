use anchor_lang::prelude::*;

use crate::{
    constants::{MAX_ENTRIES, PARKED_SEED},
    errors::RoyaltiesError,
};

/// A removed recipient's balance, moved out of its split by an update.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct ParkedBalance {
    pub address: Pubkey,
    /// What the recipient is still owed; never changes until it is paid in full.
    pub owed: u64,
}

/// The balances of removed recipients that an `update_split` moved out of the split because
/// keeping their entries would have exceeded `MAX_ENTRIES` (so recipients that never claim can
/// never block the authority). At `[PARKED_SEED, split, version.to_le_bytes()]`; created by
/// that update (rent paid by the authority), paid out by `claim_parked` (the tokens stay in the
/// split's vault and count in the split's `held()`), and closed to `rent_payer` once the last
/// balance is paid.
#[account]
#[derive(InitSpace, Debug)]
pub struct Parked {
    /// The split whose vault pays these balances.
    pub split: Pubkey,
    /// The split's version before the update that parked them (the PDA's last seed).
    pub version: u32,
    /// Paid the rent; receives it back when the record closes.
    pub rent_payer: Pubkey,
    pub bump: u8,
    #[max_len(MAX_ENTRIES)]
    pub balances: Vec<ParkedBalance>,
}

impl Parked {
    /// Account size for `balances` balances, discriminator included.
    pub fn space(balances: usize) -> usize {
        8 + Self::INIT_SPACE - MAX_ENTRIES * ParkedBalance::INIT_SPACE + balances * ParkedBalance::INIT_SPACE
    }

    /// The PDA seeds without the bump.
    pub fn seeds<'a>(split: &'a Pubkey, version: &'a [u8; 4]) -> [&'a [u8]; 3] {
        [PARKED_SEED, split.as_ref(), version]
    }

    /// `recipient`'s parked balance, if it has one.
    pub fn owed(&self, recipient: &Pubkey) -> Option<u64> {
        self.balances.iter().find(|b| b.address == *recipient).map(|b| b.owed)
    }

    /// Removes `recipient`'s balance and returns it.
    pub fn take(&mut self, recipient: &Pubkey) -> Result<u64> {
        let index = self
            .balances
            .iter()
            .position(|b| b.address == *recipient)
            .ok_or_else(|| error!(RoyaltiesError::NotParked))?;
        let owed = self.balances[index].owed;
        self.balances.remove(index);
        Ok(owed)
    }
}
