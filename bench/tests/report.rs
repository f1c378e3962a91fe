//! A reduced cost report (100 sales, no throughput) runs in the test suite, so the report keeps
//! building, its flows keep working and its invariants keep holding.

#[tokio::test]
async fn reduced_report_holds_its_invariants() {
    let r = tessera_bench::run(&tessera_bench::Options {
        max_sales: 100,
        throughput_secs: 0,
        senders: 0,
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
}
