//! A channel in a Token-2022 mint with a transfer fee (1%, capped): the deposit is what the vault
//! received; every payout is a transfer that pays its own fee; the close harvests the vault's
//! withheld fees into the mint (which must then be writable). Every base unit is accounted for:
//! balances plus the fees withheld in accounts and harvested into the mint.

use tessera_client::{
    channels::{
        errors::ChannelsError,
        events::{ChannelClosed, ChannelOpened, ChannelSettled},
        payout::SettleArgs,
    },
    ix::{
        self,
        channels::{OpenChannelAccounts, SettleAccounts},
    },
    pda,
    registry::{instructions::UpdateConfigArgs, state::AssetKind},
    TOKEN_2022_PROGRAM_ID,
};
use tessera_program_tests::{
    assert_err,
    token2022::{transfer_fee, withheld_in_account, withheld_in_mint},
    world::*,
    TestSigner,
};

use super::*;

/// Everything the tokens can be: the balances of `watched`, the fees withheld in them, and the
/// fees harvested into the mint.
async fn total(w: &mut World, watched: &[Pubkey], mint: &Pubkey) -> u64 {
    let mut sum = 0u64;
    for a in watched {
        if let Some(acc) = w.h.account(a).await {
            sum += tessera_program_tests::token2022::token_amount(&acc.data) + withheld_in_account(&acc.data);
        }
    }
    sum + withheld_in_mint(&w.h.account(mint).await.unwrap().data)
}

const FEE: u16 = 100;
const MAX_FEE: u64 = 1_000_000_000;

