//! The escrow against the Solana attack classes: one test per class, each sending a real
//! instruction with the malicious account or input, asserting the exact error and that no
//! account the transaction referenced changed (`security::refused`).
//!
//! Sysvars: the escrow reads time with `Clock::get()` (a syscall) and takes no sysvar account
//! (no instructions-sysvar introspection either); the test shows a forged clock account beside
//! the instruction changes nothing.

use anchor_lang::{
    error::ErrorCode,
    prelude::{AccountMeta, Pubkey},
};
use tessera_client::{
    escrow::{
        constants::{JOB_SEED, JOB_VAULT_SEED, MODEL_PROVIDERS_SEED, PROVIDER_SEED},
        errors::EscrowError,
        instructions::RegisterProviderArgs,
        state::{Job, JobState},
    },
    ix, pda, ESCROW_ID, REGISTRY_ID, ROYALTIES_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{security::*, substitute, world::*, TestSigner};

use super::*;

/// The escrow fixture with job 1 delivered and job 2 open (both by the fixture's consumer).
struct Jobs {
    f: Fx,
    delivered: Pubkey,
    open: Pubkey,
}

async fn jobs() -> Jobs {
    let mut f = fixture(100, 700, false).await;
    let delivered = f.delivered(1, WINDOWS).await;
    let open = f.open(2).await;
    Jobs { f, delivered, open }
}

impl Jobs {
    async fn job(&mut self, key: &Pubkey) -> Job {
        self.f.w.job(key).await
    }

    /// `confirm_job` of the delivered job, paying the fixture's provider.
    async fn confirm_ix(&mut self) -> tessera_client::Instruction {
        let key = self.delivered;
        let j = self.job(&key).await;
        let s = self.f.w.settle_accounts(&self.f.provider.pubkey());
        ix::escrow::confirm_job(&key, &j, &s)
    }

    fn open_ix(&self, id: u64) -> tessera_client::Instruction {
        let args = World::open_job_args(id, FEE, None, WINDOWS);
        self.f.w.open_job_ix(
            &self.f.consumer.pubkey(),
            &self.f.consumer_usdc,
            &self.f.model,
            false,
            args,
        )
    }
}

#[tokio::test]
async fn missing_signer() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    // Confirmation (paying the provider) without the consumer's signature.
    let mut ix = j.confirm_ix().await;
    unsign(&mut ix, &consumer.pubkey());
    refused(&mut j.f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
    // Accepting a job without the provider authority's signature.
    let open = j.open;
    let jo = j.job(&open).await;
    let config = j.f.w.escrow_config().await;
    let mut ix = ix::escrow::accept_job(&j.f.provider.pubkey(), &open, &jo, &config, u64::MAX);
    unsign(&mut ix, &j.f.provider.pubkey());
    refused(&mut j.f.w.h, &[ix], &[], ErrorCode::AccountNotSigner).await;
    // A dispute resolved by someone who is not the arbiter.
    let d = j.delivered;
    j.f.w
        .h
        .send(&[ix::escrow::dispute_job(&consumer.pubkey(), &d)], &[&consumer])
        .await
        .unwrap();
    let jd = j.job(&d).await;
    let s = j.f.w.settle_accounts(&j.f.provider.pubkey());
    let impostor = j.f.w.keypair().await;
    let ix = ix::escrow::resolve_dispute(&impostor.pubkey(), &d, &jd, &s, &j.f.consumer_usdc, 10_000);
    refused(&mut j.f.w.h, &[ix], &[&impostor], EscrowError::NotArbiter).await;
}

#[tokio::test]
async fn account_data_matching() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    // The provider's payout to someone else's account.
    let (_, thief_usdc) = j.f.w.buyer(0).await;
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &j.f.provider_usdc.clone(), &thief_usdc);
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::WrongTokenAccountOwner).await;
    // A payout account of another mint.
    let other_mint = j.f.w.h.create_mint(6, &TOKEN_PROGRAM_ID).await;
    let p = j.f.provider.pubkey();
    let other = j.f.w.h.ata(&p, &other_mint, &TOKEN_PROGRAM_ID).await;
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &j.f.provider_usdc.clone(), &other);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::ConstraintTokenMint).await;
    // The consumer's part and the vault's surplus to someone else's account.
    let consumer_ata = pda::ata(&consumer.pubkey(), &j.f.w.usdc.clone(), &TOKEN_PROGRAM_ID);
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &consumer_ata, &thief_usdc);
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::WrongTokenAccountOwner).await;
    // A treasury account that is not the escrow treasury's.
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &j.f.w.treasury_usdc.clone(), &thief_usdc);
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::TreasuryMismatch).await;
    // The royalty paid to another asset's split.
    let (_, other_asset) = j.f.w.listed(60, USDC, 0).await;
    let mut ix = j.confirm_ix().await;
    let model_split = pda::split(&j.f.model);
    substitute(&mut ix, &model_split, &pda::split(&other_asset));
    substitute(
        &mut ix,
        &pda::vault(&model_split),
        &pda::vault(&pda::split(&other_asset)),
    );
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::SplitMismatch).await;
    // A job paid from someone else's token account.
    let (_, victim_usdc) = j.f.w.buyer(100 * USDC).await;
    let mut ix = j.open_ix(3);
    substitute(&mut ix, &j.f.consumer_usdc.clone(), &victim_usdc);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::ConstraintTokenOwner).await;
    // A job in a mint that is not the model's.
    let c_other = j.f.w.h.ata(&consumer.pubkey(), &other_mint, &TOKEN_PROGRAM_ID).await;
    j.f.w
        .h
        .mint_to(&other_mint, &c_other, &TOKEN_PROGRAM_ID, 100 * USDC)
        .await;
    let mut ix = j.open_ix(3);
    substitute(&mut ix, &j.f.w.usdc.clone(), &other_mint);
    substitute(&mut ix, &j.f.consumer_usdc.clone(), &c_other);
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::MintMismatch).await;
}

