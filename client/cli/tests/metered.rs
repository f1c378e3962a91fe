//! Pay per call, end to end: the real local validator, the real `tessera serve` in its metered
//! mode, a small test upstream. A payer opens a channel, makes 1,000 paid calls (vouchers, no
//! transaction each) with a gate restart in the middle, then closes; the gate settles on its own
//! (threshold, then at once when the close is requested, before the grace ends) and afterwards
//! payee + model split + parent's split + treasury + refund = deposit, to the base unit. Along
//! the way: the 402 body, free calls, a failed upstream call not charged, a retry with the same
//! voucher answered again and not charged, a stale and a replayed voucher refused with their
//! reasons, a voucher after the close request refused.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::blocking::Client;
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tessera_client::{
    channel::{OpenChannelRequest, Voucher, VOUCHER_HEADER},
    channels::instructions::InitializeConfigArgs as InitializeChannelsArgs,
    escrow::{
        instructions::{InitializeConfigArgs as InitializeEscrowArgs, RegisterProviderArgs},
        state::{EscrowSettings, MintBond},
    },
    parse, pda, proof,
    registry::{
        instructions::{InitializeConfigArgs, ParentInput, PublishAssetArgs},
        state::{AssetKind, License},
    },
    royalties::state::RecipientInput,
    Pubkey, Tessera, TOKEN_PROGRAM_ID,
};
use tessera_dev::{DevFlows, TestChain};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `tessera serve ARGS…` on `bind`; waits for its start line.
fn serve(url: &str, keypair: &Path, bind: &str, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["--url", url, "--keypair", keypair.to_str().unwrap()])
        .args(["serve", "--bind", bind, "--domain", "gate.test"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("tessera serve:"), "the gate did not start: {line}");
    assert!(line.contains("metered"), "{line}");
    Server(child)
}

/// An HTTP upstream that echoes the request body upper-cased, and answers 500 to `fail`.
fn upstream() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            let mut s = stream;
            let _ = s.set_nodelay(true);
            let mut buf = vec![0u8; 65_536];
            let mut got = Vec::new();
            loop {
                let n = s.read(&mut buf).unwrap_or(0);
                got.extend_from_slice(&buf[..n]);
                if n == 0 || (got.windows(4).any(|w| w == b"\r\n\r\n") && body_complete(&got)) {
                    break;
                }
            }
            let text = String::from_utf8_lossy(&got);
            let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
            let (status, answer) = if body == "fail" {
                ("500 Internal Server Error", "model crashed".to_string())
            } else {
                ("200 OK", body.to_uppercase())
            };
            // One write: a response in pieces meets Nagle and delayed ACKs (40 ms a call).
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len(),
            );
            let _ = s.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}/v1/generate")
}

fn body_complete(req: &[u8]) -> bool {
    let text = String::from_utf8_lossy(req);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    body.len() >= len
}

struct Caller<'a> {
    http: &'a Client,
    base: String,
    model: Pubkey,
}

impl Caller<'_> {
    fn infer(&self, voucher: Option<&Voucher>, headers: &[(&str, String)], body: &str) -> (u16, Value, String) {
        let mut r = self
            .http
            .post(format!("{}/v1/assets/{}/infer", self.base, self.model))
            .body(body.to_string());
        if let Some(v) = voucher {
            r = r.header(VOUCHER_HEADER, v.encode());
        }
        for (k, v) in headers {
            r = r.header(*k, v);
        }
        let resp = r.send().unwrap();
        let status = resp.status().as_u16();
        let mut h = serde_json::Map::new();
        for (k, v) in resp.headers() {
            h.insert(k.to_string(), Value::String(v.to_str().unwrap_or("").into()));
        }
        (status, Value::Object(h), resp.text().unwrap())
    }

    fn status(&self, channel: &Pubkey) -> Value {
        self.http
            .get(format!("{}/v1/assets/{}/channels/{channel}", self.base, self.model))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    /// The wallet proof of a free call.
    fn proof(&self, holder: &Keypair) -> Vec<(&'static str, String)> {
        let v: Value = self
            .http
            .get(format!("{}/v1/assets/{}/challenge", self.base, self.model))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let (nonce, expires) = (
            v["nonce"].as_str().unwrap().to_string(),
            v["expiresAt"].as_i64().unwrap(),
        );
        let sig = proof::sign(holder, "gate.test", &self.model, &nonce, expires);
        vec![
            (proof::HOLDER_HEADER, holder.pubkey().to_string()),
            (proof::NONCE_HEADER, nonce),
            (proof::SIGNATURE_HEADER, sig.to_string()),
        ]
    }
}

