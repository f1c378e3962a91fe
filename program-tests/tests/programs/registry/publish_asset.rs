use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::Mint;
use tessera_client::{
    ix, pda,
    registry::{
        errors::RegistryError,
        events::AssetPublished,
        instructions::ParentInput,
        state::{AssetKind, AssetState},
    },
    royalties::{errors::RoyaltiesError, events::SplitCreated},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestKeypair, TestSigner, TransactionError};

fn unit<T>(r: Result<T, TransactionError>) -> tessera_program_tests::TxResult {
    r.map(|_| Default::default())
}

#[tokio::test]
async fn publishes_a_dataset_with_its_access_mint_and_split() {
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let coauthor = w.keypair().await;
    let mut args = publish_args(
        1,
        2 * USDC,
        86_400,
        &[(publisher.pubkey(), 6_000), (coauthor.pubkey(), 4_000)],
    );
    args.max_supply = 100;
    let ix = w.publish_ix(&publisher.pubkey(), args.clone());
    let out = w.h.send(&[ix], &[&publisher]).await.unwrap();
    let asset_key = pda::asset(&publisher.pubkey(), &args.content_hash);

    let a = w.asset(&asset_key).await;
    assert_eq!(a.publisher, publisher.pubkey());
    assert_eq!((a.kind, a.state), (AssetKind::Dataset, AssetState::Listed));
    assert_eq!(a.content_hash, args.content_hash);
    assert_eq!(
        (a.price, a.max_supply, a.access_duration, a.sold),
        (2 * USDC, 100, 86_400, 0)
    );
    assert_eq!(a.uri, args.uri);
    assert_eq!(a.license, args.license);
    assert_eq!(a.access_mint, pda::access_mint(&asset_key));
    assert_eq!(a.split, pda::split(&asset_key));
    assert_eq!(a.payment_mint, w.usdc);

    // The access mint: decimals 0, mint authority the asset PDA, no freeze authority.
    let mint: Mint = w.h.fetch(&a.access_mint).await.unwrap();
    assert_eq!(mint.decimals, 0);
    assert_eq!(Option::<Pubkey>::from(mint.mint_authority), Some(asset_key));
    assert_eq!(Option::<Pubkey>::from(mint.freeze_authority), None);
    assert_eq!(mint.supply, 0);

    // The split: the publisher is its authority; the vault is a USDC account of the split.
    let split = w.split(&asset_key).await;
    assert_eq!(split.authority, publisher.pubkey());
    assert_eq!(split.subject, asset_key);
    assert_eq!(split.mint, w.usdc);
    assert_eq!(
        split.active_recipients(),
        recipients(&[(publisher.pubkey(), 6_000), (coauthor.pubkey(), 4_000)])
    );
    assert_eq!(split.vault, pda::vault(&a.split));
    assert_eq!(w.vault_balance(&asset_key).await, 0);

    let ev: AssetPublished = out.event();
    assert_eq!((ev.asset, ev.kind, ev.price), (asset_key, AssetKind::Dataset, 2 * USDC));
    let ev: SplitCreated = out.event();
    assert_eq!(ev.subject, asset_key);
}

#[tokio::test]
async fn publishes_a_model_with_parents() {
    let mut w = World::new(0).await;
    let (_, d1) = w.listed(1, USDC, 0).await;
    let (_, d2) = w.listed(2, USDC, 0).await;
    let m = w.keypair().await;
    let model = w
        .publish_model(&m, 3, USDC, &[(d1, 2_500), (d2, 2_500)], &[(m.pubkey(), 10_000)])
        .await
        .unwrap();
    let a = w.asset(&model).await;
    assert_eq!(a.kind, AssetKind::Model);
    assert_eq!(a.parents.len(), 2);
    assert_eq!(
        (a.parents[1].asset, a.parents[1].split, a.parents[1].bps),
        (d2, pda::split(&d2), 2_500)
    );
}

#[tokio::test]
async fn refuses_re_publishing_the_same_artifact() {
    let mut w = World::new(0).await;
    let (publisher, asset) = w.listed(1, USDC, 0).await;
    let args = publish_args(1, 9 * USDC, 0, &[(publisher.pubkey(), 10_000)]);
    assert_err(
        unit(w.publish(&publisher, args).await),
        anchor_lang::error::ErrorCode::AccountNotSystemOwned,
    );
    assert_eq!(w.asset(&asset).await.price, USDC, "the existing asset is untouched");
}