#[tokio::test]
async fn owner_checks() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    // The delivered job's exact bytes, owned by the registry.
    let fake_job = planted_copy(&mut j.f.w.h, &j.delivered.clone(), &REGISTRY_ID).await;
    let mut ix = ix::escrow::dispute_job(&consumer.pubkey(), &j.delivered);
    substitute(&mut ix, &j.delivered.clone(), &fake_job);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::AccountOwnedByWrongProgram).await;
    // A model (a registry asset) forged under the escrow's ownership: the escrow only trusts
    // assets the registry owns.
    let fake_model = planted_copy(&mut j.f.w.h, &j.f.model.clone(), &ESCROW_ID).await;
    let mut ix = j.open_ix(3);
    substitute(&mut ix, &j.f.model.clone(), &fake_model);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::AccountOwnedByWrongProgram).await;
    // The same forged model naming an attacker as publisher, to set the model's allow-list.
    let mp = j.f.model_publisher.insecure_clone();
    let mut ix = ix::escrow::set_model_providers(&mp.pubkey(), &j.f.model.clone(), vec![]);
    substitute(&mut ix, &j.f.model.clone(), &fake_model);
    refused(&mut j.f.w.h, &[ix], &[&mp], ErrorCode::AccountOwnedByWrongProgram).await;
}

#[tokio::test]
async fn type_cosplay() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    let provider = pda::provider(&j.f.provider.pubkey());
    // The provider account (escrow-owned) where a job is expected.
    let mut ix = ix::escrow::dispute_job(&consumer.pubkey(), &j.delivered);
    substitute(&mut ix, &j.delivered.clone(), &provider);
    refused(
        &mut j.f.w.h,
        &[ix],
        &[&consumer],
        ErrorCode::AccountDiscriminatorMismatch,
    )
    .await;
    // The escrow config where a provider is expected.
    let p = j.f.provider.insecure_clone();
    let mut ix = ix::escrow::request_unbond(&p.pubkey(), 1);
    substitute(&mut ix, &provider, &pda::escrow_config());
    refused(&mut j.f.w.h, &[ix], &[&p], ErrorCode::AccountDiscriminatorMismatch).await;
    // A registry account type re-owned by the escrow, where a job is expected.
    let fake = planted_copy(&mut j.f.w.h, &j.f.model.clone(), &ESCROW_ID).await;
    let mut ix = ix::escrow::dispute_job(&consumer.pubkey(), &j.delivered);
    substitute(&mut ix, &j.delivered.clone(), &fake);
    refused(
        &mut j.f.w.h,
        &[ix],
        &[&consumer],
        ErrorCode::AccountDiscriminatorMismatch,
    )
    .await;
}

