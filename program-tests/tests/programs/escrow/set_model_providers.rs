//! Issue 14, item 6: a publisher's opt-in allow-list of the providers that may accept jobs for
//! its model (`set_model_providers`, at `["model_providers", model]`). Before the fix any
//! registered provider could list and serve any model without its publisher's consent.

use anchor_lang::error::ErrorCode;
use tessera_client::{
    escrow::{errors::EscrowError, events::ModelProvidersSet, state::ModelProviders},
    ix, pda,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn a_publisher_chooses_who_serves_its_model() {
    let mut f = fixture(0, 0, false).await;
    let m = f.model;
    let p = f.provider.insecure_clone();
    let (q, _) = f.w.provider(&[m], BOND).await;
    let (pk, qk) = (pda::provider(&p.pubkey()), pda::provider(&q.pubkey()));
    // No list: any provider serving the model accepts.
    let job = f.open(1).await;
    f.w.accept(&p, &job).await.expect("open to all");

    // Only the publisher sets the list, of distinct providers, at most 16.
    let mp = f.model_publisher.insecure_clone();
    let x = f.w.keypair().await;
    let ix = ix::escrow::set_model_providers(&x.pubkey(), &m, vec![qk]);
    assert_err(f.w.h.send(&[ix], &[&x]).await, EscrowError::NotPublisher);
    let ix = ix::escrow::set_model_providers(&mp.pubkey(), &m, vec![qk, qk]);
    assert_err(f.w.h.send(&[ix], &[&mp]).await, EscrowError::DuplicateProvider);
    let many = (0..17).map(|_| Pubkey::new_unique()).collect();
    let ix = ix::escrow::set_model_providers(&mp.pubkey(), &m, many);
    assert_err(f.w.h.send(&[ix], &[&mp]).await, EscrowError::TooManyProviders);
    let out =
        f.w.h
            .send(&[ix::escrow::set_model_providers(&mp.pubkey(), &m, vec![qk])], &[&mp])
            .await
            .unwrap();
    let ev: ModelProvidersSet = out.event();
    assert_eq!((ev.model, ev.publisher, ev.providers), (m, mp.pubkey(), vec![qk]));

    // Listed: q accepts; p, serving the model but not listed, is refused.
    let job = f.open(2).await;
    assert_err(f.w.accept(&p, &job).await, EscrowError::ProviderNotAllowed);
    f.w.accept(&q, &job).await.expect("listed");
    // The publisher lists p too (the list is rewritten in place).
    f.w.h
        .send(
            &[ix::escrow::set_model_providers(&mp.pubkey(), &m, vec![pk, qk])],
            &[&mp],
        )
        .await
        .unwrap();
    let l: ModelProviders = f.w.h.fetch(&pda::model_providers(&m)).await.unwrap();
    assert_eq!(l.providers, vec![pk, qk]);
    let job = f.open(3).await;
    f.w.accept(&p, &job).await.expect("listed now");
    // An empty list admits nobody.
    f.w.h
        .send(&[ix::escrow::set_model_providers(&mp.pubkey(), &m, vec![])], &[&mp])
        .await
        .unwrap();
    let job = f.open(4).await;
    assert_err(f.w.accept(&p, &job).await, EscrowError::ProviderNotAllowed);

    // Another model's list (or any other address) in place of this model's is refused.
    let (op, other) = f.w.listed(77, USDC, 0).await;
    let ix = ix::escrow::set_model_providers(&op.pubkey(), &other, vec![pk]);
    assert_err(f.w.h.send(&[ix], &[&op]).await, EscrowError::NotAModel);
    let j = f.w.job(&job).await;
    let config = f.w.escrow_config().await;
    let mut ix = ix::escrow::accept_job(&p.pubkey(), &job, &j, &config, u64::MAX);
    substitute(&mut ix, &pda::model_providers(&m), &pda::model_providers(&other));
    assert_err(f.w.h.send(&[ix], &[&p]).await, ErrorCode::ConstraintSeeds);
}
