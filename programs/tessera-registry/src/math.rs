//! Pure sale arithmetic: integers only, u128 products, every division rounded down. The
//! protocol fee and each parent's share are rounded down, and the asset's own split takes the
//! remainder, so rounding always favours the asset's royalty vault and the parts add up to
//! exactly what the buyer paid.

use crate::constants::MAX_PARENTS;
pub use tessera_common::bps::bps_of;

/// How one payment is divided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleBreakdown {
    pub total: u64,
    pub fee: u64,
    pub parents: [u64; MAX_PARENTS],
    pub net: u64,
}

/// `price × quantity`, or `None` if it does not fit a u64.
pub fn total_price(price: u64, quantity: u64) -> Option<u64> {
    u64::try_from(u128::from(price).checked_mul(u128::from(quantity))?).ok()
}

/// Divides `total`: the fee (`fee_bps` of the total), each parent's share (of what remains
/// after the fee), and the rest for the asset.
pub fn split_sale(total: u64, fee_bps: u16, parent_bps: &[u16]) -> Option<SaleBreakdown> {
    if parent_bps.len() > MAX_PARENTS {
        return None;
    }
    let fee = bps_of(total, fee_bps)?;
    let after_fee = total.checked_sub(fee)?;
    let mut parents = [0u64; MAX_PARENTS];
    let mut to_parents: u64 = 0;
    for (slot, &bps) in parents.iter_mut().zip(parent_bps) {
        *slot = bps_of(after_fee, bps)?;
        to_parents = to_parents.checked_add(*slot)?;
    }
    let net = after_fee.checked_sub(to_parents)?;
    Some(SaleBreakdown {
        total,
        fee,
        parents,
        net,
    })
}

/// The expiry after buying `quantity` units of `duration` seconds: extended from the later of
/// `now` and the current expiry (`None` for a new pass).
pub fn extend_expiry(current: Option<i64>, now: i64, duration: u64, quantity: u64) -> Option<i64> {
    let base = current.map_or(now, |c| c.max(now));
    let extension = i64::try_from(duration.checked_mul(quantity)?).ok()?;
    base.checked_add(extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_and_parents_round_down_and_add_up() {
        let b = split_sale(1_500_000, 250, &[]).unwrap();
        assert_eq!((b.fee, b.net), (37_500, 1_462_500));
        let b = split_sale(1_000_001, 333, &[1_234, 2_345]).unwrap();
        let sum: u64 = b.fee + b.parents.iter().sum::<u64>() + b.net;
        assert_eq!(sum, 1_000_001);
        assert_eq!(b.fee, 33_300); // floor(1_000_001 × 0.0333)
    }

    #[test]
    fn parts_always_sum_to_the_total() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let total = x % 10_000_000_000;
            let fee = (x >> 40) as u16 % 1_001;
            let n = (x >> 20) as usize % 9;
            let shares: Vec<u16> = (0..n).map(|i| ((x >> (i * 3)) % 625) as u16).collect();
            let b = split_sale(total, fee, &shares).unwrap();
            assert_eq!(b.fee + b.parents.iter().sum::<u64>() + b.net, total);
        }
    }

    #[test]
    fn overflow_is_caught() {
        assert_eq!(total_price(u64::MAX, 2), None);
        assert_eq!(total_price(u64::MAX, 1), Some(u64::MAX));
        assert!(split_sale(u64::MAX, 1_000, &[5_000]).is_some());
    }

    #[test]
    fn expiry_extends_from_the_later_of_now_and_expiry() {
        let t = 1_700_000_000;
        assert_eq!(extend_expiry(None, t, 3_600, 1), Some(t + 3_600));
        assert_eq!(extend_expiry(Some(t + 3_600), t + 1_800, 3_600, 1), Some(t + 7_200));
        assert_eq!(extend_expiry(Some(t + 3_600), t + 5_000, 3_600, 1), Some(t + 8_600));
        assert_eq!(extend_expiry(None, t, u64::MAX, 2), None);
    }
}
