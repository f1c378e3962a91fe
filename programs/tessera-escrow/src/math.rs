//! Pure settlement arithmetic: integers only, u128 products, divisions rounded down. The
//! protocol fee, the model's royalty and each parent's share of it are rounded down; the
//! model's split takes the royalty's dust and the provider the rest, so the parts add up to
//! exactly the amount settled.

pub use tessera_common::bps::bps_of;

/// The slash at stake on a job, fixed at acceptance:
/// `min(floor(bond × slash_bps / 10_000), fee × max_fee_multiple)`, in u128.
pub fn slash_amount(bond: u64, slash_bps: u16, fee: u64, max_fee_multiple: u32) -> Option<u64> {
    let by_bond = bps_of(bond, slash_bps)?;
    let by_fee = u128::from(fee).checked_mul(u128::from(max_fee_multiple))?;
    u64::try_from(u128::from(by_bond).min(by_fee)).ok()
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payout {
    pub to_treasury: u64,
    /// What the model's own split receives: the royalty less the parents' shares.
    pub to_model_split: u64,
    /// Each parent dataset's share of the royalty, in the model's order.
    pub to_parents: Vec<u64>,
    pub to_provider: u64,
    pub to_consumer: u64,
}

/// Divides a job's `fee`: the provider's part (`provider_share_bps` of the fee, 10,000 on a
/// release) is divided by the lineage rule of every paid inference
/// ([`tessera_common::lineage::inference_split`]: the protocol fee, the model's royalty, from
/// the royalty each parent's share, the rest to the provider); the consumer gets the rest of
/// the fee back.
pub fn payout(fee: u64, provider_share_bps: u16, fee_bps: u16, royalty_bps: u16, parent_bps: &[u16]) -> Option<Payout> {
    let provider_part = bps_of(fee, provider_share_bps)?;
    let to_consumer = fee.checked_sub(provider_part)?;
    let split = tessera_common::lineage::inference_split(provider_part, fee_bps, royalty_bps, parent_bps)?;
    Some(Payout {
        to_treasury: split.to_treasury,
        to_model_split: split.to_model_split,
        to_parents: split.to_parents,
        to_provider: split.to_payee,
        to_consumer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_of_two_usdc_with_one_percent_fee() {
        let p = payout(2_000_000, 10_000, 100, 0, &[]).unwrap();
        assert_eq!(
            p,
            Payout {
                to_treasury: 20_000,
                to_model_split: 0,
                to_parents: vec![],
                to_provider: 1_980_000,
                to_consumer: 0
            }
        );
    }

    #[test]
    fn the_parents_are_paid_from_the_royalty() {
        // 2.0 released, 1% fee, 20% royalty; the parents take 30% and 10% of the royalty.
        let p = payout(2_000_000, 10_000, 100, 2_000, &[3_000, 1_000]).unwrap();
        assert_eq!(p.to_treasury, 20_000);
        assert_eq!(p.to_parents, vec![120_000, 40_000]);
        assert_eq!(p.to_model_split, 240_000);
        assert_eq!((p.to_provider, p.to_consumer), (1_580_000, 0));
        // A dispute resolved at 50%: the lineage rule applies to the provider's half only.
        let p = payout(2_000_000, 5_000, 100, 2_000, &[3_000]).unwrap();
        assert_eq!(
            (p.to_consumer, p.to_treasury, p.to_parents.clone()),
            (1_000_000, 10_000, vec![60_000])
        );
        assert_eq!((p.to_model_split, p.to_provider), (140_000, 790_000));
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
            let parents = [(x >> 4) as u16 % 3_000, (x >> 12) as u16 % 2_000];
            let p = payout(fee, share, (x >> 24) as u16 % 1_001, (x >> 40) as u16 % 5_001, &parents).unwrap();
            let to_parents: u64 = p.to_parents.iter().sum();
            assert_eq!(
                p.to_treasury + p.to_model_split + to_parents + p.to_provider + p.to_consumer,
                fee
            );
        }
        let p = payout(u64::MAX, 10_000, 1_000, 5_000, &[]).unwrap();
        assert_eq!(p.to_treasury + p.to_model_split + p.to_provider, u64::MAX);
    }
}
