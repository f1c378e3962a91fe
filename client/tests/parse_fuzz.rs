//! Property tests of every parser a user's typing goes through (`tessera_client::parse` and
//! `tessera_client::amount`): addresses, UI amounts, splits, parents, durations, hashes, license
//! flags.
//!
//! For any input: no panic; either a value or `TesseraError::Invalid` whose message names the
//! bad value (the whole input, or the entry / address / share that is wrong). Where a printer
//! exists, printing then parsing gives the value back; a generated valid input parses to what
//! was generated.
//!
//! Each property runs `CASES` (1,000) cases from a fixed seed, so a run is reproducible and
//! takes well under a second. `TESSERA_FUZZ_CASES=N` runs more, `TESSERA_FUZZ_SEED=N` explores
//! another seed; a failure prints the minimal input.

use proptest::{
    prelude::*,
    test_runner::{Config as ProptestConfig, RngSeed},
};
use tessera_client::{
    amount::{format_ui_amount, parse_ui_amount},
    parse, Pubkey, TesseraError,
};

const CASES: u32 = 1_000;
const SEED: u64 = 0x7e55_e4a0;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: env_u64("TESSERA_FUZZ_CASES").map_or(CASES, |n| n as u32),
        rng_seed: RngSeed::Fixed(env_u64("TESSERA_FUZZ_SEED").unwrap_or(SEED)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The message of an `Invalid` error (any other outcome fails the test).
#[track_caller]
fn invalid<T: std::fmt::Debug>(r: Result<T, TesseraError>, input: &str) -> String {
    match r {
        Err(TesseraError::Invalid(m)) => {
            assert!(!m.trim().is_empty(), "empty message for {input:?}");
            m
        }
        other => panic!("expected an Invalid error for {input:?}, got {other:?}"),
    }
}

/// The message quotes the whole input in backquotes.
#[track_caller]
fn names(msg: &str, value: &str) {
    assert!(
        msg.contains(&format!("`{value}`")),
        "message does not name `{value}`: {msg}"
    );
}

/// A split / parents message names the input, one of its entries, an entry's address or share.
#[track_caller]
fn names_a_piece(msg: &str, input: &str) {
    let mut pieces = vec![format!("`{input}`")];
    for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        pieces.push(part.to_string());
        if let Some((a, b)) = part.split_once(':') {
            pieces.extend([a.to_string(), a.trim().to_string(), b.to_string(), b.trim().to_string()]);
        }
    }
    assert!(
        pieces.iter().any(|p| !p.is_empty() && msg.contains(p.as_str())),
        "message names no part of {input:?}: {msg}"
    );
}

fn key() -> impl Strategy<Value = Pubkey> {
    any::<[u8; 32]>().prop_map(Pubkey::new_from_array)
}

/// Printable ASCII, unicode, whitespace and the separators the parsers split on.
fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        "[0-9.,:e+\\- ]{0,40}",
        "[0-9a-zA-Z:,]{0,120}",
        "[\\PC]{0,20}",
    ]
}

/// `n` shares of at least 1 summing to `total` (distinct cut points of 1..total).
fn shares(n: usize, total: u16) -> impl Strategy<Value = Vec<u16>> {
    proptest::collection::btree_set(1..total, n - 1).prop_map(move |cuts| {
        let mut prev = 0;
        let mut out: Vec<u16> = cuts
            .iter()
            .map(|&c| {
                let s = c - prev;
                prev = c;
                s
            })
            .collect();
        out.push(total - prev);
        out
    })
}

/// 1..=16 distinct recipients with shares summing to 10,000.
fn valid_split() -> impl Strategy<Value = Vec<(Pubkey, u16)>> {
    (1usize..=16).prop_flat_map(|n| {
        (proptest::collection::hash_set(any::<[u8; 32]>(), n), shares(n, 10_000))
            .prop_map(|(keys, bps)| keys.into_iter().map(Pubkey::new_from_array).zip(bps).collect())
    })
}