#[tokio::test]
async fn reinitialisation() {
    let mut j = jobs().await;
    // The config.
    let admin = j.f.w.admin.insecure_clone();
    let settings = j.f.w.escrow_settings(0, 0, 0, 0);
    let ix = j.f.w.escrow_init_ix(settings);
    refused(&mut j.f.w.h, &[ix], &[&admin], ErrorCode::AccountNotSystemOwned).await;
    // A provider registering again (its bond and record would be reset).
    let p = j.f.provider.insecure_clone();
    let ix = ix::escrow::register_provider(
        &p.pubkey(),
        &j.f.w.usdc,
        &TOKEN_PROGRAM_ID,
        RegisterProviderArgs {
            endpoint: "https://evil.example".into(),
            models: vec![],
        },
    );
    refused(&mut j.f.w.h, &[ix], &[&p], ErrorCode::AccountNotSystemOwned).await;
    assert_eq!(j.f.w.provider_account(&p.pubkey()).await.bond, BOND);
    // A job id that is in use (the open job 2).
    let consumer = j.f.consumer.insecure_clone();
    let ix = j.open_ix(2);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::AccountNotSystemOwned).await;
    assert_eq!(j.job(&j.open.clone()).await.state, JobState::Open);
}

#[tokio::test]
async fn arbitrary_cpi() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    // A fake registry program for the access check.
    let mut ix = j.open_ix(3);
    substitute(&mut ix, &REGISTRY_ID, &ROYALTIES_ID);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::InvalidProgramId).await;
    // A fake token program for the payouts.
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &TOKEN_PROGRAM_ID, &ESCROW_ID);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::InvalidProgramId).await;
    // A fake royalties program for the model's royalty.
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &ROYALTIES_ID, &REGISTRY_ID);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::InvalidProgramId).await;
    // A forged event authority of the royalties program: its `deposit` refuses it (CPI).
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &pda::event_authority(&ROYALTIES_ID), &Pubkey::new_unique());
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::ConstraintAddress).await;
}

#[tokio::test]
async fn duplicate_mutable_accounts() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    // The job's vault as the provider's payout account.
    let vault = j.job(&j.delivered.clone()).await.vault;
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &j.f.provider_usdc.clone(), &vault);
    refused(
        &mut j.f.w.h,
        &[ix],
        &[&consumer],
        ErrorCode::ConstraintDuplicateMutableAccount,
    )
    .await;
    // The provider's payout account as the treasury's.
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &j.f.w.treasury_usdc.clone(), &j.f.provider_usdc.clone());
    refused(
        &mut j.f.w.h,
        &[ix],
        &[&consumer],
        ErrorCode::ConstraintDuplicateMutableAccount,
    )
    .await;
    // At a dispute, the provider's payout account as the consumer's refund account.
    let d = j.delivered;
    j.f.w
        .h
        .send(&[ix::escrow::dispute_job(&consumer.pubkey(), &d)], &[&consumer])
        .await
        .unwrap();
    let jd = j.job(&d).await;
    let s = j.f.w.settle_accounts(&j.f.provider.pubkey());
    let arbiter = j.f.w.arbiter.insecure_clone();
    let ix = ix::escrow::resolve_dispute(&arbiter.pubkey(), &d, &jd, &s, &j.f.provider_usdc, 0);
    refused(
        &mut j.f.w.h,
        &[ix],
        &[&arbiter],
        ErrorCode::ConstraintDuplicateMutableAccount,
    )
    .await;
}

