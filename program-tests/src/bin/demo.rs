//! End-to-end demo: a dataset and a model published as tokens, access bought, royalties
//! claimed — the real programs inside Agave's runtime, with the real SPL Token program.
//! Prints who paid and who received what.
#![allow(deprecated)] // solana-program-test 3.x marks its API "Agave unstable"; pinned exactly.

use tessera_client::{
    ix, pda,
    escrow::events::JobSettled,
    registry::{events::AccessBought, instructions::ParentInput, state::AssetKind},
    royalties::events::Claimed,
    Pubkey, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{world::*, TestKeypair, TestSigner};

fn usdc(v: u64) -> String {
    format!("{}.{:06} USDC", v / USDC, v % USDC)
}

fn short(k: &Pubkey) -> String {
    let s = k.to_string();
    format!("{}…{}", &s[..4], &s[s.len() - 4..])
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("Tessera end-to-end demo (host-compiled programs in Agave's runtime, real SPL Token)\n");
    let mut w = World::new(250).await;
    w.init_escrow(100, 2_000, USDC, 86_400).await;
    println!("registry config: protocol fee 250 bps, treasury {}, payment mint {} (6 decimals)", short(&w.treasury.pubkey()), short(&w.usdc));

    // Contributors.
    let alice = w.keypair().await; // curates the dataset
    let bob = w.keypair().await; // labelled it
    let carol = w.keypair().await; // trained the model
    let dave = w.keypair().await; // ran the evaluation
    let names = [(alice.pubkey(), "alice"), (bob.pubkey(), "bob"), (carol.pubkey(), "carol"), (dave.pubkey(), "dave")];
    let name = |k: &Pubkey| names.iter().find(|(p, _)| p == k).map_or_else(|| short(k), |(_, n)| n.to_string());

    // 1. A dataset: 2.5 USDC for 30 days of access, split alice 70% / bob 30%.
    let mut args = publish_args(1, 2_500_000, 30 * 86_400, &[(alice.pubkey(), 7_000), (bob.pubkey(), 3_000)]);
    args.uri = "ar://tessera-demo/speech-corpus-v1.json".into();
    let dataset = w.publish(&alice, args).await.expect("publish dataset");
    let d = w.asset(&dataset).await;
    println!("\npublished dataset {} by alice: price {}, access 30 days, access mint {}, split alice 70% / bob 30%", short(&dataset), usdc(d.price), short(&d.access_mint));

    // 2. A model trained on it: 10 USDC per access credit; the dataset gets 20% of each sale;
    //    10% of every paid inference goes to the model's split.
    let mut args = publish_args(2, 10_000_000, 0, &[(carol.pubkey(), 8_000), (dave.pubkey(), 2_000)]);
    args.kind = AssetKind::Model;
    args.parents = vec![ParentInput { asset: dataset, bps: 2_000 }];
    args.inference_royalty_bps = 1_000;
    let model = w.publish(&carol, args).await.expect("publish model");
    let m = w.asset(&model).await;
    assert_eq!(m.kind, AssetKind::Model);
    println!("published model {} by carol: price {} per credit, parent: the dataset at 20%, split carol 80% / dave 20%", short(&model), usdc(m.price));

    // 3. Buyers.
    let (erin, erin_usdc) = w.buyer(100 * USDC).await;
    let (frank, frank_usdc) = w.buyer(100 * USDC).await;
    let mut paid_in = 0;
    for (who, acct, asset, qty, label) in [
        (&erin, erin_usdc, dataset, 1, "erin buys 1 dataset pass"),
        (&frank, frank_usdc, model, 3, "frank buys 3 model credits"),
        (&erin, erin_usdc, model, 1, "erin buys 1 model credit"),
    ] {
        let price = w.asset(&asset).await.price;
        let out = w.buy(who, &acct, &asset, qty, price).await.expect("buy");
        let ev: AccessBought = out.event();
        paid_in += ev.total;
        println!(
            "\n{label}: paid {} → fee {} to the treasury, {} to the parents' splits, {} to the asset's split (sale #{})",
            usdc(ev.total), usdc(ev.fee), usdc(ev.parent_amounts.iter().sum()), usdc(ev.net), ev.sale_seq
        );
    }

    // 4. Access checks, on chain.
    for (who, asset, label) in [(&erin, dataset, "erin → dataset"), (&frank, model, "frank → model"), (&frank, dataset, "frank → dataset")] {
        let res = w.h.send(&[ix::registry::verify_access(&asset, &who.pubkey())], &[]).await;
        println!("verify_access {label}: {}", if res.is_ok() { "valid" } else { "refused" });
    }
    w.h.send(&[ix::registry::redeem_access(&frank.pubkey(), &model, 1)], &[&frank]).await.expect("redeem");
    println!("frank redeems 1 model credit (burnt; the data server sees the AccessRedeemed event)");

    // 5. A paid inference: grace runs a GPU provider (bonded 10 USDC); erin pays 2 USDC for a job.
    let (grace, grace_usdc) = w.provider(&[model], 10 * USDC).await;
    let job = w.open_job(&erin, &erin_usdc, &model, World::open_job_args(1, 2 * USDC, None, WINDOWS)).await.expect("open job");
    paid_in += 2 * USDC;
    w.accept(&grace, &job).await.expect("accept");
    w.deliver(&grace, &job).await.expect("deliver");
    let j = w.job(&job).await;
    let s = w.settle_accounts(&grace.pubkey());
    let out = w.h.send(&[ix::escrow::confirm_job(&job, &j, &s)], &[&erin]).await.expect("confirm");
    let ev: JobSettled = out.event();
    println!(
        "\nerin pays 2 USDC for an inference; grace (provider) accepts, delivers, erin confirms → fee {} to the treasury, {} to the model's split, {} to grace",
        usdc(ev.to_treasury), usdc(ev.to_model_split), usdc(ev.to_provider)
    );
    let provider_received = ev.to_provider;
    assert_eq!(w.h.balance(&grace_usdc).await, provider_received, "grace's bond came from this account; it now holds her fee");

    // 6. Royalties: everyone claims what it is owed.
    println!("\nclaims:");
    let mut claimed = 0;
    for (who, asset) in [(&alice, dataset), (&bob, dataset), (&carol, model), (&dave, model)] {
        let (res, dest) = w.claim(who, &asset).await;
        let ev: Claimed = res.expect("claim").event();
        claimed += ev.amount;
        println!("  {:<6} received {:>16}  (from the {} split; now holds {})", name(&who.pubkey()), usdc(ev.amount), if asset == dataset { "dataset" } else { "model" }, usdc(w.h.balance(&dest).await));
    }
    println!("  {:<6} received {:>16}  (inference fee)", "grace", usdc(provider_received));
    let treasury = w.h.balance(&w.treasury_usdc.clone()).await;
    let dust = w.vault_balance(&dataset).await + w.vault_balance(&model).await;
    println!("  treasury received {}", usdc(treasury));
    println!(
        "\npaid in {} = treasury {} + royalties claimed {} + provider {} + left in vaults (rounding dust) {}",
        usdc(paid_in), usdc(treasury), usdc(claimed), usdc(provider_received), usdc(dust)
    );
    assert_eq!(paid_in, treasury + claimed + provider_received + dust, "money is conserved");
    let _ = (pda::config(), TOKEN_PROGRAM_ID, TestKeypair::new());
    println!("OK: every base unit accounted for.");
}
