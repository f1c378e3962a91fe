//! The indexer against a real local validator (`tessera-localnet`, started here): a scripted
//! history (publish with lineage, sales with fees, a split update, claims, jobs confirmed,
//! refunded unaccepted, refunded undelivered with a slash, disputed and resolved with a slash;
//! payment channels opened, topped up, settled, closed after the grace, settled and closed at
//! once, and left open) is indexed into SQLite and into a real Postgres server started here (`initdb`/`pg_ctl` of
//! Debian's `postgresql` package); on each, the indexer runs as a child process (the
//! `tessera-indexer` binary), is SIGKILLed mid-stream twice and restarted, and the result must
//! equal one uninterrupted pass (every table's row count) and the history's sums (no loss, no
//! duplicates); every API answer is asserted in base units; `check` finds no difference, then
//! finds planted ones (a split's deposit, a pass's expiry, a channel's settlement).
//!
//! Run: `TESSERA_LOCALNET=$LOCALNET_BIN flock /tmp/tessera-validator.lock cargo test --locked
//! --workspace --test indexer`.

use std::{path::Path, process::Command, time::Duration};

use serde::de::DeserializeOwned;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::{
    channel::{OpenChannelRequest, Voucher},
    channels::instructions::InitializeConfigArgs as InitializeChannelsArgs,
    escrow::{
        instructions::{InitializeConfigArgs as InitializeEscrowArgs, OpenJobArgs, RegisterProviderArgs},
        math::payout,
        state::{EscrowSettings, MintBond},
    },
    parse, pda,
    registry::{
        instructions::{InitializeConfigArgs, ParentInput, PublishAssetArgs},
        state::{AssetKind, License},
    },
    royalties::{instructions::UpdateSplitArgs, state::RecipientInput},
    Pubkey, Tessera,
};
use tessera_dev::{DevFlows, TestChain};
use tessera_indexer::{
    api::{
        self, AssetDetail, AssetOut, ChannelOut, JobOut, Owed, Page, PassOut, ProviderOut, Revenue, SaleOut, Status,
        Totals,
    },
    check::check,
    pg_server::TempPostgres,
    Db, Indexer, IngestOptions, MetadataConfig,
};

const USDC: u64 = 1_000_000;
const SOL: u64 = 1_000_000_000;

// The channels' four settlements (1, 0.5, 0.8 and 0.25 USDC), each divided as 1.5% to the
// treasury, the model's 10% royalty (20% of it to the dataset's split, the rest to the model's)
// and the rest to the payee (heidi): every division is exact.
/// Σ settled: 1,000,000 + 500,000 + 800,000 + 250,000.
const CHANNEL_SETTLED: u64 = 2_550_000;
/// 1.5% of each.
const CHANNEL_FEES: u64 = 15_000 + 7_500 + 12_000 + 3_750;
/// 8% of each to the model's split.
const CHANNEL_TO_MODEL: u64 = 80_000 + 40_000 + 64_000 + 20_000;
/// 2% of each to the dataset's split.
const CHANNEL_TO_DATASET: u64 = 20_000 + 10_000 + 16_000 + 5_000;
const CHANNEL_ROYALTIES: u64 = CHANNEL_TO_MODEL + CHANNEL_TO_DATASET;

fn client(url: &str, kp: &Keypair) -> Tessera {
    Tessera::new(
        url,
        kp.insecure_clone(),
        solana_commitment_config::CommitmentConfig::confirmed(),
    )
}

/// What the scripted history did, and what the chain says about it afterwards.
struct History {
    usdc: Pubkey,
    dataset: Pubkey,
    model: Pubkey,
    dataset_split: Pubkey,
    model_split: Pubkey,
    alice: Pubkey,
    bob: Pubkey,
    carol: Pubkey,
    dave: Pubkey,
    frank: Pubkey,
    grace: Pubkey,
    heidi: Pubkey,
    provider: Pubkey,
    jobs: [Pubkey; 4],
    /// Grace's closed channel, frank's closed channel, grace's open channel.
    channels: [Pubkey; 3],
    ch1_grace_ends_at: i64,
    admin: Pubkey,
    /// `Tessera::owed_to` (the client's RPC view of every split) per wallet, at the end.
    owed: Vec<(Pubkey, Vec<(String, u64)>)>,
    /// The passes' expiries on chain: (holder, asset, expires_at).
    expiries: Vec<(Pubkey, Pubkey, i64)>,
}

