use anchor_lang::error::ErrorCode;
use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, events::ConfigInitialized, instructions::InitializeConfigArgs, state::Config},
    Pubkey, REGISTRY_ID,
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner};

fn args(w: &World, fee_bps: u16, mints: Vec<Pubkey>) -> InitializeConfigArgs {
    InitializeConfigArgs {
        admin: w.admin.pubkey(),
        treasury: w.treasury.pubkey(),
        fee_bps,
        payment_mints: mints,
    }
}

#[tokio::test]
async fn upgrade_authority_initialises_the_config() {
    let mut w = World::bare().await;
    let admin = w.admin.insecure_clone();
    let ix = ix::registry::initialize_config(&admin.pubkey(), args(&w, 250, vec![w.usdc]));
    let out = w.h.send(&[ix], &[&admin]).await.unwrap();
    let config: Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!(config.admin, admin.pubkey());
    assert_eq!(config.treasury, w.treasury.pubkey());
    assert_eq!((config.fee_bps, config.paused), (250, false));
    assert_eq!(config.payment_mints, vec![w.usdc]);
    let ev: ConfigInitialized = out.event();
    assert_eq!((ev.fee_bps, ev.payment_mints), (250, vec![w.usdc]));
}

#[tokio::test]
async fn refuses_a_signer_that_is_not_the_upgrade_authority() {
    let mut w = World::bare().await;
    let intruder = w.keypair().await;
    let ix = ix::registry::initialize_config(&intruder.pubkey(), args(&w, 0, vec![w.usdc]));
    assert_err(w.h.send(&[ix], &[&intruder]).await, RegistryError::NotUpgradeAuthority);
    assert!(w.h.account(&pda::config()).await.is_none());
}

#[tokio::test]
async fn refuses_a_substituted_program_data_account() {
    let mut w = World::bare().await;
    let admin = w.admin.insecure_clone();
    // A look-alike ProgramData at another address (owned by the loader, naming the intruder).
    let fake = TestKeypair::new().pubkey();
    w.h.ctx
        .set_account(&fake, &tessera_host::program_data_account(&admin.pubkey()).into());
    let mut ix = ix::registry::initialize_config(&admin.pubkey(), args(&w, 0, vec![w.usdc]));
    tessera_program_tests::substitute(&mut ix, &pda::program_data(&REGISTRY_ID), &fake);
    assert_err(w.h.send(&[ix], &[&admin]).await, ErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn refuses_a_fee_above_the_cap() {
    let mut w = World::bare().await;
    let admin = w.admin.insecure_clone();
    let ix = ix::registry::initialize_config(&admin.pubkey(), args(&w, 1_001, vec![w.usdc]));
    assert_err(w.h.send(&[ix], &[&admin]).await, RegistryError::FeeAboveCap);
    let ix = ix::registry::initialize_config(&admin.pubkey(), args(&w, 1_000, vec![w.usdc]));
    w.h.send(&[ix], &[&admin]).await.expect("1,000 bps is the cap, allowed");
}

#[tokio::test]
async fn refuses_too_many_or_duplicate_mints() {
    let mut w = World::bare().await;
    let admin = w.admin.insecure_clone();
    let nine: Vec<Pubkey> = (0..9).map(|_| TestKeypair::new().pubkey()).collect();
    let ix = ix::registry::initialize_config(&admin.pubkey(), args(&w, 0, nine));
    assert_err(w.h.send(&[ix], &[&admin]).await, RegistryError::TooManyPaymentMints);
    let ix = ix::registry::initialize_config(&admin.pubkey(), args(&w, 0, vec![w.usdc, w.usdc]));
    assert_err(w.h.send(&[ix], &[&admin]).await, RegistryError::DuplicatePaymentMint);
}

#[tokio::test]
async fn refuses_re_initialisation() {
    let mut w = World::new(100).await;
    let admin = w.admin.insecure_clone();
    let ix = ix::registry::initialize_config(&admin.pubkey(), args(&w, 0, vec![]));
    // The prefund-safe creation refuses an address a program already owns.
    assert_err(w.h.send(&[ix], &[&admin]).await, ErrorCode::AccountNotSystemOwned);
    let config: Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!(config.fee_bps, 100, "unchanged");
}
