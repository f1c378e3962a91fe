//! Pure settlement arithmetic: integers only, u128 products, divisions rounded down. The
//! protocol fee and the model's royalty are rounded down and the provider takes the rest, so
//! the parts add up to exactly the amount settled.

pub use tessera_common::bps::bps_of;

/// The slash at stake on a job, fixed at acceptance:
/// `min(floor(bond × slash_bps / 10_000), fee × max_fee_multiple)`, in u128.
pub fn slash_amount(bond: u64, slash_bps: u16, fee: u64, max_fee_multiple: u32) -> Option<u64> {
    let by_bond = bps_of(bond, slash_bps)?;
    let by_fee = u128::from(fee).checked_mul(u128::from(max_fee_multiple))?;
    u64::try_from(u128::from(by_bond).min(by_fee)).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Payout {
    pub to_treasury: u64,
    pub to_model_split: u64,
    pub to_provider: u64,
    pub to_consumer: u64,
}

/// Divides a job's `fee`: the provider's part (`provider_share_bps` of the fee, 10,000 on a
/// release) pays the protocol fee and the model's royalty; the consumer gets the rest back.
pub fn payout(fee: u64, provider_share_bps: u16, fee_bps: u16, royalty_bps: u16) -> Option<Payout> {
    let provider_part = bps_of(fee, provider_share_bps)?;
    let to_consumer = fee.checked_sub(provider_part)?;
    let to_treasury = bps_of(provider_part, fee_bps)?;
    let to_model_split = bps_of(provider_part, royalty_bps)?;
    let to_provider = provider_part.checked_sub(to_treasury)?.checked_sub(to_model_split)?;
    Some(Payout {
        to_treasury,
        to_model_split,
        to_provider,
        to_consumer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_of_two_usdc_with_one_percent_fee() {
        let p = payout(2_000_000, 10_000, 100, 0).unwrap();
        assert_eq!(
            p,
            Payout {
                to_treasury: 20_000,
                to_model_split: 0,
                to_provider: 1_980_000,
                to_consumer: 0
            }
        );
    }

    #[test]
    fn the_slash_is_bounded_by_the_bond_share_and_the_fee() {
        // 20% of a 10.0 bond is 2.0; a 1-unit fee with a 10× cap puts 10 units at stake.
        assert_eq!(slash_amount(10_000_000, 2_000, 1, 10), Some(10));
        assert_eq!(slash_amount(10_000_000, 2_000, 2_000_000, 10), Some(2_000_000));
        assert_eq!(slash_amount(10_000_000, 2_000, 2_000_000, 0), Some(0));
        assert_eq!(slash_amount(u64::MAX, 5_000, u64::MAX, u32::MAX), Some(u64::MAX / 2));
        assert_eq!(slash_amount(3, 3_333, 100, 1), Some(0)); // rounded down
    }

    #[test]
    fn parts_always_add_up() {
        let mut x: u64 = 0xD1CE_0F0F_1234_5678;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let fee = x % 1_000_000_000_000;
            let share = (x >> 8) as u16 % 10_001;
            let p = payout(fee, share, (x >> 24) as u16 % 1_001, (x >> 40) as u16 % 5_001).unwrap();
            assert_eq!(p.to_treasury + p.to_model_split + p.to_provider + p.to_consumer, fee);
        }
        let p = payout(u64::MAX, 10_000, 1_000, 5_000).unwrap();
        assert_eq!(p.to_treasury + p.to_model_split + p.to_provider, u64::MAX);
    }
}