fn history(url: &str, admin: &Keypair) -> History {
    let boss = client(url, admin);
    let wallets: Vec<Keypair> = (0..8).map(|_| Keypair::new()).collect();
    let who = |i: usize| wallets[i].pubkey();
    let (treasury, alice, bob, carol, dave, frank, grace, heidi) = (0, 1, 2, 3, 4, 5, 6, 7);
    for w in &wallets[1..] {
        boss.transfer_sol(&w.pubkey(), 2 * SOL).unwrap();
    }
    let usdc = boss.create_mint(6).unwrap();
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury: who(treasury),
        fee_bps: 250,
        payment_mints: vec![usdc],
    })
    .unwrap();
    boss.initialize_escrow(InitializeEscrowArgs {
        admin: admin.pubkey(),
        settings: EscrowSettings {
            treasury: who(treasury),
            arbiter: admin.pubkey(),
            fee_bps: 100,
            slash_bps: 2_000,
            max_slash_fee_multiple: 10,
            min_accept_window: 0,
            min_delivery_window: 0,
            min_challenge_window: 0,
            dispute_window: 86_400,
            unbonding_delay: 86_400,
            min_bonds: vec![MintBond {
                mint: usdc,
                min_bond: USDC,
            }],
        },
    })
    .unwrap();
    for i in [frank, grace, heidi] {
        boss.mint_to(&usdc, &who(i), 100 * USDC).unwrap();
    }
    let recipients = |v: &[(usize, u16)]| {
        v.iter()
            .map(|&(i, bps)| RecipientInput { address: who(i), bps })
            .collect::<Vec<_>>()
    };
    let a = client(url, &wallets[alice]);
    let (dataset, _) = a
        .publish(
            &usdc,
            None,
            PublishAssetArgs {
                kind: AssetKind::Dataset,
                content_hash: parse::hash_str("speech-corpus-v1.tar"),
                uri: "ar://tessera-test/speech-corpus-v1.json".into(),
                license: License {
                    flags: 3,
                    terms_hash: parse::hash_str("license"),
                },
                price: 1_500_000,
                max_supply: 0,
                access_duration: 30 * 86_400,
                inference_royalty_bps: 0,
                inference_gated: false,
                parents: vec![],
                recipients: recipients(&[(alice, 7_000), (bob, 2_000), (carol, 1_000)]),
            },
        )
        .unwrap();
    let d = client(url, &wallets[dave]);
    let (model, _) = d
        .publish(
            &usdc,
            None,
            PublishAssetArgs {
                kind: AssetKind::Model,
                content_hash: parse::hash_str("whisper-ft.safetensors"),
                uri: "https://models.example/whisper-ft.json".into(),
                license: License {
                    flags: 1,
                    terms_hash: parse::hash_str("model-license"),
                },
                price: 10 * USDC,
                max_supply: 0,
                access_duration: 0,
                inference_royalty_bps: 1_000,
                inference_gated: false,
                parents: vec![ParentInput {
                    asset: dataset,
                    bps: 2_000,
                }],
                recipients: recipients(&[(dave, 10_000)]),
            },
        )
        .unwrap();
    let f = client(url, &wallets[frank]);
    let g = client(url, &wallets[grace]);
    let h = client(url, &wallets[heidi]);
    // Sales: 2 model tokens (20 USDC), 1 dataset token (1.5 USDC).
    f.buy(&model, 2, 10 * USDC, 0).unwrap();
    g.buy(&dataset, 1, 1_500_000, 0).unwrap();
    // The dataset's split: carol leaves, alice and bob 50/50; then another sale.
    let dataset_split = pda::split(&dataset);
    a.update_split(
        &dataset_split,
        UpdateSplitArgs {
            recipients: recipients(&[(alice, 5_000), (bob, 5_000)]),
        },
    )
    .unwrap();
    h.buy(&dataset, 1, 1_500_000, 0).unwrap();
    // The fees accrued per asset, swept to the treasury by anyone (one FeesSwept per asset).
    let (swept, _) = g.sweep_fees(&[model, dataset]).unwrap();
    assert_eq!(swept, [500_000, 2 * 37_500]);
    // Claims: bob from the dataset, dave from the model.
    let (bob_claimed, _) = client(url, &wallets[bob]).claim(&dataset_split).unwrap();
    let model_split = pda::split(&model);
    let (dave_claimed, _) = d.claim(&model_split).unwrap();
    // Bob: 20% of epoch 1's pool (5,362,500, see below) and 50% of the third sale's net;
    // dave: the model sale's net.
    assert_eq!((bob_claimed, dave_claimed), (1_072_500 + 731_250, 15_600_000));
    // Jobs.
    h.register_provider(
        &usdc,
        RegisterProviderArgs {
            endpoint: "https://heidi-gpu.example/v1".into(),
            models: vec![model],
        },
    )
    .unwrap();
    h.bond(10 * USDC).unwrap();
    let open = |id: u64, accept: u32, deliver: u32| {
        g.open_job(
            &model,
            OpenJobArgs {
                job_id: id,
                fee: 2 * USDC,
                input_commitment: parse::hash_str(&format!("input {id}")),
                provider: None,
                accept_window: accept,
                delivery_window: deliver,
                challenge_window: 3_600,
            },
        )
        .unwrap()
        .0
    };
    // 1: accepted, delivered, confirmed.
    let j1 = open(1, 600, 3_600);
    h.accept_job(&j1, None).unwrap();
    h.submit_result(&j1, parse::hash_str("out 1")).unwrap();
    g.confirm_job(&j1).unwrap();
    // 2: nobody accepts within a second: refunded.
    let j2 = open(2, 1, 3_600);
    // 3: accepted, not delivered within a second: refunded, the bond slashed.
    let j3 = open(3, 600, 1);
    h.accept_job(&j3, None).unwrap();
    // 4: delivered, disputed, resolved 25% to the provider (a lost dispute: slashed).
    let j4 = open(4, 600, 3_600);
    h.accept_job(&j4, None).unwrap();
    h.submit_result(&j4, parse::hash_str("out 4")).unwrap();
    g.dispute_job(&j4).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    g.refund_job(&j2).unwrap();
    g.refund_job(&j3).unwrap();
    boss.resolve_dispute(&j4, 2_500).unwrap();

    // Payment channels to heidi for the model: fee 1.5%, the model's 10% inference royalty,
    // 20% of it to the dataset.
    boss.initialize_channels(InitializeChannelsArgs {
        admin: admin.pubkey(),
        treasury: who(treasury),
        fee_bps: 150,
        min_close_grace: 1,
        max_close_grace: 86_400,
    })
    .unwrap();
    let open_channel = |c: &Tessera, deposit: u64, grace: u32| {
        c.open_channel(&OpenChannelRequest {
            model,
            payee: Some(who(heidi)),
            deposit,
            authorized_signer: None,
            close_grace: Some(grace),
            channel_id: None,
        })
        .unwrap()
        .0
    };
    // Grace's first channel: 3 USDC, topped up by 1; heidi settles vouchers of 1 and then 1.5
    // USDC; grace requests the close and, after the grace, the admin finalizes it (2.5 back).
    let ch1 = open_channel(&g, 3 * USDC, 1);
    g.top_up_channel(&ch1, USDC).unwrap();
    h.settle_vouchers(&[Voucher::sign(&wallets[grace], &ch1, USDC, 0)])
        .unwrap();
    h.settle_vouchers(&[Voucher::sign(&wallets[grace], &ch1, 1_500_000, 0)])
        .unwrap();
    g.request_close(&ch1).unwrap();
    let closing = g.channel(&ch1).unwrap();
    let ch1_grace_ends_at = closing.close_requested_at + 1;
    // Frank's channel: 2 USDC; heidi settles 0.8 USDC and closes it at once (1.2 back).
    let ch2 = open_channel(&f, 2 * USDC, 600);
    h.settle_and_close(&ch2, Some(&Voucher::sign(&wallets[frank], &ch2, 800_000, 0)))
        .unwrap();
    // Grace's second channel stays open: 1 USDC, 0.25 settled.
    let ch3 = open_channel(&g, USDC, 600);
    h.settle_vouchers(&[Voucher::sign(&wallets[grace], &ch3, 250_000, 0)])
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    boss.finalize_close(&ch1).unwrap();

    let owed = [alice, bob, carol, dave]
        .iter()
        .map(|&i| {
            let o = boss.owed_to(&who(i)).unwrap();
            (who(i), o.into_iter().map(|o| (o.split, o.amount)).collect())
        })
        .collect();
    let mut expiries = vec![];
    for (holder, asset) in [(frank, model), (grace, dataset), (heidi, dataset)] {
        let p: tessera_client::registry::state::AccessPass =
            boss.fetch("pass", &pda::pass(&asset, &who(holder))).unwrap();
        expiries.push((who(holder), asset, p.expires_at));
    }
    History {
        usdc,
        dataset,
        model,
        dataset_split,
        model_split,
        alice: who(alice),
        bob: who(bob),
        carol: who(carol),
        dave: who(dave),
        frank: who(frank),
        grace: who(grace),
        heidi: who(heidi),
        provider: pda::provider(&who(heidi)),
        jobs: [j1, j2, j3, j4],
        channels: [ch1, ch2, ch3],
        ch1_grace_ends_at,
        admin: admin.pubkey(),
        owed,
        expiries,
    }
}

