//! Basis points: the one denominator and the one share function every Tessera program (and the
//! client) uses. Integers only; products are taken in u128; every division rounds **down**, so a
//! share never exceeds its exact value and the party that takes "the rest" (the asset's split
//! on a sale, the provider on a settlement, the vault on a royalty claim) receives the dust.
//! Each program maps a `None` (overflow) to its own named error.

/// Shares are expressed in basis points of this denominator: 10,000 bps = 100%.
pub const BPS_DENOMINATOR: u16 = 10_000;
/// The largest meaningful share: the whole.
pub const MAX_BPS: u16 = BPS_DENOMINATOR;

/// `floor(amount × bps / 10_000)`, the product taken in u128. `None` when the result does not fit
/// a u64, which needs `bps > MAX_BPS` (a u64 × u16 product always fits a u128).
pub fn bps_of(amount: u64, bps: u16) -> Option<u64> {
    u64::try_from(bps_of_u128(u128::from(amount), bps)?).ok()
}

/// `floor(amount × bps / 10_000)` of a u128 amount, or `None` on overflow.
pub fn bps_of_u128(amount: u128, bps: u16) -> Option<u128> {
    amount
        .checked_mul(u128::from(bps))?
        .checked_div(u128::from(BPS_DENOMINATOR))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_down() {
        assert_eq!(bps_of(1_500_000, 7_000), Some(1_050_000));
        assert_eq!(bps_of(1, 9_999), Some(0));
        assert_eq!(bps_of(10_001, 3_333), Some(3_333));
        assert_eq!(bps_of(1_000_001, 333), Some(33_300));
        assert_eq!(bps_of(u64::MAX, MAX_BPS), Some(u64::MAX));
        assert_eq!(bps_of(u64::MAX, 5_000), Some(u64::MAX / 2));
    }

    #[test]
    fn overflow_is_reported() {
        assert_eq!(bps_of_u128(u128::MAX, 2), None);
        assert_eq!(bps_of(u64::MAX, MAX_BPS + 1), None);
    }

    #[test]
    fn shares_never_exceed_the_whole() {
        // Σ floor(a·s_i/10_000) ≤ a for any partition of 10_000, short by less than one unit a part.
        let parts = [3_333u16, 3_333, 3_334];
        for a in [0u64, 1, 2, 7, 99, 10_001, 123_456_789, u64::MAX] {
            let sum: u128 = parts.iter().map(|&p| u128::from(bps_of(a, p).unwrap())).sum();
            assert!(
                sum <= u128::from(a) && u128::from(a) - sum < parts.len() as u128,
                "a={a} sum={sum}"
            );
        }
    }
}
