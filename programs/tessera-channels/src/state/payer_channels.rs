use anchor_lang::prelude::*;

use crate::errors::ChannelsError;

/// A payer's channel counter, at `[PAYER_CHANNELS_SEED, payer]`
/// ([`crate::constants::PAYER_CHANNELS_SEED`]): its channels are numbered 1, 2, 3, … and
/// `open_channel` takes only the next number, so that no channel address (`[CHANNEL_SEED,
/// payer, channel_id]`) is ever used twice.
///
/// Why: a voucher names its channel only by the channel's address (the Solana Foundation
/// layout has no nonce), and every settled voucher is public (it sits in an Ed25519
/// instruction on chain). If a closed channel's id could be opened again, anyone could settle
/// the old channel's vouchers against the new deposit.
///
/// Why the program numbers the channels rather than accept any id above the last: an id chosen
/// by the payer could be `u64::MAX` (by a buggy client, or a page the payer trusted too much),
/// and that payer could then never open a channel again; with the next number only, no choice
/// locks anyone out, and a payer's channels are `channel(payer, 1..=last_channel_id)`. A retry
/// of an open that did land is refused instead of opening a second channel.
///
/// Created on the payer's first `open_channel` (whatever lamports already sit at its address;
/// its rent, paid once by the payer, stays in it). NEVER CLOSED: no instruction closes it,
/// and none may ever do so — closing it would reset the counter, let a closed channel's id be
/// opened again, and bring back the replay of its vouchers.
#[account]
#[derive(InitSpace, Debug)]
pub struct PayerChannels {
    /// The payer whose channels this counts (part of the address).
    pub payer: Pubkey,
    /// The id of the payer's latest channel; 0: none yet. Only ever increases, by one.
    pub last_channel_id: u64,
    pub bump: u8,
}

impl PayerChannels {
    /// The id the payer's next channel must have: `last_channel_id + 1`.
    pub fn next_channel_id(&self) -> Result<u64> {
        next_channel_id(self.last_channel_id)
    }
}

/// The id that follows `last` (1 for a payer with no channel yet, whose `last` is 0).
pub fn next_channel_id(last: u64) -> Result<u64> {
    last.checked_add(1).ok_or_else(|| error!(ChannelsError::MathOverflow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_each_other_from_one() {
        assert_eq!(next_channel_id(0).unwrap(), 1);
        let p = PayerChannels {
            payer: Pubkey::new_unique(),
            last_channel_id: 41,
            bump: 255,
        };
        assert_eq!(p.next_channel_id().unwrap(), 42);
        assert!(next_channel_id(u64::MAX).is_err());
        assert_eq!(PayerChannels::INIT_SPACE, 32 + 8 + 1);
    }
}