#[tokio::test]
async fn bump_canonicalisation() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    let ck = consumer.pubkey();
    let id = 3u64.to_le_bytes();
    // A job at a non-canonical bump.
    let seeds: [&[u8]; 3] = [JOB_SEED, ck.as_ref(), &id];
    let (forged, _) = non_canonical_pda(&seeds, &ESCROW_ID);
    let mut ix = j.open_ix(3);
    substitute(&mut ix, &pda::job(&ck, 3), &forged);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::ConstraintSeeds).await;
    // Its vault at a non-canonical bump.
    let job = pda::job(&ck, 3);
    let v_seeds: [&[u8]; 2] = [JOB_VAULT_SEED, job.as_ref()];
    let (forged_vault, _) = non_canonical_pda(&v_seeds, &ESCROW_ID);
    let mut ix = j.open_ix(3);
    substitute(&mut ix, &pda::job_vault(&job), &forged_vault);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::ConstraintSeeds).await;
    // A provider at a non-canonical bump.
    let newcomer = j.f.w.keypair().await;
    let nk = newcomer.pubkey();
    let p_seeds: [&[u8]; 2] = [PROVIDER_SEED, nk.as_ref()];
    let (forged_provider, _) = non_canonical_pda(&p_seeds, &ESCROW_ID);
    let mut ix = ix::escrow::register_provider(
        &nk,
        &j.f.w.usdc,
        &TOKEN_PROGRAM_ID,
        RegisterProviderArgs {
            endpoint: "https://infer.example".into(),
            models: vec![],
        },
    );
    substitute(&mut ix, &pda::provider(&nk), &forged_provider);
    refused(&mut j.f.w.h, &[ix], &[&newcomer], ErrorCode::ConstraintSeeds).await;
    // A model allow-list at a non-canonical bump, at acceptance.
    let model = j.f.model;
    let l_seeds: [&[u8]; 2] = [MODEL_PROVIDERS_SEED, model.as_ref()];
    let (forged_list, _) = non_canonical_pda(&l_seeds, &ESCROW_ID);
    let open = j.open;
    let jo = j.job(&open).await;
    let p = j.f.provider.insecure_clone();
    let config = j.f.w.escrow_config().await;
    let mut ix = ix::escrow::accept_job(&p.pubkey(), &open, &jo, &config, u64::MAX);
    substitute(&mut ix, &pda::model_providers(&model), &forged_list);
    refused(&mut j.f.w.h, &[ix], &[&p], ErrorCode::ConstraintSeeds).await;
    // What the escrow created carries the canonical bumps.
    let open = j.open;
    let jo = j.job(&open).await;
    let id2 = 2u64.to_le_bytes();
    let s: [&[u8]; 3] = [JOB_SEED, ck.as_ref(), &id2];
    let vs: [&[u8]; 2] = [JOB_VAULT_SEED, open.as_ref()];
    assert_eq!(
        (jo.bump, jo.vault_bump),
        (canonical_bump(&s, &ESCROW_ID), canonical_bump(&vs, &ESCROW_ID))
    );
}

#[tokio::test]
async fn pda_sharing() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    // The delivered job settled out of the open job's vault.
    let open_vault = j.job(&j.open.clone()).await.vault;
    let delivered_vault = j.job(&j.delivered.clone()).await.vault;
    let mut ix = j.confirm_ix().await;
    substitute(&mut ix, &delivered_vault, &open_vault);
    refused(&mut j.f.w.h, &[ix], &[&consumer], ErrorCode::ConstraintAddress).await;
    // The delivered job paid to another (bonded, serving) provider.
    let (other, other_usdc) = j.f.w.provider(&[j.f.model], BOND).await;
    let mut ix = j.confirm_ix().await;
    substitute(
        &mut ix,
        &pda::provider(&j.f.provider.pubkey()),
        &pda::provider(&other.pubkey()),
    );
    substitute(&mut ix, &j.f.provider_usdc.clone(), &other_usdc);
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::NotJobProvider).await;
    // A dispute resolved against another provider's bond vault.
    let d = j.delivered;
    j.f.w
        .h
        .send(&[ix::escrow::dispute_job(&consumer.pubkey(), &d)], &[&consumer])
        .await
        .unwrap();
    let jd = j.job(&d).await;
    let s = j.f.w.settle_accounts(&j.f.provider.pubkey());
    let arbiter = j.f.w.arbiter.insecure_clone();
    let mut ix = ix::escrow::resolve_dispute(&arbiter.pubkey(), &d, &jd, &s, &j.f.consumer_usdc, 5_000);
    substitute(
        &mut ix,
        &pda::bond_vault(&jd.provider),
        &pda::bond_vault(&pda::provider(&other.pubkey())),
    );
    refused(&mut j.f.w.h, &[ix], &[&arbiter], EscrowError::BondVaultMismatch).await;
    // A missed job whose slash is taken from another provider's bond vault.
    let p = j.f.provider.insecure_clone();
    let open = j.open;
    j.f.w.accept(&p, &open).await.unwrap();
    j.f.w.h.set_time(T + 10_000).await;
    let jo = j.job(&open).await;
    let mut ix = ix::escrow::refund_job(&consumer.pubkey(), &open, &jo, &j.f.consumer_usdc, &TOKEN_PROGRAM_ID);
    substitute(
        &mut ix,
        &pda::bond_vault(&jo.provider),
        &pda::bond_vault(&pda::provider(&other.pubkey())),
    );
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::BondVaultMismatch).await;
}