/// Case 3: invalid splits are refused and nothing is created.
#[tokio::test]
async fn refuses_invalid_splits_and_creates_nothing() {
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let k: Vec<Pubkey> = (0..17).map(|_| TestKeypair::new().pubkey()).collect();
    let seventeen: Vec<(Pubkey, u16)> = k
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, if i == 0 { 10_000 - 16 * 588 } else { 588 }))
        .collect();
    let cases: Vec<(Vec<(Pubkey, u16)>, RoyaltiesError)> = vec![
        (vec![(k[0], 9_999)], RoyaltiesError::SharesDoNotSumTo10000),
        (seventeen, RoyaltiesError::TooManyRecipients),
        (vec![(k[0], 5_000), (k[0], 5_000)], RoyaltiesError::DuplicateRecipient),
        (vec![(k[0], 0), (k[1], 10_000)], RoyaltiesError::ZeroShare),
        (vec![(k[0], 10_001)], RoyaltiesError::ShareAboveMax),
    ];
    for (i, (split, err)) in cases.into_iter().enumerate() {
        let args = publish_args(10 + i as u8, USDC, 0, &split);
        let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
        assert_err(unit(w.publish(&publisher, args).await), err);
        assert!(w.h.account(&asset).await.is_none(), "no asset");
        assert!(w.h.account(&pda::access_mint(&asset)).await.is_none(), "no mint");
        assert!(w.h.account(&pda::split(&asset)).await.is_none(), "no split");
    }
}

#[tokio::test]
async fn refuses_bad_metadata() {
    let mut w = World::new(0).await;
    let p = w.keypair().await;
    let me = [(p.pubkey(), 10_000)];
    let mut a = publish_args(1, USDC, 0, &me);
    a.uri = "x".repeat(201);
    assert_err(unit(w.publish(&p, a).await), RegistryError::UriTooLong);
    let mut a = publish_args(1, USDC, 0, &me);
    a.uri = String::new();
    assert_err(unit(w.publish(&p, a).await), RegistryError::UriEmpty);
    let mut a = publish_args(1, USDC, 0, &me);
    a.content_hash = [0; 32];
    assert_err(unit(w.publish(&p, a).await), RegistryError::ZeroContentHash);
    let mut a = publish_args(1, USDC, 0, &me);
    a.license.flags = 0b1000;
    assert_err(unit(w.publish(&p, a).await), RegistryError::InvalidLicenseFlags);
    let mut a = publish_args(1, USDC, 0, &me);
    a.inference_royalty_bps = 5_001;
    assert_err(unit(w.publish(&p, a).await), RegistryError::InferenceRoyaltyAboveCap);
    let mut a = publish_args(1, USDC, 0, &me);
    a.uri = "u".repeat(200);
    w.publish(&p, a).await.expect("200 bytes is the limit");
}

#[tokio::test]
async fn refuses_bad_parents() {
    let mut w = World::new(0).await;
    let (_, d1) = w.listed(1, USDC, 0).await;
    let (_, d2) = w.listed(2, USDC, 0).await;
    let m = w.keypair().await;
    let me = [(m.pubkey(), 10_000)];

    // A dataset cannot declare parents.
    let mut a = publish_args(20, USDC, 0, &me);
    a.parents = vec![ParentInput { asset: d1, bps: 100 }];
    assert_err(unit(w.publish(&m, a).await), RegistryError::DatasetCannotHaveParents);
    // Sum over the cap.
    assert_err(
        unit(w.publish_model(&m, 21, USDC, &[(d1, 2_501), (d2, 2_500)], &me).await),
        RegistryError::ParentSharesAboveCap,
    );
    // Duplicates.
    assert_err(
        unit(w.publish_model(&m, 22, USDC, &[(d1, 100), (d1, 100)], &me).await),
        RegistryError::DuplicateParent,
    );
    // Zero share.
    assert_err(
        unit(w.publish_model(&m, 23, USDC, &[(d1, 0)], &me).await),
        RegistryError::ZeroParentShare,
    );
    // Self-reference: the model's own (future) address as its parent.
    let own = pda::asset(&m.pubkey(), &hash(24));
    assert_err(
        unit(w.publish_model(&m, 24, USDC, &[(own, 100)], &me).await),
        RegistryError::SelfParent,
    );
    // Nine parents.
    let mut nine = vec![];
    for s in 30..39u8 {
        nine.push((w.listed(s, USDC, 0).await.1, 100));
    }
    assert_err(
        unit(w.publish_model(&m, 25, USDC, &nine, &me).await),
        RegistryError::TooManyParents,
    );
    // Eight is fine.
    w.publish_model(&m, 26, USDC, &nine[..8], &me)
        .await
        .expect("eight parents");
}