#[tokio::test]
async fn a_transfer_fee_channel_opens_settles_and_closes_to_the_base_unit() {
    let mut w = World::new(0).await;
    let admin = w.admin.insecure_clone();
    let init = ix::channels::initialize_config(&admin.pubkey(), config_args(&w));
    w.h.send(&[init], &[&admin]).await.unwrap();
    let mint = w.h.create_transfer_fee_mint(6, FEE, MAX_FEE).await;
    w.update_config(UpdateConfigArgs {
        payment_mints: Some(vec![w.usdc, mint]),
        ..Default::default()
    })
    .await
    .unwrap();
    let t22 = TOKEN_2022_PROGRAM_ID;
    // A dataset and a model trained on it (30% of the royalty), both in the fee mint.
    let dp = w.keypair().await;
    let ds = publish_args(61, USDC, 0, &[(dp.pubkey(), 10_000)]);
    let dataset = pda::asset(&dp.pubkey(), &ds.content_hash);
    w.h.send(
        &[ix::registry::publish_asset(&dp.pubkey(), &mint, &t22, None, ds)],
        &[&dp],
    )
    .await
    .unwrap();
    let mp = w.keypair().await;
    let mut ms = publish_args(62, USDC, 0, &[(mp.pubkey(), 10_000)]);
    ms.kind = AssetKind::Model;
    ms.inference_royalty_bps = ROYALTY_BPS;
    ms.parents = vec![tessera_client::registry::instructions::ParentInput {
        asset: dataset,
        bps: 3_000,
    }];
    let model = pda::asset(&mp.pubkey(), &ms.content_hash);
    w.h.send(
        &[ix::registry::publish_asset(&mp.pubkey(), &mint, &t22, None, ms)],
        &[&mp],
    )
    .await
    .unwrap();
    let (payee, _) = w.provider(&[model], 0).await;
    let payee_ata = w.h.ata(&payee.pubkey(), &mint, &t22).await;
    let treasury = w.treasury.pubkey();
    let treasury_ata = w.h.ata(&treasury, &mint, &t22).await;
    let payer = w.keypair().await;
    let payer_ata = w.h.ata(&payer.pubkey(), &mint, &t22).await;
    w.h.mint_to(&mint, &payer_ata, &t22, 100 * USDC).await;
    w.h.set_time(T).await;

    // Everything the tokens can be: balances, fees withheld in accounts, fees in the mint.
    let ch = pda::channel(&payer.pubkey(), 1);
    let vault = pda::channel_vault(&ch);
    let watched = [
        payer_ata,
        vault,
        treasury_ata,
        pda::vault(&pda::split(&model)),
        pda::vault(&pda::split(&dataset)),
        payee_ata,
    ];
    let start = total(&mut w, &watched, &mint).await;
    assert_eq!(start, 100 * USDC);

    let open = ix::channels::open_channel(
        &OpenChannelAccounts {
            payer: payer.pubkey(),
            model,
            provider_authority: payee.pubkey(),
            mint,
            payer_token_account: payer_ata,
            token_program: t22,
            gated: false,
        },
        Fx::open_args(1, DEPOSIT, payer.pubkey(), GRACE),
    );
    let out = w.h.send(&[open], &[&payer]).await.expect("open in the fee mint");
    let deposit = DEPOSIT - transfer_fee(DEPOSIT, FEE, MAX_FEE);
    assert_eq!(out.event::<ChannelOpened>().deposit, deposit);
    assert_eq!(total(&mut w, &watched, &mint).await, start);

    // Settle 1.0: each payout is sent whole out of the vault and loses its own 1% on the way.
    let c: tessera_client::channels::state::Channel = w.h.fetch(&ch).await.unwrap();
    let m = w.asset(&model).await;
    let s = SettleAccounts {
        payee_token_account: payee_ata,
        treasury_token_account: treasury_ata,
        token_program: t22,
    };
    let args = SettleArgs {
        cumulative: USDC,
        expiry: 0,
    };
    let sig = ix::channels::sign_voucher(&payer, &ch, args.cumulative, args.expiry);
    let out =
        w.h.send(&ix::channels::settle(&ch, &c, &m, &s, args, &sig), &[])
            .await
            .expect("settle");
    let ev: ChannelSettled = out.event();
    // 1% fee 10,000; royalty 200,000: the parent 60,000, the model 140,000; payee 790,000.
    assert_eq!(
        (ev.to_treasury, ev.to_model_split, ev.to_parents.clone(), ev.to_payee),
        (10_000, 140_000, vec![60_000], 790_000)
    );
    assert_eq!(w.h.balance(&vault).await, deposit - USDC);
    assert_eq!(
        w.h.balance(&treasury_ata).await,
        10_000 - transfer_fee(10_000, FEE, MAX_FEE)
    );
    assert_eq!(
        w.h.balance(&payee_ata).await,
        790_000 - transfer_fee(790_000, FEE, MAX_FEE)
    );
    assert_eq!(
        w.h.balance(&pda::vault(&pda::split(&dataset))).await,
        60_000 - transfer_fee(60_000, FEE, MAX_FEE)
    );
    assert_eq!(total(&mut w, &watched, &mint).await, start);

    // The close: a read-only mint cannot harvest the vault's withheld fees; the builder's can.
    w.h.send(&[ix::channels::request_close(&ch, &c)], &[&payer])
        .await
        .unwrap();
    w.h.set_time(T + i64::from(GRACE)).await;
    let bot = w.keypair().await;
    let fin = ix::channels::finalize_close(&bot.pubkey(), &ch, &c, &payer_ata, &t22);
    let mut read_only = fin.clone();
    read_only
        .accounts
        .iter_mut()
        .filter(|a| a.pubkey == mint)
        .for_each(|a| a.is_writable = false);
    assert_err(w.h.send(&[read_only], &[&bot]).await, ChannelsError::MintNotWritable);
    let before = w.h.balance(&payer_ata).await;
    let out = w.h.send(&[fin], &[&bot]).await.expect("finalize in the fee mint");
    let ev: ChannelClosed = out.event();
    let refund = deposit - USDC;
    assert_eq!((ev.refund, ev.surplus), (refund, 0));
    assert_eq!(
        w.h.balance(&payer_ata).await - before,
        refund - transfer_fee(refund, FEE, MAX_FEE)
    );
    assert!(w.h.account(&vault).await.is_none());
    assert_eq!(
        total(&mut w, &watched, &mint).await,
        start,
        "every base unit accounted for"
    );
}
