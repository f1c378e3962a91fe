//! The lineage rule of a paid inference: how one amount paid for a model's inference is divided
//! between the protocol, the model's contributors and the datasets it was trained on. The same
//! rule as a pass sale (a parent's share is taken from what the model's split would receive),
//! applied to the model's inference royalty:
//!
//! - `to_treasury = floor(amount × fee_bps / 10,000)`;
//! - `royalty = floor(amount × royalty_bps / 10,000)`;
//! - each parent `i` gets `floor(royalty × parent_bps[i] / 10,000)`, in the model's order;
//! - the model's split gets `royalty − Σ parents` (the royalty's rounding dust);
//! - the payee (the provider) gets `amount − to_treasury − royalty` (the amount's rounding dust).
//!
//! Integers only, u128 products, every division rounded down: the parts always add up to exactly
//! `amount`. Used by `tessera-channels` on every settlement.

use crate::bps::bps_of;

/// How an inference payment is divided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InferenceSplit {
    pub amount: u64,
    pub to_treasury: u64,
    /// The model's whole royalty: `to_model_split + Σ to_parents`.
    pub royalty: u64,
    /// Each parent's share of the royalty, in the order of `parent_bps`.
    pub to_parents: Vec<u64>,
    pub to_model_split: u64,
    pub to_payee: u64,
}

/// Divides `amount` by the lineage rule (see the module). `None` when a share does not fit
/// (`fee_bps + royalty_bps > 10,000`, or the parents' shares sum to more than 10,000 bps).
pub fn inference_split(amount: u64, fee_bps: u16, royalty_bps: u16, parent_bps: &[u16]) -> Option<InferenceSplit> {
    let to_treasury = bps_of(amount, fee_bps)?;
    let royalty = bps_of(amount, royalty_bps)?;
    let to_payee = amount.checked_sub(to_treasury)?.checked_sub(royalty)?;
    let mut to_parents = Vec::with_capacity(parent_bps.len());
    let mut parents_total: u64 = 0;
    for &bps in parent_bps {
        let share = bps_of(royalty, bps)?;
        parents_total = parents_total.checked_add(share)?;
        to_parents.push(share);
    }
    let to_model_split = royalty.checked_sub(parents_total)?;
    Some(InferenceSplit {
        amount,
        to_treasury,
        royalty,
        to_parents,
        to_model_split,
        to_payee,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(s: &InferenceSplit) -> u128 {
        u128::from(s.to_treasury)
            + u128::from(s.to_model_split)
            + s.to_parents.iter().map(|&p| u128::from(p)).sum::<u128>()
            + u128::from(s.to_payee)
    }

    #[test]
    fn a_settlement_with_two_parents() {
        // 1.0 settled, 1% fee, 20% royalty; parents take 30% and 10% of the royalty.
        let s = inference_split(1_000_000, 100, 2_000, &[3_000, 1_000]).unwrap();
        assert_eq!(s.to_treasury, 10_000);
        assert_eq!(s.royalty, 200_000);
        assert_eq!(s.to_parents, vec![60_000, 20_000]);
        assert_eq!(s.to_model_split, 120_000);
        assert_eq!(s.to_payee, 790_000);
        assert_eq!(total(&s), 1_000_000);
    }

    #[test]
    fn dust_goes_to_the_model_split_and_the_payee() {
        // 7 units: fee floor(0.07) = 0, royalty floor(3.5) = 3, parents floor(0.99) = 0 each.
        let s = inference_split(7, 100, 5_000, &[3_333, 3_333]).unwrap();
        assert_eq!((s.to_treasury, s.royalty, s.to_parents.clone()), (0, 3, vec![0, 0]));
        assert_eq!((s.to_model_split, s.to_payee), (3, 4));
        let s = inference_split(0, 1_000, 5_000, &[5_000]).unwrap();
        assert_eq!(total(&s), 0);
    }

    #[test]
    fn shares_above_the_whole_are_refused() {
        assert_eq!(inference_split(100, 6_000, 5_000, &[]), None);
        assert_eq!(inference_split(100, 0, 5_000, &[6_000, 5_000]), None);
        assert!(inference_split(u64::MAX, 1_000, 9_000, &[10_000]).is_some());
    }

    #[test]
    fn parts_always_add_up() {
        let mut x: u64 = 0x5EED_1234_ABCD_0042;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let amount = if x % 7 == 0 {
                u64::MAX - (x >> 40)
            } else {
                x % 1_000_000_000_000
            };
            let fee = (x >> 8) as u16 % 1_001;
            let royalty = (x >> 20) as u16 % 5_001;
            let n = (x >> 32) as usize % 9;
            let parents: Vec<u16> = (0..n).map(|i| (x >> (i * 3)) as u16 % 626).collect();
            let s = inference_split(amount, fee, royalty, &parents).unwrap();
            assert_eq!(total(&s), u128::from(amount));
            assert_eq!(s.to_model_split + s.to_parents.iter().sum::<u64>(), s.royalty);
            assert!(s.to_treasury <= amount / 10 && s.royalty <= amount / 2);
        }
    }
}