#[tokio::test]
async fn refuses_parent_accounts_that_do_not_match() {
    let mut w = World::new(0).await;
    let (_, d1) = w.listed(1, USDC, 0).await;
    let (_, d2) = w.listed(2, USDC, 0).await;
    let m = w.keypair().await;
    let mut a = publish_args(3, USDC, 0, &[(m.pubkey(), 10_000)]);
    a.kind = AssetKind::Model;
    a.parents = vec![ParentInput { asset: d1, bps: 1_000 }];
    // Missing remaining account.
    let mut ix = w.publish_ix(&m.pubkey(), a.clone());
    ix.accounts.pop();
    assert_err(w.h.send(&[ix], &[&m]).await, RegistryError::ParentAccountsMismatch);
    // Another asset in place of the declared parent.
    let mut ix = w.publish_ix(&m.pubkey(), a.clone());
    ix.accounts.last_mut().unwrap().pubkey = d2;
    assert_err(w.h.send(&[ix], &[&m]).await, RegistryError::ParentAccountsMismatch);
    // A non-asset account (the parent's split, owned by the royalties program).
    a.parents = vec![ParentInput {
        asset: pda::split(&d1),
        bps: 1_000,
    }];
    let ix = w.publish_ix(&m.pubkey(), a);
    assert_err(
        w.h.send(&[ix], &[&m]).await,
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram,
    );
}

#[tokio::test]
async fn refuses_a_parent_in_another_mint_or_retired() {
    let mut w = World::new(0).await;
    let other = w.h.create_mint(6, &TOKEN_PROGRAM_ID).await;
    let usdc = w.usdc;
    w.update_config(tessera_client::registry::instructions::UpdateConfigArgs {
        payment_mints: Some(vec![usdc, other]),
        ..Default::default()
    })
    .await
    .unwrap();
    let p = w.keypair().await;
    let args = publish_args(1, USDC, 0, &[(p.pubkey(), 10_000)]);
    let foreign = pda::asset(&p.pubkey(), &args.content_hash);
    let ix = ix::registry::publish_asset(&p.pubkey(), &other, &TOKEN_PROGRAM_ID, None, args);
    w.h.send(&[ix], &[&p]).await.unwrap();
    let m = w.keypair().await;
    let me = [(m.pubkey(), 10_000)];
    assert_err(
        unit(w.publish_model(&m, 2, USDC, &[(foreign, 100)], &me).await),
        RegistryError::ParentMintMismatch,
    );

    let (dp, d) = w.listed(3, USDC, 0).await;
    w.h.send(&[ix::registry::retire_asset(&dp.pubkey(), &d)], &[&dp])
        .await
        .unwrap();
    assert_err(
        unit(w.publish_model(&m, 4, USDC, &[(d, 100)], &me).await),
        RegistryError::ParentRetired,
    );
}

#[tokio::test]
async fn links_a_new_version_to_the_one_it_supersedes() {
    let mut w = World::new(0).await;
    let (p, v1) = w.listed(1, USDC, 0).await;
    let args = publish_args(2, 2 * USDC, 0, &[(p.pubkey(), 10_000)]);
    let v2 = pda::asset(&p.pubkey(), &args.content_hash);
    let ix = ix::registry::publish_asset(&p.pubkey(), &w.usdc, &TOKEN_PROGRAM_ID, Some(v1), args);
    let out = w.h.send(&[ix], &[&p]).await.unwrap();
    assert_eq!(out.event::<AssetPublished>().previous_version, Some(v1));
    assert_eq!(w.asset(&v1).await.successor, Some(v2));
    assert_eq!(w.asset(&v2).await.previous_version, Some(v1));
    assert_eq!(w.asset(&v1).await.content_hash, hash(1), "the old hash never changes");

    // v1 already has a successor.
    let args = publish_args(3, USDC, 0, &[(p.pubkey(), 10_000)]);
    let ix = ix::registry::publish_asset(&p.pubkey(), &w.usdc, &TOKEN_PROGRAM_ID, Some(v1), args);
    assert_err(w.h.send(&[ix], &[&p]).await, RegistryError::InvalidPreviousVersion);
    // Another publisher cannot supersede v2.
    let q = w.keypair().await;
    let args = publish_args(4, USDC, 0, &[(q.pubkey(), 10_000)]);
    let ix = ix::registry::publish_asset(&q.pubkey(), &w.usdc, &TOKEN_PROGRAM_ID, Some(v2), args);
    assert_err(w.h.send(&[ix], &[&q]).await, RegistryError::InvalidPreviousVersion);
}

