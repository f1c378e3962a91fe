//! Lamports sent to a channel's (or its vault's, or the config's) address before it exists do
//! not block its creation (`tessera_common::create`); they stay as rent and go to the payer when
//! the channel closes.

use tessera_client::{channels::state::Channel, ix, pda};
use tessera_program_tests::{world::*, TestSigner};

use super::*;

async fn prefund(w: &mut World, address: &Pubkey, lamports: u64) {
    let stranger = w.keypair().await;
    let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), address, lamports);
    w.h.send(&[ix], &[&stranger]).await.expect("prefund");
}

/// Less than the rent of a channel or a vault: the creation tops it up.
const DUST: u64 = 890_880;
/// More than the rent of either: the creation adds nothing.
const PLENTY: u64 = 10_000_000;

#[tokio::test]
async fn a_channel_and_its_vault_are_created_at_prefunded_addresses() {
    let mut f = fixture().await;
    let ch = pda::channel(&f.payer.pubkey(), 1);
    let vault = pda::channel_vault(&ch);
    prefund(&mut f.w, &ch, PLENTY).await;
    prefund(&mut f.w, &vault, DUST).await;
    f.open(1, DEPOSIT).await;
    let c: Channel = f.channel(&ch).await;
    assert_eq!((c.deposit, c.vault), (DEPOSIT, vault));
    assert_eq!(
        f.w.h.lamports(&ch).await,
        PLENTY,
        "the stranger's lamports stay as rent"
    );
    assert_eq!(f.w.h.balance(&vault).await, DEPOSIT);
    // At the close every lamport of both goes to the payer.
    let held = f.w.h.lamports(&ch).await + f.w.h.lamports(&vault).await;
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE)).await;
    let before = f.w.h.lamports(&f.payer.pubkey()).await;
    f.finalize(&ch).await.expect("finalize");
    assert_eq!(f.w.h.lamports(&f.payer.pubkey()).await - before, held);
}

#[tokio::test]
async fn the_config_is_created_at_a_prefunded_address() {
    let mut w = World::new(0).await;
    prefund(&mut w, &pda::channels_config(), DUST).await;
    let admin = w.admin.insecure_clone();
    let ix = ix::channels::initialize_config(&admin.pubkey(), config_args(&w));
    w.h.send(&[ix], &[&admin])
        .await
        .expect("initialize at a prefunded address");
    let c: tessera_client::channels::state::ChannelsConfig = w.h.fetch(&pda::channels_config()).await.unwrap();
    assert_eq!((c.admin, c.fee_bps), (admin.pubkey(), FEE_BPS));
}
