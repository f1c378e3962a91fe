//! Seeds, a small deterministic generator and the replay hint.

/// `TESSERA_SEED`: a decimal or 0x-hex u64, or `random`; `default` otherwise.
pub(crate) fn seed(default: u64) -> u64 {
    match std::env::var("TESSERA_SEED") {
        Ok(s) if s == "random" => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            t.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
        }
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("TESSERA_SEED={s}: not a u64"))
        }
        Err(_) => default,
    }
}

pub(crate) fn env_count(var: &str) -> Option<u64> {
    std::env::var(var).ok().map(|v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{var}={v}: not a number"))
    })
}

/// SplitMix64.
#[derive(Clone)]
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `num / den`.
    pub(crate) fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
    /// `n` shares in bps, each ≥ 1, summing to exactly 10,000 (n ≤ 10,000).
    pub(crate) fn shares(&mut self, n: usize) -> Vec<u16> {
        let mut cuts: Vec<u64> = (0..n - 1).map(|_| self.range(1, 9_999)).collect();
        cuts.sort_unstable();
        cuts.dedup();
        while cuts.len() < n - 1 {
            // Rare collisions: fill with unused cut points.
            let c = self.range(1, 9_999);
            if !cuts.contains(&c) {
                cuts.push(c);
                cuts.sort_unstable();
            }
        }
        let mut prev = 0;
        let mut out = vec![];
        for c in cuts.into_iter().chain(std::iter::once(10_000)) {
            out.push((c - prev) as u16);
            prev = c;
        }
        out
    }
}

pub(crate) fn bps(amount: u64, bps: u16) -> u64 {
    (u128::from(amount) * u128::from(bps) / 10_000) as u64
}

/// Held during a step; if the step panics, prints how to replay it.
pub(crate) struct ReplayHint {
    pub(crate) seed: u64,
    pub(crate) step: usize,
    /// The variable that sets the number of operations.
    pub(crate) ops_var: &'static str,
}

impl Drop for ReplayHint {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        eprintln!(
            "FAILED at step {} with seed {:#x}: replay with TESSERA_SEED={:#x} {}={}",
            self.step,
            self.seed,
            self.seed,
            self.ops_var,
            self.step + 1
        );
    }
}
