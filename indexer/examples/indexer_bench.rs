//! Indexer benchmark: ingestion (events per second) and API queries per second (catalogue
//! search, a wallet's royalties) at a given number of indexed sales.
//!
//! The events are synthetic but go through the same path as ingested ones: one DB transaction
//! per chain transaction (`project::apply`: the transaction row, the event rows, the
//! projections and the cursor), each sale being a transaction with `AccessBought` and the
//! `Deposited` of its split, replayed with the royalties program's math. RPC is not measured
//! (it is the node's speed, not the indexer's).
//!
//! `cargo run --locked --example indexer_bench -- [SALES…] [--database sqlite|postgres|URL]`
//! (default: 10000 100000, `sqlite`; `--database` may also come from `TESSERA_BENCH_DATABASE`):
//! - `sqlite`: a fresh SQLite file (in the temporary directory) per size;
//! - `postgres`: starts a throwaway Postgres server (`tessera_indexer::pg_server::TempPostgres`,
//!   Debian's `postgresql` package, fsync on) and a fresh database per size, stopped at the end;
//! - `postgres://…` (or `sqlite://…`): that database as it is, which must be empty (one size
//!   per run).

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use tessera_client::{
    registry::{
        events::{AccessBought, AssetPublished},
        state::{AssetKind, License},
    },
    royalties::{
        events::{Deposited, SplitCreated},
        state::RecipientInput,
    },
    REGISTRY_ID, ROYALTIES_ID,
};
use tessera_indexer::{
    api,
    decode::{Event, Located},
    pg_server::TempPostgres,
    project::{apply, TxRecord},
    Db,
};

const ASSETS: usize = 200;
const WALLETS: usize = 1_000;
const WORDS: [&str; 8] = [
    "speech", "vision", "medical", "legal", "finance", "code", "music", "weather",
];

fn key(kind: u8, n: usize) -> Pubkey {
    let mut b = [0u8; 32];
    b[0] = kind;
    b[1..9].copy_from_slice(&(n as u64).to_le_bytes());
    Pubkey::new_from_array(b)
}

fn at(program: Pubkey, inner: u32, event: Event) -> Located {
    Located {
        ix_index: 0,
        inner_index: inner,
        program,
        emitter: None,
        event,
        body_hex: String::new(),
    }
}

