//! Parsers for what users type: addresses, splits, parents, durations, hashes, license flags.
//! Each error names the bad value and what is expected; nothing is sent on a bad input.

use std::{io::Read, path::Path, str::FromStr};

use anchor_lang::prelude::Pubkey;
use sha2::{Digest, Sha256};
use tessera_registry::{
    constants::{
        LICENSE_COMMERCIAL_USE, LICENSE_FINE_TUNING, LICENSE_REDISTRIBUTION, MAX_PARENTS, MAX_PARENTS_TOTAL_BPS,
    },
    instructions::ParentInput,
};
use tessera_royalties::{
    constants::{BPS_DENOMINATOR, MAX_BPS, MAX_RECIPIENTS},
    state::RecipientInput,
};

use crate::error::{Result, TesseraError};

fn invalid(msg: String) -> TesseraError {
    TesseraError::Invalid(msg)
}

/// A base58 address; `what` names it in the error.
pub fn pubkey(what: &str, s: &str) -> Result<Pubkey> {
    Pubkey::from_str(s.trim()).map_err(|_| invalid(format!("invalid {what} `{s}`: expected a base58 address")))
}

fn pairs(what: &str, s: &str) -> Result<Vec<(Pubkey, u16)>> {
    let mut out = vec![];
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (addr, bps) = part
            .split_once(':')
            .ok_or_else(|| invalid(format!("invalid {what} entry `{part}`: expected ADDRESS:BPS")))?;
        let address = Pubkey::from_str(addr.trim()).map_err(|_| {
            invalid(format!(
                "invalid {what} address `{addr}` in `{part}`: expected a base58 address"
            ))
        })?;
        let bps: u16 = bps.trim().parse().map_err(|_| {
            invalid(format!(
                "invalid {what} share `{bps}` in `{part}`: expected basis points 1..=10000"
            ))
        })?;
        out.push((address, bps));
    }
    Ok(out)
}

/// A royalty split `ADDR:BPS,ADDR:BPS,…`: 1..=16 distinct recipients, shares 1..=10,000 summing
/// to exactly 10,000 (the royalties program's rules, checked before sending).
pub fn split(s: &str) -> Result<Vec<RecipientInput>> {
    let entries = pairs("split", s)?;
    if entries.is_empty() {
        return Err(invalid(format!(
            "invalid split `{s}`: expected ADDRESS:BPS,… summing to 10000"
        )));
    }
    if entries.len() > MAX_RECIPIENTS {
        return Err(invalid(format!(
            "invalid split `{s}`: {} recipients, at most {MAX_RECIPIENTS}",
            entries.len()
        )));
    }
    let mut sum: u32 = 0;
    for (i, (a, bps)) in entries.iter().enumerate() {
        if *bps == 0 || *bps > MAX_BPS {
            return Err(invalid(format!(
                "invalid split share {bps} for {a}: expected 1..=10000 bps"
            )));
        }
        if entries[..i].iter().any(|(o, _)| o == a) {
            return Err(invalid(format!("invalid split: {a} appears twice")));
        }
        sum += u32::from(*bps);
    }
    if sum != u32::from(BPS_DENOMINATOR) {
        return Err(invalid(format!(
            "invalid split `{s}`: shares sum to {sum}, expected exactly 10000"
        )));
    }
    Ok(entries
        .into_iter()
        .map(|(address, bps)| RecipientInput { address, bps })
        .collect())
}

/// A model's parents `ASSET:BPS,…`: ≤ 8 distinct assets, shares > 0 summing to ≤ 5,000.
pub fn parents(s: &str) -> Result<Vec<ParentInput>> {
    let entries = pairs("parent", s)?;
    if entries.len() > MAX_PARENTS {
        return Err(invalid(format!(
            "invalid parents `{s}`: {} parents, at most {MAX_PARENTS}",
            entries.len()
        )));
    }
    let mut sum: u32 = 0;
    for (i, (a, bps)) in entries.iter().enumerate() {
        if *bps == 0 {
            return Err(invalid(format!(
                "invalid parent share 0 for {a}: expected at least 1 bps"
            )));
        }
        if entries[..i].iter().any(|(o, _)| o == a) {
            return Err(invalid(format!("invalid parents: {a} appears twice")));
        }
        sum += u32::from(*bps);
    }
    if sum > u32::from(MAX_PARENTS_TOTAL_BPS) {
        return Err(invalid(format!(
            "invalid parents `{s}`: shares sum to {sum}, at most {MAX_PARENTS_TOTAL_BPS}"
        )));
    }
    Ok(entries
        .into_iter()
        .map(|(asset, bps)| ParentInput { asset, bps })
        .collect())
}

/// A duration: `perpetual` or `0`, plain seconds, or a number with `s`, `m`, `h` or `d`.
pub fn duration(s: &str) -> Result<u64> {
    let t = s.trim().to_ascii_lowercase();
    if t == "perpetual" {
        return Ok(0);
    }
    let (num, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t.as_str(), 's'),
    };
    let mult: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => {
            return Err(invalid(format!(
                "invalid duration `{s}`: expected e.g. 3600, 90m, 24h, 30d or perpetual"
            )))
        }
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|v| i64::try_from(*v).is_ok())
        .ok_or_else(|| {
            invalid(format!(
                "invalid duration `{s}`: expected e.g. 3600, 90m, 24h, 30d or perpetual"
            ))
        })
}

