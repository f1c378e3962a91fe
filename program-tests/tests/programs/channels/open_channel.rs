//! `open_channel`: a payer funds a channel to a provider serving a listed model; the terms that
//! decide its money are snapshotted.

use tessera_client::{
    channels::{errors::ChannelsError, events::ChannelOpened, instructions::UpdateConfigArgs},
    ix, pda,
    registry::state::AssetKind,
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

#[tokio::test]
async fn a_payer_opens_and_funds_a_channel() {
    let mut f = fixture().await;
    let session = f.w.keypair().await;
    let before = f.w.h.balance(&f.payer_usdc).await;
    let p = f.payer.insecure_clone();
    let ix = f.open_ix(&f.model, Fx::open_args(1, DEPOSIT, session.pubkey(), GRACE));
    let out = f.w.h.send(&[ix], &[&p]).await.expect("open_channel");
    let channel = pda::channel(&p.pubkey(), 1);
    let c = f.channel(&channel).await;
    let m = f.model_asset().await;
    assert_eq!(
        (c.payer, c.payee, c.provider, c.authorized_signer, c.model),
        (
            p.pubkey(),
            f.payee.pubkey(),
            pda::provider(&f.payee.pubkey()),
            session.pubkey(),
            f.model
        )
    );
    assert_eq!(
        (c.model_split, c.mint, c.vault, c.channel_id),
        (m.split, f.w.usdc, pda::channel_vault(&channel), 1)
    );
    assert_eq!(
        (c.deposit, c.settled, c.fee_bps, c.royalty_bps),
        (DEPOSIT, 0, FEE_BPS, ROYALTY_BPS)
    );
    assert_eq!((c.close_grace, c.close_requested_at, c.opened_at), (GRACE, 0, T));
    assert_eq!(f.w.h.balance(&c.vault).await, DEPOSIT);
    assert_eq!(before - f.w.h.balance(&f.payer_usdc).await, DEPOSIT);
    let ev: ChannelOpened = out.event();
    assert_eq!(
        (
            ev.channel,
            ev.payer,
            ev.payee,
            ev.authorized_signer,
            ev.deposit,
            ev.close_grace,
            ev.opened_at
        ),
        (
            channel,
            p.pubkey(),
            f.payee.pubkey(),
            session.pubkey(),
            DEPOSIT,
            GRACE,
            T
        )
    );
    assert_eq!(
        (ev.fee_bps, ev.royalty_bps, ev.channel_id, ev.mint),
        (FEE_BPS, ROYALTY_BPS, 1, f.w.usdc)
    );
    // The same id again is refused: it is not the payer's next one (see payer_channels.rs).
    let ix = f.open_ix(&f.model, Fx::open_args(1, DEPOSIT, session.pubkey(), GRACE));
    assert_err(f.w.h.send(&[ix], &[&p]).await, ChannelsError::ChannelIdNotNext);
}

#[tokio::test]
async fn a_dataset_or_a_delisted_model_is_refused() {
    let mut f = fixture().await;
    let s = f.payer.pubkey();
    let [d1, _] = f.parents;
    assert_eq!(f.w.asset(&d1).await.kind, AssetKind::Dataset);
    let p = f.payer.insecure_clone();
    let ix = f.open_ix(&d1, Fx::open_args(1, DEPOSIT, s, GRACE));
    assert_err(f.w.h.send(&[ix], &[&p]).await, ChannelsError::NotAModel);
    let mp = f.model_publisher.insecure_clone();
    let delist = ix::registry::delist_asset(&mp.pubkey(), &f.model);
    f.w.h.send(&[delist], &[&mp]).await.unwrap();
    assert_err(
        f.open_with(Fx::open_args(1, DEPOSIT, s, GRACE))
            .await
            .map(|_| Default::default()),
        ChannelsError::ModelNotListed,
    );
}

#[tokio::test]
async fn the_provider_must_serve_the_model_and_be_allowed() {
    let mut f = fixture().await;
    let s = f.payer.pubkey();
    let p = f.payer.insecure_clone();
    // A provider serving another model only.
    let (other, _) = f.w.provider(&[f.parents[0]], 0).await;
    let ix = f.open_ix_by(
        &s,
        &f.payer_usdc,
        &f.model,
        &other.pubkey(),
        Fx::open_args(1, DEPOSIT, s, GRACE),
    );
    assert_err(f.w.h.send(&[ix], &[&p]).await, ChannelsError::ProviderDoesNotServeModel);
    // The publisher allows only another provider: the fixture's is refused, the other one not.
    let (allowed, _) = f.w.provider(&[f.model], 0).await;
    let mp = f.model_publisher.insecure_clone();
    let list = ix::escrow::set_model_providers(&mp.pubkey(), &f.model, vec![pda::provider(&allowed.pubkey())]);
    f.w.h.send(&[list], &[&mp]).await.unwrap();
    assert_err(
        f.open_with(Fx::open_args(1, DEPOSIT, s, GRACE))
            .await
            .map(|_| Default::default()),
        ChannelsError::ProviderNotAllowed,
    );
    let ix = f.open_ix_by(
        &s,
        &f.payer_usdc,
        &f.model,
        &allowed.pubkey(),
        Fx::open_args(1, DEPOSIT, s, GRACE),
    );
    f.w.h.send(&[ix], &[&p]).await.expect("an allowed provider");
    let c = f.channel(&pda::channel(&s, 1)).await;
    assert_eq!(c.payee, allowed.pubkey());
}

#[tokio::test]
async fn the_grace_must_be_within_the_bounds_and_the_deposit_above_zero() {
    let mut f = fixture().await;
    let s = f.payer.pubkey();
    for grace in [0, MIN_GRACE - 1, MAX_GRACE + 1] {
        let res = f.open_with(Fx::open_args(1, DEPOSIT, s, grace)).await;
        assert_err(res.map(|_| Default::default()), ChannelsError::GraceOutOfBounds);
    }
    let res = f.open_with(Fx::open_args(1, 0, s, GRACE)).await;
    assert_err(res.map(|_| Default::default()), ChannelsError::ZeroAmount);
    for (id, grace) in [(1, MIN_GRACE), (2, MAX_GRACE)] {
        f.open_with(Fx::open_args(id, 1, s, grace))
            .await
            .expect("a bound is allowed");
    }
}

#[tokio::test]
async fn a_paused_program_opens_no_channel() {
    let mut f = fixture().await;
    let admin = f.w.admin.insecure_clone();
    let pause = |paused| {
        ix::channels::update_config(
            &admin.pubkey(),
            UpdateConfigArgs {
                paused: Some(paused),
                ..Default::default()
            },
        )
    };
    f.w.h.send(&[pause(true)], &[&admin]).await.unwrap();
    let s = f.payer.pubkey();
    let res = f.open_with(Fx::open_args(1, DEPOSIT, s, GRACE)).await;
    assert_err(res.map(|_| Default::default()), ChannelsError::ChannelsPaused);
    f.w.h.send(&[pause(false)], &[&admin]).await.unwrap();
    f.open_with(Fx::open_args(1, DEPOSIT, s, GRACE))
        .await
        .expect("unpaused");
}

#[tokio::test]
async fn a_gated_model_needs_the_payers_pass() {
    let mut f = fixture().await;
    let mp = f.model_publisher.insecure_clone();
    let mut args = publish_args(91, USDC, 0, &[(mp.pubkey(), 10_000)]);
    args.kind = AssetKind::Model;
    args.inference_gated = true;
    let gated = f.w.publish(&mp, args).await.unwrap();
    let payee = f.payee.insecure_clone();
    let update = ix::escrow::update_provider(
        &payee.pubkey(),
        tessera_client::escrow::instructions::RegisterProviderArgs {
            endpoint: "https://infer.example/v1".into(),
            models: vec![f.model, gated],
        },
    );
    f.w.h.send(&[update], &[&payee]).await.unwrap();
    let (s, pu) = (f.payer.pubkey(), f.payer_usdc);
    let p = f.payer.insecure_clone();
    let open = |gated_flag: bool, id: u64| {
        ix::channels::open_channel(
            &OpenChannelAccounts {
                payer: s,
                model: gated,
                provider_authority: payee.pubkey(),
                mint: f.w.usdc,
                payer_token_account: pu,
                token_program: TOKEN_PROGRAM_ID,
                gated: gated_flag,
            },
            Fx::open_args(id, DEPOSIT, s, GRACE),
        )
    };
    let (no_proof, with_proof) = (open(false, 1), open(true, 1));
    assert_err(f.w.h.send(&[no_proof], &[&p]).await, ChannelsError::AccessProofMissing);
    // A pass bought: the registry's `verify_access` admits the payer.
    f.w.buy(&p, &pu, &gated, 1, USDC).await.expect("buy a pass");
    f.w.h.send(&[with_proof], &[&p]).await.expect("open with the pass");
}