/// `ADDR:BPS` entries joined with commas and random spaces around them.
fn render(entries: &[(Pubkey, u16)], spaces: &[bool]) -> String {
    entries
        .iter()
        .enumerate()
        .map(|(i, (k, b))| {
            let sp = if spaces.get(i).copied().unwrap_or(false) {
                " "
            } else {
                ""
            };
            format!("{sp}{k}:{b}{sp}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

proptest! {
    #![proptest_config(config())]

    // ---- addresses ----

    #[test]
    fn address_round_trip(k in key(), pad in "[ \t]{0,3}") {
        let s = format!("{pad}{k}{pad}");
        prop_assert_eq!(parse::pubkey("asset", &s).unwrap(), k);
    }

    #[test]
    fn address_with_a_non_base58_character_is_named(k in key(), at in any::<prop::sample::Index>(), c in prop::sample::select(vec!['0', 'O', 'I', 'l', '+', '/', 'é', ':', '\0'])) {
        let mut chars: Vec<char> = k.to_string().chars().collect();
        let i = at.index(chars.len());
        chars[i] = c;
        let s: String = chars.into_iter().collect();
        let m = invalid(parse::pubkey("holder", &s), &s);
        prop_assert!(m.contains(&format!("invalid holder `{s}`")), "{}", m);
    }

    #[test]
    fn address_junk(s in junk()) {
        match parse::pubkey("mint", &s) {
            Ok(k) => prop_assert_eq!(k.to_string(), s.trim()),
            Err(e) => names(&invalid::<()>(Err(e), &s), &s),
        }
    }

    // ---- amounts ----

    #[test]
    fn amount_round_trip(v in any::<u64>(), decimals in prop_oneof![0u8..=12, Just(18), Just(19), Just(20), Just(38), Just(39), Just(255)]) {
        let ui = format_ui_amount(v, decimals);
        prop_assert_eq!(parse_ui_amount(&ui, decimals).unwrap(), v, "{}", ui);
        prop_assert!(!ui.ends_with('.') && !(ui.contains('.') && ui.ends_with('0')), "not trimmed: {}", ui);
    }

    #[test]
    fn amount_from_digits(int in "[0-9]{0,25}", frac in "[0-9]{0,12}", decimals in 0u8..=12, pad in "[ ]{0,2}") {
        let s = if frac.is_empty() { format!("{pad}{int}{pad}") } else { format!("{pad}{int}.{frac}{pad}") };
        let r = parse_ui_amount(&s, decimals);
        if int.is_empty() && frac.is_empty() {
            let m = invalid(r, &s);
            names(&m, &s);
            prop_assert!(m.contains("expected a number"), "{}", m);
        } else if frac.len() > usize::from(decimals) {
            let m = invalid(r, &s);
            names(&m, &s);
            prop_assert!(m.contains("too precise"), "{}", m);
        } else {
            // The expected value, computed another way (u128 with an overflow flag).
            let scaled = format!("{int}{frac}{}", "0".repeat(usize::from(decimals) - frac.len()));
            let expected = scaled.trim_start_matches('0').parse::<u128>().ok().or(if scaled.trim_start_matches('0').is_empty() { Some(0) } else { None });
            match expected.and_then(|v| u64::try_from(v).ok()) {
                Some(v) => prop_assert_eq!(r.unwrap(), v),
                None => {
                    let m = invalid(r, &s);
                    names(&m, &s);
                    prop_assert!(m.contains("too large"), "{}", m);
                }
            }
        }
    }

    #[test]
    fn amount_junk(s in junk(), decimals in any::<u8>()) {
        match parse_ui_amount(&s, decimals) {
            Ok(v) => {
                // Only plain decimals are accepted.
                let t = s.trim();
                prop_assert!(t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.matches('.').count() <= 1, "accepted {:?}", s);
                prop_assert_eq!(parse_ui_amount(&format_ui_amount(v, decimals), decimals).unwrap(), v);
            }
            Err(e) => names(&invalid::<()>(Err(e), &s), &s),
        }
    }

    #[test]
    fn negative_and_exponent_amounts_are_refused(int in "[0-9]{1,6}", exp in 0u8..30, decimals in 0u8..=9) {
        for s in [format!("-{int}"), format!("{int}e{exp}"), format!("{int}E-{exp}"), format!("+{int}"), format!("{int},5")] {
            let m = invalid(parse_ui_amount(&s, decimals), &s);
            names(&m, &s);
        }
    }

    // ---- splits ----

    #[test]
    fn split_round_trip(entries in valid_split(), spaces in proptest::collection::vec(any::<bool>(), 16), trailing in any::<bool>()) {
        let mut s = render(&entries, &spaces);
        if trailing { s.push(','); }
        let got: Vec<(Pubkey, u16)> = parse::split(&s).unwrap().into_iter().map(|r| (r.address, r.bps)).collect();
        prop_assert_eq!(got, entries);
    }

    #[test]
    fn split_sum_off_by_delta(entries in valid_split(), at in any::<prop::sample::Index>(), delta in prop_oneof![-500i32..=-1, 1i32..=500]) {
        let mut e = entries;
        let i = at.index(e.len());
        let b = i32::from(e[i].1) + delta;
        prop_assume!((1..=10_000).contains(&b));
        e[i].1 = b as u16;
        let s = render(&e, &[]);
        let m = invalid(parse::split(&s), &s);
        prop_assert!(m.contains(&format!("sum to {}", 10_000 + delta)), "{}", m);
        names(&m, &s);
    }

    #[test]
    fn split_duplicate_recipient(entries in valid_split().prop_filter("two or more", |e| e.len() >= 2), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let mut e = entries;
        let (i, j) = (a.index(e.len()), b.index(e.len()));
        prop_assume!(i != j);
        e[j].0 = e[i].0;
        let s = render(&e, &[]);
        let m = invalid(parse::split(&s), &s);
        prop_assert!(m.contains(&format!("{} appears twice", e[i].0)), "{}", m);
    }

    #[test]
    fn split_bad_share(entries in valid_split(), at in any::<prop::sample::Index>(), bad in prop_oneof![
        Just("0".to_string()), Just("10000.5".to_string()), Just("-1".to_string()), Just("65536".to_string()),
        Just("99999999999999999999999".to_string()), Just("1e4".to_string()), Just("".to_string()), Just("٣".to_string()),
        "[a-z]{1,5}", (10_001u32..=65_535).prop_map(|v| v.to_string()),
    ]) {
        let mut parts: Vec<String> = entries.iter().map(|(k, b)| format!("{k}:{b}")).collect();
        let i = at.index(parts.len());
        let k = entries[i].0;
        parts[i] = format!("{k}:{bad}");
        let s = parts.join(",");
        let m = invalid(parse::split(&s), &s);
        prop_assert!(m.contains(&format!("`{bad}`")) || m.contains(&format!("share {bad} ")), "{}", m);
    }

    #[test]
    fn split_too_many(n in 17usize..=40) {
        let bps = shares_even(n);
        let e: Vec<(Pubkey, u16)> = (0..n).map(|i| (Pubkey::new_from_array([i as u8 + 1; 32]), bps[i])).collect();
        let s = render(&e, &[]);
        let m = invalid(parse::split(&s), &s);
        prop_assert!(m.contains(&format!("{n} recipients, at most 16")), "{}", m);
    }

    #[test]
    fn split_junk(s in prop_oneof![junk(), valid_split().prop_map(|e| render(&e, &[]))
        .prop_flat_map(|s| (Just(s.clone()), 0..s.len().max(1)))
        .prop_map(|(s, cut)| s[..cut].to_string())]) {
        match parse::split(&s) {
            Ok(r) => prop_assert_eq!(r.iter().map(|x| u32::from(x.bps)).sum::<u32>(), 10_000),
            Err(e) => names_a_piece(&invalid::<()>(Err(e), &s), &s),
        }
    }

    // ---- parents ----

    #[test]
    fn parents_round_trip(n in 0usize..=8, total in 8u16..=5_000, seed in any::<[u8; 32]>()) {
        let keys: Vec<Pubkey> = (0..n).map(|i| { let mut b = seed; b[0] = i as u8; Pubkey::new_from_array(b) }).collect();
        let bps = if n == 0 { vec![] } else { shares_spread(n, total) };
        let e: Vec<(Pubkey, u16)> = keys.into_iter().zip(bps).collect();
        let s = render(&e, &[true]);
        let got: Vec<(Pubkey, u16)> = parse::parents(&s).unwrap().into_iter().map(|p| (p.asset, p.bps)).collect();
        prop_assert_eq!(got, e);
    }

    #[test]
    fn parents_over_the_cap(n in 1usize..=8, extra in 1u16..=1_000) {
        let mut bps = shares_spread(n, 5_000);
        bps[0] += extra;
        let e: Vec<(Pubkey, u16)> = (0..n).map(|i| (Pubkey::new_from_array([i as u8 + 7; 32]), bps[i])).collect();
        let s = render(&e, &[]);
        let m = invalid(parse::parents(&s), &s);
        prop_assert!(m.contains(&format!("sum to {}, at most 5000", 5_000 + u32::from(extra))), "{}", m);
        names(&m, &s);
    }

    #[test]
    fn parents_junk(s in junk()) {
        match parse::parents(&s) {
            Ok(p) => prop_assert!(p.len() <= 8 && p.iter().map(|x| u32::from(x.bps)).sum::<u32>() <= 5_000),
            Err(e) => names_a_piece(&invalid::<()>(Err(e), &s), &s),
        }
    }

    // ---- durations ----

    #[test]
    fn duration_round_trip(n in any::<u64>(), unit in prop::sample::select(vec![("", 1u64), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400), ("D", 86_400), ("H", 3_600)])) {
        let s = format!("{n}{}", unit.0);
        let expected = n.checked_mul(unit.1).filter(|v| i64::try_from(*v).is_ok());
        match (parse::duration(&s), expected) {
            (Ok(v), Some(e)) => prop_assert_eq!(v, e),
            (Err(e), None) => names(&invalid::<()>(Err(e), &s), &s),
            (got, want) => prop_assert!(false, "{}: got {:?}, want {:?}", s, got, want),
        }
    }

    #[test]
    fn duration_junk(s in prop_oneof![junk(), "-?[0-9]{0,22}[a-zA-Z]{0,3}", "[0-9]{1,4}(\\.[0-9])?[smhdwy]"]) {
        match parse::duration(&s) {
            Ok(v) => {
                prop_assert!(i64::try_from(v).is_ok());
                let t = s.trim().to_ascii_lowercase();
                prop_assert!(t == "perpetual" || t.trim_end_matches(['s', 'm', 'h', 'd']).trim_start_matches('+').chars().all(|c| c.is_ascii_digit()), "accepted {:?}", s);
            }
            Err(e) => names(&invalid::<()>(Err(e), &s), &s),
        }
    }

    // ---- hashes ----

    #[test]
    fn hash_round_trip(h in any::<[u8; 32]>(), upper in any::<bool>(), pad in "[ ]{0,2}") {
        let hex = parse::to_hex(&h);
        prop_assert_eq!(hex.len(), 64);
        let s = if upper { hex.to_uppercase() } else { hex.clone() };
        prop_assert_eq!(parse::hash_hex(&format!("{pad}{s}{pad}")).unwrap(), h);
        prop_assert_eq!(parse::hash_or_file(Some(&s), None).unwrap(), h);
    }

    #[test]
    fn hash_wrong_length(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        prop_assume!(bytes.len() != 32);
        let s = parse::to_hex(&bytes);
        names(&invalid(parse::hash_hex(&s), &s), &s);
    }

    #[test]
    fn hash_with_a_bad_character(h in any::<[u8; 32]>(), at in any::<prop::sample::Index>(), c in prop::sample::select(vec!["g", "x", " ", "é", "-", "0x", "\u{1F600}", "\0"])) {
        let hex = parse::to_hex(&h);
        let i = at.index(64);
        // Same byte length where possible (a multi-byte character replaces as many bytes).
        let s = format!("{}{c}{}", &hex[..i], &hex[(i + c.len()).min(64)..]);
        names(&invalid(parse::hash_hex(&s), &s), &s);
    }

    #[test]
    fn hash_junk(s in prop_oneof![junk(), "[0-9a-fA-F]{60,68}", "[0-9a-f\\PC]{32,64}"]) {
        match parse::hash_hex(&s) {
            Ok(h) => prop_assert_eq!(parse::to_hex(&h), s.trim().to_ascii_lowercase()),
            Err(e) => names(&invalid::<()>(Err(e), &s), &s),
        }
    }

    // ---- license flags ----

    #[test]
    fn license_round_trip(flags in 0u8..8, upper in any::<bool>(), none in any::<bool>()) {
        let mut names_ = parse::license_names(flags).join(" , ");
        if upper { names_ = names_.to_uppercase(); }
        if none { names_ = format!("none,{names_}"); }
        prop_assert_eq!(parse::license_flags(&names_).unwrap(), flags);
    }

    #[test]
    fn license_junk(s in prop_oneof![junk(), "(commercial|none|fine-tuning|[a-z]{1,8})(,(commercial|redistribution|[a-z ]{1,8}))*"]) {
        match parse::license_flags(&s) {
            Ok(f) => prop_assert!(f < 8),
            Err(e) => {
                let m = invalid::<()>(Err(e), &s);
                let bad = s.split(',').map(str::trim).find(|p| !p.is_empty() && !["none", "commercial", "fine-tuning", "finetuning", "redistribution"].contains(&p.to_ascii_lowercase().as_str())).expect("a bad part");
                names(&m, bad);
            }
        }
    }
}

/// `n` positive shares summing to 10,000 (n ≤ 10,000).
fn shares_even(n: usize) -> Vec<u16> {
    let base = (10_000 / n) as u16;
    let mut v = vec![base; n];
    v[0] += 10_000 - base * n as u16;
    v
}

/// `n` positive shares summing to `total` (≥ n).
fn shares_spread(n: usize, total: u16) -> Vec<u16> {
    let base = total / n as u16;
    let mut v = vec![base; n];
    v[0] += total - base * n as u16;
    v
}

// ---- hand-picked edge cases ----

fn k(n: u8) -> String {
    Pubkey::new_from_array([n; 32]).to_string()
}

#[test]
fn edge_amounts() {
    for (s, d, why) in [
        ("", 6, "expected a number"),
        ("   ", 6, "expected a number"),
        (".", 6, "expected a number"),
        ("-0", 6, "negative"),
        ("-1.5", 6, "negative"),
        ("1e9", 6, "digits"),
        ("1E9", 6, "digits"),
        ("0x10", 6, "digits"),
        ("1_000", 6, "digits"),
        ("1,000.5", 6, "digits"),
        ("1 000", 6, "digits"),
        ("１", 6, "digits"), // a fullwidth digit
        ("٣", 6, "digits"),  // an Arabic-Indic digit
        ("NaN", 6, "digits"),
        ("inf", 6, "digits"),
        ("1.2.3", 6, "digits"),
        ("..5", 6, "digits"),
        ("1.0000001", 6, "too precise"),
        ("0.5", 0, "too precise"),
        ("18446744073709551616", 0, "too large"),
        ("18446744073709.551616", 6, "too large"),
        ("99999999999999999999999999999999999999999999999999", 0, "too large"),
        ("1", 20, "too large"),
        ("1", 255, "too large"),
    ] {
        let m = invalid(parse_ui_amount(s, d), s);
        names(&m, s);
        assert!(m.contains(why), "{s:?} ({d} decimals): {m}");
    }
    for (s, d, v) in [
        ("18446744073709551615", 0, u64::MAX),
        ("18446744073709.551615", 6, u64::MAX),
        ("0000000000000000000000000000001", 0, 1),
        ("1.", 6, 1_000_000),
        (".000001", 6, 1),
        (" 2.5 ", 9, 2_500_000_000),
        ("0", 255, 0),
        ("0.000000000000000000001", 21, 1),
    ] {
        assert_eq!(parse_ui_amount(s, d).unwrap(), v, "{s:?}");
    }
    assert_eq!(format_ui_amount(1, 21), "0.000000000000000000001");
    assert_eq!(
        format_ui_amount(u64::MAX, 255),
        format!("0.{}18446744073709551615", "0".repeat(235))
    );
    assert_eq!(format_ui_amount(0, 9), "0");
    assert_eq!(format_ui_amount(u64::MAX, 19), "1.8446744073709551615");
    assert_eq!(format_ui_amount(u64::MAX, 20), "0.18446744073709551615");
}

#[test]
fn edge_splits() {
    let (a, b, c) = (k(1), k(2), k(3));
    for (input, needle) in [
        (String::new(), "invalid split ``"),
        ("   ".to_string(), "`   `"),
        (",,,".to_string(), "`,,,`"),
        (format!("{a}:10000.5"), "`10000.5`"),
        (format!("{a}:-10000"), "`-10000`"),
        (format!("{a}:+-1"), "`+-1`"),
        (format!("{a}:18446744073709551616"), "`18446744073709551616`"),
        (format!("{a}:1e4"), "`1e4`"),
        (format!("{a}:"), "share ``"),
        (format!(":10000"), "address ``"),
        (format!("{a}:5000:5000"), "`5000:5000`"),
        (format!("{a} 10000"), "ADDRESS:BPS"),
        (format!("{a};10000"), "ADDRESS:BPS"),
        (format!("{a}:10001"), "share 10001"),
        (format!("{a}:0,{b}:10000"), "share 0"),
        (format!("{a}:5000,{a}:5000"), "appears twice"),
        (format!("{a}:5000,{b}:4000,{a}:1000"), "appears twice"),
        (format!("{a}:5000,{b}:5001"), "sum to 10001"),
        (format!("{a}:3333,{b}:3333,{c}:3333"), "sum to 9999"),
        (format!("{a}:65535"), "share 65535"),
        (format!("{a}:65536"), "`65536`"),
        (format!("{}0:10000", &a[..a.len() - 1]), "0`"),
        (format!("{a}0:10000"), &format!("`{a}0`")),
        (format!("{}:10000", &a[..30]), &format!("`{}`", &a[..30])),
        ("ñandú:10000".to_string(), "`ñandú`"),
    ] {
        let m = invalid(parse::split(&input), &input);
        assert!(m.contains(needle), "{input:?}: {m}");
        names_a_piece(&m, &input);
    }
    let seventeen: Vec<(Pubkey, u16)> = (0..17)
        .map(|i| (Pubkey::new_from_array([i + 1; 32]), shares_even(17)[usize::from(i)]))
        .collect();
    assert!(invalid(parse::split(&render(&seventeen, &[])), "17").contains("17 recipients, at most 16"));
    // Sixteen is fine; the whole range of a single share too.
    let sixteen: Vec<(Pubkey, u16)> = (0..16)
        .map(|i| (Pubkey::new_from_array([i + 1; 32]), shares_even(16)[usize::from(i)]))
        .collect();
    assert_eq!(parse::split(&render(&sixteen, &[])).unwrap().len(), 16);
    assert_eq!(parse::split(&format!("  {a}:10000 ,")).unwrap()[0].bps, 10_000);
}

#[test]
fn edge_parents() {
    let (a, b) = (k(1), k(2));
    assert!(parse::parents("").unwrap().is_empty());
    assert!(parse::parents(" , ").unwrap().is_empty());
    for (input, needle) in [
        (format!("{a}:0"), "share 0"),
        (format!("{a}:5001"), "sum to 5001"),
        (format!("{a}:2500,{a}:2500"), "appears twice"),
        (format!("{a}:2500,{b}:2501"), "sum to 5001"),
        (format!("{a}:65536"), "`65536`"),
        (format!("{a}:-1"), "`-1`"),
        (format!("{a}"), "ADDRESS:BPS"),
        ("not-an-asset:100".to_string(), "`not-an-asset`"),
    ] {
        let m = invalid(parse::parents(&input), &input);
        assert!(m.contains(needle), "{input:?}: {m}");
    }
    let nine: Vec<String> = (1..=9).map(|i| format!("{}:100", k(i))).collect();
    assert!(invalid(parse::parents(&nine.join(",")), "nine").contains("9 parents, at most 8"));
}

#[test]
fn edge_durations() {
    for bad in [
        "",
        " ",
        "-1",
        "-5m",
        "1w",
        "1y",
        "1.5h",
        "1e3",
        "h",
        "d",
        "mm",
        "5 m",
        "5mm",
        "perpetually",
        "forever",
        "٣h",
        "１０",
        "9223372036854775808",
        "18446744073709551616",
        "106751991167301d",
        "2562047788015216h",
        "99999999999999999999d",
        "0x10",
        "1_000",
    ] {
        let m = invalid(parse::duration(bad), bad);
        names(&m, bad);
        assert!(m.contains("expected e.g. 3600, 90m, 24h, 30d or perpetual"), "{m}");
    }
    for (s, v) in [
        ("0", 0),
        ("perpetual", 0),
        (" PERPETUAL ", 0),
        ("0d", 0),
        ("1", 1),
        ("59s", 59),
        ("90M", 5_400),
        ("9223372036854775807", i64::MAX as u64),
        ("106751991167300d", 106_751_991_167_300 * 86_400),
    ] {
        assert_eq!(parse::duration(s).unwrap(), v, "{s:?}");
    }
}

#[test]
fn edge_hashes() {
    let good = "ab".repeat(32);
    for bad in [
        String::new(),
        " ".repeat(64),
        "ab".repeat(31),
        "ab".repeat(33), // 33 bytes
        format!("0x{}", "ab".repeat(31)),
        format!("{}0", "ab".repeat(32)),
        "zz".repeat(32),
        "é".repeat(32),                       // 64 bytes, 32 characters
        format!("a{}", "é".repeat(31) + "b"), // 64 bytes, a 2-byte character across a byte pair
        format!("{}\u{1F600}", "ab".repeat(30)),
        format!("+{}", &good[1..]),
        format!("{} {}", &good[..32], &good[33..]),
    ] {
        let m = invalid(parse::hash_hex(&bad), &bad);
        names(&m, &bad);
        assert!(m.contains("expected 64 hexadecimal characters"), "{m}");
    }
    assert_eq!(
        parse::hash_hex(&format!("\t{}\n", good.to_uppercase())).unwrap(),
        [0xab; 32]
    );
    let m = invalid(parse::hash_or_file(None, None), "nothing");
    assert!(m.contains("expected a hash"), "{m}");
    let missing = std::path::Path::new("/nonexistent/tessera/fuzz-input.bin");
    let m = invalid(parse::hash_or_file(None, Some(missing)), "missing file");
    assert!(m.contains("`/nonexistent/tessera/fuzz-input.bin`"), "{m}");
    // A directory is not a file to hash.
    let m = invalid(parse::hash_file(&std::env::temp_dir()), "a directory");
    assert!(m.contains(&format!("`{}`", std::env::temp_dir().display())), "{m}");
}

#[test]
fn edge_license_flags() {
    assert_eq!(parse::license_flags("").unwrap(), 0);
    assert_eq!(parse::license_flags(" none ").unwrap(), 0);
    assert_eq!(
        parse::license_flags("Commercial, FINE-TUNING,redistribution,commercial").unwrap(),
        7
    );
    assert_eq!(parse::license_flags("finetuning").unwrap(), 2);
    for (s, bad) in [
        ("public-domain", "public-domain"),
        ("commercial;fine-tuning", "commercial;fine-tuning"),
        ("commercial fine-tuning", "commercial fine-tuning"),
        ("COMMERCIAL,Bogus", "Bogus"),
        ("fine_tuning", "fine_tuning"),
        ("ñ", "ñ"),
        ("all", "all"),
        ("7", "7"),
    ] {
        let m = invalid(parse::license_flags(s), s);
        names(&m, bad);
    }
}

#[test]
fn edge_addresses() {
    for s in [
        "",
        " ",
        "0",
        "11111111111111111111111111111111111",
        &"1".repeat(31),
        &format!("{}1", k(9)),
        "0x00",
        "ñ",
        "So11111111111111111111111111111111111111112 extra",
    ] {
        let m = invalid(parse::pubkey("asset", s), s);
        assert!(
            m.contains(&format!("invalid asset `{s}`")) && m.contains("base58 address"),
            "{m}"
        );
    }
    assert_eq!(
        parse::pubkey("asset", "11111111111111111111111111111111").unwrap(),
        Pubkey::default()
    );
}
