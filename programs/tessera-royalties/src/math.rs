//! Pure royalty arithmetic. Integers only; every product is taken in u128; every division rounds
//! down, so a recipient is never credited more than its exact share and rounding dust stays in
//! the vault (see [`crate::state::Split`] for where that dust goes).

use crate::constants::BPS_DENOMINATOR;

/// `floor(amount × bps / 10_000)`, or `None` on overflow.
pub fn bps_share(amount: u128, bps: u16) -> Option<u128> {
    amount
        .checked_mul(u128::from(bps))?
        .checked_div(u128::from(BPS_DENOMINATOR))
}

/// [`bps_share`] of a u64 amount; the result never exceeds `amount`, so it fits a u64.
pub fn bps_share_u64(amount: u64, bps: u16) -> Option<u64> {
    u64::try_from(bps_share(u128::from(amount), bps)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_down() {
        assert_eq!(bps_share(1_500_000, 7_000), Some(1_050_000));
        assert_eq!(bps_share(1, 9_999), Some(0));
        assert_eq!(bps_share(10_001, 3_333), Some(3_333));
        assert_eq!(bps_share_u64(u64::MAX, 10_000), Some(u64::MAX));
        assert_eq!(bps_share_u64(u64::MAX, 5_000), Some(u64::MAX / 2));
    }

    #[test]
    fn overflow_is_reported() {
        assert_eq!(bps_share(u128::MAX, 2), None);
    }

    #[test]
    fn shares_never_exceed_the_whole() {
        // Σ floor(a·s_i/10_000) ≤ a for any partition of 10_000.
        let parts = [3_333u16, 3_333, 3_334];
        for a in [0u128, 1, 2, 7, 99, 10_001, 123_456_789, u64::MAX as u128] {
            let sum: u128 = parts.iter().map(|&p| bps_share(a, p).unwrap()).sum();
            assert!(sum <= a && a - sum < parts.len() as u128, "a={a} sum={sum}");
        }
    }
}