/// Serves metadata documents under `/ar/`: the dataset's (`ar://tessera-test/…`); the model's
/// `https://` URI is unreachable here and stays in `error`.
async fn metadata_server() -> String {
    use axum::{routing::get, Json, Router};
    let app = Router::new().route(
        "/ar/tessera-test/speech-corpus-v1.json",
        get(|| async {
            Json(serde_json::json!({
                "name": "Speech Corpus v1",
                "description": "Ten thousand hours of transcribed meetings",
                "tags": ["audio", "speech", "english"]
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/ar/")
}

fn metadata_config(gateway: &str) -> MetadataConfig {
    MetadataConfig {
        arweave_gateway: gateway.to_string(),
        timeout: Duration::from_secs(2),
        ..MetadataConfig::default()
    }
}

async fn get<T: DeserializeOwned>(base: &str, path: &str) -> T {
    let resp = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "GET {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
}

/// Row counts of every table, to compare two databases.
async fn counts(db: &Db) -> Vec<(String, i64)> {
    use sqlx::Row;
    let mut out = vec![];
    for t in [
        "transactions",
        "events",
        "assets",
        "lineage",
        "sales",
        "passes",
        "redemptions",
        "splits",
        "split_entries",
        "parked",
        "deposits",
        "claims",
        "jobs",
        "job_transitions",
        "providers",
        "bond_changes",
        "channels",
        "channel_settlements",
        "fee_sweeps",
    ] {
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        out.push((t.to_string(), n));
    }
    out
}

/// Everything the API answers about the history, for comparing two databases.
async fn answers(base: &str, h: &History) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = vec![];
    for path in [
        "/v1/totals".to_string(),
        "/v1/assets?sort=oldest".to_string(),
        format!("/v1/assets/{}", h.dataset),
        format!("/v1/assets/{}/sales", h.dataset),
        format!("/v1/assets/{}/revenue", h.model),
        format!("/v1/wallets/{}/owed", h.alice),
        format!("/v1/wallets/{}/owed", h.carol),
        format!("/v1/jobs?party={}", h.heidi),
        "/v1/providers".to_string(),
        "/v1/channels".to_string(),
    ] {
        let mut v: serde_json::Value = get(base, &path).await;
        strip_volatile(&mut v);
        out.push(v);
    }
    out
}

/// `finalized` flags and the metadata fetch times depend on when a database was filled.
fn strip_volatile(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("finalized");
            m.remove("error");
            for (_, x) in m.iter_mut() {
                strip_volatile(x);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

/// A row count of `table`.
async fn count(db: &Db, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A sum of a BIGINT column (0 over no rows).
async fn sum(db: &Db, table: &str, column: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!(
        "SELECT COALESCE(CAST(SUM({column}) AS BIGINT), 0) FROM {table}"
    ))
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

/// Runs the `tessera-indexer` binary (`--once`) over the chain into `url` as a child process,
/// and SIGKILLs it (`Child::kill`) as soon as the database holds `kill_at` transactions
/// (polled every 2 ms). Asserts the kill landed mid-stream: the child was still running, and
/// afterwards the database holds at least `kill_at` and fewer than `total` transactions, and
/// every program's cursor names a transaction that was applied. Returns the number held.
async fn killed_run(url: &str, rpc: &str, gateway: &str, log: &Path, kill_at: i64, total: i64) -> i64 {
    let db = Db::open(url).await.unwrap();
    let before = count(&db, "transactions").await;
    assert!(
        before < kill_at,
        "{before} transactions already, the kill is at {kill_at}"
    );
    let out = std::fs::File::create(log).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera-indexer"))
        .args(["--url", rpc, "--database", url, "--once", "--arweave-gateway", gateway])
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("start tessera-indexer");
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        if count(&db, "transactions").await >= kill_at {
            child.kill().expect("SIGKILL the indexer");
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the indexer exited ({status}) before the kill at {kill_at} of {total} transactions: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the indexer did not reach {kill_at} transactions"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let status = child.wait().unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "killed by SIGKILL, not exited: {status}");
    }
    let held = count(&db, "transactions").await;
    assert!(
        held >= kill_at && held < total,
        "the kill landed mid-stream: {held} of {total} transactions (kill at {kill_at})"
    );
    let dangling: i64 = {
        use sqlx::Row;
        sqlx::query(
            "SELECT COUNT(*) FROM cursors c WHERE NOT EXISTS \
             (SELECT 1 FROM transactions t WHERE t.signature = c.signature)",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
    };
    assert_eq!(dangling, 0, "every cursor names an applied transaction");
    eprintln!(
        "{}: SIGKILLed the indexer with {held} of {total} transactions in the database (kill at {kill_at})",
        db_name(url)
    );
    db.pool.close().await;
    held
}

fn db_name(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Row sums that double counting or a lost transaction would change, with their values from
/// the scripted history (what the chain did), in base units.
fn expected_sums() -> Vec<(&'static str, i64)> {
    let p1 = payout(2 * USDC, 10_000, 100, 1_000, &[2_000]).unwrap();
    let p4 = payout(2 * USDC, 2_500, 100, 1_000, &[2_000]).unwrap();
    let credited = 15_600_000
        + 3_900_000
        + 2 * 1_462_500
        + p1.to_model_split
        + p4.to_model_split
        + p1.to_parents[0]
        + p4.to_parents[0]
        + CHANNEL_ROYALTIES;
    let i = |v: u64| i64::try_from(v).unwrap();
    vec![
        ("sales", 3),
        ("sales.total", i(23 * USDC)),
        ("sales.fee", i(500_000 + 2 * 37_500)),
        ("sales.quantity", 4),
        ("fee_sweeps", 2),
        ("fee_sweeps.received", i(500_000 + 2 * 37_500)),
        ("assets.revenue", i(23 * USDC)),
        ("deposits.received", i(credited)),
        ("claims", 2),
        ("claims.amount", 1_072_500 + 731_250 + 15_600_000),
        ("jobs", 4),
        ("job_transitions", 4 + 2 + 3 + 5),
        ("slashes", 2),
        ("slashes.amount", i(4 * USDC)),
        ("channels", 3),
        ("channels.deposit", i(4 * USDC + 2 * USDC + USDC)),
        ("channels.settled", i(1_500_000 + 800_000 + 250_000)),
        ("channel_settlements", 4),
        ("channel_settlements.amount", i(CHANNEL_SETTLED)),
        ("channel_settlements.to_treasury", i(CHANNEL_FEES)),
        ("channel_settlements.to_payee", i(885_000 + 442_500 + 708_000 + 221_250)),
    ]
}

async fn sums(db: &Db) -> Vec<(&'static str, i64)> {
    vec![
        ("sales", count(db, "sales").await),
        ("sales.total", sum(db, "sales", "total").await),
        ("sales.fee", sum(db, "sales", "fee").await),
        ("sales.quantity", sum(db, "sales", "quantity").await),
        ("fee_sweeps", count(db, "fee_sweeps").await),
        ("fee_sweeps.received", sum(db, "fee_sweeps", "received").await),
        ("assets.revenue", sum(db, "assets", "revenue").await),
        ("deposits.received", sum(db, "deposits", "received").await),
        ("claims", count(db, "claims").await),
        ("claims.amount", sum(db, "claims", "amount").await),
        ("jobs", count(db, "jobs").await),
        ("job_transitions", count(db, "job_transitions").await),
        ("slashes", count(db, "slashes").await),
        ("slashes.amount", sum(db, "slashes", "amount").await),
        ("channels", count(db, "channels").await),
        ("channels.deposit", sum(db, "channels", "deposit").await),
        ("channels.settled", sum(db, "channels", "settled").await),
        ("channel_settlements", count(db, "channel_settlements").await),
        (
            "channel_settlements.amount",
            sum(db, "channel_settlements", "amount").await,
        ),
        (
            "channel_settlements.to_treasury",
            sum(db, "channel_settlements", "to_treasury").await,
        ),
        (
            "channel_settlements.to_payee",
            sum(db, "channel_settlements", "to_payee").await,
        ),
    ]
}

/// Indexes the history into `url` by the `tessera-indexer` process, SIGKILLed mid-stream twice
/// (at a third and at two thirds of the transactions) and restarted; checks the result against
/// one uninterrupted pass (`reference`: the row count of every table) and the history's sums,
/// and that a further pass applies nothing; asserts the API and `check`. Returns the API's
/// answers.
async fn suite(
    url: &str,
    reference: &[(String, i64)],
    rpc: &str,
    gateway: &str,
    h: &History,
    logs: &Path,
) -> Vec<serde_json::Value> {
    let total = reference.iter().find(|(t, _)| t == "transactions").unwrap().1;
    assert!(total >= 30, "enough history for the kills to land mid-stream: {total}");
    let first = killed_run(url, rpc, gateway, &logs.join("indexer-1.log"), total / 3, total).await;
    let second = killed_run(
        url,
        rpc,
        gateway,
        &logs.join("indexer-2.log"),
        (2 * total / 3).max(first + 1),
        total,
    )
    .await;
    assert!(first < second);

    // A restart finishes (the same binary, to the end).
    let log = logs.join("indexer-3.log");
    let status = Command::new(env!("CARGO_BIN_EXE_tessera-indexer"))
        .args(["--url", rpc, "--database", url, "--once", "--arweave-gateway", gateway])
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(logs.join("indexer-3.err")).unwrap())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(logs.join("indexer-3.err")).unwrap_or_default()
    );

    // Nothing lost, nothing twice: every table as after one uninterrupted pass, the sums as
    // the history made them, and a further pass finds nothing new.
    let db = Db::open(url).await.unwrap();
    assert_eq!(
        counts(&db).await,
        reference,
        "killed twice and restarted = one uninterrupted pass"
    );
    assert_eq!(sums(&db).await, expected_sums());
    let idx = Indexer::new(db.clone(), rpc, metadata_config(gateway));
    let again = idx.ingest(&IngestOptions::default()).await.unwrap();
    assert_eq!((again.transactions, again.events), (0, 0), "nothing new, nothing twice");

    // The API.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::serve(db.clone(), listener, async move {
        let _ = stop_rx.await;
    }));
    assert_api(&base, h).await;
    let out = answers(&base, h).await;

    // Reconciliation: no difference; then a planted one in a split's deposits, and one in a
    // pass's expiry.
    let report = check(&db, rpc).await.unwrap();
    assert_eq!(report.differences, vec![], "{report:?}");
    assert_eq!(
        (
            report.splits,
            report.providers,
            report.jobs,
            report.passes,
            report.assets,
            report.channels
        ),
        (2, 1, 4, 3, 2, 3)
    );
    sqlx::query("UPDATE deposits SET received = received + 7 WHERE split = $1 AND kind = 'deposit'")
        .bind(h.model_split.to_string())
        .execute(&db.pool)
        .await
        .unwrap();
    let pass = pda::pass(&h.dataset, &h.grace).to_string();
    sqlx::query("UPDATE passes SET expires_at = expires_at + 1 WHERE address = $1")
        .bind(&pass)
        .execute(&db.pool)
        .await
        .unwrap();
    // And one in the open channel's settlements.
    sqlx::query("UPDATE channel_settlements SET amount = amount + 5 WHERE channel = $1")
        .bind(h.channels[2].to_string())
        .execute(&db.pool)
        .await
        .unwrap();
    let report = check(&db, rpc).await.unwrap();
    let kinds: Vec<(String, String)> = report
        .differences
        .iter()
        .map(|d| (d.kind.clone(), d.field.clone()))
        .collect();
    let n_model_deposits: usize = {
        use sqlx::Row;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM deposits WHERE split = $1 AND kind = 'deposit'")
            .bind(h.model_split.to_string())
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        n as usize
    };
    assert!(n_model_deposits >= 1);
    assert_eq!(
        kinds,
        vec![
            ("vault".to_string(), "balance (Σ credited − Σ claimed)".to_string()),
            ("pass".to_string(), "expires_at".to_string()),
            (
                "channel_vault".to_string(),
                "balance (deposit − Σ settlements)".to_string()
            ),
        ],
        "{report:?}"
    );
    let channel_diff = &report.differences[2];
    assert_eq!(
        (
            channel_diff.address.clone(),
            channel_diff.index.as_str(),
            channel_diff.chain.as_str()
        ),
        (pda::channel_vault(&h.channels[2]).to_string(), "749995", "750000")
    );
    let vault_diff = &report.differences[0];
    assert_eq!(
        vault_diff.index.parse::<i128>().unwrap() - vault_diff.chain.parse::<i128>().unwrap(),
        7 * n_model_deposits as i128
    );
    assert_eq!(report.differences[1].address, pass);

    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
    db.pool.close().await;
    out
}

async fn assert_api(base: &str, h: &History) {
    // Status: every program's cursor, nothing twice.
    let status: Status = get(base, "/v1/status").await;
    assert!(status.transactions > 0 && status.events > 0);
    assert!(status.cursors.len() >= 3, "{status:?}");

    // Catalogue: two assets; search over the fetched metadata; filters; sorting.
    let all: Page<AssetOut> = get(base, "/v1/assets?sort=oldest").await;
    assert_eq!(all.total, 2);
    assert_eq!(
        all.items.iter().map(|a| a.address.clone()).collect::<Vec<_>>(),
        vec![h.dataset.to_string(), h.model.to_string()]
    );
    let ds = &all.items[0];
    assert_eq!(ds.metadata.status, "ok");
    assert_eq!(ds.metadata.name.as_deref(), Some("Speech Corpus v1"));
    assert_eq!(ds.metadata.tags, vec!["audio", "speech", "english"]);
    assert_eq!((ds.price, ds.sales, ds.sold, ds.revenue), (1_500_000, 2, 2, 3_000_000));
    assert_eq!((ds.kind.as_str(), ds.state.as_str()), ("Dataset", "Listed"));
    assert_eq!(ds.payment_mint, h.usdc.to_string());
    let md = &all.items[1];
    assert_eq!(md.metadata.status, "error", "{:?}", md.metadata);
    assert_eq!((md.price, md.sales, md.sold, md.revenue), (10 * USDC, 1, 2, 20 * USDC));
    let found: Page<AssetOut> = get(base, "/v1/assets?q=transcribed%20MEETINGS").await;
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].address, h.dataset.to_string());
    let found: Page<AssetOut> = get(base, "/v1/assets?tag=speech").await;
    assert_eq!(found.total, 1);
    let found: Page<AssetOut> = get(base, "/v1/assets?q=whisper").await;
    assert_eq!(found.items[0].address, h.model.to_string(), "the URI is searched too");
    let models: Page<AssetOut> = get(base, &format!("/v1/assets?kind=Model&publisher={}", h.dave)).await;
    assert_eq!(models.total, 1);
    let cheap: Page<AssetOut> = get(base, "/v1/assets?maxPrice=2000000").await;
    assert_eq!(cheap.items.len(), 1);
    assert_eq!(cheap.items[0].address, h.dataset.to_string());
    let by_price: Page<AssetOut> = get(base, "/v1/assets?sort=price_desc").await;
    assert_eq!(by_price.items[0].address, h.model.to_string());
    let best: Page<AssetOut> = get(base, "/v1/assets?sort=revenue&limit=1").await;
    assert_eq!((best.items.len(), best.total, best.next_offset), (1, 2, Some(1)));
    assert_eq!(best.items[0].address, h.model.to_string());
    let second: Page<AssetOut> = get(base, "/v1/assets?sort=revenue&limit=1&offset=1").await;
    assert_eq!(
        (second.items[0].address.clone(), second.next_offset),
        (h.dataset.to_string(), None)
    );

    // Lineage.
    let detail: AssetDetail = get(base, &format!("/v1/assets/{}", h.model)).await;
    assert_eq!(detail.parents.len(), 1);
    assert_eq!(detail.parents[0].parent, h.dataset.to_string());
    assert_eq!(detail.parents[0].bps, 2_000);
    let detail: AssetDetail = get(base, &format!("/v1/assets/{}", h.dataset)).await;
    assert_eq!(detail.children.len(), 1);
    assert_eq!(detail.children[0].child, h.model.to_string());

    // Sales, with fees and the parent's share: 2 × 10 USDC, 2.5% fee, 20% of the rest to the
    // dataset.
    let sales: Page<SaleOut> = get(base, &format!("/v1/assets/{}/sales", h.model)).await;
    assert_eq!(sales.total, 1);
    let s = &sales.items[0];
    assert_eq!(
        (
            s.quantity,
            s.price,
            s.total,
            s.fee,
            s.parent_amounts.clone(),
            s.net,
            s.perpetual,
            s.sale_seq
        ),
        (2, 10 * USDC, 20 * USDC, 500_000, vec![3_900_000], 15_600_000, true, 1)
    );
    assert_eq!(s.buyer, h.frank.to_string());
    let sales: Page<SaleOut> = get(base, &format!("/v1/assets/{}/sales", h.dataset)).await;
    assert_eq!(
        sales
            .items
            .iter()
            .map(|s| (s.sale_seq, s.total, s.fee, s.net))
            .collect::<Vec<_>>(),
        vec![(2, 1_500_000, 37_500, 1_462_500), (1, 1_500_000, 37_500, 1_462_500)]
    );
    let rev: Revenue = get(base, &format!("/v1/assets/{}/revenue?bucket=31536000", h.model)).await;
    assert_eq!(rev.series.len(), 1);
    assert_eq!(
        (
            rev.total.sales,
            rev.total.quantity,
            rev.total.gross,
            rev.total.fees,
            rev.total.to_parents,
            rev.total.net
        ),
        (1, 2, 20 * USDC, 500_000, 3_900_000, 15_600_000)
    );
    let rev: Revenue = get(base, &format!("/v1/assets/{}/revenue", h.dataset)).await;
    assert_eq!(
        (rev.total.gross, rev.total.net, rev.as_parent),
        (3_000_000, 2_925_000, 3_900_000)
    );

    // Passes and their expiries, as on chain.
    for (holder, asset, expires_at) in &h.expiries {
        let passes: Page<PassOut> = get(base, &format!("/v1/wallets/{holder}/passes")).await;
        assert_eq!(passes.total, 1);
        let p = &passes.items[0];
        assert_eq!(
            (&p.asset, p.expires_at, p.valid),
            (&asset.to_string(), *expires_at, true)
        );
    }
    let frank: Page<PassOut> = get(base, &format!("/v1/wallets/{}/passes", h.frank)).await;
    assert_eq!((frank.items[0].perpetual, frank.items[0].purchased), (true, 2));

    // What each wallet is owed, across every split, equals the client's RPC computation.
    for (wallet, expected) in &h.owed {
        let owed: Owed = get(base, &format!("/v1/wallets/{wallet}/owed")).await;
        let mut got: Vec<(String, u64)> = owed.items.iter().map(|i| (i.split.clone(), i.owed)).collect();
        let mut want = expected.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "owed to {wallet}");
    }
    // Carol left the dataset's split with 10% of the first epoch, unclaimed.
    let carol: Owed = get(base, &format!("/v1/wallets/{}/owed", h.carol)).await;
    assert_eq!(carol.items.len(), 1);
    assert_eq!(carol.items[0].split, h.dataset_split.to_string());
    // Epoch 1 pool: the dataset sale's net (1,462,500) + the model sale's parent share
    // (3,900,000) = 5,362,500; 10% = 536,250.
    assert_eq!(carol.items[0].owed, 536_250);
    assert_eq!(carol.totals[0].amount, 536_250);
    // Jobs 1 and 4 pay the model's royalty, 20% of it on to the dataset (its parent).
    let p1 = payout(2 * USDC, 10_000, 100, 1_000, &[2_000]).unwrap();
    let p4 = payout(2 * USDC, 2_500, 100, 1_000, &[2_000]).unwrap();
    let alice: Owed = get(base, &format!("/v1/wallets/{}/owed", h.alice)).await;
    // Epoch 2 (alice and bob 50/50): the third sale's net and the jobs' parent shares.
    let epoch2 = 1_462_500 + p1.to_parents[0] + p4.to_parents[0] + CHANNEL_TO_DATASET;
    // 70% of epoch 1 + 50% of epoch 2.
    assert_eq!(alice.items[0].owed, 3_753_750 + epoch2 / 2);
    let bob: Owed = get(base, &format!("/v1/wallets/{}/owed", h.bob)).await;
    // Bob claimed 50% of the third sale; the jobs and the channels came after.
    assert_eq!(bob.items[0].owed, epoch2 / 2 - 731_250);
    let dave: Owed = get(base, &format!("/v1/wallets/{}/owed", h.dave)).await;
    // The model split after dave's claim: the inference royalties of jobs 1 and 4 and of the
    // channels' settlements.
    assert_eq!(
        dave.items[0].owed,
        p1.to_model_split + p4.to_model_split + CHANNEL_TO_MODEL
    );

    // Jobs by party and state, every transition.
    let jobs: Page<JobOut> = get(base, &format!("/v1/jobs?consumer={}", h.grace)).await;
    assert_eq!(jobs.total, 4);
    let job = |a: &Pubkey| jobs.items.iter().find(|j| j.address == a.to_string()).unwrap().clone();
    let j1 = job(&h.jobs[0]);
    assert_eq!(
        (j1.state.as_str(), j1.outcome.as_deref()),
        ("Settled", Some("Confirmed"))
    );
    assert_eq!(
        (
            j1.to_treasury,
            j1.to_model_split,
            j1.to_provider,
            j1.to_consumer,
            j1.slashed
        ),
        (
            Some(p1.to_treasury),
            Some(p1.to_model_split),
            Some(p1.to_provider),
            Some(0),
            Some(0)
        )
    );
    assert_eq!(j1.to_parents, Some(p1.to_parents.clone()));
    assert_eq!(
        j1.transitions.iter().map(|t| t.state.as_str()).collect::<Vec<_>>(),
        vec!["Open", "Accepted", "Delivered", "Settled"]
    );
    let j2 = job(&h.jobs[1]);
    assert_eq!(j2.outcome.as_deref(), Some("RefundedUnaccepted"));
    assert_eq!((j2.to_consumer, j2.provider.clone()), (Some(2 * USDC), None));
    assert_eq!(j2.transitions.len(), 2);
    let j3 = job(&h.jobs[2]);
    assert_eq!(j3.outcome.as_deref(), Some("RefundedUndelivered"));
    assert_eq!((j3.to_consumer, j3.slashed), (Some(2 * USDC), Some(2 * USDC)));
    let j4 = job(&h.jobs[3]);
    assert_eq!(
        (j4.outcome.as_deref(), j4.provider_share_bps),
        (Some("Resolved"), Some(2_500))
    );
    assert_eq!(
        (
            j4.to_treasury,
            j4.to_model_split,
            j4.to_provider,
            j4.to_consumer,
            j4.slashed
        ),
        (
            Some(p4.to_treasury),
            Some(p4.to_model_split),
            Some(p4.to_provider),
            Some(p4.to_consumer),
            Some(2 * USDC)
        )
    );
    assert_eq!(
        j4.transitions.iter().map(|t| t.state.as_str()).collect::<Vec<_>>(),
        vec!["Open", "Accepted", "Delivered", "Disputed", "Settled"]
    );
    let by_provider: Page<JobOut> = get(base, &format!("/v1/jobs?provider={}&state=Settled", h.heidi)).await;
    assert_eq!(by_provider.total, 3, "jobs 1, 3 and 4 (2 was never accepted)");
    let refunded: Page<JobOut> = get(base, &format!("/v1/jobs?party={}&outcome=RefundedUndelivered", h.heidi)).await;
    assert_eq!(refunded.total, 1);
    let open: Page<JobOut> = get(base, "/v1/jobs?state=Open").await;
    assert_eq!(open.total, 0);

    // The provider's record.
    let p: ProviderOut = get(base, &format!("/v1/providers/{}", h.heidi)).await;
    assert_eq!(p.address, h.provider.to_string());
    assert_eq!(
        (
            p.jobs_accepted,
            p.jobs_completed,
            p.jobs_missed,
            p.jobs_disputed,
            p.jobs_open,
            p.slashes,
            p.slashed_total,
            p.bond
        ),
        (3, 1, 1, 1, 0, 2, 4 * USDC, 6 * USDC)
    );

    // Protocol totals.
    let t: Totals = get(base, "/v1/totals").await;
    assert_eq!(
        (
            t.assets,
            t.datasets,
            t.models,
            t.sales,
            t.access_tokens_sold,
            t.passes,
            t.splits,
            t.jobs,
            t.jobs_settled
        ),
        (2, 1, 1, 3, 4, 3, 2, 4, 4)
    );
    assert_eq!(t.claims, 2);
    let m = &t.by_mint[0];
    assert_eq!(m.mint, h.usdc.to_string());
    assert_eq!(m.sales_volume, 23 * USDC);
    assert_eq!(
        m.protocol_fees,
        500_000 + 2 * 37_500 + p1.to_treasury + p4.to_treasury + CHANNEL_FEES
    );
    assert_eq!(m.channel_settled, CHANNEL_SETTLED);
    assert_eq!(t.channels, 3);
    assert_eq!(m.job_fees, 8 * USDC);
    assert_eq!((m.slashed, m.bonded), (4 * USDC, 6 * USDC));
    assert_eq!(
        m.royalties_credited,
        15_600_000
            + 3_900_000
            + 2 * 1_462_500
            + p1.to_model_split
            + p4.to_model_split
            + p1.to_parents[0]
            + p4.to_parents[0]
            + CHANNEL_ROYALTIES
    );

    assert_channels(base, h).await;
}

/// The channels and their settlements, in base units.
async fn assert_channels(base: &str, h: &History) {
    let [ch1, ch2, ch3] = h.channels;
    let settlement = |s: &api::ChannelSettlementOut| {
        (
            s.cumulative,
            s.amount,
            s.to_treasury,
            s.to_model_split,
            s.to_parents.clone(),
            s.to_payee,
            s.settled,
            s.remaining,
        )
    };
    let c: ChannelOut = get(base, &format!("/v1/channels/{ch1}")).await;
    assert_eq!(
        (
            c.payer.clone(),
            c.payee.clone(),
            c.provider.clone(),
            c.model.clone(),
            c.mint.clone(),
            c.channel_id
        ),
        (
            h.grace.to_string(),
            h.heidi.to_string(),
            h.provider.to_string(),
            h.model.to_string(),
            h.usdc.to_string(),
            1
        )
    );
    assert_eq!(
        (
            c.deposit,
            c.settled,
            c.remaining,
            c.fee_bps,
            c.royalty_bps,
            c.close_grace
        ),
        (4 * USDC, 1_500_000, 2_500_000, 150, 1_000, 1)
    );
    assert_eq!(
        (
            c.state.as_str(),
            c.grace_ends_at,
            c.refund,
            c.surplus,
            c.closed_by.clone()
        ),
        (
            "Closed",
            Some(h.ch1_grace_ends_at),
            Some(2_500_000),
            Some(0),
            Some(h.admin.to_string())
        )
    );
    assert_eq!(
        c.settlements.iter().map(settlement).collect::<Vec<_>>(),
        vec![
            (USDC, USDC, 15_000, 80_000, vec![20_000], 885_000, USDC, 3 * USDC),
            (
                1_500_000,
                500_000,
                7_500,
                40_000,
                vec![10_000],
                442_500,
                1_500_000,
                2_500_000
            ),
        ]
    );
    let c: ChannelOut = get(base, &format!("/v1/channels/{ch2}")).await;
    assert_eq!(
        (
            c.payer.clone(),
            c.deposit,
            c.settled,
            c.state.as_str(),
            c.grace_ends_at,
            c.refund,
            c.closed_by.clone()
        ),
        (
            h.frank.to_string(),
            2 * USDC,
            800_000,
            "Closed",
            None,
            Some(1_200_000),
            Some(h.heidi.to_string())
        )
    );
    assert_eq!(
        c.settlements.iter().map(settlement).collect::<Vec<_>>(),
        vec![(
            800_000,
            800_000,
            12_000,
            64_000,
            vec![16_000],
            708_000,
            800_000,
            1_200_000
        )]
    );
    let c: ChannelOut = get(base, &format!("/v1/channels/{ch3}")).await;
    assert_eq!(
        (
            c.channel_id,
            c.deposit,
            c.settled,
            c.remaining,
            c.state.as_str(),
            c.refund,
            c.closed_by.clone()
        ),
        (2, USDC, 250_000, 750_000, "Open", None, None)
    );
    assert_eq!(
        c.settlements.iter().map(settlement).collect::<Vec<_>>(),
        vec![(250_000, 250_000, 3_750, 20_000, vec![5_000], 221_250, 250_000, 750_000)]
    );

    // Lists: by payer (newest first), payee, state.
    let grace: Page<ChannelOut> = get(base, &format!("/v1/channels?payer={}", h.grace)).await;
    assert_eq!(
        grace.items.iter().map(|c| c.address.clone()).collect::<Vec<_>>(),
        vec![ch3.to_string(), ch1.to_string()]
    );
    let heidi: Page<ChannelOut> = get(base, &format!("/v1/channels?payee={}", h.heidi)).await;
    assert_eq!(heidi.total, 3);
    let by_provider: Page<ChannelOut> = get(base, &format!("/v1/channels?payee={}", h.provider)).await;
    assert_eq!(by_provider.total, 3);
    let open: Page<ChannelOut> = get(base, "/v1/channels?state=Open").await;
    assert_eq!(
        open.items.iter().map(|c| c.address.clone()).collect::<Vec<_>>(),
        vec![ch3.to_string()]
    );
    let closed: Page<ChannelOut> = get(base, &format!("/v1/channels?state=Closed&model={}", h.model)).await;
    assert_eq!(closed.total, 2);
}

#[test]
fn indexes_a_scripted_history_on_sqlite_and_postgres() {
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("indexer-test", Duration::from_secs(180));
    let h = history(&net.url, &admin);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let gateway = metadata_server().await;
        // The reference: one uninterrupted pass, in this process.
        let rdb = Db::open(&format!("sqlite://{}", dir.join("reference.db").display()))
            .await
            .unwrap();
        Indexer::new(rdb.clone(), &net.url, metadata_config(&gateway))
            .ingest(&IngestOptions::default())
            .await
            .unwrap();
        let reference = counts(&rdb).await;
        assert_eq!(sums(&rdb).await, expected_sums());
        rdb.pool.close().await;

        let sqlite = format!("sqlite://{}", dir.join("index.db").display());
        let logs = dir.join("sqlite-logs");
        std::fs::create_dir_all(&logs).unwrap();
        let on_sqlite = suite(&sqlite, &reference, &net.url, &gateway, &h, &logs).await;
        let pg = TempPostgres::start(&dir, false).expect("start a Postgres server");
        let logs = dir.join("postgres-logs");
        std::fs::create_dir_all(&logs).unwrap();
        let on_postgres = suite(&pg.url(), &reference, &net.url, &gateway, &h, &logs).await;
        assert_eq!(on_sqlite, on_postgres, "both databases answer the same");
        drop(pg);
    });
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
}
