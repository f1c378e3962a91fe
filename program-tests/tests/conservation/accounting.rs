//! 2. The pure accounting against an independent model.

use anchor_lang::prelude::Pubkey;
use tessera_escrow::math as escrow_math;
use tessera_registry::math as registry_math;
use tessera_royalties::state::{RecipientInput, Split};

use crate::rng::{ReplayHint, Rng};
use crate::sim::T0;

/// Recipient keys the splits draw from.
pub const KEYS: usize = 28;
/// Splits driven side by side.
pub const SPLITS: usize = 6;

pub fn key(i: usize) -> Pubkey {
    let mut b = [0u8; 32];
    b[0] = 0x5E;
    b[1] = i as u8;
    Pubkey::new_from_array(b)
}

/// What a split owes, computed the simple way: each epoch's pool (its deposits plus the
/// dust carried in) is divided by floor(pool × bps / 10,000); the dust is carried to the
/// next epoch; a recipient is owed all it earned minus all it took.
#[derive(Clone, Default)]
pub struct SplitModel {
    pub shares: Vec<(usize, u16)>,
    pub pool: u128,
    /// Earned in closed epochs, per key.
    pub earned_closed: Vec<u128>,
    pub claimed: Vec<u128>,
    pub received: u128,
    pub paid: u128,
    /// Balances of removed keys parked by updates (still in the vault).
    pub parked: u128,
}

impl SplitModel {
    pub fn new(shares: Vec<(usize, u16)>) -> Self {
        SplitModel {
            shares,
            earned_closed: vec![0; KEYS],
            claimed: vec![0; KEYS],
            ..Default::default()
        }
    }
    fn share(&self, k: usize) -> u16 {
        self.shares.iter().find(|s| s.0 == k).map_or(0, |s| s.1)
    }
    pub fn owed(&self, k: usize) -> u128 {
        self.earned_closed[k] + self.pool * u128::from(self.share(k)) / 10_000 - self.claimed[k]
    }
    /// Keys the split must still list: active ones and removed ones with a balance.
    pub fn listed(&self, k: usize) -> bool {
        self.share(k) > 0 || self.earned_closed[k] > self.claimed[k]
    }
    pub fn close_epoch(&mut self, new: Vec<(usize, u16)>) {
        let mut allocated = 0;
        for &(k, bps) in &self.shares {
            let e = self.pool * u128::from(bps) / 10_000;
            self.earned_closed[k] += e;
            allocated += e;
        }
        self.pool -= allocated;
        // What each key took of this epoch is now part of `claimed`; entitlements moved to
        // `earned_closed`, so owed = earned_closed − claimed stays right.
        self.shares = new;
    }
}

fn blank_split() -> Split {
    Split {
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
    }
}

fn inputs(shares: &[(usize, u16)]) -> Vec<RecipientInput> {
    shares
        .iter()
        .map(|&(k, bps)| RecipientInput { address: key(k), bps })
        .collect()
}

fn random_shares(rng: &mut Rng) -> Vec<(usize, u16)> {
    let n = match rng.below(10) {
        0..=5 => rng.range(1, 4),
        6..=8 => rng.range(5, 10),
        _ => rng.range(11, 16),
    } as usize;
    let mut keys: Vec<usize> = (0..KEYS).collect();
    for i in 0..n {
        let j = i + rng.index(KEYS - i);
        keys.swap(i, j);
    }
    keys[..n].iter().copied().zip(rng.shares(n)).collect()
}

fn random_amount(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=4 => rng.range(1, 100),
        5..=7 => rng.range(1, 1_000_000),
        8 => rng.range(1, 1_000_000_000_000),
        _ => [1, 2, 3, 9_999, 10_000, 10_001, 19_999][rng.index(7)],
    }
}

