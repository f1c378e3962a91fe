//! Pre-funded addresses: anyone may send lamports to an address before its account exists.
//! Anchor 1.2.2's `init` then switches to `CreateAccountAllowPrefund`, which Agave 3.1 refuses,
//! so ~0.0009 SOL used to block a publication, a purchase or the deployment for good. Every
//! account the registry creates (and the split and vault the royalties program creates for it)
//! must be created whatever lamports already sit at its address. Each test has a stranger send
//! lamports to the address first (a real system transfer), then the creation succeeds.

use tessera_client::{ix, pda, registry::instructions::InitializeConfigArgs, Pubkey, TOKEN_PROGRAM_ID};
use tessera_program_tests::{world::*, TestSigner};

/// The least a system account may hold (rent-exempt with no data): what an attacker pays.
const MIN_PREFUND: u64 = 890_880;

/// A stranger sends `lamports` to `address` with a system transfer.
async fn prefund(w: &mut World, address: &Pubkey, lamports: u64) {
    let stranger = w.h.funded_keypair(lamports + SOL).await;
    let ix = solana_system_interface::instruction::transfer(&stranger.pubkey(), address, lamports);
    w.h.send(&[ix], &[&stranger]).await.expect("the stranger's transfer");
    let acc = w.h.account(address).await.expect("funded");
    assert_eq!(
        (acc.lamports, acc.data.len(), acc.owner),
        (lamports, 0, anchor_lang::system_program::ID)
    );
}

/// Rent-exempt minimum of an account of `len` bytes.
async fn rent(w: &mut World, len: usize) -> u64 {
    w.h.ctx
        .banks_client
        .get_rent()
        .await
        .expect("rent")
        .minimum_balance(len)
}

/// An account created over a pre-funding keeps the attacker's lamports as part of its rent:
/// its balance is the larger of the two, and it is owned by `owner`.
async fn assert_created(w: &mut World, address: &Pubkey, owner: &Pubkey, prefunded: u64) {
    let acc = w.h.account(address).await.expect("created");
    assert_eq!(acc.owner, *owner, "{address} owner");
    let rent = rent(w, acc.data.len()).await;
    assert_eq!(acc.lamports, rent.max(prefunded), "{address} lamports");
}

#[tokio::test]
async fn initialize_config_succeeds_on_a_prefunded_config_address() {
    let mut w = World::bare().await;
    prefund(&mut w, &pda::config(), MIN_PREFUND).await;
    let admin = w.admin.insecure_clone();
    let args = InitializeConfigArgs {
        admin: admin.pubkey(),
        treasury: w.treasury.pubkey(),
        fee_bps: 100,
        payment_mints: vec![w.usdc],
    };
    w.h.send(&[ix::registry::initialize_config(&admin.pubkey(), args)], &[&admin])
        .await
        .expect("initialize_config over a pre-funded address");
    assert_created(&mut w, &pda::config(), &tessera_client::REGISTRY_ID, MIN_PREFUND).await;
    let config: tessera_client::registry::state::Config = w.h.fetch(&pda::config()).await.unwrap();
    assert_eq!((config.admin, config.fee_bps), (admin.pubkey(), 100));
}

