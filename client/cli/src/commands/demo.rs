//! `tessera demo`: the whole story on a local validator of its own (`tessera-localnet`), through
//! the same client library as every other command, then who paid and who received what.

use std::time::Duration;

use clap::Args;
use serde::Serialize;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tessera_client::{
    amount::format_ui_amount,
    escrow::{
        instructions::{InitializeConfigArgs as InitializeEscrowArgs, OpenJobArgs, RegisterProviderArgs},
        state::{EscrowSettings, MintBond},
    },
    parse, pda,
    registry::{
        instructions::{InitializeConfigArgs, ParentInput, PublishAssetArgs},
        state::{AssetKind, License},
    },
    royalties::state::RecipientInput,
    Result, Tessera, TesseraError, TOKEN_PROGRAM_ID,
};
use tessera_dev::{DevFlows, Localnet};

use crate::output::{table, CommandOutput, Format, Report};

#[derive(Args)]
pub struct DemoArgs {
    /// Seconds to wait for the local validator to be ready (it starts in a few seconds; a
    /// loaded machine has been seen to need minutes)
    #[arg(long, default_value_t = 180)]
    startup_timeout: u64,
}

const USDC: u64 = 1_000_000;
const SOL: u64 = 1_000_000_000;

struct Step<'a> {
    log: &'a mut Vec<String>,
    human: bool,
}

impl Step<'_> {
    fn say(&mut self, s: String) {
        if self.human {
            eprintln!("{s}");
        }
        self.log.push(s);
    }
}

/// `demo`: who paid and who received what (base units of the demo's 6-decimal mint), read back
/// from the chain; `balanced` is always true (the demo fails otherwise).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoReport {
    pub mint: String,
    pub dataset: String,
    pub model: String,
    pub job: String,
    pub paid: Vec<Payment>,
    pub received: Vec<Receipt>,
    /// Rounding dust left in the royalty vaults.
    pub dust: u64,
    pub total_paid: u64,
    pub total_received: u64,
    pub balanced: bool,
    /// The indexer's view of the story: one pass into a SQLite file, then its API's totals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<DemoIndex>,
    /// The story's steps (human output only; printed on stderr as they happen).
    #[serde(skip)]
    pub log: Vec<String>,
}

/// What `tessera-indexer` made of the story (`GET /v1/totals` and a wallet's royalties).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoIndex {
    pub events: usize,
    pub totals: tessera_indexer::api::Totals,
    /// What carol is owed across every split, by the indexed split state (0: she claimed).
    pub carol_owed: u64,
}

/// A demo wallet: its name in the story and its address.
#[derive(Debug, Serialize)]
pub struct Party {
    pub name: &'static str,
    pub address: String,
}

#[derive(Debug, Serialize)]
pub struct Payment {
    pub who: Party,
    pub amount: u64,
}

#[derive(Debug, Serialize)]
pub struct Receipt {
    pub who: Party,
    pub amount: u64,
    /// What the amount is for.
    #[serde(rename = "for")]
    pub purpose: &'static str,
}

/// The story's log, the table of who paid and who received what, and the balance.
impl CommandOutput for DemoReport {
    fn human(&self) -> String {
        let ui = |v: u64| format_ui_amount(v, 6);
        let mut rows: Vec<Vec<String>> = self
            .paid
            .iter()
            .map(|p| vec![p.who.name.into(), format!("-{}", ui(p.amount)), "paid".into()])
            .collect();
        rows.extend(
            self.received
                .iter()
                .map(|r| vec![r.who.name.into(), format!("+{}", ui(r.amount)), r.purpose.to_string()]),
        );
        rows.push(vec![
            "vaults".into(),
            format!("+{}", ui(self.dust)),
            "rounding dust left in royalty vaults".into(),
        ]);
        let index = self.index.as_ref().map_or(String::new(), |i| {
            let volume = i.totals.by_mint.first().map_or(0, |m| m.sales_volume);
            format!(
                "\nindexer (SQLite): {} events; {} assets, {} sales ({} USDC), {} jobs settled, {} claims",
                i.events,
                i.totals.assets,
                i.totals.sales,
                ui(volume),
                i.totals.jobs_settled,
                i.totals.claims
            )
        });
        format!(
            "{}\n\n{}\n\npaid {} USDC = received {} USDC + {} USDC dust: the books balance{index}",
            self.log.join("\n"),
            table(&["WHO", "USDC", "FOR"], &rows),
            ui(self.total_paid),
            ui(self.total_received),
            ui(self.dust)
        )
    }
}

