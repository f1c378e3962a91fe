//! `tessera demo` runs the whole story on its own validator; its numbers are checked here.

use std::process::Command;

use serde_json::Value;

#[test]
fn demo_balances_and_pays_everyone_what_the_rules_say() {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["--output", "json", "demo"])
        .output()
        .expect("run tessera demo");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let amount = |list: &str, name: &str| {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["who"]["name"] == name)
            .and_then(|e| e["amount"].as_u64())
            .unwrap_or_else(|| panic!("{name} not in {list}"))
    };
    // frank: 2 model tokens at 10 USDC; grace: a 2 USDC inference.
    assert_eq!(amount("paid", "frank"), 20_000_000);
    assert_eq!(amount("paid", "grace"), 2_000_000);
    // Sale: fee 250 bps = 0.5; parent 20% of 19.5 = 3.9 (alice 70%, bob 20%, carol 10%);
    // model 15.6. Inference: fee 100 bps = 0.02; royalty 10% = 0.2, of which the parent
    // dataset takes 20% = 0.04 (the lineage rule) and the model 0.16; heidi 1.78.
    assert_eq!(amount("received", "treasury"), 500_000 + 20_000);
    assert_eq!(amount("received", "alice"), 2_730_000 + 28_000);
    assert_eq!(amount("received", "bob"), 780_000 + 8_000);
    assert_eq!(amount("received", "carol"), 390_000 + 4_000);
    assert_eq!(amount("received", "dave"), 15_600_000 + 160_000);
    assert_eq!(amount("received", "heidi"), 1_780_000);
    assert_eq!(v["dust"], 0);
    assert_eq!(v["totalPaid"], v["totalReceived"]);
    // The indexer's pass over the story (SQLite): the same sale, job and claims.
    let t = &v["index"]["totals"];
    assert_eq!((t["assets"].as_u64(), t["sales"].as_u64()), (Some(2), Some(1)));
    assert_eq!((t["jobsSettled"].as_u64(), t["claims"].as_u64()), (Some(1), Some(4)));
    assert_eq!(t["byMint"][0]["salesVolume"], 20_000_000);
    assert_eq!(t["byMint"][0]["protocolFees"], 500_000 + 20_000);
    assert_eq!(v["index"]["carolOwed"], 0);
}
