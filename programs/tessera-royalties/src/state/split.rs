use anchor_lang::prelude::*;

use crate::{
    constants::{BPS_DENOMINATOR, MAX_BPS, MAX_ENTRIES, MAX_RECIPIENTS},
    errors::RoyaltiesError,
    math::bps_share,
    state::ParkedBalance,
};

/// A recipient and its share, as given to `create_split` and `update_split`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct RecipientInput {
    pub address: Pubkey,
    /// Share in basis points (1..=10_000).
    pub bps: u16,
}

/// One entry of a split: an active recipient (`bps > 0`) or a removed one that still has an
/// unclaimed balance (`bps == 0`, `settled > 0`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct RecipientEntry {
    pub address: Pubkey,
    pub bps: u16,
    /// Owed from earlier epochs (before the last `update_split`) and not yet claimed.
    pub settled: u64,
    /// Paid out of the current epoch's pool so far.
    pub claimed_in_epoch: u128,
}

/// Pull-based royalty accounting for one subject (a Tessera asset).
///
/// A deposit only adds to `total_received` (O(1), whatever the number of recipients). The
/// tokens received since the last `update_split` form the current epoch's pool
/// (`total_received - epoch_start`); a recipient's entitlement in it is
/// `floor(pool × bps / 10_000)`, and it is owed `settled + entitlement - claimed_in_epoch`,
/// which a claim pays in one transfer (O(1), whatever the number of past deposits).
///
/// Rounding dust: the floors leave less than one base unit per recipient of the pool
/// unallocated at any time. It stays in the vault; at `update_split` the allocated part is
/// settled and the unallocated remainder is carried into the next epoch's pool (`epoch_start`
/// advances only by what was allocated), so it is paid out to the recipients as later deposits
/// make it divisible. Σ owed never exceeds what the vault received.
///
/// Removed recipients: an update settles what each entry earned; a removed recipient with a
/// balance keeps an entry with a zero share until it (or anyone, through `claim_for`) takes it.
/// When the new list plus those entries would exceed [`MAX_ENTRIES`], every removed recipient's
/// balance moves instead to a [`crate::state::Parked`] record created by that update (paid by
/// `claim_parked`), so recipients that never claim cannot block the authority's updates.
///
/// Tokens that reach the vault without `deposit` are not credited until someone calls `sync`,
/// which credits `vault.amount - held()` exactly as a deposit of that amount.
#[account]
#[derive(InitSpace, Debug)]
pub struct Split {
    /// The key the split belongs to; it signed the creation.
    pub subject: Pubkey,
    /// May change the recipients and shares.
    pub authority: Pubkey,
    /// The payment mint.
    pub mint: Pubkey,
    /// The vault token account (a PDA owned by this split).
    pub vault: Pubkey,
    /// Everything the vault has received through `deposit`.
    pub total_received: u128,
    /// Everything paid out by claims.
    pub total_claimed: u128,
    /// `total_received` minus the current epoch's pool.
    pub epoch_start: u128,
    /// Increments on every update.
    pub version: u32,
    pub bump: u8,
    pub vault_bump: u8,
    #[max_len(MAX_ENTRIES)]
    pub entries: Vec<RecipientEntry>,
    /// Proposed by the authority with `propose_split_authority`; becomes the authority when it
    /// signs `accept_split_authority`. Placed after `entries` so the offsets of the fields
    /// before it (read by memcmp filters) did not move.
    pub pending_authority: Option<Pubkey>,
}

impl Split {
    /// Account size for `entries` entries, discriminator included.
    pub fn space(entries: usize) -> usize {
        8 + Self::INIT_SPACE - MAX_ENTRIES * RecipientEntry::INIT_SPACE + entries * RecipientEntry::INIT_SPACE
    }

    pub fn signer_seeds(&self) -> [&[u8]; 3] {
        [
            crate::constants::SPLIT_SEED,
            self.subject.as_ref(),
            std::slice::from_ref(&self.bump),
        ]
    }