#[tokio::test]
async fn refuses_a_split_address_of_another_asset() {
    let mut w = World::new(0).await;
    let (_, other) = w.listed(1, USDC, 0).await;
    let p = w.keypair().await;
    let args = publish_args(2, USDC, 0, &[(p.pubkey(), 10_000)]);
    let asset = pda::asset(&p.pubkey(), &args.content_hash);
    let mut ix = w.publish_ix(&p.pubkey(), args);
    tessera_program_tests::substitute(&mut ix, &pda::split(&asset), &pda::split(&other));
    // The royalties program re-derives the split from the asset that signs: seeds mismatch.
    assert_err(
        w.h.send(&[ix], &[&p]).await,
        anchor_lang::error::ErrorCode::ConstraintSeeds,
    );
}

#[tokio::test]
async fn refuses_payment_mints_with_unsupported_token_2022_extensions() {
    use anchor_spl::token_2022::spl_token_2022::{extension::ExtensionType, instruction as t22};
    use tessera_client::{registry::instructions::UpdateConfigArgs, TOKEN_2022_PROGRAM_ID as T22};

    let mut w = World::new(0).await;
    let authority = w.h.payer();
    let hook_program = tessera_client::ESCROW_ID; // any program id: the mint is refused before
    let delegate =
        w.h.create_token_2022_mint_with(6, &[ExtensionType::PermanentDelegate], |m| {
            vec![t22::initialize_permanent_delegate(&T22, m, &authority).unwrap()]
        })
        .await;
    let closable =
        w.h.create_token_2022_mint_with(6, &[ExtensionType::MintCloseAuthority], |m| {
            vec![t22::initialize_mint_close_authority(&T22, m, Some(&authority)).unwrap()]
        })
        .await;
    let hooked =
        w.h.create_token_2022_mint_with(6, &[ExtensionType::TransferHook], |m| {
            vec![
                anchor_spl::token_2022::spl_token_2022::extension::transfer_hook::instruction::initialize(
                    &T22,
                    m,
                    Some(authority),
                    Some(hook_program),
                )
                .unwrap(),
            ]
        })
        .await;
    let soulbound =
        w.h.create_token_2022_mint_with(6, &[ExtensionType::NonTransferable], |m| {
            vec![t22::initialize_non_transferable_mint(&T22, m).unwrap()]
        })
        .await;
    // Supported: a plain Token-2022 mint, and one that only points at its metadata.
    let plain = w.h.create_token_2022_mint_with(6, &[], |_| vec![]).await;
    let described =
        w.h.create_token_2022_mint_with(6, &[ExtensionType::MetadataPointer], |m| {
            vec![
                anchor_spl::token_2022::spl_token_2022::extension::metadata_pointer::instruction::initialize(
                    &T22,
                    m,
                    Some(authority),
                    Some(*m),
                )
                .unwrap(),
            ]
        })
        .await;
    let all = vec![delegate, closable, hooked, soulbound, plain, described];
    w.update_config(UpdateConfigArgs {
        payment_mints: Some(all),
        ..Default::default()
    })
    .await
    .unwrap();

    let publisher = w.keypair().await;
    for (i, mint) in [delegate, closable, hooked, soulbound].into_iter().enumerate() {
        let args = publish_args(40 + i as u8, USDC, 0, &[(publisher.pubkey(), 10_000)]);
        let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
        let ix = ix::registry::publish_asset(&publisher.pubkey(), &mint, &T22, None, args);
        assert_err(
            w.h.send(&[ix], &[&publisher]).await,
            RegistryError::UnsupportedMintExtension,
        );
        assert!(w.h.account(&asset).await.is_none(), "nothing created for mint {i}");
    }
    for (i, mint) in [plain, described].into_iter().enumerate() {
        let args = publish_args(50 + i as u8, USDC, 0, &[(publisher.pubkey(), 10_000)]);
        let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
        let ix = ix::registry::publish_asset(&publisher.pubkey(), &mint, &T22, None, args);
        w.h.send(&[ix], &[&publisher])
            .await
            .expect("a supported Token-2022 mint");
        assert_eq!(w.asset(&asset).await.payment_mint, mint);
    }
}