#[track_caller]
fn refused(answer: (u16, Value, String), status: u16, reason: &str) -> Value {
    assert_eq!(answer.0, status, "expected {reason}: {}", answer.2);
    let v: Value = serde_json::from_str(&answer.2).unwrap();
    assert_eq!(v["reason"], reason, "{v}");
    assert_eq!(v["error"], reason, "{v}");
    v
}

#[test]
fn a_thousand_paid_calls_through_the_metered_gate_add_up_to_the_deposit() {
    let TestChain {
        dir,
        admin,
        admin_path: _,
        net,
    } = TestChain::start("metered-test", Duration::from_secs(180));
    let c = |k: &Keypair| Tessera::new(&net.url, k.insecure_clone(), CommitmentConfig::confirmed());
    let boss = c(&admin);
    let [treasury, publisher, parent_publisher, provider, payer] = std::array::from_fn(|_| Keypair::new());
    for k in [&publisher, &parent_publisher, &provider, &payer] {
        boss.transfer_sol(&k.pubkey(), 2_000_000_000).unwrap();
    }
    let usdc = boss.create_mint(6).unwrap();
    boss.initialize_config(InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury: treasury.pubkey(),
        fee_bps: 250,
        payment_mints: vec![usdc],
    })
    .unwrap();
    boss.initialize_escrow(InitializeEscrowArgs {
        admin: admin.pubkey(),
        settings: EscrowSettings {
            treasury: treasury.pubkey(),
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
                min_bond: 0,
            }],
        },
    })
    .unwrap();
    boss.initialize_channels(InitializeChannelsArgs {
        admin: admin.pubkey(),
        treasury: treasury.pubkey(),
        fee_bps: 150,
        min_close_grace: 1,
        max_close_grace: 86_400,
    })
    .unwrap();
    let deposit: u64 = 2_000_000;
    boss.mint_to(&usdc, &payer.pubkey(), deposit + 500_000).unwrap();

    // A parent dataset and a model trained on it (30% of the royalty to the parent), 20%
    // inference royalty; the provider serves the model.
    let publish = |who: &Keypair, kind, name: &str, royalty: u16, parents: Vec<ParentInput>| {
        c(who)
            .publish(
                &usdc,
                None,
                PublishAssetArgs {
                    kind,
                    content_hash: parse::hash_str(name),
                    uri: format!("ar://{name}"),
                    license: License {
                        flags: 0,
                        terms_hash: [0; 32],
                    },
                    price: 1_000_000,
                    max_supply: 0,
                    access_duration: 0,
                    inference_royalty_bps: royalty,
                    inference_gated: false,
                    parents,
                    recipients: vec![RecipientInput {
                        address: who.pubkey(),
                        bps: 10_000,
                    }],
                },
            )
            .unwrap()
            .0
    };
    let dataset = publish(&parent_publisher, AssetKind::Dataset, "metered-parent", 0, vec![]);
    let model = publish(
        &publisher,
        AssetKind::Model,
        "metered-model",
        2_000,
        vec![ParentInput {
            asset: dataset,
            bps: 3_000,
        }],
    );
    c(&provider)
        .register_provider(
            &usdc,
            RegisterProviderArgs {
                endpoint: "http://gate.test".into(),
                models: vec![model],
            },
        )
        .unwrap();
    let provider_path = dir.join("provider.json");
    write_keypair_file(&provider, &provider_path).unwrap();

    // The gate: 0.000997 per call (997 base units: every split rounds), settles from 100 calls'
    // worth, reads channels every second, 2 free calls per payer.
    let price: u64 = 997;
    let up = upstream();
    let data_dir = dir.join("gate");
    let bind = format!(
        "127.0.0.1:{}",
        TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    );
    let model_s = model.to_string();
    let gate_args = [
        "--asset",
        model_s.as_str(),
        "--upstream",
        up.as_str(),
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--price-per-call",
        "0.000997",
        "--min-deposit",
        "0.1",
        "--settle-threshold",
        "0.0997",
        "--free-calls",
        "2",
        "--channel-refresh",
        "1",
    ];
    let mut gate = serve(&net.url, &provider_path, &bind, &gate_args);
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let caller = Caller {
        http: &http,
        base: format!("http://{bind}"),
        model,
    };

    // No payment: 402 and the requirements.
    let v = refused(caller.infer(None, &[], "hello"), 402, "payment_required");
    let p = &v["payment"];
    assert_eq!(p["asset"], model.to_string());
    assert_eq!(p["channelsProgram"], tessera_client::CHANNELS_ID.to_string());
    assert_eq!(p["payee"], provider.pubkey().to_string());
    assert_eq!(p["mint"], usdc.to_string());
    assert_eq!(p["pricePerCall"], price);
    assert_eq!(p["minDeposit"], 100_000);
    assert_eq!(p["freeCalls"], 2);
    assert_eq!(p["voucher"]["header"], "X-Tessera-Voucher");
    assert!(p["voucher"]["message"].as_str().unwrap().contains("0x56 0x01"));

    // Free calls are for payers of a channel to this gate (audit D1: fresh keypairs farmed
    // them): a wallet without one is refused, whatever its proof.
    let v = refused(
        caller.infer(None, &caller.proof(&payer), "free"),
        402,
        "free_calls_need_channel",
    );
    assert!(v["payment"]["freeCall"]["requires"]
        .as_str()
        .unwrap()
        .contains("channel"));
    refused(
        caller.infer(None, &caller.proof(&Keypair::new()), "free"),
        402,
        "free_calls_need_channel",
    );

    // The payer opens a channel (the provider found on chain), a 10-second close grace.
    let p_client = c(&payer);
    let payer_ata = pda::ata(&payer.pubkey(), &usdc, &TOKEN_PROGRAM_ID);
    let payer_before = p_client.token_balance(&payer_ata).unwrap();
    let (channel, _) = p_client
        .open_channel(&OpenChannelRequest {
            model,
            payee: None,
            deposit,
            authorized_signer: None,
            close_grace: Some(10),
            channel_id: None,
        })
        .unwrap();
    let ch = p_client.channel(&channel).unwrap();
    assert_eq!((ch.payee, ch.deposit, ch.settled), (provider.pubkey(), deposit, 0));
    let voucher = |calls: u64| Voucher::sign(&payer, &channel, calls * price, 0);

    // With the channel: exactly two free calls with a wallet proof, then vouchers are required.
    for left in [1, 0] {
        let (status, headers, body) = caller.infer(None, &caller.proof(&payer), "free");
        assert_eq!((status, body.as_str()), (200, "FREE"));
        assert_eq!(headers["x-tessera-free-calls-left"], left.to_string());
    }
    refused(
        caller.infer(None, &caller.proof(&payer), "free"),
        402,
        "free_calls_used",
    );

    // A voucher by someone else than the authorized signer.
    let mallory = Keypair::new();
    refused(
        caller.infer(Some(&Voucher::sign(&mallory, &channel, price, 0)), &[], "x"),
        402,
        "voucher_wrong_signer",
    );
    // A forged signature.
    let mut forged = voucher(1);
    forged.cumulative += 1;
    refused(caller.infer(Some(&forged), &[], "x"), 402, "voucher_bad_signature");
    // Less than the price.
    refused(
        caller.infer(Some(&Voucher::sign(&payer, &channel, price - 1, 0)), &[], "x"),
        402,
        "voucher_insufficient",
    );

    let started = Instant::now();
    let mut paid = 0u64;
    let call = |caller: &Caller, n: u64, body: &str| {
        let (status, headers, answer) = caller.infer(Some(&voucher(n)), &[], body);
        assert_eq!(status, 200, "call {n}: {answer}");
        assert_eq!(answer, body.to_uppercase());
        assert_eq!(headers["x-tessera-accepted"], (n * price).to_string());
        assert_eq!(headers["x-tessera-remaining"], (deposit - n * price).to_string());
    };
    for n in 1..=400 {
        call(&caller, n, &format!("call {n}"));
        paid += 1;
    }

    // A failed upstream call is not charged: the same voucher pays for the retry.
    let (status, _, body) = caller.infer(Some(&voucher(401)), &[], "fail");
    assert_eq!((status, body.as_str()), (500, "model crashed"));
    assert_eq!(caller.status(&channel)["accepted"], 400 * price);
    call(&caller, 401, "after the failure");
    paid += 1;
    // A retry of the last paid call with the same voucher (say its answer was lost): the same
    // answer again, not charged.
    let (status, headers, body) = caller.infer(Some(&voucher(401)), &[], "after the failure");
    assert_eq!((status, body.as_str()), (200, "AFTER THE FAILURE"));
    assert_eq!(headers["x-tessera-retry"], "true");
    assert_eq!(caller.status(&channel)["accepted"], 401 * price);
    // A stale voucher (an older one, below what was accepted).
    let v = refused(caller.infer(Some(&voucher(100)), &[], "x"), 402, "voucher_stale");
    assert_eq!(
        (v["accepted"].as_u64(), v["required"].as_u64()),
        (Some(401 * price), Some(402 * price))
    );

    for n in 402..=600 {
        call(&caller, n, &format!("call {n}"));
        paid += 1;
    }

    // A restart in the middle: the books survive; the last voucher replayed is refused (its
    // answer is not kept across restarts, and the store recorded it sent: see the unit test of
    // a restart between the store and the answer for the other case).
    let deadline = Instant::now() + Duration::from_secs(10);
    while caller.status(&channel)["lastCallDelivered"] != true {
        assert!(Instant::now() < deadline, "the last answer was not recorded sent");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(gate);
    gate = serve(&net.url, &provider_path, &bind, &gate_args);
    assert_eq!(caller.status(&channel)["accepted"], 600 * price);
    refused(caller.infer(Some(&voucher(600)), &[], "x"), 402, "voucher_replayed");
    refused(caller.infer(Some(&voucher(599)), &[], "x"), 402, "voucher_stale");
    for n in 601..=1_000 {
        call(&caller, n, &format!("call {n}"));
        paid += 1;
    }
    assert_eq!(paid, 1_000);
    eprintln!("1,000 paid calls in {:?}", started.elapsed());
    // Above the deposit.
    let above = deposit / price + 1;
    refused(
        caller.infer(Some(&voucher(above)), &[], "x"),
        402,
        "voucher_above_deposit",
    );

    // The CLI: `tessera call` finds the payer's channel, asks the gate what it accepted, pays
    // one call more; `channel list` and `channel show` see the channel.
    let payer_path = dir.join("payer.json");
    write_keypair_file(&payer, &payer_path).unwrap();
    let cli = |args: &[&str]| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args([
                "--url",
                &net.url,
                "--keypair",
                payer_path.to_str().unwrap(),
                "--output",
                "json",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let base = caller.base.clone();
    let v = cli(&["call", &model_s, "--gate", &base, "--data", "through the cli"]);
    assert_eq!(v["answer"], "THROUGH THE CLI");
    assert_eq!(v["channel"], channel.to_string());
    assert_eq!(
        (v["accepted"].as_u64(), v["opened"].as_bool()),
        (Some(1_001 * price), Some(false))
    );
    let calls = 1_001;
    let v = cli(&["channel", "list"]);
    assert_eq!(v["channels"][0]["address"], channel.to_string());
    let v = cli(&["channel", "show", &channel.to_string()]);
    assert_eq!(
        (v["deposit"].as_u64(), v["payee"].as_str()),
        (Some(deposit), Some(provider.pubkey().to_string().as_str()))
    );

    // The gate settled by threshold along the way (never more than it accepted).
    let settled_before_close = p_client.channel(&channel).unwrap().settled;
    assert!(settled_before_close > 0, "the threshold settlement did not happen");
    assert!(settled_before_close <= calls * price);

    let asset = |k: &Pubkey| p_client.asset(k).unwrap();
    let (model_split, parent_split) = (asset(&model).split, asset(&dataset).split);
    let payee_ata = pda::ata(&provider.pubkey(), &usdc, &TOKEN_PROGRAM_ID);
    let treasury_ata = pda::ata(&treasury.pubkey(), &usdc, &TOKEN_PROGRAM_ID);
    let balances = || {
        [
            p_client.token_balance(&payee_ata).unwrap(),
            p_client.token_balance(&pda::vault(&model_split)).unwrap(),
            p_client.token_balance(&pda::vault(&parent_split)).unwrap(),
            p_client.token_balance(&treasury_ata).unwrap(),
        ]
    };

    // The payer requests the close; the gate refuses new vouchers and settles the last one
    // before the grace ends.
    let v = cli(&["channel", "close", &channel.to_string()]);
    assert_eq!(v["action"], "channel close");
    std::thread::sleep(Duration::from_millis(1_200));
    refused(
        caller.infer(Some(&voucher(calls + 1)), &[], "x"),
        402,
        "channel_closing",
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while p_client.channel(&channel).unwrap().settled < calls * price {
        assert!(Instant::now() < deadline, "the gate did not settle the last voucher");
        std::thread::sleep(Duration::from_millis(200));
    }
    let ch = p_client.channel(&channel).unwrap();
    assert_eq!(ch.settled, calls * price, "settled exactly what was delivered");
    let grace_end = ch.close_requested_at + i64::from(ch.close_grace);
    while p_client.now().unwrap() < grace_end {
        std::thread::sleep(Duration::from_millis(500));
    }
    let v = cli(&["channel", "finalize", &channel.to_string()]);
    let refund = v["refund"].as_u64().unwrap();
    assert_eq!(refund, deposit - calls * price);
    assert!(p_client.channel(&channel).is_err(), "the channel is closed");
    drop(gate);

    // Where the money went, to the base unit.
    let [payee, model_part, parent_part, fee] = balances();
    let payer_after = p_client.token_balance(&payer_ata).unwrap();
    let refunded = payer_after - (payer_before - deposit);
    assert_eq!(refunded, refund);
    assert_eq!(payee + model_part + parent_part + fee + refunded, deposit);
    assert_eq!(payee + model_part + parent_part + fee, calls * price);
    assert!(model_part > 0 && parent_part > 0 && fee > 0 && payee > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
