use anchor_lang::{error::ErrorCode, AnchorDeserialize};
use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, state::VerifiedAccess},
    REGISTRY_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, substitute, world::*, TestSigner};

/// The registry's return data names the asset and the holder whose access it verified, so a
/// calling program can check it verified the access it asked about. (On the host the registry
/// sets the return data through the runtime's syscall stubs: `solana-cpi` 3.1's own
/// `set_return_data` only works on `target_os = "solana"`.)
#[tokio::test]
async fn returns_the_verified_holder_and_asset() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 600).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.h.set_time(2_000_000_000).await;
    w.buy(&buyer, &usdc, &asset, 2, USDC).await.unwrap();
    let out =
        w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
            .await
            .unwrap();
    let (program, data) = out.return_data.expect("verify_access sets return data");
    assert_eq!(program, REGISTRY_ID);
    let verified = VerifiedAccess::deserialize(&mut data.as_slice()).unwrap();
    assert_eq!(
        verified,
        VerifiedAccess {
            asset,
            holder: buyer.pubkey(),
            expires_at: 2_000_001_200,
            perpetual: false,
            balance: 2
        }
    );
    w.h.set_time(2_000_001_199).await;
    w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
        .await
        .expect("valid to the last second");
    w.h.set_time(2_000_001_200).await;
    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
            .await,
        RegistryError::PassExpired,
    );
}

#[tokio::test]
async fn refuses_without_an_access_token() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.unwrap();
    w.h.send(&[ix::registry::redeem_access(&buyer.pubkey(), &asset, 1)], &[&buyer])
        .await
        .unwrap();
    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &buyer.pubkey())], &[])
            .await,
        RegistryError::NoAccessToken,
    );
}

#[tokio::test]
async fn refuses_another_holders_tokens() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (alice, a_usdc) = w.buyer(10 * USDC).await;
    let (bob, b_usdc) = w.buyer(10 * USDC).await;
    w.buy(&alice, &a_usdc, &asset, 1, USDC).await.unwrap();
    w.buy(&bob, &b_usdc, &asset, 1, USDC).await.unwrap();
    w.h.send(&[ix::registry::redeem_access(&bob.pubkey(), &asset, 1)], &[&bob])
        .await
        .unwrap();
    let mint = pda::access_mint(&asset);
    let mut ix = ix::registry::verify_access(&asset, &bob.pubkey());
    substitute(
        &mut ix,
        &pda::ata(&bob.pubkey(), &mint, &TOKEN_PROGRAM_ID),
        &pda::ata(&alice.pubkey(), &mint, &TOKEN_PROGRAM_ID),
    );
    assert_err(w.h.send(&[ix], &[]).await, RegistryError::NoAccessToken);
}

#[tokio::test]
async fn refuses_a_pass_of_another_asset() {
    let mut w = World::new(0).await;
    let (_, a1) = w.listed(1, USDC, 0).await;
    let (_, a2) = w.listed(2, USDC, 0).await;
    let (buyer, usdc) = w.buyer(10 * USDC).await;
    w.buy(&buyer, &usdc, &a2, 1, USDC).await.unwrap();
    w.h.ata(&buyer.pubkey(), &pda::access_mint(&a1), &TOKEN_PROGRAM_ID)
        .await;
    let mut ix = ix::registry::verify_access(&a1, &buyer.pubkey());
    substitute(
        &mut ix,
        &pda::pass(&a1, &buyer.pubkey()),
        &pda::pass(&a2, &buyer.pubkey()),
    );
    assert_err(w.h.send(&[ix], &[]).await, ErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn refuses_when_no_pass_exists() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let stranger = w.keypair().await;
    w.h.ata(&stranger.pubkey(), &pda::access_mint(&asset), &TOKEN_PROGRAM_ID)
        .await;
    assert_err(
        w.h.send(&[ix::registry::verify_access(&asset, &stranger.pubkey())], &[])
            .await,
        ErrorCode::AccountNotInitialized,
    );
}
