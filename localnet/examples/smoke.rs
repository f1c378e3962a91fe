//! End-to-end check of a running `tessera-localnet` over JSON-RPC, with solana-rpc-client:
//!
//! 1. getHealth, getVersion;
//! 2. requestAirdrop to a new keypair, getBalance;
//! 3. getAccountInfo: the Tessera program ids (executable builtins; `tessera_host::PROGRAMS`), the
//!    ProgramData of those that check their upgrade authority (naming it), SPL Token, Token-2022,
//!    ATA;
//! 4. registry `verify_access` on accounts that do not exist: simulateTransaction, sendTransaction
//!    (preflight) and, skipping preflight, the landed transaction through getTransaction must all
//!    report Anchor's `AccountNotInitialized` (3012) — the program really runs;
//! 5. registry `initialize_config` signed by someone else: `NotUpgradeAuthority`;
//! 6. registry `initialize_config` signed by the upgrade authority: succeeds; getTransaction shows
//!    the `ConfigInitialized` event as an inner instruction (emit_cpi), and the config account is
//!    owned by the registry. Skipped (with a note) if the config already exists.
//!
//! Usage: cargo run --example smoke -- [RPC_URL] [UPGRADE_AUTHORITY_KEYPAIR]
//! (defaults: $TESSERA_RPC_URL or http://127.0.0.1:8899, ~/.config/solana/id.json).
//! Exits non-zero on the first failed check.

#![allow(deprecated)]

use std::{path::PathBuf, thread, time::Duration};

use anchor_lang::{
    error::ErrorCode, event::EVENT_IX_TAG_LE, prelude::Pubkey, solana_program::instruction::Instruction,
    AnchorDeserialize, Discriminator,
};
use solana_commitment_config::CommitmentConfig;
use solana_instruction_error::InstructionError;
use solana_keypair::{read_keypair_file, Keypair};
use solana_native_token::LAMPORTS_PER_SOL;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcSendTransactionConfig, RpcTransactionConfig};
use solana_sdk_ids::{bpf_loader_upgradeable, native_loader};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, UiInstruction, UiTransactionEncoding,
};
use tessera_host::{program_data_address, program_data_authority, PROGRAMS};
use tessera_registry::{
    constants::{CONFIG_SEED, PASS_SEED},
    errors::RegistryError,
    events::ConfigInitialized,
    instructions::InitializeConfigArgs,
};

// Built from the program crate alone (not tessera-client), so that this workspace's lock file
// does not follow every change of the client's dependencies.
const REGISTRY_ID: Pubkey = tessera_registry::ID;
const TOKEN_PROGRAM_ID: Pubkey = Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const TOKEN_2022_PROGRAM_ID: Pubkey = Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey = Pubkey::from_str_const("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

mod pda {
    use super::*;

    pub fn config() -> Pubkey {
        Pubkey::find_program_address(&[CONFIG_SEED], &REGISTRY_ID).0
    }

    pub fn pass(asset: &Pubkey, holder: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[PASS_SEED, asset.as_ref(), holder.as_ref()], &REGISTRY_ID).0
    }

    pub fn event_authority(program: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[b"__event_authority"], program).0
    }
}

mod ix {
    use super::*;
    use anchor_lang::{system_program, InstructionData, ToAccountMetas};
    use tessera_registry::{accounts as acc, instruction as data};

    fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
        Instruction {
            program_id: REGISTRY_ID,
            accounts: accounts.to_account_metas(None),
            data: data.data(),
        }
    }

    /// `verify_access`; the holder's access-token account is any address here (the asset is
    /// checked first).
    pub fn verify_access(asset: &Pubkey, holder: &Pubkey) -> Instruction {
        build(
            acc::VerifyAccess {
                asset: *asset,
                pass: pda::pass(asset, holder),
                holder_access_account: Pubkey::new_unique(),
            },
            data::VerifyAccess {},
        )
    }

    pub fn initialize_config(upgrade_authority: &Pubkey, args: InitializeConfigArgs) -> Instruction {
        build(
            acc::InitializeConfig {
                upgrade_authority: *upgrade_authority,
                config: pda::config(),
                program_data: program_data_address(&REGISTRY_ID),
                system_program: system_program::ID,
                event_authority: pda::event_authority(&REGISTRY_ID),
                program: REGISTRY_ID,
            },
            data::InitializeConfig { args },
        )
    }
}

/// Decodes an `emit_cpi!` event from an inner instruction's data.
fn decode_event<E: Discriminator + AnchorDeserialize>(ix_data: &[u8]) -> Option<E> {
    let body = ix_data.strip_prefix(EVENT_IX_TAG_LE)?.strip_prefix(E::DISCRIMINATOR)?;
    E::deserialize(&mut &body[..]).ok()
}

type Check<T> = Result<T, String>;

fn anchor_code(e: impl Into<anchor_lang::error::Error>) -> u32 {
    match e.into() {
        anchor_lang::error::Error::AnchorError(a) => a.error_code_number,
        anchor_lang::error::Error::ProgramError(p) => panic!("not an Anchor error: {p:?}"),
    }
}

