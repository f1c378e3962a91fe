//! Set-up helpers for local clusters (the demo, tests, benchmarks): SOL airdrops and
//! transfers, a test mint whose mint authority is the wallet, minting, and moving tokens to a
//! non-associated account. Not part of the client library: nothing a user flow needs.

use tessera_client::{pda, Pubkey, Result, Tessera, TesseraError, TOKEN_PROGRAM_ID};

/// [`Tessera`] as a local-cluster faucet.
pub trait DevFlows {
    /// Requests an airdrop and waits until it is confirmed.
    fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<()>;

    /// Creates an SPL Token mint (the wallet is its mint authority); returns its address.
    fn create_mint(&self, decimals: u8) -> Result<Pubkey>;

    /// Mints `amount` of a mint whose authority is the wallet to `owner`'s associated account.
    fn mint_to(&self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<Pubkey>;

    /// Sends SOL from the wallet.
    fn transfer_sol(&self, to: &Pubkey, lamports: u64) -> Result<()>;

    /// Moves `amount` of `mint` from the wallet's associated token account into a new token
    /// account of the wallet at a fresh (non-associated) address; returns that address. For
    /// tests of "tokens in any token account count".
    fn move_to_new_token_account(&self, mint: &Pubkey, amount: u64) -> Result<Pubkey>;
}

impl DevFlows for Tessera {
    fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<()> {
        let sig = self
            .rpc
            .request_airdrop(to, lamports)
            .map_err(|e| TesseraError::Rpc(format!("airdrop: {e}")))?;
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(30) {
            if self.rpc.confirm_transaction(&sig).unwrap_or(false) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        Err(TesseraError::Rpc(format!("airdrop {sig} not confirmed after 30 s")))
    }

    fn create_mint(&self, decimals: u8) -> Result<Pubkey> {
        use anchor_spl::token_2022::spl_token_2022::instruction::initialize_mint2;
        use solana_signer::Signer;
        let mint = solana_keypair::Keypair::new();
        let space = 82; // SPL Token Mint::LEN
        let rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(space)
            .map_err(TesseraError::from)?;
        let create = solana_system_interface::instruction::create_account(
            &self.wallet(),
            &mint.pubkey(),
            rent,
            space as u64,
            &TOKEN_PROGRAM_ID,
        );
        let init = initialize_mint2(&TOKEN_PROGRAM_ID, &mint.pubkey(), &self.wallet(), None, decimals)
            .map_err(|e| TesseraError::Invalid(e.to_string()))?;
        self.send(&[create, init], &[&mint])?;
        Ok(mint.pubkey())
    }

    fn mint_to(&self, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<Pubkey> {
        use anchor_spl::token_2022::spl_token_2022::instruction::mint_to;
        let (ata, mut ixs) = self.ensure_ata(owner, mint, &TOKEN_PROGRAM_ID)?;
        ixs.push(
            mint_to(&TOKEN_PROGRAM_ID, mint, &ata, &self.wallet(), &[], amount)
                .map_err(|e| TesseraError::Invalid(e.to_string()))?,
        );
        self.send(&ixs, &[])?;
        Ok(ata)
    }

    fn transfer_sol(&self, to: &Pubkey, lamports: u64) -> Result<()> {
        let ix = solana_system_interface::instruction::transfer(&self.wallet(), to, lamports);
        self.send(&[ix], &[]).map(|_| ())
    }

    fn move_to_new_token_account(&self, mint: &Pubkey, amount: u64) -> Result<Pubkey> {
        use anchor_spl::token_2022::spl_token_2022::{
            extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
            instruction::{initialize_account3, transfer_checked},
            state::{Account, Mint},
        };
        use solana_signer::Signer;
        let mint_account = self
            .rpc
            .get_account_with_commitment(mint, self.rpc.commitment())
            .map_err(TesseraError::from)?
            .value
            .ok_or(TesseraError::NotFound {
                what: "mint",
                address: *mint,
            })?;
        let state = StateWithExtensions::<Mint>::unpack(&mint_account.data)
            .map_err(|_| TesseraError::Invalid(format!("account {mint} is not an SPL mint")))?;
        let token_program = mint_account.owner;
        let extensions = ExtensionType::get_required_init_account_extensions(
            &state
                .get_extension_types()
                .map_err(|e| TesseraError::Invalid(e.to_string()))?,
        );
        let space = ExtensionType::try_calculate_account_len::<Account>(&extensions)
            .map_err(|e| TesseraError::Invalid(e.to_string()))?;
        let rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(space)
            .map_err(TesseraError::from)?;
        let account = solana_keypair::Keypair::new();
        let create = solana_system_interface::instruction::create_account(
            &self.wallet(),
            &account.pubkey(),
            rent,
            space as u64,
            &token_program,
        );
        let init = initialize_account3(&token_program, &account.pubkey(), mint, &self.wallet())
            .map_err(|e| TesseraError::Invalid(e.to_string()))?;
        let from = pda::ata(&self.wallet(), mint, &token_program);
        let transfer = transfer_checked(
            &token_program,
            &from,
            mint,
            &account.pubkey(),
            &self.wallet(),
            &[],
            amount,
            state.base.decimals,
        )
        .map_err(|e| TesseraError::Invalid(e.to_string()))?;
        self.send(&[create, init, transfer], &[&account])?;
        Ok(account.pubkey())
    }
}