#[tokio::test]
async fn closing_accounts() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    let d = j.delivered;
    let jd = j.job(&d).await;
    let rent = j.f.w.h.lamports(&d).await;
    let refill = solana_system_interface::instruction::transfer(&j.f.w.h.payer(), &d, rent);
    // The job's and its vault's rent go back to the consumer who paid them, to no one else.
    let thief = j.f.w.keypair().await;
    let mut ix = j.confirm_ix().await;
    ix.accounts
        .iter_mut()
        .filter(|m| m.pubkey == consumer.pubkey() && !m.is_signer)
        .for_each(|m| m.pubkey = thief.pubkey());
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::NotConsumer).await;
    let open = j.open;
    let jo = j.job(&open).await;
    let mut ix = ix::escrow::refund_job(&consumer.pubkey(), &open, &jo, &j.f.consumer_usdc, &TOKEN_PROGRAM_ID);
    substitute(&mut ix, &consumer.pubkey(), &thief.pubkey());
    j.f.w.h.set_time(T + 60).await;
    refused(&mut j.f.w.h, &[ix], &[&thief], EscrowError::NotConsumer).await;
    // Reviving the closed job within the transaction that closed it: the refilled address is
    // a system account, and the dispute that would use it as a job fails, undoing everything.
    let confirm = j.confirm_ix().await;
    let dispute = ix::escrow::dispute_job(&consumer.pubkey(), &d);
    refused(
        &mut j.f.w.h,
        &[confirm.clone(), refill.clone(), dispute.clone()],
        &[&consumer],
        ErrorCode::AccountOwnedByWrongProgram,
    )
    .await;
    assert_eq!(j.job(&d).await.state, JobState::Delivered);
    // Closing and refilling succeed, and leave no job behind.
    j.f.w.h.send(&[confirm, refill], &[&consumer]).await.unwrap();
    let left = j.f.w.h.account(&d).await.unwrap();
    assert_eq!((left.owner, left.data.len()), (anchor_lang::system_program::ID, 0));
    assert!(j.f.w.h.account(&jd.vault).await.is_none(), "the vault is closed");
    refused(
        &mut j.f.w.h,
        &[dispute],
        &[&consumer],
        ErrorCode::AccountOwnedByWrongProgram,
    )
    .await;
}

#[tokio::test]
async fn sysvar_address_checks() {
    let mut j = jobs().await;
    let consumer = j.f.consumer.insecure_clone();
    let late = fake_clock(&mut j.f.w.h, T + 1_000_000).await;
    // Release before the challenge window closed, with a forged clock saying it has.
    let d = j.delivered;
    let jd = j.job(&d).await;
    let s = j.f.w.settle_accounts(&j.f.provider.pubkey());
    let stranger = j.f.w.keypair().await;
    let mut ix = ix::escrow::release_job(&stranger.pubkey(), &d, &jd, &s);
    ix.accounts.push(AccountMeta::new_readonly(late, false));
    refused(&mut j.f.w.h, &[ix], &[&stranger], EscrowError::ChallengeWindowOpen).await;
    // Refund of an open job before its accept window closed, with the same forged clock.
    let o = j.open;
    let jo = j.job(&o).await;
    let mut ix = ix::escrow::refund_job(&consumer.pubkey(), &o, &jo, &j.f.consumer_usdc, &TOKEN_PROGRAM_ID);
    ix.accounts.push(AccountMeta::new_readonly(late, false));
    refused(&mut j.f.w.h, &[ix], &[&consumer], EscrowError::AcceptWindowOpen).await;
}
