//! A reduced cost report (100 sales, no throughput) runs in the test suite, so the report keeps
//! building, its flows keep working and its invariants keep holding.

#[tokio::test]
async fn reduced_report_holds_its_invariants() {
    let r = tessera_bench::run(&tessera_bench::Options {
        max_sales: 100,
        throughput_secs: 0,
        senders: 0,
        per_call_max: 100,
    })
    .await;
    for (check, ok) in &r.checks {
        assert!(ok, "check failed: {check}\n{}", tessera_bench::render(&r));
    }
    assert_eq!(r.buy_by_recipients.len(), 4);
    assert_eq!(
        r.claim_by_sales.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        vec![1, 100]
    );
    // Push-style grows with the recipients: 16 transfers cost more CU than one.
    let first = &r.push_vs_tessera[0];
    let last = &r.push_vs_tessera[3];
    assert!(
        last.push.compute_units > 10 * first.push.compute_units / 2,
        "{} vs {}",
        last.push.compute_units,
        first.push.compute_units
    );
    assert!(r.push_max_recipients_legacy >= 16);
    // The 8-parent purchase exceeds a legacy packet and is sent through a lookup table.
    let eight = r
        .flows
        .iter()
        .find(|f| f.flow.contains("8 parents") && f.flow.starts_with("buy"))
        .unwrap();
    assert!(
        eight.legacy_size > 1_232 && eight.lookup_table && eight.size <= 1_232,
        "{eight:?}"
    );
    // Per call: every method has its N = 1 and N = 100 rows, measured, and they add up.
    let row = |prefix: &str, n: u64| {
        r.per_call
            .iter()
            .find(|p| p.calls == n && p.method.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} row for {n} calls:\n{}", tessera_bench::render(&r)))
    };
    for n in [1, 100] {
        for m in ["channel", "escrow", "pass: one", "pass: N"] {
            assert!(row(m, n).measured, "{m} {n}");
        }
    }
    let (c1, c100) = (row("channel", 1), row("channel", 100));
    // open + one settle (ed25519 + settle) + request_close + finalize: the same for 1 and 100.
    assert_eq!(c1.transactions, 4, "{c1:?}");
    assert_eq!(c100.transactions, 4, "{c100:?}");
    assert_eq!(c1.fee_lamports, c100.fee_lamports);
    assert!(c100.voucher_bytes > 99 * c1.voucher_bytes, "{c100:?}");
    // The channel's rent comes back at finalize (its payer counter stays).
    assert!(c1.rent_returned > 0 && c1.rent_returned < c1.rent_locked, "{c1:?}");
    let (j1, j100) = (row("escrow", 1), row("escrow", 100));
    assert_eq!(j1.transactions, 4);
    assert_eq!(j100.transactions, 400);
    assert_eq!(j100.fee_lamports, 100 * j1.fee_lamports);
    assert!(c100.fee_lamports < j100.fee_lamports && c100.tx_bytes < j100.tx_bytes);
    assert_eq!(row("pass: one", 100).transactions, 1);
    assert_eq!(row("pass: N", 100).transactions, 100);
}
