//! A payer's channel counter (`PayerChannels`, at `[b"payer", payer]`): the program numbers a
//! payer's channels 1, 2, 3, … and opens only the next id, so that no channel address is ever
//! used twice (audit finding A1: a reopened address would take the old channel's vouchers).
//! The counter is created on the first open, whatever lamports sit at its address, and is never
//! closed.

use anchor_lang::Space;
use tessera_client::{
    channels::{errors::ChannelsError, state::PayerChannels},
    pda, CHANNELS_ID,
};
use tessera_program_tests::{assert_err, world::*, TestSigner};

use super::*;

async fn counter(f: &mut Fx) -> Option<PayerChannels> {
    let address = pda::payer_channels(&f.payer.pubkey());
    f.w.h.fetch(&address).await
}

/// Opens channel `id` for the fixture's payer; the refusal, if any.
async fn try_open(f: &mut Fx, id: u64) -> TxResult {
    let s = f.payer.pubkey();
    f.open_with(Fx::open_args(id, DEPOSIT, s, GRACE))
        .await
        .map(|_| Default::default())
}

#[tokio::test]
async fn the_first_open_creates_the_counter_and_each_open_takes_the_next_id() {
    let mut f = fixture().await;
    assert!(counter(&mut f).await.is_none(), "no counter before the first channel");
    f.open(1, DEPOSIT).await;
    let address = pda::payer_channels(&f.payer.pubkey());
    let account = f.w.h.account(&address).await.expect("the counter exists");
    assert_eq!(account.owner, CHANNELS_ID);
    assert_eq!(account.data.len(), 8 + PayerChannels::INIT_SPACE);
    let c = counter(&mut f).await.unwrap();
    let (_, bump) = Pubkey::find_program_address(&[b"payer", f.payer.pubkey().as_ref()], &CHANNELS_ID);
    assert_eq!((c.payer, c.last_channel_id, c.bump), (f.payer.pubkey(), 1, bump));
    let b = f.open(2, DEPOSIT).await;
    assert_eq!(counter(&mut f).await.unwrap().last_channel_id, 2);
    assert_eq!(f.channel(&b).await.channel_id, 2);
}

#[tokio::test]
async fn an_id_other_than_the_next_is_refused() {
    let mut f = fixture().await;
    // No channel yet: only 1 (0, a jump ahead and u64::MAX are refused).
    for id in [0, 2, 1_700_000_000_000_000_000, u64::MAX] {
        assert_err(try_open(&mut f, id).await, ChannelsError::ChannelIdNotNext);
    }
    assert!(counter(&mut f).await.is_none(), "a refused open creates nothing");
    f.open(1, DEPOSIT).await;
    // Equal, lower, or skipping one: refused; the counter is unchanged.
    for id in [1, 0, 3, u64::MAX] {
        assert_err(try_open(&mut f, id).await, ChannelsError::ChannelIdNotNext);
    }
    assert_eq!(counter(&mut f).await.unwrap().last_channel_id, 1);
    f.open(2, DEPOSIT).await;
    // Each payer has its own counter: another payer starts at 1.
    let (other, other_usdc) = f.w.buyer(100 * USDC).await;
    let (m, y) = (f.model, f.payee.pubkey());
    let ix = f.open_ix_by(
        &other.pubkey(),
        &other_usdc,
        &m,
        &y,
        Fx::open_args(3, DEPOSIT, other.pubkey(), GRACE),
    );
    assert_err(f.w.h.send(&[ix], &[&other]).await, ChannelsError::ChannelIdNotNext);
    let ix = f.open_ix_by(
        &other.pubkey(),
        &other_usdc,
        &m,
        &y,
        Fx::open_args(1, DEPOSIT, other.pubkey(), GRACE),
    );
    f.w.h
        .send(&[ix], &[&other])
        .await
        .expect("another payer's first channel");
}

#[tokio::test]
async fn a_closed_channels_id_is_never_opened_again_and_the_counter_stays() {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    f.request_close(&ch).await.unwrap();
    f.w.h.set_time(T + i64::from(GRACE)).await;
    f.finalize(&ch).await.expect("finalize");
    assert!(f.w.h.account(&ch).await.is_none(), "the channel is closed");
    assert_eq!(
        counter(&mut f).await.unwrap().last_channel_id,
        1,
        "the counter outlives it"
    );
    assert_err(try_open(&mut f, 1).await, ChannelsError::ChannelIdNotNext);
    let next = f.open(2, DEPOSIT).await;
    assert_ne!(next, ch);
}

#[tokio::test]
async fn another_payers_counter_is_refused() {
    let mut f = fixture().await;
    let (other, other_usdc) = f.w.buyer(100 * USDC).await;
    let (m, y) = (f.model, f.payee.pubkey());
    let ix = f.open_ix_by(
        &other.pubkey(),
        &other_usdc,
        &m,
        &y,
        Fx::open_args(1, DEPOSIT, other.pubkey(), GRACE),
    );
    f.w.h.send(&[ix], &[&other]).await.unwrap();
    // The fixture's payer passes the other payer's counter (last id 1) to skip to id 2.
    let s = f.payer.pubkey();
    let mut ix = f.open_ix(&m, Fx::open_args(2, DEPOSIT, s, GRACE));
    let mine = pda::payer_channels(&s);
    let meta = ix.accounts.iter_mut().find(|a| a.pubkey == mine).unwrap();
    meta.pubkey = pda::payer_channels(&other.pubkey());
    let p = f.payer.insecure_clone();
    assert_err(
        f.w.h.send(&[ix], &[&p]).await,
        anchor_lang::error::ErrorCode::ConstraintSeeds,
    );
}

#[tokio::test]
async fn a_prefunded_counter_address_does_not_block_the_first_open() {
    for lamports in [890_880, 10_000_000] {
        let mut f = fixture().await;
        let address = pda::payer_channels(&f.payer.pubkey());
        let stranger = f.w.keypair().await;
        let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), &address, lamports);
        f.w.h.send(&[ix], &[&stranger]).await.expect("prefund");
        f.open(1, DEPOSIT).await;
        let c = counter(&mut f).await.expect("created at the prefunded address");
        assert_eq!((c.payer, c.last_channel_id), (f.payer.pubkey(), 1));
        let rent = f.w.h.ctx.banks_client.get_rent().await.unwrap();
        let rent = rent.minimum_balance(8 + PayerChannels::INIT_SPACE);
        assert_eq!(f.w.h.lamports(&address).await, lamports.max(rent));
        f.open(2, DEPOSIT).await;
    }
}