    /// Checks a recipient list: 1..=16 recipients, each share in 1..=10_000, no duplicate,
    /// shares summing to exactly 10_000.
    pub fn validate_recipients(recipients: &[RecipientInput]) -> Result<()> {
        require!(recipients.len() <= MAX_RECIPIENTS, RoyaltiesError::TooManyRecipients);
        let mut sum: u32 = 0;
        for (i, r) in recipients.iter().enumerate() {
            require!(r.bps > 0, RoyaltiesError::ZeroShare);
            require!(r.bps <= MAX_BPS, RoyaltiesError::ShareAboveMax);
            require!(
                !recipients[..i].iter().any(|o| o.address == r.address),
                RoyaltiesError::DuplicateRecipient
            );
            sum += u32::from(r.bps);
        }
        require!(sum == u32::from(BPS_DENOMINATOR), RoyaltiesError::SharesDoNotSumTo10000);
        Ok(())
    }

    /// The tokens received since the last update.
    pub fn epoch_pool(&self) -> Result<u128> {
        self.total_received
            .checked_sub(self.epoch_start)
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))
    }

    pub fn position(&self, recipient: &Pubkey) -> Option<usize> {
        self.entries.iter().position(|e| e.address == *recipient)
    }

    /// What the split still holds for its recipients: everything credited minus everything
    /// paid out (owed balances, parked balances and rounding dust alike). The vault holds at
    /// least this; anything above it is uncredited (see `sync`).
    pub fn held(&self) -> Result<u128> {
        self.total_received
            .checked_sub(self.total_claimed)
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))
    }

    /// What a vault holding `vault_amount` holds beyond [`Split::held`]: tokens that reached it
    /// without `deposit`, not yet credited. 0 if the vault holds less (it never does while
    /// nothing but claims takes tokens out).
    pub fn uncredited(&self, vault_amount: u64) -> Result<u64> {
        let surplus = u128::from(vault_amount).saturating_sub(self.held()?);
        // Never more than `vault_amount`, so it fits.
        u64::try_from(surplus).map_err(|_| error!(RoyaltiesError::MathOverflow))
    }

    /// Records a payment of a parked balance (paid from the vault like any claim).
    pub fn record_parked_claim(&mut self, amount: u64) -> Result<()> {
        self.total_claimed = self
            .total_claimed
            .checked_add(u128::from(amount))
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        Ok(())
    }

    /// What the entry at `index` is owed now.
    pub fn owed_at(&self, index: usize) -> Result<u64> {
        let entry = self
            .entries
            .get(index)
            .ok_or_else(|| error!(RoyaltiesError::NotARecipient))?;
        let entitlement =
            bps_share(self.epoch_pool()?, entry.bps).ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        let unclaimed = entitlement
            .checked_sub(entry.claimed_in_epoch)
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        u64::try_from(unclaimed)
            .ok()
            .and_then(|u| u.checked_add(entry.settled))
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))
    }

    /// What `recipient` is owed now (0 for a key that is not in the split).
    pub fn owed(&self, recipient: &Pubkey) -> Result<u64> {
        match self.position(recipient) {
            Some(i) => self.owed_at(i),
            None => Ok(0),
        }
    }

    /// Records a deposit the vault actually received.
    pub fn record_deposit(&mut self, received: u64) -> Result<()> {
        self.total_received = self
            .total_received
            .checked_add(u128::from(received))
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        Ok(())
    }

    /// Checks that `recipient` is an entry with something owed: `NotARecipient`, then
    /// `NothingToClaim`, as [`Split::record_claim`] refuses.
    pub fn check_claimable(&self, recipient: &Pubkey) -> Result<()> {
        let index = self
            .position(recipient)
            .ok_or_else(|| error!(RoyaltiesError::NotARecipient))?;
        require!(self.owed_at(index)? > 0, RoyaltiesError::NothingToClaim);
        Ok(())
    }

    /// Marks everything `recipient` is owed as paid and returns that amount. A removed
    /// recipient's entry is dropped once it is paid.
    pub fn record_claim(&mut self, recipient: &Pubkey) -> Result<u64> {
        let index = self
            .position(recipient)
            .ok_or_else(|| error!(RoyaltiesError::NotARecipient))?;
        let amount = self.owed_at(index)?;
        require!(amount > 0, RoyaltiesError::NothingToClaim);
        let pool = self.epoch_pool()?;
        let entry = &mut self.entries[index];
        entry.claimed_in_epoch = bps_share(pool, entry.bps).ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        entry.settled = 0;
        if entry.bps == 0 {
            self.entries.remove(index);
        }
        self.total_claimed = self
            .total_claimed
            .checked_add(u128::from(amount))
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        Ok(amount)
    }

    /// Closes the current epoch (settling what each entry earned in it) and installs the new
    /// recipient list. Removed recipients keep their unclaimed balance with a zero share; if
    /// that would exceed [`MAX_ENTRIES`], every removed recipient's balance leaves the split
    /// and is returned, to be parked (never refused: the authority can always update).
    /// `recipients` must already be validated.
    pub fn apply_update(&mut self, recipients: &[RecipientInput]) -> Result<Vec<ParkedBalance>> {
        let pool = self.epoch_pool()?;
        let mut allocated: u128 = 0;
        for entry in self.entries.iter_mut() {
            let entitlement = bps_share(pool, entry.bps).ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
            allocated = allocated
                .checked_add(entitlement)
                .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
            let unclaimed = entitlement
                .checked_sub(entry.claimed_in_epoch)
                .and_then(|u| u64::try_from(u).ok())
                .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
            entry.settled = entry
                .settled
                .checked_add(unclaimed)
                .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
            entry.claimed_in_epoch = 0;
            entry.bps = recipients
                .iter()
                .find(|r| r.address == entry.address)
                .map_or(0, |r| r.bps);
        }
        // The unallocated dust stays in the pool of the next epoch.
        self.epoch_start = self
            .epoch_start
            .checked_add(allocated)
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        self.entries.retain(|e| e.bps > 0 || e.settled > 0);
        for r in recipients {
            if self.position(&r.address).is_none() {
                self.entries.push(RecipientEntry {
                    address: r.address,
                    bps: r.bps,
                    settled: 0,
                    claimed_in_epoch: 0,
                });
            }
        }
        let mut parked = Vec::new();
        if self.entries.len() > MAX_ENTRIES {
            // Removed entries owe exactly `settled` (their share is zero and the epoch was just
            // settled); active ones stay (at most MAX_RECIPIENTS, validated).
            parked = self
                .entries
                .iter()
                .filter(|e| e.bps == 0)
                .map(|e| ParkedBalance {
                    address: e.address,
                    owed: e.settled,
                })
                .collect();
            self.entries.retain(|e| e.bps > 0);
        }
        self.version = self
            .version
            .checked_add(1)
            .ok_or_else(|| error!(RoyaltiesError::MathOverflow))?;
        Ok(parked)
    }

    /// The active recipients (non-zero share), in order.
    pub fn active_recipients(&self) -> Vec<RecipientInput> {
        self.entries
            .iter()
            .filter(|e| e.bps > 0)
            .map(|e| RecipientInput {
                address: e.address,
                bps: e.bps,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(shares: &[(u8, u16)]) -> Split {
        let mut s = Split {
            subject: Pubkey::default(),
            authority: Pubkey::default(),
            mint: Pubkey::default(),
            vault: Pubkey::default(),
            total_received: 0,
            total_claimed: 0,
            epoch_start: 0,
            version: 0,
            bump: 0,
            vault_bump: 0,
            entries: vec![],
            pending_authority: None,
        };
        s.apply_update(&inputs(shares)).unwrap();
        s
    }

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    fn inputs(shares: &[(u8, u16)]) -> Vec<RecipientInput> {
        shares
            .iter()
            .map(|&(k, bps)| RecipientInput { address: key(k), bps })
            .collect()
    }

    #[test]
    fn claims_pay_exact_shares_and_nothing_twice() {
        let mut s = split(&[(1, 7_000), (2, 2_000), (3, 1_000)]);
        for _ in 0..3 {
            s.record_deposit(1_500_000).unwrap();
        }
        assert_eq!(s.record_claim(&key(1)).unwrap(), 3_150_000);
        assert_eq!(s.record_claim(&key(2)).unwrap(), 900_000);
        assert_eq!(s.record_claim(&key(3)).unwrap(), 450_000);
        assert!(s.record_claim(&key(1)).is_err());
        assert_eq!(s.total_claimed, 4_500_000);
    }

    #[test]
    fn dust_carries_into_the_next_epoch() {
        let mut s = split(&[(1, 3_333), (2, 3_333), (3, 3_334)]);
        s.record_deposit(10).unwrap(); // floors: 3 + 3 + 3 = 9, dust 1
        let owed: u64 = (1..=3).map(|k| s.owed(&key(k)).unwrap()).sum();
        assert_eq!(owed, 9);
        s.apply_update(&inputs(&[(1, 10_000)])).unwrap();
        assert_eq!(s.epoch_pool().unwrap(), 1, "the dust is the new epoch's pool");
        assert_eq!(s.owed(&key(1)).unwrap(), 3 + 1);
        assert_eq!(s.owed(&key(2)).unwrap(), 3);
        let total: u64 = (1..=3).map(|k| s.owed(&key(k)).unwrap()).sum();
        assert_eq!(total, 10, "after the update every unit is allocated");
    }

    #[test]
    fn removed_recipient_keeps_earnings_and_gets_nothing_after() {
        let mut s = split(&[(1, 5_000), (2, 5_000)]);
        s.record_deposit(1_000).unwrap();
        assert_eq!(s.record_claim(&key(1)).unwrap(), 500);
        s.apply_update(&inputs(&[(1, 10_000)])).unwrap();
        s.record_deposit(1_000).unwrap();
        assert_eq!(s.owed(&key(2)).unwrap(), 500);
        assert_eq!(s.owed(&key(1)).unwrap(), 1_000);
        assert_eq!(s.record_claim(&key(2)).unwrap(), 500);
        assert!(s.position(&key(2)).is_none(), "paid-out removed entry is dropped");
    }

    #[test]
    fn removed_balances_that_do_not_fit_are_parked_not_refused() {
        let first: Vec<(u8, u16)> = (1..=16).map(|k| (k, 625)).collect();
        let second: Vec<(u8, u16)> = (101..=116).map(|k| (k, 625)).collect();
        let mut s = split(&first);
        s.record_deposit(16_000).unwrap();
        let parked = s.apply_update(&inputs(&second)).unwrap();
        assert_eq!(parked.len(), 16);
        assert!(parked.iter().all(|p| p.owed == 1_000));
        assert_eq!(s.entries.len(), 16);
        assert!(s.entries.iter().all(|e| e.bps == 625));
        assert_eq!(s.owed(&key(1)).unwrap(), 0, "the split itself no longer owes it");
        assert_eq!(s.held().unwrap(), 16_000, "the vault still holds it for the record");
        // Room left: removed balances stay as entries.
        s.record_deposit(16_000).unwrap();
        let parked = s.apply_update(&inputs(&[(1, 10_000)])).unwrap();
        assert!(parked.is_empty());
        assert_eq!(s.entries.len(), 17);
        assert_eq!(s.owed(&key(101)).unwrap(), 1_000);
    }

    #[test]
    fn validation_rules() {
        let ok = inputs(&[(1, 7_000), (2, 3_000)]);
        assert!(Split::validate_recipients(&ok).is_ok());
        for bad in [
            inputs(&[(1, 9_999)]),
            inputs(&[(1, 10_001)]),
            inputs(&[(1, 0), (2, 10_000)]),
            inputs(&[(1, 5_000), (1, 5_000)]),
            inputs(&[]),
        ] {
            assert!(Split::validate_recipients(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn space_matches_init_space_at_capacity() {
        assert_eq!(Split::space(MAX_ENTRIES), 8 + Split::INIT_SPACE);
    }
}
