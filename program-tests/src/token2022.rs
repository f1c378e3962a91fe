//! Token-2022 helpers: mints with the TransferFeeConfig extension, and the withheld transfer
//! fees of mints and token accounts.

use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{
        transfer_fee::{TransferFeeAmount, TransferFeeConfig},
        BaseStateWithExtensions, ExtensionType, StateWithExtensions,
    },
    state::{Account as TokenAccountState, Mint as MintState},
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use tessera_client::TOKEN_2022_PROGRAM_ID;

use crate::Harness;

impl Harness {
    /// A Token-2022 mint of `decimals` with a transfer fee of `fee_bps` (at most `max_fee` base
    /// units per transfer); mint authority: the harness payer; no fee authorities.
    pub async fn create_transfer_fee_mint(&mut self, decimals: u8, fee_bps: u16, max_fee: u64) -> Pubkey {
        self.create_token_2022_mint_with(decimals, &[ExtensionType::TransferFeeConfig], |mint| {
            vec![
                spl_token_2022::extension::transfer_fee::instruction::initialize_transfer_fee_config(
                    &TOKEN_2022_PROGRAM_ID,
                    mint,
                    None,
                    None,
                    fee_bps,
                    max_fee,
                )
                .expect("initialize_transfer_fee_config"),
            ]
        })
        .await
    }
}

/// The transfer fee Token-2022 charges on a transfer of `amount` (ceil(amount × bps / 10,000),
/// capped at `max_fee`), computed independently of the token program.
pub fn transfer_fee(amount: u64, fee_bps: u16, max_fee: u64) -> u64 {
    if amount == 0 || fee_bps == 0 {
        return 0;
    }
    let raw = (u128::from(amount) * u128::from(fee_bps)).div_ceil(10_000);
    u64::try_from(raw).unwrap_or(u64::MAX).min(max_fee)
}

/// A token account's (SPL Token or Token-2022) balance from its data: the `amount` field.
pub fn token_amount(data: &[u8]) -> u64 {
    u64::from_le_bytes(data[64..72].try_into().expect("token account data"))
}

/// The transfer fees withheld in a Token-2022 token account (its TransferFeeAmount extension);
/// 0 for an account without it.
pub fn withheld_in_account(data: &[u8]) -> u64 {
    StateWithExtensions::<TokenAccountState>::unpack(data)
        .ok()
        .and_then(|s| {
            s.get_extension::<TransferFeeAmount>()
                .ok()
                .map(|e| u64::from(e.withheld_amount))
        })
        .unwrap_or(0)
}

/// The transfer fees harvested into a Token-2022 mint (its TransferFeeConfig extension).
pub fn withheld_in_mint(data: &[u8]) -> u64 {
    StateWithExtensions::<MintState>::unpack(data)
        .ok()
        .and_then(|s| {
            s.get_extension::<TransferFeeConfig>()
                .ok()
                .map(|e| u64::from(e.withheld_amount))
        })
        .unwrap_or(0)
}

/// `HarvestWithheldTokensToMint` (permissionless) from `sources`.
pub fn harvest_ix(mint: &Pubkey, sources: &[&Pubkey]) -> tessera_client::Instruction {
    spl_token_2022::extension::transfer_fee::instruction::harvest_withheld_tokens_to_mint(
        &TOKEN_2022_PROGRAM_ID,
        mint,
        sources,
    )
    .expect("harvest ix")
}

impl Harness {
    /// A token account (not an associated one) of `owner` for `mint` under `token_program`,
    /// sized for the mint's extensions (a transfer-fee mint's accounts carry TransferFeeAmount).
    pub async fn create_token_account(&mut self, owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let mint_data = self.account(mint).await.expect("mint exists").data;
        let len = if *token_program == TOKEN_2022_PROGRAM_ID {
            let state = StateWithExtensions::<MintState>::unpack(&mint_data).expect("mint");
            let needed =
                ExtensionType::get_required_init_account_extensions(&state.get_extension_types().expect("extensions"));
            ExtensionType::try_calculate_account_len::<TokenAccountState>(&needed).expect("account length")
        } else {
            165
        };
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let create = solana_system_interface::instruction::create_account(
            &self.payer(),
            &account.pubkey(),
            rent.minimum_balance(len),
            len as u64,
            token_program,
        );
        let init = spl_token_2022::instruction::initialize_account3(token_program, &account.pubkey(), mint, owner)
            .expect("initialize_account3");
        self.send(&[create, init], &[&account])
            .await
            .expect("create token account");
        account.pubkey()
    }
}

impl Harness {
    /// A Token-2022 mint of `decimals` with `extensions`, initialised by `init` (the extensions'
    /// initialize instructions, built for the returned mint address by the closure) before
    /// `InitializeMint2`; mint authority: the harness payer.
    pub async fn create_token_2022_mint_with(
        &mut self,
        decimals: u8,
        extensions: &[ExtensionType],
        init: impl FnOnce(&Pubkey) -> Vec<anchor_lang::solana_program::instruction::Instruction>,
    ) -> Pubkey {
        let mint = Keypair::new();
        let len = ExtensionType::try_calculate_account_len::<MintState>(extensions).expect("mint length");
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let mut ixs = vec![solana_system_interface::instruction::create_account(
            &self.payer(),
            &mint.pubkey(),
            rent.minimum_balance(len),
            len as u64,
            &TOKEN_2022_PROGRAM_ID,
        )];
        ixs.extend(init(&mint.pubkey()));
        ixs.push(
            spl_token_2022::instruction::initialize_mint2(
                &TOKEN_2022_PROGRAM_ID,
                &mint.pubkey(),
                &self.payer(),
                None,
                decimals,
            )
            .expect("initialize_mint2"),
        );
        self.send(&ixs, &[&mint]).await.expect("create Token-2022 mint");
        mint.pubkey()
    }
}