async fn run(url: &str, sales: usize) {
    let db = Db::open(url).await.expect("open the database");
    let programs = [REGISTRY_ID, ROYALTIES_ID];
    let mint = key(9, 0);
    let mut slot = 1u64;
    let mut events = 0usize;
    let started = Instant::now();
    for a in 0..ASSETS {
        let (asset, split) = (key(1, a), key(2, a));
        let recipients: Vec<RecipientInput> = (0..3)
            .map(|r| RecipientInput {
                address: key(3, (a * 7 + r * 13) % WALLETS),
                bps: [5_000, 3_000, 2_000][r],
            })
            .collect();
        let evs = vec![
            at(
                ROYALTIES_ID,
                0,
                Event::SplitCreated(SplitCreated {
                    split,
                    subject: asset,
                    authority: key(4, a),
                    mint,
                    vault: key(5, a),
                    recipients,
                }),
            ),
            at(
                REGISTRY_ID,
                1,
                Event::AssetPublished(AssetPublished {
                    asset,
                    publisher: key(4, a),
                    kind: if a % 2 == 0 {
                        AssetKind::Dataset
                    } else {
                        AssetKind::Model
                    },
                    content_hash: [a as u8; 32],
                    uri: format!("ar://bench/{}-{a}.json", WORDS[a % WORDS.len()]),
                    license: License {
                        flags: 1,
                        terms_hash: [0; 32],
                    },
                    access_mint: key(6, a),
                    payment_mint: mint,
                    split,
                    price: 1_000_000 + a as u64,
                    max_supply: 0,
                    access_duration: 86_400,
                    inference_royalty_bps: 0,
                    inference_gated: false,
                    parents: vec![],
                    previous_version: None,
                }),
            ),
        ];
        let sig = format!("publish-{a}");
        events += apply(
            &db.pool,
            &TxRecord {
                signature: &sig,
                slot,
                block_time: Some(1_700_000_000),
                failed: false,
                events: &evs,
            },
            &programs,
        )
        .await
        .expect("apply");
        slot += 1;
    }
    let mut totals = vec![0u128; ASSETS];
    let mut seq = vec![0u64; ASSETS];
    for s in 0..sales {
        let a = (s * 31) % ASSETS;
        let price = 1_000_000 + a as u64;
        let fee = price / 40;
        let net = price - fee;
        totals[a] += u128::from(net);
        seq[a] += 1;
        let buyer = key(3, s % WALLETS);
        let evs = vec![
            at(
                ROYALTIES_ID,
                0,
                Event::Deposited(Deposited {
                    split: key(2, a),
                    depositor: buyer,
                    amount: net,
                    received: net,
                    total_received: totals[a],
                }),
            ),
            at(
                REGISTRY_ID,
                1,
                Event::AccessBought(AccessBought {
                    asset: key(1, a),
                    buyer,
                    pass: key(7, a * WALLETS + s % WALLETS),
                    quantity: 1,
                    price,
                    total: price,
                    fee,
                    parent_amounts: vec![],
                    net,
                    expires_at: 1_700_086_400,
                    perpetual: false,
                    sale_seq: seq[a],
                }),
            ),
        ];
        let sig = format!("sale-{s}");
        events += apply(
            &db.pool,
            &TxRecord {
                signature: &sig,
                slot,
                block_time: Some(1_700_000_000 + s as i64),
                failed: false,
                events: &evs,
            },
            &programs,
        )
        .await
        .expect("apply");
        slot += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    // Metadata as a fetch would store it, for the search.
    sqlx::query(
        "UPDATE assets SET meta_status = 'ok', meta_name = uri, meta_description = 'benchmark asset', \
         meta_tags = 'bench'",
    )
    .execute(&db.pool)
    .await
    .expect("metadata");

    let queries = 200;
    let t = Instant::now();
    for i in 0..queries {
        let p = api::CatalogueParams {
            q: Some(WORDS[i % WORDS.len()].to_string()),
            sort: Some("best_selling".into()),
            limit: Some(20),
            ..api::CatalogueParams::default()
        };
        let page = api::catalogue(&db, &p).await.expect("catalogue");
        assert!(!page.items.is_empty());
    }
    let search_qps = queries as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for i in 0..queries {
        let o = api::owed(&db, &key(3, (i * 37) % WALLETS).to_string())
            .await
            .expect("owed");
        std::hint::black_box(o);
    }
    let owed_qps = queries as f64 / t.elapsed().as_secs_f64();
    println!(
        "{:?} {sales} sales: ingested {events} events in {secs:.1} s = {:.0} events/s ({:.0} transactions/s); \
         catalogue search {search_qps:.0} queries/s; a wallet's royalties {owed_qps:.0} queries/s",
        db.backend,
        events as f64 / secs,
        (ASSETS + sales) as f64 / secs,
    );
    db.pool.close().await;
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut database = std::env::var("TESSERA_BENCH_DATABASE").unwrap_or_else(|_| "sqlite".into());
    let mut sizes = vec![];
    while let Some(a) = args.next() {
        if a == "--database" {
            database = args.next().expect("--database needs sqlite, postgres or a URL");
        } else {
            sizes.push(a.parse::<usize>().expect("a number of sales"));
        }
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    let tmp = std::env::temp_dir().join(format!("tessera-indexer-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("a temporary directory");
    match database.as_str() {
        "sqlite" => {
            for n in sizes {
                let path = tmp.join(format!("bench-{n}.db"));
                run(path.to_str().expect("utf-8 path"), n).await;
            }
        }
        "postgres" => {
            let pg = TempPostgres::start(&tmp, true).expect("start a Postgres server");
            for n in sizes {
                let url = pg.create_database(&format!("bench_{n}")).expect("createdb");
                run(&url, n).await;
            }
            drop(pg);
        }
        url => {
            assert_eq!(
                sizes.len(),
                1,
                "a database URL takes one size per run (it must be empty)"
            );
            run(url, sizes[0]).await;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
