//! Runs the `tessera` binary against a real local validator (`tessera-localnet`, started here)
//! for every command, reading `--output json`, and checks the error cases send nothing.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use serde_json::Value;
use sha2::{Digest, Sha256};
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use tessera_client::{pda, Tessera, TOKEN_PROGRAM_ID};
use tessera_dev::{DevFlows, TestChain};

struct Env {
    url: String,
    dir: PathBuf,
}

struct Out {
    ok: bool,
    json: Value,
    stderr: String,
}

impl Env {
    fn wallet(&self, name: &str, kp: &Keypair) -> PathBuf {
        let p = self.dir.join(format!("{name}.json"));
        write_keypair_file(kp, &p).unwrap();
        p
    }

    /// Runs `tessera --url URL --keypair KP --output json ARGS…`.
    fn run(&self, kp: &Path, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args([
                "--url",
                &self.url,
                "--keypair",
                kp.to_str().unwrap(),
                "--output",
                "json",
            ])
            .args(args)
            .output()
            .expect("run tessera");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let json =
            serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout:?} for {args:?}"));
        Out {
            ok: out.status.success(),
            json,
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    #[track_caller]
    fn ok(&self, kp: &Path, args: &[&str]) -> Value {
        let o = self.run(kp, args);
        assert!(o.ok, "tessera {args:?} failed: {}", o.stderr);
        o.json
    }

    /// Expects a program refusal with this Anchor error name.
    #[track_caller]
    fn refused(&self, kp: &Path, args: &[&str], name: &str) {
        let o = self.run(kp, args);
        assert!(!o.ok, "tessera {args:?} should fail");
        assert_eq!(o.json["error"]["name"], name, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.starts_with("error: ") && o.stderr.contains(name),
            "{}",
            o.stderr
        );
    }

    /// Expects a client-side refusal (nothing sent) whose one-line message contains `needle`.
    #[track_caller]
    fn invalid(&self, kp: &Path, args: &[&str], needle: &str) {
        let o = self.run(kp, args);
        assert!(!o.ok, "tessera {args:?} should fail");
        let kind = o.json["error"]["kind"].as_str().unwrap_or_default();
        assert!(kind == "invalid" || kind == "not-found", "{args:?}: {kind}");
        assert_eq!(o.stderr.trim().lines().count(), 1, "one line: {}", o.stderr);
        assert!(
            o.stderr.contains(needle),
            "{args:?}: expected `{needle}` in {}",
            o.stderr
        );
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn every_command_against_a_local_validator() {
    let TestChain {
        dir,
        admin,
        admin_path,
        net,
    } = TestChain::start("cli-test", Duration::from_secs(180));
    let env = Env {
        url: net.url.clone(),
        dir: dir.clone(),
    };
    let boss = Tessera::new(
        &net.url,
        admin.insecure_clone(),
        solana_commitment_config::CommitmentConfig::confirmed(),
    );

    let names = ["alice", "bob", "carol", "dave", "frank", "grace", "heidi", "treasury"];
    let kps: Vec<Keypair> = names.iter().map(|_| Keypair::new()).collect();
    let path: Vec<PathBuf> = names.iter().zip(&kps).map(|(n, k)| env.wallet(n, k)).collect();
    let pk = |i: usize| kps[i].pubkey().to_string();
    let (alice, bob, carol, dave, frank, grace, heidi, treasury) = (0, 1, 2, 3, 4, 5, 6, 7);
    for k in &kps[..7] {
        boss.transfer_sol(&k.pubkey(), 1_000_000_000).unwrap();
    }
    let usdc = boss.create_mint(6).unwrap();
    for i in [frank, grace, heidi] {
        boss.mint_to(&usdc, &kps[i].pubkey(), 100_000_000).unwrap();
    }
    let usdc_s = usdc.to_string();
    let a = admin_path.as_path();

    // config
    env.refused(
        &path[alice],
        &[
            "config",
            "init",
            "--treasury",
            &pk(treasury),
            "--fee-bps",
            "250",
            "--mint",
            &usdc_s,
        ],
        "NotUpgradeAuthority",
    );
    env.invalid(
        a,
        &["config", "init", "--treasury", "nope", "--mint", &usdc_s],
        "invalid treasury `nope`",
    );
    let out = env.ok(
        a,
        &[
            "config",
            "init",
            "--treasury",
            &pk(treasury),
            "--fee-bps",
            "250",
            "--mint",
            &usdc_s,
        ],
    );
    assert_eq!(out["config"], pda::config().to_string());
    assert!(out["signature"].as_str().unwrap().len() > 60);
    env.ok(
        a,
        &[
            "config",
            "init-escrow",
            "--treasury",
            &pk(treasury),
            "--arbiter",
            &admin.pubkey().to_string(),
            "--fee-bps",
            "100",
            "--slash-bps",
            "2000",
            "--min-bond",
            "1",
            "--bond-mint",
            &usdc_s,
            "--unbonding-delay",
            "1d",
        ],
    );
    let cfg = env.ok(a, &["config", "show"]);
    assert_eq!(
        (
            cfg["registry"]["feeBps"].as_u64(),
            cfg["escrow"]["minBonds"][0]["minBond"].as_u64()
        ),
        (Some(250), Some(1_000_000))
    );

    // publish
    let file = dir.join("corpus.csv");
    std::fs::write(&file, b"id,text\n1,hello\n").unwrap();
    let split = format!("{}:7000,{}:2000,{}:1000", pk(alice), pk(bob), pk(carol));
    env.invalid(
        &path[alice],
        &[
            "publish",
            "dataset",
            "--file",
            file.to_str().unwrap(),
            "--uri",
            "ar://x",
            "--price",
            "1.5",
            "--mint",
            &usdc_s,
            "--split",
            &format!("{}:7000,{}:2000", pk(alice), pk(bob)),
        ],
        "sum to 9000, expected exactly 10000",
    );
    env.invalid(
        &path[alice],
        &[
            "publish",
            "dataset",
            "--file",
            file.to_str().unwrap(),
            "--uri",
            "ar://x",
            "--price",
            "-1",
            "--mint",
            &usdc_s,
        ],
        "invalid amount `-1`",
    );
    env.invalid(
        &path[alice],
        &[
            "publish",
            "dataset",
            "--file",
            file.to_str().unwrap(),
            "--uri",
            "ar://x",
            "--price",
            "1.0000001",
            "--mint",
            &usdc_s,
        ],
        "too precise",
    );
    let ds = env.ok(
        &path[alice],
        &[
            "publish",
            "dataset",
            "--file",
            file.to_str().unwrap(),
            "--uri",
            "ar://corpus",
            "--price",
            "1.5",
            "--mint",
            &usdc_s,
            "--duration",
            "1h",
            "--license",
            "commercial",
            "--split",
            &split,
        ],
    );
    assert_eq!(ds["contentHash"], hex(&Sha256::digest(b"id,text\n1,hello\n")));
    let dataset = ds["asset"].as_str().unwrap().to_string();
    let model_hash = hex(&[7u8; 32]);
    let md = env.ok(
        &path[dave],
        &[
            "publish",
            "model",
            "--hash",
            &model_hash,
            "--uri",
            "ar://model",
            "--price",
            "10",
            "--mint",
            &usdc_s,
            "--parents",
            &format!("{dataset}:2000"),
            "--inference-royalty-bps",
            "1000",
        ],
    );
    let model = md["asset"].as_str().unwrap().to_string();
    let again = env.run(
        &path[dave],
        &[
            "publish",
            "model",
            "--hash",
            &model_hash,
            "--uri",
            "ar://again",
            "--price",
            "10",
            "--mint",
            &usdc_s,
        ],
    );
    // The asset's address is taken: the registry's creation refuses it (3011 AccountNotSystemOwned).
    assert!(
        !again.ok
            && again.json["error"]["kind"] == "program"
            && again.json["error"]["program"] == "tessera-registry"
            && again.json["error"]["code"] == 3011,
        "re-publishing the same artifact is refused: {}",
        again.stderr
    );

    // assets
    assert_eq!(
        env.ok(a, &["assets", "list", "--kind", "model"])["assets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        env.ok(a, &["assets", "list", "--publisher", &pk(alice)])["assets"][0]["address"],
        dataset
    );
    assert_eq!(
        env.ok(a, &["assets", "list", "--mint", &usdc_s])["assets"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let shown = env.ok(a, &["assets", "show", &model]);
    assert_eq!(
        (
            shown["kind"].as_str(),
            shown["priceUi"].as_str(),
            shown["parents"][0]["bps"].as_u64()
        ),
        (Some("model"), Some("10"), Some(2000))
    );
    env.invalid(
        a,
        &["assets", "show", "not-an-address"],
        "invalid asset `not-an-address`",
    );
    env.invalid(
        a,
        &["assets", "show", &Keypair::new().pubkey().to_string()],
        "not found",
    );
    env.invalid(
        a,
        &["assets", "list", "--kind", "song"],
        "invalid value 'song' for '--kind <KIND>' [possible values: dataset, model]",
    );
    env.invalid(
        a,
        &["jobs", "list", "--state", "done"],
        "invalid value 'done' for '--state <STATE>' [possible values: open, accepted, delivered, disputed]",
    );

    // update / delist / relist / retire
    env.refused(&path[bob], &["update", &dataset, "--price", "2"], "NotPublisher");
    env.ok(
        &path[alice],
        &["update", &dataset, "--price", "2", "--uri", "ar://corpus-v1.1"],
    );
    assert_eq!(env.ok(a, &["assets", "show", &dataset])["priceUi"], "2");
    assert_eq!(env.ok(&path[alice], &["delist", &dataset])["state"], "delisted");
    env.refused(&path[frank], &["buy", &dataset, "--max-price", "2"], "AssetNotListed");
    assert_eq!(env.ok(&path[alice], &["relist", &dataset])["state"], "listed");

    // buy / access / redeem / revoke
    env.refused(
        &path[frank],
        &["buy", &model, "--quantity", "2", "--max-price", "9.99"],
        "PriceAboveLimit",
    );
    let bought = env.ok(&path[frank], &["buy", &model, "--quantity", "2", "--max-price", "10"]);
    assert_eq!(
        (bought["accessTokens"].as_u64(), bought["perpetual"].as_bool()),
        (Some(2), Some(true))
    );
    let acc = env.ok(&path[frank], &["access", "check", &model]);
    assert_eq!(acc["valid"], true);
    let acc = env.ok(a, &["access", "check", &dataset, "--holder", &pk(frank)]);
    assert_eq!(
        (acc["valid"].as_bool(), acc["reason"].as_str()),
        (Some(false), Some("NoPass"))
    );
    env.ok(&path[frank], &["buy", &dataset, "--max-price", "2"]);
    let acc = env.ok(a, &["access", "check", &dataset, "--holder", &pk(frank)]);
    assert!(acc["valid"].as_bool().unwrap() && acc["expiresAt"].as_i64().unwrap() > acc["now"].as_i64().unwrap());
    assert_eq!(
        env.ok(&path[frank], &["redeem", &model, "--quantity", "2"])["accessTokens"],
        0
    );
    assert_eq!(
        env.ok(a, &["access", "check", &model, "--holder", &pk(frank)])["reason"],
        "NoAccessToken"
    );
    env.ok(&path[alice], &["revoke", &dataset, &pk(frank), "--reason", "7"]);
    assert_eq!(
        env.ok(a, &["access", "check", &dataset, "--holder", &pk(frank)])["reason"],
        "PassRevoked"
    );

    // sweep-fees: the fees accrued in each asset's own fee vault; anyone (bob) moves them to the
    // treasury's associated account (created on the way), in one transaction
    let treasury_ata = pda::ata(&kps[treasury].pubkey(), &usdc, &TOKEN_PROGRAM_ID);
    let accrued = [&model, &dataset].map(|k| {
        let key = k.parse().expect("asset key");
        boss.token_balance(&pda::fee_vault(&key)).expect("fee vault")
    });
    assert!(accrued.iter().all(|a| *a > 0), "fees accrued per asset: {accrued:?}");
    let before = boss.token_balance(&treasury_ata).unwrap_or(0);
    let swept = env.ok(&path[bob], &["sweep-fees", &model, &dataset]);
    assert_eq!(
        (
            swept["swept"][0]["amount"].as_u64(),
            swept["swept"][1]["amount"].as_u64()
        ),
        (Some(accrued[0]), Some(accrued[1]))
    );
    assert_eq!(
        boss.token_balance(&treasury_ata).unwrap() - before,
        accrued[0] + accrued[1]
    );
    assert_eq!(env.ok(&path[bob], &["sweep-fees", &model])["swept"][0]["amount"], 0);
    env.invalid(&path[bob], &["sweep-fees", "nope"], "invalid asset `nope`");

    // the free tier: price 0, one pass per wallet, claimed by `buy` (no payment needed)
    let free = env.ok(
        &path[alice],
        &[
            "publish",
            "dataset",
            "--hash",
            &hex(&[9u8; 32]),
            "--uri",
            "ar://free-sample",
            "--price",
            "0",
            "--mint",
            &usdc_s,
        ],
    )["asset"]
        .as_str()
        .unwrap()
        .to_string();
    env.invalid(
        &path[frank],
        &["buy", &free, "--quantity", "2"],
        "quantity 2: this asset is free, and its pass is one access token per wallet (use 1)",
    );
    let claimed = env.ok(&path[frank], &["buy", &free]);
    assert_eq!(
        (claimed["accessTokens"].as_u64(), claimed["paid"].as_str()),
        (Some(1), Some("0"))
    );
    assert_eq!(
        env.ok(a, &["access", "check", &free, "--holder", &pk(frank)])["valid"],
        true
    );
    env.refused(&path[frank], &["buy", &free], "FreePassAlreadyClaimed");

    // royalties: 2 × 10 USDC model sale → fee 0.5, dataset split 3.9, model split 15.6;
    // then 2 USDC dataset sale → fee 0.05, dataset split 1.95.
    let owed = env.ok(a, &["royalties", "show", "--recipient", &pk(dave)]);
    assert_eq!(owed["owed"][0]["amount"], 15_600_000);
    let claim = env.ok(&path[alice], &["royalties", "claim"]);
    assert_eq!(claim["claims"][0]["amount"], (3_900_000u64 + 1_950_000) * 7 / 10);
    assert_eq!(
        env.ok(&path[alice], &["royalties", "claim"])["claims"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing left to claim"
    );
    let split_addr = pda::split(&dataset.parse().unwrap()).to_string();
    env.refused(
        &path[bob],
        &[
            "royalties",
            "claim",
            "--split",
            &pda::split(&model.parse().unwrap()).to_string(),
        ],
        "NotARecipient",
    );
    env.refused(
        &path[alice],
        &[
            "royalties",
            "claim",
            "--split",
            &pda::split(&dataset.parse().unwrap()).to_string(),
        ],
        "NothingToClaim",
    );
    env.invalid(
        &path[alice],
        &[
            "royalties",
            "update-split",
            &split_addr,
            "--recipients",
            &format!("{}:10001", pk(alice)),
        ],
        "share 10001",
    );
    env.ok(
        &path[alice],
        &[
            "royalties",
            "update-split",
            &split_addr,
            "--recipients",
            &format!("{}:5000,{}:5000", pk(alice), pk(bob)),
        ],
    );

    // provider
    env.ok(
        &path[heidi],
        &[
            "provider",
            "register",
            "--mint",
            &usdc_s,
            "--endpoint",
            "https://gpu.example",
            "--models",
            &model,
        ],
    );
    env.invalid(&path[heidi], &["provider", "bond", "abc"], "invalid amount `abc`");
    assert_eq!(env.ok(&path[heidi], &["provider", "bond", "5"])["bond"], 5_000_000);
    let shown = env.ok(a, &["provider", "show", &pk(heidi)]);
    assert_eq!(
        (shown["bond"].as_u64(), shown["models"][0].as_str()),
        (Some(5_000_000), Some(model.as_str()))
    );

    // jobs: open → accept → deliver → confirm
    let h = hex(&[9u8; 32]);
    let job = env.ok(
        &path[grace],
        &["jobs", "open", &model, "--fee", "2", "--input-hash", &h, "--id", "1"],
    )["job"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = env.ok(a, &["jobs", "list", "--consumer", &pk(grace), "--state", "open"]);
    assert_eq!(listed["jobs"][0]["address"], job);
    env.refused(&path[carol], &["jobs", "refund", &job], "AcceptWindowOpen");
    // Not a provider: the client reads the provider's bond for the guards first, and says so.
    env.invalid(
        &path[alice],
        &["jobs", "accept", &job],
        &format!("provider {} not found", pda::provider(&kps[alice].pubkey())),
    );
    env.ok(&path[heidi], &["jobs", "accept", &job]);
    assert_eq!(
        env.ok(a, &["jobs", "list", "--provider", &pk(heidi)])["jobs"][0]["state"],
        "accepted"
    );
    env.refused(
        &path[heidi],
        &["jobs", "deliver", &job, "--result-hash", &hex(&[0; 32])],
        "ZeroResultCommitment",
    );
    env.ok(&path[heidi], &["jobs", "deliver", &job, "--result-hash", &h]);
    assert_eq!(env.ok(a, &["jobs", "show", &job])["state"], "delivered");
    env.refused(&path[carol], &["jobs", "release", &job], "ChallengeWindowOpen");
    let heidi_ata = pda::ata(&kps[heidi].pubkey(), &usdc, &TOKEN_PROGRAM_ID);
    let before = boss.token_balance(&heidi_ata).unwrap();
    assert_eq!(env.ok(&path[grace], &["jobs", "confirm", &job])["closed"], true);
    assert_eq!(
        boss.token_balance(&heidi_ata).unwrap() - before,
        2_000_000 - 20_000 - 200_000
    );

    // jobs: dispute → resolve
    let job2 = env.ok(
        &path[grace],
        &["jobs", "open", &model, "--fee", "1", "--input-hash", &h, "--id", "2"],
    )["job"]
        .as_str()
        .unwrap()
        .to_string();
    env.ok(&path[heidi], &["jobs", "accept", &job2]);
    env.ok(&path[heidi], &["jobs", "deliver", &job2, "--result-hash", &h]);
    env.ok(&path[grace], &["jobs", "dispute", &job2]);
    assert_eq!(
        env.ok(a, &["jobs", "list", "--state", "disputed"])["jobs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    env.refused(
        &path[grace],
        &["jobs", "resolve", &job2, "--provider-share-bps", "0"],
        "NotArbiter",
    );
    assert_eq!(
        env.ok(a, &["jobs", "resolve", &job2, "--provider-share-bps", "5000"])["closed"],
        true
    );

    // provider unbond / withdraw
    env.ok(&path[heidi], &["provider", "unbond", "5"]);
    env.refused(&path[heidi], &["provider", "withdraw"], "UnbondingDelayNotElapsed");

    // retire; bad flags
    assert_eq!(env.ok(&path[alice], &["retire", &dataset])["state"], "retired");
    env.invalid(
        &path[grace],
        &["jobs", "open", &model, "--fee", "1", "--input-hash", "xyz"],
        "invalid hash `xyz`",
    );
    env.invalid(
        &path[grace],
        &[
            "jobs",
            "open",
            &model,
            "--fee",
            "1",
            "--input-hash",
            &h,
            "--accept-window",
            "1w",
        ],
        "invalid duration `1w`",
    );

    // Nothing was sent by the refused inputs: grace's SOL only paid for her real transactions.
    let grace_sol = boss.rpc.get_balance(&kps[grace].pubkey()).unwrap();
    env.invalid(&path[grace], &["buy", "bad"], "invalid asset `bad`");
    env.invalid(
        &path[grace],
        &["jobs", "open", &model, "--fee", "0.0000001", "--input-hash", &h],
        "too precise",
    );
    assert_eq!(boss.rpc.get_balance(&kps[grace].pubkey()).unwrap(), grace_sol);

    // Human output: a table.
    let human = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["--url", &net.url, "assets", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.starts_with("ASSET") && text.contains(&model), "{text}");

    drop(net);
    let _ = std::fs::remove_dir_all(&dir);
}
