use anchor_lang::prelude::*;

use crate::{constants::CHANNEL_SEED, errors::ChannelsError};

/// A payment channel, at `[CHANNEL_SEED, payer, channel_id]`: the payer's deposit waits in a
/// vault token account owned by this PDA (`[CHANNEL_VAULT_SEED, channel]`); vouchers signed by
/// `authorized_signer` for a growing cumulative amount are settled against it, and the rest goes
/// back to the payer when the channel closes. Fixed-size fields only, payer first, so that
/// clients can filter on payer (offset 8), payee (40) and model (136).
#[account]
#[derive(InitSpace, Debug)]
pub struct Channel {
    /// Funds the deposit; receives the refund and the rents.
    pub payer: Pubkey,
    /// The provider's authority: receives the payee part of every settlement.
    pub payee: Pubkey,
    /// The escrow `Provider` account serving the model.
    pub provider: Pubkey,
    /// Signs vouchers (the payer itself or a session key).
    pub authorized_signer: Pubkey,
    /// The registry model asset.
    pub model: Pubkey,
    /// The model's split at opening (receives the royalty net of the parents' shares).
    pub model_split: Pubkey,
    /// The model's payment mint.
    pub mint: Pubkey,
    /// The vault token account, at `[CHANNEL_VAULT_SEED, channel]`.
    pub vault: Pubkey,
    /// The payer's n-th channel (1, 2, 3, …: its `PayerChannels` counter); part of the
    /// channel's address, never used twice by one payer.
    pub channel_id: u64,
    /// What the vault received from the opening and the top-ups (balance deltas: a Token-2022
    /// transfer fee is not counted).
    pub deposit: u64,
    /// The highest cumulative voucher amount settled (monotonic, ≤ `deposit`).
    pub settled: u64,
    /// Snapshots at opening: the protocol fee and the model's inference royalty.
    pub fee_bps: u16,
    pub royalty_bps: u16,
    /// Seconds between a close request and the earliest finalization.
    pub close_grace: u32,
    /// When the payer requested the close; 0: none.
    pub close_requested_at: i64,
    pub opened_at: i64,
    pub bump: u8,
    pub vault_bump: u8,
}

impl Channel {
    /// Byte offsets (discriminator included) for `getProgramAccounts` memcmp filters.
    pub const PAYER_OFFSET: usize = 8;
    pub const PAYEE_OFFSET: usize = 40;
    pub const MODEL_OFFSET: usize = 136;

    pub fn signer_seeds<'a>(&'a self, id: &'a [u8; 8]) -> [&'a [u8]; 4] {
        [CHANNEL_SEED, self.payer.as_ref(), id, std::slice::from_ref(&self.bump)]
    }

    pub fn close_requested(&self) -> bool {
        self.close_requested_at != 0
    }

    /// When the grace after a close request ends (`None` if no close was requested).
    pub fn grace_ends_at(&self) -> Result<Option<i64>> {
        if !self.close_requested() {
            return Ok(None);
        }
        let end = self
            .close_requested_at
            .checked_add(i64::from(self.close_grace))
            .ok_or_else(|| error!(ChannelsError::MathOverflow))?;
        Ok(Some(end))
    }

    /// What the payer can still get back: the deposit not yet settled.
    pub fn remaining(&self) -> Result<u64> {
        self.deposit
            .checked_sub(self.settled)
            .ok_or_else(|| error!(ChannelsError::MathOverflow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;

    #[test]
    fn filter_offsets_match_the_layout() {
        let key = |b| Pubkey::new_from_array([b; 32]);
        let c = Channel {
            payer: key(1),
            payee: key(2),
            provider: key(3),
            authorized_signer: key(4),
            model: key(5),
            model_split: key(6),
            mint: key(7),
            vault: key(8),
            channel_id: 9,
            deposit: 10,
            settled: 0,
            fee_bps: 0,
            royalty_bps: 0,
            close_grace: 60,
            close_requested_at: 0,
            opened_at: 0,
            bump: 255,
            vault_bump: 254,
        };
        let mut data = vec![];
        c.try_serialize(&mut data).unwrap();
        assert_eq!(data.len(), 8 + Channel::INIT_SPACE);
        assert_eq!(&data[Channel::PAYER_OFFSET..][..32], &[1; 32]);
        assert_eq!(&data[Channel::PAYEE_OFFSET..][..32], &[2; 32]);
        assert_eq!(&data[Channel::MODEL_OFFSET..][..32], &[5; 32]);
    }
}