/// A 32-byte hash as 64 hexadecimal characters.
pub fn hash_hex(s: &str) -> Result<[u8; 32]> {
    let t = s.trim();
    let err = || {
        invalid(format!(
            "invalid hash `{s}`: expected 64 hexadecimal characters (SHA-256)"
        ))
    };
    // Checked before slicing: a 64-byte string with multi-byte characters must not be cut
    // inside a character.
    if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).map_err(|_| err())?;
    }
    Ok(out)
}

/// A 32-byte commitment given either as 64 hex characters or as a file to hash (SHA-256).
pub fn hash_or_file(hex: Option<&str>, file: Option<&Path>) -> Result<[u8; 32]> {
    match (hex, file) {
        (Some(h), _) => hash_hex(h),
        (None, Some(f)) => hash_file(f),
        (None, None) => Err(invalid("expected a hash (64 hex characters) or a file to hash".into())),
    }
}

/// Lower-case hex of a hash.
pub fn to_hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, read in chunks (works for files larger than memory).
pub fn hash_file(path: &Path) -> Result<[u8; 32]> {
    let mut f =
        std::fs::File::open(path).map_err(|e| invalid(format!("cannot read file `{}`: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| invalid(format!("cannot read file `{}`: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// SHA-256 of a string (e.g. a license URI).
pub fn hash_str(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// License flags: `none`, or a comma list of `commercial`, `fine-tuning`, `redistribution`.
pub fn license_flags(s: &str) -> Result<u8> {
    let mut flags = 0u8;
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        flags |= match part.to_ascii_lowercase().as_str() {
            "none" => 0,
            "commercial" => LICENSE_COMMERCIAL_USE,
            "fine-tuning" | "finetuning" => LICENSE_FINE_TUNING,
            "redistribution" => LICENSE_REDISTRIBUTION,
            _ => {
                return Err(invalid(format!(
                    "invalid license flag `{part}`: expected none, commercial, fine-tuning or redistribution"
                )))
            }
        };
    }
    Ok(flags)
}

/// Names of the set license flags.
pub fn license_names(flags: u8) -> Vec<&'static str> {
    [
        (LICENSE_COMMERCIAL_USE, "commercial"),
        (LICENSE_FINE_TUNING, "fine-tuning"),
        (LICENSE_REDISTRIBUTION, "redistribution"),
    ]
    .into_iter()
    .filter(|(f, _)| flags & f != 0)
    .map(|(_, n)| n)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(n: u8) -> String {
        Pubkey::new_from_array([n; 32]).to_string()
    }

    #[test]
    fn splits() {
        let s = split(&format!("{}:7000,{}:2000, {}:1000", k(1), k(2), k(3))).unwrap();
        assert_eq!(s.iter().map(|r| r.bps).collect::<Vec<_>>(), vec![7_000, 2_000, 1_000]);
        for (input, needle) in [
            (format!("{}:9999", k(1)), "sum to 9999"),
            (format!("{}:5000,{}:5000", k(1), k(1)), "appears twice"),
            (format!("{}:0,{}:10000", k(1), k(2)), "share 0"),
            (format!("{}:10001", k(1)), "share 10001"),
            ("nope:10000".to_string(), "`nope`"),
            (format!("{}", k(1)), "ADDRESS:BPS"),
            (format!("{}:x", k(1)), "share `x`"),
            (String::new(), "expected ADDRESS:BPS"),
        ] {
            let e = split(&input).unwrap_err().to_string();
            assert!(e.contains(needle), "{input}: {e}");
        }
        let seventeen: Vec<String> = (1..=17)
            .map(|i| format!("{}:{}", k(i), if i == 1 { 592 } else { 588 }))
            .collect();
        assert!(split(&seventeen.join(","))
            .unwrap_err()
            .to_string()
            .contains("at most 16"));
    }

    #[test]
    fn parents_rules() {
        assert_eq!(parents(&format!("{}:2500,{}:2500", k(1), k(2))).unwrap().len(), 2);
        assert!(parents(&format!("{}:2501,{}:2500", k(1), k(2)))
            .unwrap_err()
            .to_string()
            .contains("at most 5000"));
        assert!(parents("").unwrap().is_empty());
    }

    #[test]
    fn durations() {
        assert_eq!(duration("3600").unwrap(), 3_600);
        assert_eq!(duration("90m").unwrap(), 5_400);
        assert_eq!(duration("24h").unwrap(), 86_400);
        assert_eq!(duration("30d").unwrap(), 2_592_000);
        assert_eq!(duration("perpetual").unwrap(), 0);
        for bad in ["-5", "1w", "abc", "", "99999999999999999999d"] {
            assert!(
                duration(bad).unwrap_err().to_string().contains(&format!("`{bad}`")),
                "{bad}"
            );
        }
    }

    #[test]
    fn hashes_and_flags() {
        let h = hash_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(h, [0xab; 32]);
        assert_eq!(to_hex(&h), "ab".repeat(32));
        assert!(hash_hex("abc").is_err());
        assert!(hash_hex(&"zz".repeat(32)).is_err());
        assert_eq!(license_flags("commercial,fine-tuning").unwrap(), 3);
        assert_eq!(license_names(5), vec!["commercial", "redistribution"]);
        assert!(license_flags("public-domain")
            .unwrap_err()
            .to_string()
            .contains("`public-domain`"));
        let dir = std::env::temp_dir().join("tessera-hash-test.txt");
        std::fs::write(&dir, b"abc").unwrap();
        assert_eq!(
            to_hex(&hash_file(&dir).unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(pubkey("asset", "xyz")
            .unwrap_err()
            .to_string()
            .contains("invalid asset `xyz`"));
    }
}
