//! External audit of the issue-14 changes (royalties). Regression checks of attacks that the
//! audit tried and found refused (no open finding in this program).

use tessera_client::{
    ix, pda,
    royalties::{
        events::Claimed,
        state::{Parked, Split},
    },
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{world::*, TestKeypair, TestSigner};

use super::{deposit, standalone_split, sync_split, update_split::update, vault};

/// The `Parked` record an update creates sits at a predictable address
/// (`[PARKED_SEED, split, version]`); a stranger pre-funding it must not block the update
/// (which would let recipients that never claim, plus 0.001 SOL, freeze the split's list).
#[tokio::test]
async fn audit_an_update_that_parks_succeeds_at_a_prefunded_parked_address() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let first: Vec<_> = (0..16).map(|_| TestKeypair::new().pubkey()).collect();
    let second: Vec<_> = (0..16).map(|_| TestKeypair::new().pubkey()).collect();
    let shares = |keys: &[tessera_client::Pubkey]| keys.iter().map(|k| (*k, 625u16)).collect::<Vec<_>>();
    let (res, split) = standalone_split(&mut w, &auth.pubkey(), &shares(&first)).await;
    res.unwrap();
    deposit(&mut w, &split, 16_000).await.unwrap();
    let parked_key = pda::parked(&split, 0);
    let stranger = w.keypair().await;
    let pre = solana_system_interface::instruction::transfer(&stranger.pubkey(), &parked_key, 5_000_000);
    w.h.send(&[pre], &[&stranger]).await.unwrap();

    update(&mut w, &auth, &split, &shares(&second))
        .await
        .expect("the update parks at a pre-funded address");
    let parked: Parked = w.h.fetch(&parked_key).await.unwrap();
    assert_eq!(parked.balances.len(), 16);
    assert!(parked.balances.iter().all(|b| b.owed == 1_000));
    assert!(
        w.h.lamports(&parked_key).await >= 5_000_000,
        "the stranger's lamports stay in the record"
    );

    // Paid as usual; the stranger's lamports go to the record's rent payer when it closes.
    let usdc = w.usdc;
    let bot = w.keypair().await;
    let auth_before = w.h.lamports(&auth.pubkey()).await;
    let record_lamports = w.h.lamports(&parked_key).await;
    for r in &first {
        let dest = w.h.ata(r, &usdc, &TOKEN_PROGRAM_ID).await;
        let ix = ix::royalties::claim_parked(
            &bot.pubkey(),
            r,
            &split,
            0,
            &usdc,
            &dest,
            &auth.pubkey(),
            &TOKEN_PROGRAM_ID,
        );
        let ev: Claimed = w.h.send(&[ix], &[&bot]).await.unwrap().event();
        assert_eq!(ev.amount, 1_000);
    }
    assert!(w.h.account(&parked_key).await.is_none());
    assert_eq!(w.h.lamports(&auth.pubkey()).await, auth_before + record_lamports);
    assert_eq!(vault(&mut w, &split).await, 0);
}

/// Stray tokens sent to a split's vault before a parking update are neither lost nor left to
/// the next recipients: the update credits them to the closing epoch (finding R1), so they are
/// parked with the removed recipients' balances, and every base unit of the vault stays
/// claimable (Σ owed + Σ parked + dust = vault).
#[tokio::test]
async fn audit_stray_tokens_and_parking_conserve_every_unit() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let first: Vec<_> = (0..16).map(|_| TestKeypair::new().pubkey()).collect();
    let second: Vec<_> = (0..16).map(|_| TestKeypair::new().pubkey()).collect();
    let shares = |keys: &[tessera_client::Pubkey]| keys.iter().map(|k| (*k, 625u16)).collect::<Vec<_>>();
    let (res, split) = standalone_split(&mut w, &auth.pubkey(), &shares(&first)).await;
    res.unwrap();
    deposit(&mut w, &split, 16_007).await.unwrap();
    crate::escrow::stray(&mut w, &pda::vault(&split), 333).await;
    update(&mut w, &auth, &split, &shares(&second)).await.unwrap();
    sync_split(&mut w, &split).await.unwrap();
    let s: Split = w.h.fetch(&split).await.unwrap();
    let parked: Parked = w.h.fetch(&pda::parked(&split, 0)).await.unwrap();
    let parked_sum: u64 = parked.balances.iter().map(|b| b.owed).sum();
    let owed_sum: u64 = second.iter().map(|k| s.owed(k).unwrap()).sum();
    let v = vault(&mut w, &split).await;
    assert_eq!(v, 16_340);
    assert_eq!(s.total_received, 16_340);
    assert_eq!(
        parked_sum,
        16 * 1_021,
        "the first epoch: 16,007 + 333 over 16 shares of 625 bps, floors of 1,021"
    );
    // The 4 units of dust are carried into the second epoch's pool; the sync after finds nothing.
    assert_eq!(s.epoch_pool().unwrap(), 4);
    assert!(
        v - parked_sum - owed_sum < 16,
        "less than one unit of dust per recipient stays unallocated"
    );
}

/// Finding R1, fixed (update_split now credits the vault's uncredited balance first): the split
/// credits tokens sent straight to its vault only when someone calls `sync`, into the pool of
/// the epoch current at that moment. `update_split` does not sync first, so royalties another
/// program paid by plain transfer (the use the issue gives `sync`) while A was the recipient
/// are shared under the new list after an update: A, removed, gets none of them, and the
/// authority can time an update to redirect them. `update_split` should credit the vault's
/// uncredited balance to the closing epoch before settling it (or the client should prepend
/// `sync`; it does not).
#[tokio::test]
async fn audit_royalties_paid_by_transfer_before_an_update_stay_with_the_old_recipients() {
    let mut w = World::new(0).await;
    let auth = w.keypair().await;
    let (a, b) = (TestKeypair::new().pubkey(), TestKeypair::new().pubkey());
    let (res, split) = standalone_split(&mut w, &auth.pubkey(), &[(a, 10_000)]).await;
    res.unwrap();
    // Another payment program pays A's royalty by a plain transfer into the vault.
    crate::escrow::stray(&mut w, &pda::vault(&split), 1_000).await;
    // The authority replaces A with B; anyone syncs afterwards.
    update(&mut w, &auth, &split, &[(b, 10_000)]).await.unwrap();
    sync_split(&mut w, &split).await.unwrap();
    let s: Split = w.h.fetch(&split).await.unwrap();
    assert_eq!(
        (s.owed(&a).unwrap(), s.owed(&b).unwrap()),
        (1_000, 0),
        "the 1,000 paid while A was the sole recipient went to B"
    );
}