#[tokio::test]
async fn publish_succeeds_on_a_prefunded_asset_address() {
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let args = publish_args(1, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    // More than the asset's rent: the surplus stays in the asset account.
    prefund(&mut w, &asset, 2 * SOL).await;
    w.publish(&publisher, args)
        .await
        .expect("publish over a pre-funded asset address");
    assert_created(&mut w, &asset, &tessera_client::REGISTRY_ID, 2 * SOL).await;
    assert_eq!(w.asset(&asset).await.price, USDC);
}

#[tokio::test]
async fn publish_succeeds_on_a_prefunded_access_mint_address() {
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let args = publish_args(1, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let mint = pda::access_mint(&asset);
    prefund(&mut w, &mint, MIN_PREFUND).await;
    w.publish(&publisher, args)
        .await
        .expect("publish over a pre-funded access-mint address");
    assert_created(&mut w, &mint, &TOKEN_PROGRAM_ID, MIN_PREFUND).await;
    let m: anchor_spl::token_interface::Mint = w.h.fetch(&mint).await.unwrap();
    assert_eq!((m.decimals, m.supply), (0, 0));
    assert_eq!(Option::<Pubkey>::from(m.mint_authority), Some(asset));
    assert_eq!(Option::<Pubkey>::from(m.freeze_authority), None);
}

/// The split and its vault are created by the royalties program's `create_split`, through the
/// registry's CPI.
#[tokio::test]
async fn publish_succeeds_on_prefunded_split_and_vault_addresses() {
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let args = publish_args(1, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let (split, vault) = (pda::split(&asset), pda::vault(&pda::split(&asset)));
    prefund(&mut w, &split, MIN_PREFUND).await;
    prefund(&mut w, &vault, MIN_PREFUND).await;
    w.publish(&publisher, args)
        .await
        .expect("publish over pre-funded split and vault addresses");
    assert_created(&mut w, &split, &tessera_client::ROYALTIES_ID, MIN_PREFUND).await;
    assert_created(&mut w, &vault, &TOKEN_PROGRAM_ID, MIN_PREFUND).await;
    assert_eq!(w.split(&asset).await.vault, vault);
}

#[tokio::test]
async fn everything_publish_creates_may_be_prefunded_at_once() {
    let mut w = World::new(0).await;
    let publisher = w.keypair().await;
    let args = publish_args(1, USDC, 0, &[(publisher.pubkey(), 10_000)]);
    let asset = pda::asset(&publisher.pubkey(), &args.content_hash);
    let (split, vault) = (pda::split(&asset), pda::vault(&pda::split(&asset)));
    for a in [asset, pda::access_mint(&asset), split, vault] {
        prefund(&mut w, &a, MIN_PREFUND).await;
    }
    w.publish(&publisher, args)
        .await
        .expect("publish over four pre-funded addresses");
    // And it sells.
    let (buyer, usdc) = w.buyer(USDC).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("a sale");
    assert_eq!(w.vault_balance(&asset).await, USDC);
}

#[tokio::test]
async fn buy_succeeds_on_a_prefunded_pass_address() {
    let mut w = World::new(100).await;
    let (_, asset) = w.listed(1, USDC, 3_600).await;
    let (buyer, usdc) = w.buyer(2 * USDC).await;
    let pass = pda::pass(&asset, &buyer.pubkey());
    prefund(&mut w, &pass, MIN_PREFUND).await;
    w.h.set_time(1_800_000_000).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC)
        .await
        .expect("buy over a pre-funded pass address");
    assert_created(&mut w, &pass, &tessera_client::REGISTRY_ID, MIN_PREFUND).await;
    let p = w.pass(&asset, &buyer.pubkey()).await.unwrap();
    assert_eq!(
        (p.asset, p.holder, p.purchased, p.expires_at),
        (asset, buyer.pubkey(), 1, 1_800_003_600)
    );
    // The second purchase loads and extends the pass it created.
    w.buy(&buyer, &usdc, &asset, 1, USDC).await.expect("a renewal");
    let p = w.pass(&asset, &buyer.pubkey()).await.unwrap();
    assert_eq!((p.purchased, p.expires_at), (2, 1_800_007_200));
    assert_eq!(w.h.balance(&usdc).await, 0);
}

/// The buyer's associated access-token account is created by the associated-token program,
/// which tops up, allocates and assigns: a pre-funded address does not block it.
#[tokio::test]
async fn buy_succeeds_on_a_prefunded_access_token_account() {
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(USDC).await;
    let ata = pda::ata(&buyer.pubkey(), &pda::access_mint(&asset), &TOKEN_PROGRAM_ID);
    prefund(&mut w, &ata, MIN_PREFUND).await;
    w.buy(&buyer, &usdc, &asset, 1, USDC)
        .await
        .expect("buy over a pre-funded access-token account");
    assert_created(&mut w, &ata, &TOKEN_PROGRAM_ID, MIN_PREFUND).await;
    assert_eq!(w.h.balance(&ata).await, 1);
}

/// What sits at the pass address is loaded only when it is a registry pass: a registry-owned
/// account of another type is refused by its discriminator, and an account another program
/// owns is not taken over. Nothing is charged either way. (Only the registry can write at
/// its own PDA, so these states are planted here directly.)
#[tokio::test]
async fn an_occupied_pass_address_is_refused_not_taken_over() {
    use anchor_lang::error::ErrorCode;
    use tessera_program_tests::assert_err;
    let mut w = World::new(0).await;
    let (_, asset) = w.listed(1, USDC, 0).await;
    let (buyer, usdc) = w.buyer(2 * USDC).await;
    let pass = pda::pass(&asset, &buyer.pubkey());
    let config = w.h.account(&pda::config()).await.unwrap();
    w.h.ctx.set_account(&pass, &config.clone().into());
    assert_err(
        w.buy(&buyer, &usdc, &asset, 1, USDC).await,
        ErrorCode::AccountDiscriminatorMismatch,
    );
    let mut foreign = config;
    foreign.owner = TOKEN_PROGRAM_ID;
    w.h.ctx.set_account(&pass, &foreign.into());
    assert_err(
        w.buy(&buyer, &usdc, &asset, 1, USDC).await,
        ErrorCode::AccountNotSystemOwned,
    );
    assert_eq!(w.h.balance(&usdc).await, 2 * USDC);
}
