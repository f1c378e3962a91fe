//! The headline scenarios, each checked to the base unit (USDC-like mint, 6 decimals).

use tessera_client::{
    ix, pda,
    registry::{errors::RegistryError, events::AccessBought, instructions::UpdateConfigArgs},
    royalties::{errors::RoyaltiesError, events::Claimed},
    Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

const PRICE: u64 = 1_500_000; // 1.5 USDC

/// Publishes a 70/20/10 dataset, sells it three times and claims; returns the claims.
async fn three_sales_then_claims(fee_bps: u16) -> (World, Vec<u64>, Pubkey) {
    let mut w = World::new(fee_bps).await;
    let publisher = w.keypair().await;
    let (a, b, c) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let args = publish_args(
        1,
        PRICE,
        0,
        &[(a.pubkey(), 7_000), (b.pubkey(), 2_000), (c.pubkey(), 1_000)],
    );
    let asset = w.publish(&publisher, args).await.unwrap();
    for _ in 0..3 {
        let (buyer, usdc) = w.buyer(PRICE).await;
        w.buy(&buyer, &usdc, &asset, 1, PRICE).await.unwrap();
        assert_eq!(w.h.balance(&usdc).await, 0);
    }
    let expected_vault = 3 * PRICE - 3 * (PRICE * u64::from(fee_bps) / 10_000);
    assert_eq!(w.vault_balance(&asset).await, expected_vault);

    let mut claims = vec![];
    for r in [&a, &b, &c] {
        let (res, dest) = w.claim(r, &asset).await;
        let out = res.unwrap();
        let ev: Claimed = out.event();
        assert_eq!(ev.recipient, r.pubkey());
        let got = w.h.balance(&dest).await;
        assert_eq!(ev.amount, got);
        claims.push(got);
    }
    // Second claims get nothing: refused with NothingToClaim, balances unchanged.
    for r in [&a, &b, &c] {
        let (res, _) = w.claim(r, &asset).await;
        assert_err(res, RoyaltiesError::NothingToClaim);
    }
    (w, claims, asset)
}

#[tokio::test]
async fn case1_split_70_20_10_three_sales_no_fee() {
    let (mut w, claims, asset) = three_sales_then_claims(0).await;
    assert_eq!(claims, vec![3_150_000, 900_000, 450_000]);
    assert_eq!(w.vault_balance(&asset).await, 0, "the vault ends empty");
    assert_eq!(w.h.balance(&pda::fee_vault(&asset)).await, 0);
}

#[tokio::test]
async fn case2_same_with_250_bps_protocol_fee() {
    let (mut w, claims, asset) = three_sales_then_claims(250).await;
    let treasury = w.h.balance(&pda::fee_vault(&asset)).await;
    assert_eq!(treasury, 112_500);
    assert_eq!(claims, vec![3_071_250, 877_500, 438_750]);
    assert_eq!(treasury + claims.iter().sum::<u64>(), 4_500_000);
    assert_eq!(w.vault_balance(&asset).await, 0);
}

#[tokio::test]
async fn case4_pass_expiry_and_renewals() {
    const T: i64 = 1_700_000_000;
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let args = publish_args(4, PRICE, 3_600, &[(publisher.pubkey(), 10_000)]);
    let asset = w.publish(&publisher, args).await.unwrap();
    let (buyer, usdc) = w.buyer(10 * PRICE).await;
    let (late, late_usdc) = w.buyer(10 * PRICE).await;
    let verify = ix::registry::verify_access(&asset, &buyer.pubkey());
    let verify_late = ix::registry::verify_access(&asset, &late.pubkey());

    w.h.set_time(T).await;
    let out = w.buy(&buyer, &usdc, &asset, 1, PRICE).await.unwrap();
    let ev: AccessBought = out.event();
    assert_eq!((ev.expires_at, ev.sale_seq), (T + 3_600, 1));
    w.buy(&late, &late_usdc, &asset, 1, PRICE).await.unwrap();

    w.h.set_time(T + 3_599).await;
    w.h.send(&[verify.clone()], &[]).await.expect("valid at T+3599");
    w.h.set_time(T + 3_600).await;
    assert_err(w.h.send(&[verify.clone()], &[]).await, RegistryError::PassExpired);

    // Renewal before expiry extends from the current expiry.
    w.h.set_time(T + 1_800).await;
    w.buy(&buyer, &usdc, &asset, 1, PRICE).await.unwrap();
    assert_eq!(w.pass(&asset, &buyer.pubkey()).await.unwrap().expires_at, 1_700_007_200);

    // Renewal after expiry extends from now.
    w.h.set_time(T + 5_000).await;
    assert_err(w.h.send(&[verify_late.clone()], &[]).await, RegistryError::PassExpired);
    let out = w.buy(&late, &late_usdc, &asset, 1, PRICE).await.unwrap();
    assert_eq!(out.event::<AccessBought>().expires_at, T + 8_600);
    assert_eq!(w.pass(&asset, &late.pubkey()).await.unwrap().expires_at, T + 8_600);
    w.h.send(&[verify_late], &[]).await.expect("valid again");
}

#[tokio::test]
async fn case5_insufficient_balance_and_unlisted_mint() {
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let args = publish_args(5, PRICE, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = w.publish(&publisher, args).await.unwrap();

    let (buyer, usdc) = w.buyer(1_499_999).await;
    let res = w.buy(&buyer, &usdc, &asset, 1, PRICE).await;
    assert_err(res, RegistryError::InsufficientFunds);
    assert!(w.pass(&asset, &buyer.pubkey()).await.is_none(), "no pass exists");
    assert_eq!(w.vault_balance(&asset).await, 0, "the vault has not moved");
    assert_eq!(w.h.balance(&usdc).await, 1_499_999);

    // The admin removes the mint from the allow-list: the listed asset keeps selling in the mint
    // it was published with (the list governs new publications only).
    let admin = w.admin.insecure_clone();
    let other = w.h.create_mint(6, &TOKEN_PROGRAM_ID).await;
    let ix = ix::registry::update_config(
        &admin.pubkey(),
        UpdateConfigArgs {
            payment_mints: Some(vec![other]),
            ..Default::default()
        },
    );
    w.h.send(&[ix], &[&admin]).await.unwrap();
    let (rich, rich_usdc) = w.buyer(10 * PRICE).await;
    w.buy(&rich, &rich_usdc, &asset, 1, PRICE)
        .await
        .expect("the listed asset still sells");
    // Publishing in a mint that is not allowed is refused.
    let args = publish_args(6, PRICE, 0, &[(publisher.pubkey(), 10_000)]);
    assert_err(
        w.publish(&publisher, args).await.map(|_| Default::default()),
        RegistryError::PaymentMintNotAllowed,
    );
}

#[tokio::test]
async fn case7_model_with_two_parents_pays_everyone_in_one_transaction() {
    let mut w = World::new(250).await;
    let (d1_pub, d2_pub, m_pub) = (w.keypair().await, w.keypair().await, w.keypair().await);
    let d1 = w
        .publish(&d1_pub, publish_args(71, 1_000_000, 0, &[(d1_pub.pubkey(), 10_000)]))
        .await
        .unwrap();
    let d2 = w
        .publish(&d2_pub, publish_args(72, 2_000_000, 0, &[(d2_pub.pubkey(), 10_000)]))
        .await
        .unwrap();
    let model = w
        .publish_model(
            &m_pub,
            73,
            3_333_333,
            &[(d1, 1_500), (d2, 1_000)],
            &[(m_pub.pubkey(), 10_000)],
        )
        .await
        .unwrap();
    let stored = w.asset(&model).await;
    assert_eq!(stored.parents.len(), 2);
    assert_eq!(stored.parents[0].split, pda::split(&d1));

    let (buyer, usdc) = w.buyer(2 * 3_333_333).await;
    let out = w.buy(&buyer, &usdc, &model, 2, 3_333_333).await.unwrap();
    let paid = 2 * 3_333_333u64;
    let fee = paid * 250 / 10_000; // 166_666 (rounded down)
    let after_fee = paid - fee;
    let p1 = after_fee * 1_500 / 10_000;
    let p2 = after_fee * 1_000 / 10_000;
    let net = after_fee - p1 - p2;
    assert_eq!(w.h.balance(&pda::fee_vault(&model)).await, fee);
    assert_eq!(w.vault_balance(&d1).await, p1);
    assert_eq!(w.vault_balance(&d2).await, p2);
    assert_eq!(w.vault_balance(&model).await, net);
    assert_eq!(fee + p1 + p2 + net, paid, "adds up exactly to what the buyer paid");
    let ev: AccessBought = out.event();
    assert_eq!(
        (ev.fee, ev.parent_amounts.clone(), ev.net, ev.total),
        (fee, vec![p1, p2], net, paid)
    );
    // The parents' publishers can claim their share.
    let (res, dest) = w.claim(&d1_pub, &d1).await;
    res.unwrap();
    assert_eq!(w.h.balance(&dest).await, p1);
}

/// A seeded random sequence of sales (with parents), claims, `claim_for`s and split updates:
/// after every step Σ paid in = treasury + Σ claimed + Σ vault balances, no recipient is owed
/// more than its vault holds, and a refused transaction moves nothing.
#[tokio::test]
async fn money_is_conserved_over_a_random_sequence() {
    use tessera_client::royalties::instructions::UpdateSplitArgs;

    let mut rng: u64 = 0x5EED_7E55_E4A0_0001;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut w = World::new(175).await;
    let people: Vec<_> = {
        let mut v = vec![];
        for _ in 0..5 {
            v.push(w.keypair().await);
        }
        v
    };
    let d = w
        .publish(
            &people[0],
            publish_args(
                1,
                1_234_567,
                60,
                &[(people[0].pubkey(), 5_000), (people[1].pubkey(), 5_000)],
            ),
        )
        .await
        .unwrap();
    let m = w
        .publish_model(
            &people[2],
            2,
            999_999,
            &[(d, 3_333)],
            &[(people[2].pubkey(), 9_000), (people[3].pubkey(), 1_000)],
        )
        .await
        .unwrap();
    let assets = [d, m];
    let publishers = [0usize, 2];
    let (buyer, usdc) = w.buyer(1_000_000 * USDC).await;
    let start = w.h.balance(&usdc).await;
    let mut claimed: u64 = 0;

    for step in 0..150 {
        let before = (
            w.h.balance(&usdc).await,
            w.h.balance(&pda::fee_vault(&d)).await + w.h.balance(&pda::fee_vault(&m)).await,
            w.vault_balance(&d).await,
            w.vault_balance(&m).await,
        );
        let which = next(2) as usize;
        let asset = assets[which];
        let res = match next(4) {
            0 | 1 => {
                let q = 1 + next(3);
                // Sometimes the guard is too low: a refusal.
                let guard = if next(5) == 0 { 1 } else { u64::MAX };
                w.buy(&buyer, &usdc, &asset, q, guard).await
            }
            2 => {
                let who = &people[next(5) as usize];
                let (res, dest) = w.claim(who, &asset).await;
                let _ = dest;
                res.map(|o| {
                    claimed += o.event::<Claimed>().amount;
                    o
                })
            }
            _ => {
                let p = &people[publishers[which]];
                let a = next(5) as usize;
                let b = (a + 1 + next(4) as usize) % 5;
                let share = 1 + next(9_999) as u16;
                let version = w.split(&asset).await.version;
                let ix = ix::royalties::update_split(
                    &p.pubkey(),
                    &pda::split(&asset),
                    version,
                    UpdateSplitArgs {
                        recipients: recipients(&[(people[a].pubkey(), share), (people[b].pubkey(), 10_000 - share)]),
                    },
                );
                w.h.send(&[ix], &[p]).await
            }
        };
        let after = (
            w.h.balance(&usdc).await,
            w.h.balance(&pda::fee_vault(&d)).await + w.h.balance(&pda::fee_vault(&m)).await,
            w.vault_balance(&d).await,
            w.vault_balance(&m).await,
        );
        if res.is_err() {
            assert_eq!(before, after, "step {step}: a refused transaction moved funds");
        }
        let paid_in = start - after.0;
        assert_eq!(
            paid_in,
            after.1 + claimed + after.2 + after.3,
            "step {step}: conservation"
        );
        for a in assets {
            let split = w.split(&a).await;
            let vault = w.vault_balance(&a).await;
            let owed: u64 = split.entries.iter().map(|e| split.owed(&e.address).unwrap()).sum();
            assert!(owed <= vault, "step {step}: owed {owed} > vault {vault}");
        }
    }
    assert!(claimed > 0);
}