pub fn run(args: &DemoArgs, format: Format) -> Result<Report> {
    let dir = std::env::temp_dir().join(format!("tessera-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| TesseraError::Invalid(e.to_string()))?;
    let admin = Keypair::new();
    let admin_path = dir.join("admin.json");
    write_keypair_file(&admin, &admin_path).map_err(|e| TesseraError::Invalid(e.to_string()))?;
    let mut log = vec![];
    let mut step = Step {
        log: &mut log,
        human: format == Format::Human,
    };
    step.say("starting a local validator (tessera-localnet) with the Tessera programs…".into());
    let net = Localnet::start(&admin_path, Duration::from_secs(args.startup_timeout))?;
    step.say(format!("validator ready at {}", net.url));
    let result = story(&net.url, admin, &mut step).and_then(|(mut report, carol)| {
        report.index = Some(index_story(&net.url, &dir, &carol)?);
        Ok(report.into())
    });
    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn client(url: &str, kp: &Keypair) -> Tessera {
    Tessera::new(
        url,
        kp.insecure_clone(),
        solana_commitment_config::CommitmentConfig::confirmed(),
    )
}

/// One indexer pass over the story into a SQLite file, then the API's totals.
fn index_story(url: &str, dir: &std::path::Path, carol: &str) -> Result<DemoIndex> {
    let invalid = |e: tessera_indexer::Error| TesseraError::Invalid(format!("indexer: {e}"));
    let rt = tokio::runtime::Runtime::new().map_err(|e| TesseraError::Invalid(e.to_string()))?;
    rt.block_on(async {
        let db = tessera_indexer::Db::open(&format!("sqlite://{}", dir.join("index.db").display()))
            .await
            .map_err(invalid)?;
        let opts = tessera_indexer::IngestOptions {
            fetch_metadata: false,
            ..Default::default()
        };
        let stats = tessera_indexer::Indexer::new(db.clone(), url, tessera_indexer::MetadataConfig::default())
            .ingest(&opts)
            .await
            .map_err(invalid)?;
        let totals = tessera_indexer::api::totals(&db).await.map_err(invalid)?;
        let owed = tessera_indexer::api::owed(&db, carol).await.map_err(invalid)?;
        db.pool.close().await;
        Ok(DemoIndex {
            events: stats.events,
            totals,
            carol_owed: owed.totals.iter().map(|t| t.amount).sum(),
        })
    })
}

/// The story; returns the report and carol's address (for the indexer's summary).
fn story(url: &str, admin: Keypair, step: &mut Step) -> Result<(DemoReport, String)> {
    let boss = client(url, &admin);
    let names = ["treasury", "alice", "bob", "carol", "dave", "frank", "grace", "heidi"];
    let wallets: Vec<Keypair> = names.iter().map(|_| Keypair::new()).collect();
    let who = |i: usize| wallets[i].pubkey();
    let (treasury, alice, bob, carol, dave, frank, grace, heidi) = (0, 1, 2, 3, 4, 5, 6, 7);
    for w in &wallets[1..] {
        boss.transfer_sol(&w.pubkey(), 2 * SOL)?;
    }
    let usdc = boss.create_mint(6)?;
    step.say(format!(
        "created a USDC-like mint {usdc} (6 decimals) and funded 7 wallets"
    ));

    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury: who(treasury),
        fee_bps: 250,
        payment_mints: vec![usdc],
    })?;
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
    })?;
    step.say("registry config: protocol fee 250 bps; escrow config: inference fee 100 bps".into());
    for (i, amount) in [(frank, 50 * USDC), (grace, 10 * USDC), (heidi, 10 * USDC)] {
        boss.mint_to(&usdc, &who(i), amount)?;
    }

    // A dataset by a 70/20/10 team.
    let a = client(url, &wallets[alice]);
    let recipients = |v: &[(usize, u16)]| {
        v.iter()
            .map(|&(i, bps)| RecipientInput { address: who(i), bps })
            .collect::<Vec<_>>()
    };
    let (dataset, _) = a.publish(
        &usdc,
        None,
        PublishAssetArgs {
            kind: AssetKind::Dataset,
            content_hash: parse::hash_str("speech-corpus-v1.tar"),
            uri: "ar://tessera-demo/speech-corpus-v1.json".into(),
            license: License {
                flags: 3,
                terms_hash: parse::hash_str("https://example.org/license"),
            },
            price: 1_500_000,
            max_supply: 0,
            access_duration: 30 * 86_400,
            inference_royalty_bps: 0,
            inference_gated: false,
            parents: vec![],
            recipients: recipients(&[(alice, 7_000), (bob, 2_000), (carol, 1_000)]),
        },
    )?;
    step.say(format!(
        "alice published dataset {dataset}: 1.5 USDC / 30 days, split alice 70% / bob 20% / carol 10%"
    ));

    // A model trained on it: the dataset gets 20% of each sale; 10% of each inference fee.
    let d = client(url, &wallets[dave]);
    let (model, _) = d.publish(
        &usdc,
        None,
        PublishAssetArgs {
            kind: AssetKind::Model,
            content_hash: parse::hash_str("whisper-tessera-ft.safetensors"),
            uri: "ar://tessera-demo/whisper-ft.json".into(),
            license: License {
                flags: 1,
                terms_hash: parse::hash_str("https://example.org/model-license"),
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
    )?;
    step.say(format!(
        "dave published model {model}: 10 USDC per access token, parent: the dataset at 20%, 10% inference royalty"
    ));

    // A buyer buys model access.
    let f = client(url, &wallets[frank]);
    f.buy(&model, 2, 10 * USDC, 0)?;
    let access = f.access(&model, &who(frank))?;
    step.say(format!(
        "frank bought 2 access tokens of the model (20 USDC); access valid: {}",
        access.valid
    ));

    // A paid inference.
    let h = client(url, &wallets[heidi]);
    h.register_provider(
        &usdc,
        RegisterProviderArgs {
            endpoint: "https://heidi-gpu.example/v1".into(),
            models: vec![model],
        },
    )?;
    h.bond(10 * USDC)?;
    let g = client(url, &wallets[grace]);
    let (job, _) = g.open_job(
        &model,
        OpenJobArgs {
            job_id: 1,
            fee: 2 * USDC,
            input_commitment: parse::hash_str("transcribe: meeting-2026-11-25.wav"),
            provider: None,
            accept_window: 600,
            delivery_window: 3_600,
            challenge_window: 3_600,
        },
    )?;
    h.accept_job(&job, None)?;
    h.submit_result(&job, parse::hash_str("transcript: …"))?;
    g.confirm_job(&job)?;
    step.say(format!(
        "grace paid 2 USDC for an inference (job {job}); heidi accepted and delivered; grace confirmed"
    ));

    // The sale's protocol fee sits in the model's own fee vault (purchases of different assets
    // write no common account); anyone sweeps it to the treasury.
    let (swept, _) = client(url, &wallets[grace]).sweep_fees(&[model])?;
    step.say(format!(
        "grace (anyone may) swept the model's fee vault to the treasury: {} USDC of sale fees",
        format_ui_amount(swept.iter().sum(), 6)
    ));

    // Everyone claims.
    let mut claimed = std::collections::BTreeMap::new();
    for i in [alice, bob, carol, dave] {
        let c = client(url, &wallets[i]);
        let total: u64 = c.claim_all()?.iter().map(|(_, amount, _)| amount).sum();
        claimed.insert(i, total);
    }

    // Who paid, who received (balances read back from the chain).
    let bal = |i: usize| boss.token_balance(&pda::ata(&who(i), &usdc, &TOKEN_PROGRAM_ID));
    let paid = [(frank, 50 * USDC - bal(frank)?), (grace, 10 * USDC - bal(grace)?)];
    let heidi_fee = bal(heidi)?; // her 10 USDC are in the bond vault; this is her fee
    let received = [
        (treasury, bal(treasury)?, "protocol fees (sale + inference)"),
        (
            alice,
            bal(alice)?,
            "royalties: dataset split (parent share of the model sale and of its inference royalty)",
        ),
        (bob, bal(bob)?, "royalties: dataset split"),
        (carol, bal(carol)?, "royalties: dataset split"),
        (dave, bal(dave)?, "royalties: model split (sale + inference royalty)"),
        (heidi, heidi_fee, "inference fee (provider)"),
    ];
    let dust = boss.token_balance(&pda::vault(&pda::split(&dataset)))?
        + boss.token_balance(&pda::vault(&pda::split(&model)))?;
    let total_paid: u64 = paid.iter().map(|p| p.1).sum();
    let total_received: u64 = received.iter().map(|r| r.1).sum();
    if total_paid != total_received + dust {
        return Err(TesseraError::Invalid(format!(
            "the books do not balance: paid {total_paid}, received {total_received}, dust {dust}"
        )));
    }
    for (i, r, _) in &received[1..5] {
        if claimed.get(i) != Some(r) {
            return Err(TesseraError::Invalid(format!(
                "{} claimed {:?} but holds {r}",
                names[*i],
                claimed.get(i)
            )));
        }
    }

    let party = |i: usize| Party {
        name: names[i],
        address: who(i).to_string(),
    };
    let report = DemoReport {
        mint: usdc.to_string(),
        dataset: dataset.to_string(),
        model: model.to_string(),
        job: job.to_string(),
        paid: paid
            .iter()
            .map(|&(i, amount)| Payment { who: party(i), amount })
            .collect(),
        received: received
            .iter()
            .map(|&(i, amount, purpose)| Receipt {
                who: party(i),
                amount,
                purpose,
            })
            .collect(),
        dust,
        total_paid,
        total_received,
        balanced: true,
        index: None,
        log: std::mem::take(step.log),
    };
    Ok((report, who(carol).to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_demo_report_serializes_parties_and_purposes() {
        let alice = || Party {
            name: "alice",
            address: "AL".into(),
        };
        let report = DemoReport {
            mint: "M".into(),
            dataset: "D".into(),
            model: "O".into(),
            job: "J".into(),
            paid: vec![Payment {
                who: alice(),
                amount: 1_000_000,
            }],
            received: vec![Receipt {
                who: alice(),
                amount: 1_000_000,
                purpose: "royalties: dataset split",
            }],
            dust: 0,
            total_paid: 1_000_000,
            total_received: 1_000_000,
            balanced: true,
            index: None,
            log: vec!["step one".into()],
        };
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            json!({
                "mint": "M", "dataset": "D", "model": "O", "job": "J",
                "paid": [{ "who": { "name": "alice", "address": "AL" }, "amount": 1_000_000 }],
                "received": [{ "who": { "name": "alice", "address": "AL" }, "amount": 1_000_000, "for": "royalties: dataset split" }],
                "dust": 0, "totalPaid": 1_000_000, "totalReceived": 1_000_000, "balanced": true,
            })
        );
        let human = report.human();
        assert!(human.starts_with("step one\n\nWHO"), "{human}");
        assert!(
            human.contains("alice   -1    paid") && human.contains("alice   +1    royalties: dataset split"),
            "{human}"
        );
        assert!(human.ends_with("paid 1 USDC = received 1 USDC + 0 USDC dust: the books balance"));
    }
}