pub struct Run {
    pub ops: u64,
    pub split_ops: u64,
    pub sale_ops: u64,
    pub payout_ops: u64,
    pub expiry_ops: u64,
    /// Claims refused (nothing owed / not a recipient) and updates that parked the removed
    /// keys' balances (beyond 24 entries).
    pub claim_refusals: u64,
    pub update_refusals: u64,
}

/// Runs `ops` operations from `seed`; panics (with the seed and step) on any divergence.
pub fn run(seed: u64, ops: u64) -> Run {
    let mut rng = Rng(seed);
    let mut splits: Vec<Split> = vec![];
    let mut models: Vec<SplitModel> = vec![];
    for _ in 0..SPLITS {
        let shares = random_shares(&mut rng);
        let mut s = blank_split();
        Split::validate_recipients(&inputs(&shares)).expect("valid recipients");
        s.apply_update(&inputs(&shares)).expect("install recipients");
        splits.push(s);
        models.push(SplitModel::new(shares));
    }
    let mut r = Run {
        ops,
        split_ops: 0,
        sale_ops: 0,
        payout_ops: 0,
        expiry_ops: 0,
        claim_refusals: 0,
        update_refusals: 0,
    };
    for step in 0..ops {
        let _guard = ReplayHint {
            seed,
            step: step as usize,
            ops_var: "TESSERA_OPS",
        };
        let ctx = |what: &str| {
            format!(
                "step {step} (seed {seed:#x}, replay: TESSERA_SEED={seed:#x} TESSERA_OPS={}): {what}",
                step + 1
            )
        };
        match rng.below(100) {
            // --- royalties: deposit / claim / update on one split ---
            0..=74 => {
                r.split_ops += 1;
                let i = rng.index(SPLITS);
                let (s, m) = (&mut splits[i], &mut models[i]);
                match rng.below(10) {
                    0..=4 => {
                        let amount = random_amount(&mut rng);
                        s.record_deposit(amount)
                            .unwrap_or_else(|e| panic!("{}", ctx(&format!("deposit {amount}: {e:?}"))));
                        m.pool += u128::from(amount);
                        m.received += u128::from(amount);
                    }
                    5..=8 => {
                        let k = rng.index(KEYS);
                        let want = m.owed(k);
                        let listed = m.listed(k);
                        let before = s.clone();
                        match s.record_claim(&key(k)) {
                            Ok(got) => {
                                assert_eq!(u128::from(got), want, "{}", ctx(&format!("claim of key {k}")));
                                assert!(want > 0, "{}", ctx("a claim of nothing succeeded"));
                                m.claimed[k] += want;
                                m.paid += want;
                            }
                            Err(e) => {
                                r.claim_refusals += 1;
                                assert!(
                                    want == 0,
                                    "{}",
                                    ctx(&format!("claim of key {k} owed {want} refused: {e:?}"))
                                );
                                let _ = listed;
                                *s = before; // a refused instruction leaves no trace
                            }
                        }
                    }
                    _ => {
                        let shares = random_shares(&mut rng);
                        let mut next = m.clone();
                        next.close_epoch(shares.clone());
                        let entries_after = (0..KEYS).filter(|&k| next.listed(k)).count();
                        Split::validate_recipients(&inputs(&shares))
                            .unwrap_or_else(|e| panic!("{}", ctx(&format!("{e:?}"))));
                        // Never refused: beyond 24 entries every removed key's balance leaves
                        // the split's entries and is parked (paid later by `claim_parked`).
                        let parked = s
                            .apply_update(&inputs(&shares))
                            .unwrap_or_else(|e| panic!("{}", ctx(&format!("update refused: {e:?}"))));
                        let mut want: Vec<(Pubkey, u64)> = vec![];
                        if entries_after > 24 {
                            r.update_refusals += 1;
                            let removed: Vec<usize> =
                                (0..KEYS).filter(|&k| next.share(k) == 0 && next.owed(k) > 0).collect();
                            for k in removed {
                                let owed = next.owed(k);
                                want.push((key(k), u64::try_from(owed).unwrap()));
                                next.claimed[k] += owed;
                                next.parked += owed;
                            }
                        }
                        let mut got: Vec<(Pubkey, u64)> = parked.iter().map(|b| (b.address, b.owed)).collect();
                        want.sort();
                        got.sort();
                        assert_eq!(
                            got,
                            want,
                            "{}",
                            ctx(&format!("balances parked by an update to {entries_after} entries"))
                        );
                        *m = next;
                    }
                }
                // The split against its model.
                let (s, m) = (&splits[i], &models[i]);
                assert_eq!(s.total_received, m.received, "{}", ctx("total_received"));
                assert_eq!(s.total_claimed, m.paid, "{}", ctx("total_claimed"));
                assert_eq!(s.epoch_pool().unwrap(), m.pool, "{}", ctx("epoch pool"));
                let vault = m.received - m.paid;
                let mut owed_sum = 0u128;
                for k in 0..KEYS {
                    let got = u128::from(
                        s.owed(&key(k))
                            .unwrap_or_else(|e| panic!("{}", ctx(&format!("owed: {e:?}")))),
                    );
                    assert_eq!(got, m.owed(k), "{}", ctx(&format!("owed to key {k}")));
                    assert_eq!(
                        s.position(&key(k)).is_some(),
                        m.listed(k),
                        "{}",
                        ctx(&format!("key {k} listed"))
                    );
                    owed_sum += got;
                }
                assert!(
                    owed_sum <= vault,
                    "{}",
                    ctx(&format!("owed {owed_sum} > vault {vault}"))
                );
                // The dust left unallocated is less than one unit per share held now plus
                // what was carried (the carry itself is < one unit per recipient of the
                // epoch it came from, so it stays below 16).
                // Parked balances stay in the vault until `claim_parked`.
                let vault = vault - m.parked;
                assert!(
                    vault - owed_sum < 32,
                    "{}",
                    ctx(&format!("dust {} too large", vault - owed_sum))
                );
            }
            // --- registry: a sale's breakdown ---
            75..=89 => {
                r.sale_ops += 1;
                let price = random_amount(&mut rng);
                let quantity = match rng.below(20) {
                    0 => (u64::MAX / price.max(1)).saturating_add(rng.below(2)), // around the overflow edge
                    _ => rng.range(1, 1_000),
                };
                let product = u128::from(price) * u128::from(quantity);
                let total = registry_math::total_price(price, quantity);
                assert_eq!(total, u64::try_from(product).ok(), "{}", ctx("total_price"));
                let Some(total) = total else { continue };
                let fee_bps = rng.below(1_001) as u16;
                let n = rng.below(9) as usize;
                let mut left = 5_000u64;
                let parent_bps: Vec<u16> = (0..n)
                    .map(|_| {
                        let b = rng.range(1, left.clamp(1, 2_500));
                        left = left.saturating_sub(b);
                        b as u16
                    })
                    .collect();
                let got = registry_math::split_sale(total, fee_bps, &parent_bps)
                    .unwrap_or_else(|| panic!("{}", ctx("split_sale refused")));
                let fee = (u128::from(total) * u128::from(fee_bps) / 10_000) as u64;
                let after = total - fee;
                let parents: Vec<u64> = parent_bps
                    .iter()
                    .map(|&b| (u128::from(after) * u128::from(b) / 10_000) as u64)
                    .collect();
                let net = after - parents.iter().sum::<u64>();
                assert_eq!(got.fee, fee, "{}", ctx("fee"));
                assert_eq!(&got.parents[..n], &parents[..], "{}", ctx("parents"));
                assert!(
                    got.parents[n..].iter().all(|&p| p == 0),
                    "{}",
                    ctx("unused parent slots")
                );
                assert_eq!(got.net, net, "{}", ctx("net"));
                assert_eq!(
                    u128::from(got.fee)
                        + got.parents.iter().map(|&p| u128::from(p)).sum::<u128>()
                        + u128::from(got.net),
                    u128::from(total),
                    "{}",
                    ctx("the parts add up")
                );
            }
            // --- escrow: a settlement's payout and a slash ---
            90..=97 => {
                r.payout_ops += 1;
                let fee = if rng.chance(1, 50) {
                    u64::MAX - rng.below(3)
                } else {
                    random_amount(&mut rng)
                };
                let share = match rng.below(4) {
                    0 => 10_000,
                    1 => 0,
                    _ => rng.below(10_001) as u16,
                };
                let fee_bps = rng.below(1_001) as u16;
                let royalty_bps = rng.below(5_001) as u16;
                let n = rng.below(4) as usize;
                let parent_bps: Vec<u16> = (0..n).map(|_| rng.below(2_501) as u16).collect();
                let p = escrow_math::payout(fee, share, fee_bps, royalty_bps, &parent_bps)
                    .unwrap_or_else(|| panic!("{}", ctx("payout refused")));
                let part = (u128::from(fee) * u128::from(share) / 10_000) as u64;
                let to_treasury = (u128::from(part) * u128::from(fee_bps) / 10_000) as u64;
                let royalty = (u128::from(part) * u128::from(royalty_bps) / 10_000) as u64;
                let parents: Vec<u64> = parent_bps
                    .iter()
                    .map(|&b| (u128::from(royalty) * u128::from(b) / 10_000) as u64)
                    .collect();
                let to_split = royalty - parents.iter().sum::<u64>();
                assert_eq!(p.to_consumer, fee - part, "{}", ctx("to_consumer"));
                assert_eq!(p.to_treasury, to_treasury, "{}", ctx("to_treasury"));
                assert_eq!(p.to_parents, parents, "{}", ctx("to_parents"));
                assert_eq!(p.to_model_split, to_split, "{}", ctx("to_model_split"));
                assert_eq!(p.to_provider, part - to_treasury - royalty, "{}", ctx("to_provider"));
                assert_eq!(
                    u128::from(p.to_consumer)
                        + u128::from(p.to_treasury)
                        + u128::from(p.to_model_split)
                        + p.to_parents.iter().map(|&a| u128::from(a)).sum::<u128>()
                        + u128::from(p.to_provider),
                    u128::from(fee),
                    "{}",
                    ctx("the parts add up")
                );
                let bond = random_amount(&mut rng);
                let slash_bps = rng.below(10_001) as u16;
                assert_eq!(
                    escrow_math::bps_of(bond, slash_bps),
                    Some((u128::from(bond) * u128::from(slash_bps) / 10_000) as u64),
                    "{}",
                    ctx("slash")
                );
                assert!(
                    escrow_math::bps_of(bond, slash_bps).unwrap() <= bond,
                    "{}",
                    ctx("a slash above the bond")
                );
            }
            // --- registry: pass expiry ---
            _ => {
                r.expiry_ops += 1;
                let now = T0 + rng.below(1_000_000_000) as i64;
                let current = match rng.below(3) {
                    0 => None,
                    1 => Some(now - rng.below(100_000) as i64),
                    _ => Some(now + rng.below(100_000) as i64),
                };
                let duration = if rng.chance(1, 20) {
                    u64::MAX / rng.range(1, 3)
                } else {
                    rng.range(1, 10_000_000)
                };
                let quantity = rng.range(1, 1_000);
                let base = i128::from(current.map_or(now, |c| c.max(now)));
                let want = u128::from(duration)
                    .checked_mul(u128::from(quantity))
                    .filter(|&e| e <= u64::MAX as u128 && e <= i64::MAX as u128)
                    .map(|e| base + e as i128)
                    .filter(|&v| v <= i128::from(i64::MAX))
                    .map(|v| v as i64);
                assert_eq!(
                    registry_math::extend_expiry(current, now, duration, quantity),
                    want,
                    "{}",
                    ctx("extend_expiry")
                );
            }
        }
    }
    r
}
