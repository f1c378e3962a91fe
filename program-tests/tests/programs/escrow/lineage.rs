//! The lineage rule in job settlements (`confirm_job`, `release_job`, `resolve_dispute`,
//! `settle_dispute`): the model's royalty pays each parent dataset's split its share, the
//! model's split the rest, as a channel settlement and a pass sale do. The parents' splits and
//! vaults are remaining accounts, checked against the model asset.

use tessera_client::{
    escrow::{errors::EscrowError, events::JobSettled},
    ix, pda,
    royalties::errors::RoyaltiesError,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

use super::*;

const FEE_BPS: u16 = 100;
const ROYALTY_BPS: u16 = 2_000;
const PARENT_BPS: [u16; 2] = [3_000, 1_000];

/// The escrow fixture, but the model was trained on two datasets (30% and 10% of its royalty).
async fn fixture_with_parents() -> (Fx, [Pubkey; 2]) {
    let mut w = World::new(0).await;
    w.init_escrow(FEE_BPS, SLASH_BPS, USDC, 86_400).await;
    let (_, d1) = w.listed(81, USDC, 0).await;
    let (_, d2) = w.listed(82, USDC, 0).await;
    let model_publisher = w.keypair().await;
    let mut args = publish_args(83, USDC, 3_600, &[(model_publisher.pubkey(), 10_000)]);
    args.kind = tessera_client::registry::state::AssetKind::Model;
    args.inference_royalty_bps = ROYALTY_BPS;
    args.parents = vec![
        tessera_client::registry::instructions::ParentInput {
            asset: d1,
            bps: PARENT_BPS[0],
        },
        tessera_client::registry::instructions::ParentInput {
            asset: d2,
            bps: PARENT_BPS[1],
        },
    ];
    let model = w.publish(&model_publisher, args).await.unwrap();
    let (provider, provider_usdc) = w.provider(&[model], BOND).await;
    let (consumer, consumer_usdc) = w.buyer(100 * USDC).await;
    w.h.set_time(T).await;
    let fx = Fx {
        w,
        model,
        model_publisher,
        provider,
        provider_usdc,
        consumer,
        consumer_usdc,
    };
    (fx, [d1, d2])
}

#[tokio::test]
async fn a_confirmed_job_pays_the_parents_from_the_royalty() {
    let (mut f, parents) = fixture_with_parents().await;
    let job = f.delivered(1, WINDOWS).await;
    let j = f.w.job(&job).await;
    let s = f.w.settle_accounts_for(&j).await;
    assert_eq!(s.parent_splits, vec![pda::split(&parents[0]), pda::split(&parents[1])]);
    let before = (f.treasury_balance().await, f.provider_balance().await);
    let c = f.consumer.insecure_clone();
    let out =
        f.w.h
            .send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c])
            .await
            .unwrap();

    // 2.0: fee 1% = 20,000; royalty 20% = 400,000, of which 120,000 and 40,000 to the parents
    // and 240,000 to the model's split; 1,580,000 to the provider.
    let ev: JobSettled = out.event();
    assert_eq!(ev.to_treasury, 20_000);
    assert_eq!(ev.to_parents, vec![120_000, 40_000]);
    assert_eq!(ev.to_model_split, 240_000);
    assert_eq!((ev.to_provider, ev.to_consumer), (1_580_000, 0));
    assert_eq!(f.w.vault_balance(&parents[0]).await, 120_000);
    assert_eq!(f.w.vault_balance(&parents[1]).await, 40_000);
    let m = f.model;
    assert_eq!(f.w.vault_balance(&m).await, 240_000);
    assert_eq!(f.treasury_balance().await - before.0, 20_000);
    assert_eq!(f.provider_balance().await - before.1, 1_580_000);
    let total: u64 = ev.to_treasury + ev.to_parents.iter().sum::<u64>() + ev.to_model_split + ev.to_provider;
    assert_eq!(total, FEE, "every base unit of the fee reaches someone");
}