fn expect_custom(what: &str, got: Option<TransactionError>, code: u32) -> Check<()> {
    match got {
        Some(TransactionError::InstructionError(0, InstructionError::Custom(c))) if c == code => {
            println!("ok   {what}: InstructionError(0, Custom({c}))");
            Ok(())
        }
        other => Err(format!("{what}: expected Custom({code}), got {other:?}")),
    }
}

fn confirm(client: &RpcClient, sig: &Signature) -> Check<()> {
    for _ in 0..100 {
        if let Some(status) = client
            .get_signature_status_with_commitment(sig, CommitmentConfig::confirmed())
            .map_err(|e| format!("getSignatureStatuses: {e}"))?
        {
            return status.map_err(|e| format!("{sig} failed: {e:?}"));
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{sig} not confirmed after 10 s"))
}

/// The landed transaction: its error and the (program, data) of its inner instructions.
fn landed(client: &RpcClient, sig: &Signature) -> Check<(Option<TransactionError>, Vec<(Pubkey, Vec<u8>)>)> {
    let cfg = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    // The transaction status is written to the ledger shortly after the signature status
    // reports it confirmed: poll (as any client of a real validator would).
    let mut tries = 0;
    let tx = loop {
        match client.get_transaction_with_config(sig, cfg) {
            Ok(tx) => break tx,
            Err(e) if tries >= 100 => return Err(format!("getTransaction {sig}: {e}")),
            Err(_) => {
                tries += 1;
                thread::sleep(Duration::from_millis(100));
            }
        }
    };
    let meta = tx.transaction.meta.ok_or("getTransaction: no meta")?;
    let keys: Vec<Pubkey> = tx
        .transaction
        .transaction
        .decode()
        .ok_or("getTransaction: cannot decode the transaction")?
        .message
        .static_account_keys()
        .to_vec();
    let mut inner = vec![];
    if let OptionSerializer::Some(groups) = meta.inner_instructions {
        for ui in groups.into_iter().flat_map(|g| g.instructions) {
            if let UiInstruction::Compiled(c) = ui {
                let data = bs58::decode(&c.data).into_vec().map_err(|e| e.to_string())?;
                inner.push((keys[usize::from(c.program_id_index)], data));
            }
        }
    }
    Ok((meta.err.map(Into::into), inner))
}

fn tx(client: &RpcClient, ixs: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> Check<Transaction> {
    let blockhash = client
        .get_latest_blockhash()
        .map_err(|e| format!("getLatestBlockhash: {e}"))?;
    let mut all = vec![payer];
    all.extend_from_slice(signers);
    Ok(Transaction::new_signed_with_payer(
        ixs,
        Some(&payer.pubkey()),
        &all,
        blockhash,
    ))
}

fn main() {
    if let Err(e) = run() {
        eprintln!("FAIL {e}");
        std::process::exit(1);
    }
    println!("smoke: all checks passed");
}

fn run() -> Check<()> {
    let mut argv = std::env::args().skip(1);
    let url = argv
        .next()
        .or_else(|| std::env::var("TESSERA_RPC_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:8899".into());
    let authority_path = argv
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".config/solana/id.json"));
    let client = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());

    // 1.
    client.get_health().map_err(|e| format!("getHealth: {e}"))?;
    println!("ok   getHealth {url}: ok");
    let version = client.get_version().map_err(|e| format!("getVersion: {e}"))?;
    println!(
        "ok   getVersion: solana-core {} feature-set {:?}",
        version.solana_core, version.feature_set
    );

    // 2.
    let payer = Keypair::new();
    let sig = client
        .request_airdrop(&payer.pubkey(), 2 * LAMPORTS_PER_SOL)
        .map_err(|e| format!("requestAirdrop: {e}"))?;
    confirm(&client, &sig)?;
    let balance = client
        .get_balance(&payer.pubkey())
        .map_err(|e| format!("getBalance: {e}"))?;
    if balance != 2 * LAMPORTS_PER_SOL {
        return Err(format!("getBalance: {balance}, expected {}", 2 * LAMPORTS_PER_SOL));
    }
    println!(
        "ok   requestAirdrop 2 SOL to {} + getBalance: {balance}",
        payer.pubkey()
    );

    // 3.
    let authority = read_keypair_file(&authority_path).ok();
    let tessera = PROGRAMS.iter().map(|p| (p.name, p.id, native_loader::ID));
    for (name, id, owner) in tessera.chain([
        ("spl_token", TOKEN_PROGRAM_ID, Pubkey::default()),
        ("spl_token_2022", TOKEN_2022_PROGRAM_ID, Pubkey::default()),
        (
            "spl_associated_token_account",
            ASSOCIATED_TOKEN_PROGRAM_ID,
            Pubkey::default(),
        ),
    ]) {
        let acc = client
            .get_account(&id)
            .map_err(|e| format!("getAccountInfo {name} {id}: {e}"))?;
        if !acc.executable || (owner != Pubkey::default() && acc.owner != owner) {
            return Err(format!(
                "{name} {id}: executable={} owner={}",
                acc.executable, acc.owner
            ));
        }
        println!(
            "ok   getAccountInfo {name:<28} {id}: executable, owner {}, {} bytes",
            acc.owner,
            acc.data.len()
        );
    }
    for p in PROGRAMS.iter().filter(|p| p.has_upgrade_authority_check) {
        let (name, address) = (p.name, program_data_address(&p.id));
        let acc = client
            .get_account(&address)
            .map_err(|e| format!("getAccountInfo ProgramData of {name}: {e}"))?;
        let named = (acc.owner == bpf_loader_upgradeable::ID)
            .then(|| program_data_authority(&acc.data))
            .flatten();
        match (&authority, named) {
            (Some(a), Some(n)) if a.pubkey() != n => {
                return Err(format!("{name} ProgramData names {n}, not {}", a.pubkey()))
            }
            (_, None) => return Err(format!("{name} ProgramData {address}: not a ProgramData")),
            (_, Some(n)) => println!("ok   {name} ProgramData {address}: upgrade authority {n}"),
        }
    }

    // 4.
    let verify = ix::verify_access(&Pubkey::new_unique(), &Pubkey::new_unique());
    let not_init = ErrorCode::AccountNotInitialized as u32;
    let t = tx(&client, &[verify.clone()], &payer, &[])?;
    let sim = client
        .simulate_transaction(&t)
        .map_err(|e| format!("simulateTransaction: {e}"))?
        .value;
    expect_custom("simulateTransaction verify_access", sim.err.map(Into::into), not_init)?;
    let sent = client.send_transaction(&t);
    expect_custom(
        "sendTransaction (preflight) verify_access",
        sent.err().and_then(|e| e.get_transaction_error()),
        not_init,
    )?;
    let sig = client
        .send_transaction_with_config(
            &t,
            RpcSendTransactionConfig {
                skip_preflight: true,
                ..Default::default()
            },
        )
        .map_err(|e| format!("sendTransaction (skip preflight): {e}"))?;
    let err = loop {
        // Wait until it landed (it fails, so confirm() would report the failure).
        match client.get_signature_status_with_commitment(&sig, CommitmentConfig::confirmed()) {
            Ok(Some(r)) => break r.err(),
            Ok(None) => thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("getSignatureStatuses: {e}")),
        }
    };
    expect_custom("landed verify_access (getSignatureStatuses)", err, not_init)?;
    let (err, _) = landed(&client, &sig)?;
    expect_custom("landed verify_access (getTransaction meta.err)", err, not_init)?;

    // 5.
    let args = |admin: Pubkey| InitializeConfigArgs {
        admin,
        treasury: admin,
        fee_bps: 250,
        payment_mints: vec![],
    };
    let intruder = ix::initialize_config(&payer.pubkey(), args(payer.pubkey()));
    let t = tx(&client, &[intruder], &payer, &[])?;
    let sim = client
        .simulate_transaction(&t)
        .map_err(|e| format!("simulateTransaction: {e}"))?
        .value;
    expect_custom(
        "initialize_config by a non-authority (NotUpgradeAuthority)",
        sim.err.map(Into::into),
        anchor_code(RegistryError::NotUpgradeAuthority),
    )?;

    // 6.
    let Some(authority) = authority else {
        println!(
            "skip initialize_config by the upgrade authority: cannot read {}",
            authority_path.display()
        );
        return Ok(());
    };
    if client.get_account(&pda::config()).is_ok() {
        println!("skip initialize_config by the upgrade authority: the config already exists (ledger not reset)");
        return Ok(());
    }
    let init = ix::initialize_config(&authority.pubkey(), args(authority.pubkey()));
    let t = tx(&client, &[init], &authority, &[])?;
    let sig = client
        .send_and_confirm_transaction(&t)
        .map_err(|e| format!("initialize_config by the upgrade authority: {e}"))?;
    let (err, inner) = landed(&client, &sig)?;
    if let Some(e) = err {
        return Err(format!("initialize_config landed with {e:?}"));
    }
    let events: Vec<ConfigInitialized> = inner
        .iter()
        .filter(|(p, _)| *p == REGISTRY_ID)
        .filter_map(|(_, d)| decode_event::<ConfigInitialized>(d))
        .collect();
    if events.len() != 1 || events[0].admin != authority.pubkey() || events[0].fee_bps != 250 {
        return Err(format!(
            "expected one ConfigInitialized event, inner instructions: {inner:?}"
        ));
    }
    let config = client
        .get_account(&pda::config())
        .map_err(|e| format!("getAccountInfo config: {e}"))?;
    if config.owner != REGISTRY_ID {
        return Err(format!("config owner {}", config.owner));
    }
    println!(
        "ok   initialize_config by the upgrade authority {}: {sig}; getTransaction: ConfigInitialized \
         event (admin {}, fee {} bps) as inner instruction; config {} owned by the registry ({} bytes)",
        authority.pubkey(),
        events[0].admin,
        events[0].fee_bps,
        pda::config(),
        config.data.len()
    );
    Ok(())
}