#[tokio::test]
async fn a_dispute_settled_by_default_pays_the_parents_from_the_providers_half() {
    let (mut f, parents) = fixture_with_parents().await;
    let job = f.delivered(1, WINDOWS).await;
    let c = f.consumer.insecure_clone();
    f.w.h
        .send(&[ix::escrow::dispute_job(&c.pubkey(), &job)], &[&c])
        .await
        .unwrap();
    let j = f.w.job(&job).await;
    f.w.h.set_time(j.dispute_deadline).await;
    let s = f.w.settle_accounts_for(&j).await;
    let caller = f.w.keypair().await;
    let consumer_ata = pda::ata(&j.consumer, &j.mint, &s.token_program);
    let ix = ix::escrow::settle_dispute(&caller.pubkey(), &job, &j, &s, &consumer_ata);
    let out = f.w.h.send(&[ix], &[&caller]).await.unwrap();
    let ev: JobSettled = out.event();
    // The provider's half, 1.0: fee 10,000; royalty 200,000 → parents 60,000 and 20,000.
    assert_eq!((ev.to_consumer, ev.to_treasury), (1_000_000, 10_000));
    assert_eq!(ev.to_parents, vec![60_000, 20_000]);
    assert_eq!((ev.to_model_split, ev.to_provider), (120_000, 790_000));
    assert_eq!(f.w.vault_balance(&parents[0]).await, 60_000);
    assert_eq!(f.w.vault_balance(&parents[1]).await, 20_000);
}

#[tokio::test]
async fn the_parents_accounts_are_checked_against_the_model() {
    let (mut f, parents) = fixture_with_parents().await;
    let job = f.delivered(1, WINDOWS).await;
    let j = f.w.job(&job).await;
    let c = f.consumer.insecure_clone();
    let good = f.w.settle_accounts_for(&j).await;

    // No parents passed (a client unaware of the lineage).
    let mut s = good.clone();
    s.parent_splits.clear();
    assert_err(
        f.w.h.send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c]).await,
        EscrowError::ParentAccountsMismatch,
    );
    // One parent only.
    let mut s = good.clone();
    s.parent_splits.pop();
    assert_err(
        f.w.h.send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c]).await,
        EscrowError::ParentAccountsMismatch,
    );
    // The parents in the wrong order.
    let mut s = good.clone();
    s.parent_splits.reverse();
    assert_err(
        f.w.h.send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c]).await,
        EscrowError::SplitMismatch,
    );
    // Another dataset's split in place of a parent's.
    let (_, other) = f.w.listed(84, USDC, 0).await;
    let mut s = good.clone();
    s.parent_splits[1] = pda::split(&other);
    assert_err(
        f.w.h.send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&c]).await,
        EscrowError::SplitMismatch,
    );
    // The right split with another split's vault: the royalties program refuses the deposit.
    let mut ix = ix::escrow::confirm_job(&job, &j, &good);
    let last = ix.accounts.len() - 1;
    assert_eq!(ix.accounts[last].pubkey, pda::vault(&pda::split(&parents[1])));
    ix.accounts[last].pubkey = pda::vault(&pda::split(&other));
    assert_err(f.w.h.send(&[ix], &[&c]).await, RoyaltiesError::VaultMismatch);
    // Another model asset in place of the job's (its parents would be other splits).
    let (_, other_model) = f.w.listed(85, USDC, 0).await;
    let mut ix = ix::escrow::confirm_job(&job, &j, &good);
    substitute(&mut ix, &f.model, &other_model);
    assert_err(f.w.h.send(&[ix], &[&c]).await, EscrowError::ModelMismatch);
    assert_eq!(f.w.h.balance(&j.vault).await, FEE, "nothing moved");

    // The right accounts settle.
    f.w.h
        .send(&[ix::escrow::confirm_job(&job, &j, &good)], &[&c])
        .await
        .unwrap();
    assert_eq!(f.w.vault_balance(&parents[0]).await, 120_000);
}
