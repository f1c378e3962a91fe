//! High-level flows: one call per user action, building the instructions (and any missing
//! associated token account) and sending them with the wallet.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use solana_signature::Signature;
use tessera_escrow::{
    instructions::UpdateConfigArgs as EscrowConfigArgs,
    instructions::{InitializeConfigArgs as InitializeEscrowArgs, OpenJobArgs, RegisterProviderArgs},
    state::{Job, JobState},
};
use tessera_registry::instructions::{
    BuyAccessArgs, InitializeConfigArgs, PublishAssetArgs, UpdateAssetArgs, UpdateConfigArgs,
};
use tessera_royalties::instructions::UpdateSplitArgs;

use crate::{
    error::{Result, TesseraError},
    ix::{self, escrow::SettleAccounts, registry::BuyAccounts},
    parse, pda, Instruction, Tessera,
};

impl Tessera {
    /// Instructions creating `owner`'s associated token account for `mint` if it is missing.
    pub fn ensure_ata(
        &self,
        owner: &Pubkey,
        mint: &Pubkey,
        token_program: &Pubkey,
    ) -> Result<(Pubkey, Vec<Instruction>)> {
        let ata = pda::ata(owner, mint, token_program);
        let exists = self
            .rpc
            .get_account_with_commitment(&ata, self.rpc.commitment())
            .map_err(TesseraError::from)?
            .value
            .is_some();
        let ixs = if exists {
            vec![]
        } else {
            vec![create_associated_token_account_idempotent(
                &self.wallet(),
                owner,
                mint,
                token_program,
            )]
        };
        Ok((ata, ixs))
    }

    pub fn initialize_config(&self, args: InitializeConfigArgs) -> Result<Signature> {
        self.send(&[ix::registry::initialize_config(&self.wallet(), args)], &[])
    }

    pub fn update_config(&self, args: UpdateConfigArgs) -> Result<Signature> {
        self.send(&[ix::registry::update_config(&self.wallet(), args)], &[])
    }

    /// Registry admin: proposes `new_admin` (it takes over with [`Tessera::accept_admin`]).
    pub fn propose_admin(&self, new_admin: &Pubkey) -> Result<Signature> {
        self.send(&[ix::registry::propose_admin(&self.wallet(), new_admin)], &[])
    }

    /// The proposed registry admin (the wallet) accepts.
    pub fn accept_admin(&self) -> Result<Signature> {
        self.send(&[ix::registry::accept_admin(&self.wallet())], &[])
    }

    pub fn initialize_escrow(&self, args: InitializeEscrowArgs) -> Result<Signature> {
        self.send(&[ix::escrow::initialize_config(&self.wallet(), args)], &[])
    }

    /// Escrow admin: changes the escrow settings that are set (a whole
    /// [`tessera_escrow::state::EscrowSettings`] sets them all).
    pub fn update_escrow(&self, args: impl Into<EscrowConfigArgs>) -> Result<Signature> {
        self.send(&[ix::escrow::update_config(&self.wallet(), args)], &[])
    }

    /// Escrow admin: proposes `new_admin` (it takes over with [`Tessera::accept_escrow_admin`]).
    pub fn propose_escrow_admin(&self, new_admin: &Pubkey) -> Result<Signature> {
        self.send(&[ix::escrow::propose_admin(&self.wallet(), new_admin)], &[])
    }

    /// The proposed escrow admin (the wallet) accepts.
    pub fn accept_escrow_admin(&self) -> Result<Signature> {
        self.send(&[ix::escrow::accept_admin(&self.wallet())], &[])
    }

    /// A model's publisher (the wallet) sets the providers allowed to accept its jobs.
    pub fn set_model_providers(&self, model: &Pubkey, providers: Vec<Pubkey>) -> Result<Signature> {
        self.send(
            &[ix::escrow::set_model_providers(&self.wallet(), model, providers)],
            &[],
        )
    }

    /// Publishes an asset priced in `payment_mint`; returns its address.
    pub fn publish(
        &self,
        payment_mint: &Pubkey,
        previous_version: Option<Pubkey>,
        args: PublishAssetArgs,
    ) -> Result<(Pubkey, Signature)> {
        let (_, token_program) = self.mint_info(payment_mint)?;
        let asset = pda::asset(&self.wallet(), &args.content_hash);
        let ix = ix::registry::publish_asset(&self.wallet(), payment_mint, &token_program, previous_version, args);
        Ok((asset, self.send(&[ix], &[])?))
    }

    /// Hashes `file` (SHA-256, streamed) into `args.content_hash`, then publishes.
    pub fn publish_file(
        &self,
        file: &Path,
        payment_mint: &Pubkey,
        previous_version: Option<Pubkey>,
        mut args: PublishAssetArgs,
    ) -> Result<(Pubkey, Signature)> {
        args.content_hash = parse::hash_file(file)?;
        self.publish(payment_mint, previous_version, args)
    }

    pub fn update_asset(&self, asset: &Pubkey, args: UpdateAssetArgs) -> Result<Signature> {
        self.send(&[ix::registry::update_asset(&self.wallet(), asset, args)], &[])
    }

    pub fn delist(&self, asset: &Pubkey) -> Result<Signature> {
        self.send(&[ix::registry::delist_asset(&self.wallet(), asset)], &[])
    }

    pub fn relist(&self, asset: &Pubkey) -> Result<Signature> {
        self.send(&[ix::registry::relist_asset(&self.wallet(), asset)], &[])
    }

    pub fn retire(&self, asset: &Pubkey) -> Result<Signature> {
        self.send(&[ix::registry::retire_asset(&self.wallet(), asset)], &[])
    }

    /// Buys `quantity` access tokens, refusing (on chain) a unit price above `max_unit_price`
    /// and an access duration below `min_access_duration` (a perpetual asset always passes;
    /// `u64::MAX` accepts only a perpetual one). Pays from the wallet's associated token
    /// account of the payment mint; the fee goes to the asset's own fee vault (see
    /// [`Tessera::sweep_fees`]). A free asset (price 0) is claimed instead (`claim_free_pass`: one
    /// token per wallet, so `quantity` must be 1; no payment account is needed).
    pub fn buy(
        &self,
        asset_key: &Pubkey,
        quantity: u64,
        max_unit_price: u64,
        min_access_duration: u64,
    ) -> Result<Signature> {
        let asset = self.asset(asset_key)?;
        if asset.price == 0 {
            if quantity != 1 {
                return Err(TesseraError::Invalid(format!(
                    "quantity {quantity}: this asset is free, and its pass is one access token per wallet (use 1)"
                )));
            }
            return self.send(&[ix::registry::claim_free_pass(&self.wallet(), asset_key, &asset)], &[]);
        }
        let (_, token_program) = self.mint_info(&asset.payment_mint)?;
        let buy = ix::registry::buy_access(
            &BuyAccounts {
                buyer: self.wallet(),
                buyer_payment_account: pda::ata(&self.wallet(), &asset.payment_mint, &token_program),
                payment_token_program: token_program,
            },
            asset_key,
            &asset,
            BuyAccessArgs {
                quantity,
                max_unit_price,
                min_access_duration,
            },
        );
        self.send(&[buy], &[])
    }

    /// Sweeps the protocol fees accrued in each asset's fee vault to the treasury's associated
    /// account (created if missing), all in one transaction; returns what each vault held.
    pub fn sweep_fees(&self, asset_keys: &[Pubkey]) -> Result<(Vec<u64>, Signature)> {
        let config = self.config()?;
        let mut ixs = Vec::new();
        let mut amounts = Vec::with_capacity(asset_keys.len());
        let mut atas: Vec<Pubkey> = Vec::new();
        for key in asset_keys {
            let asset = self.asset(key)?;
            let (_, token_program) = self.mint_info(&asset.payment_mint)?;
            let treasury_ata = pda::ata(&config.treasury, &asset.payment_mint, &token_program);
            if !atas.contains(&treasury_ata) {
                let (_, create) = self.ensure_ata(&config.treasury, &asset.payment_mint, &token_program)?;
                ixs.extend(create);
                atas.push(treasury_ata);
            }
            amounts.push(self.token_balance(&pda::fee_vault(key))?);
            ixs.push(ix::registry::sweep_fees(key, &asset, &treasury_ata, &token_program));
        }
        Ok((amounts, self.send(&ixs, &[])?))
    }

    pub fn redeem(&self, asset: &Pubkey, quantity: u64) -> Result<Signature> {
        self.send(&[ix::registry::redeem_access(&self.wallet(), asset, quantity)], &[])
    }

    pub fn revoke(&self, asset: &Pubkey, holder: &Pubkey, reason: u16) -> Result<Signature> {
        self.send(&[ix::registry::revoke_pass(&self.wallet(), asset, holder, reason)], &[])
    }

    /// Claims from one split into the wallet's associated token account (created if missing).
    pub fn claim(&self, split_key: &Pubkey) -> Result<(u64, Signature)> {
        let split = self.split(split_key)?;
        let owed = split
            .owed(&self.wallet())
            .map_err(|e| TesseraError::Invalid(e.to_string()))?;
        let (_, token_program) = self.mint_info(&split.mint)?;
        let (dest, mut ixs) = self.ensure_ata(&self.wallet(), &split.mint, &token_program)?;
        ixs.push(ix::royalties::claim(
            &self.wallet(),
            split_key,
            &split.mint,
            &dest,
            &token_program,
        ));
        Ok((owed, self.send(&ixs, &[])?))
    }

    /// Claims everything owed to the wallet across every split it belongs to.
    pub fn claim_all(&self) -> Result<Vec<(Pubkey, u64, Signature)>> {
        let mut out = vec![];
        for owed in self.owed_to(&self.wallet())? {
            let split = parse::pubkey("split", &owed.split)?;
            let (amount, sig) = self.claim(&split)?;
            out.push((split, amount, sig));
        }
        Ok(out)
    }

    /// Replaces a split's recipients (the wallet is its authority). The split's current
    /// version locates the record of removed recipients' balances the update may park.
    pub fn update_split(&self, split: &Pubkey, args: UpdateSplitArgs) -> Result<Signature> {
        let version = self.split(split)?.version;
        self.send(
            &[ix::royalties::update_split(&self.wallet(), split, version, args)],
            &[],
        )
    }

    /// Proposes `new_authority` as the split's next authority (`None` withdraws the proposal);
    /// nothing changes until it accepts.
    pub fn propose_split_authority(&self, split: &Pubkey, new_authority: Option<Pubkey>) -> Result<Signature> {
        self.send(
            &[ix::royalties::propose_split_authority(
                &self.wallet(),
                split,
                new_authority,
            )],
            &[],
        )
    }

    /// The wallet, proposed by the split's authority, takes the split over.
    pub fn accept_split_authority(&self, split: &Pubkey) -> Result<Signature> {
        self.send(&[ix::royalties::accept_split_authority(&self.wallet(), split)], &[])
    }

    /// Credits a split with the tokens sent straight to its vault (permissionless).
    pub fn sync_split(&self, split: &Pubkey) -> Result<Signature> {
        self.send(&[ix::royalties::sync(split)], &[])
    }

    /// `recipient`'s balances parked in `split`'s `Parked` records (balances of removed
    /// recipients that no longer fitted in the split): `(version, owed, rent_payer)` each. The
    /// records are found by address, one per past version of the split.
    pub fn parked_balances(&self, split_key: &Pubkey, recipient: &Pubkey) -> Result<Vec<(u32, u64, Pubkey)>> {
        use anchor_lang::AccountDeserialize;
        let split = self.split(split_key)?;
        let keys: Vec<Pubkey> = (0..split.version).map(|v| pda::parked(split_key, v)).collect();
        let mut out = vec![];
        for chunk in keys.chunks(100) {
            let accounts = self
                .rpc
                .get_multiple_accounts_with_commitment(chunk, self.rpc.commitment())
                .map_err(TesseraError::from)?
                .value;
            for acc in accounts.into_iter().flatten() {
                let parked = tessera_royalties::state::Parked::try_deserialize(&mut acc.data.as_slice())
                    .map_err(|e| TesseraError::Invalid(format!("parked record: {e}")))?;
                if let Some(b) = parked.balances.iter().find(|b| b.address == *recipient) {
                    out.push((parked.version, b.owed, parked.rent_payer));
                }
            }
        }
        Ok(out)
    }

    /// Takes the wallet's parked balances in `split` into its associated token account
    /// (created if missing); one transaction per record. Returns `(owed, signature)` each.
    pub fn claim_parked(&self, split_key: &Pubkey) -> Result<Vec<(u64, Signature)>> {
        let split = self.split(split_key)?;
        let (_, token_program) = self.mint_info(&split.mint)?;
        let me = self.wallet();
        let mut out = vec![];
        for (version, owed, rent_payer) in self.parked_balances(split_key, &me)? {
            let (dest, mut ixs) = self.ensure_ata(&me, &split.mint, &token_program)?;
            ixs.push(ix::royalties::claim_parked(
                &me,
                &me,
                split_key,
                version,
                &split.mint,
                &dest,
                &rent_payer,
                &token_program,
            ));
            out.push((owed, self.send(&ixs, &[])?));
        }
        Ok(out)
    }

    pub fn register_provider(&self, mint: &Pubkey, args: RegisterProviderArgs) -> Result<Signature> {
        let (_, token_program) = self.mint_info(mint)?;
        self.send(
            &[ix::escrow::register_provider(
                &self.wallet(),
                mint,
                &token_program,
                args,
            )],
            &[],
        )
    }

    /// Adds `amount` to the wallet's provider bond, from its associated token account.
    pub fn bond(&self, amount: u64) -> Result<Signature> {
        let p = self.provider(&self.wallet())?;
        let (_, token_program) = self.mint_info(&p.mint)?;
        let source = pda::ata(&self.wallet(), &p.mint, &token_program);
        self.send(
            &[ix::escrow::bond(
                &self.wallet(),
                &source,
                &p.mint,
                &token_program,
                amount,
            )],
            &[],
        )
    }

    /// Credits tokens sent straight to a provider's bond vault to its bond (permissionless).
    pub fn sync_bond(&self, provider_authority: &Pubkey) -> Result<Signature> {
        self.send(&[ix::escrow::sync_bond(&pda::provider(provider_authority))], &[])
    }

    pub fn request_unbond(&self, amount: u64) -> Result<Signature> {
        self.send(&[ix::escrow::request_unbond(&self.wallet(), amount)], &[])
    }

    pub fn withdraw_bond(&self) -> Result<Signature> {
        let p = self.provider(&self.wallet())?;
        let (_, token_program) = self.mint_info(&p.mint)?;
        let (dest, mut ixs) = self.ensure_ata(&self.wallet(), &p.mint, &token_program)?;
        ixs.push(ix::escrow::withdraw_bond(
            &self.wallet(),
            &dest,
            &p.mint,
            &token_program,
        ));
        self.send(&ixs, &[])
    }

    /// Opens a job for `model`, paying from the wallet's associated token account; passes the
    /// wallet's pass when the model is access-gated. Returns the job's address.
    pub fn open_job(&self, model: &Pubkey, args: OpenJobArgs) -> Result<(Pubkey, Signature)> {
        let asset = self.asset(model)?;
        let (_, token_program) = self.mint_info(&asset.payment_mint)?;
        let job = pda::job(&self.wallet(), args.job_id);
        let ix = ix::escrow::open_job(
            &ix::escrow::OpenJobAccounts {
                consumer: self.wallet(),
                model: *model,
                mint: asset.payment_mint,
                consumer_token_account: pda::ata(&self.wallet(), &asset.payment_mint, &token_program),
                token_program,
                gated: asset.inference_gated,
            },
            args,
        );
        Ok((job, self.send(&[ix], &[])?))
    }

    /// The slash at stake on `job` for the provider of `provider_authority`: fixed on the job
    /// once accepted; before that, what accepting now would fix
    /// (`min(slash_bps × bond, max_slash_fee_multiple × fee)`).
    pub fn slash_at_stake(&self, job: &Job, provider_authority: &Pubkey) -> Result<u64> {
        if job.state != JobState::Open {
            return Ok(job.slash_amount);
        }
        let c = self.escrow_config()?;
        let p = self.provider(provider_authority)?;
        tessera_escrow::math::slash_amount(p.bond, c.slash_bps, job.fee, c.max_slash_fee_multiple)
            .ok_or_else(|| TesseraError::Invalid("slash amount overflows".into()))
    }

    /// Accepts `job` on the terms read now (fee, delivery and challenge windows), with at most
    /// `max_slash` of the wallet's bond at stake (`None`: what accepting now would fix, see
    /// [`Tessera::slash_at_stake`]).
    pub fn accept_job(&self, job: &Pubkey, max_slash: Option<u64>) -> Result<Signature> {
        let j = self.job(job)?;
        let max_slash = match max_slash {
            Some(m) => m,
            None => self.slash_at_stake(&j, &self.wallet())?,
        };
        let config = self.escrow_config()?;
        self.send(
            &[ix::escrow::accept_job(&self.wallet(), job, &j, &config, max_slash)],
            &[],
        )
    }

    pub fn submit_result(&self, job: &Pubkey, result_commitment: [u8; 32]) -> Result<Signature> {
        self.send(
            &[ix::escrow::submit_result(&self.wallet(), job, result_commitment)],
            &[],
        )
    }

    pub fn dispute_job(&self, job: &Pubkey) -> Result<Signature> {
        self.send(&[ix::escrow::dispute_job(&self.wallet(), job)], &[])
    }

    /// The settlement payees of a job (creating the provider's, treasury's and consumer's
    /// associated token accounts if missing), and the model's parents' splits.
    fn settlement(&self, job_key: &Pubkey) -> Result<(tessera_escrow::state::Job, SettleAccounts, Vec<Instruction>)> {
        let job = self.job(job_key)?;
        if job.state == JobState::Open {
            return Err(TesseraError::Invalid(format!(
                "job {job_key} has not been accepted yet"
            )));
        }
        let provider: tessera_escrow::state::Provider = self.fetch("provider", &job.provider)?;
        let config = self.escrow_config()?;
        let (_, token_program) = self.mint_info(&job.mint)?;
        let (provider_ata, mut ixs) = self.ensure_ata(&provider.authority, &job.mint, &token_program)?;
        let (treasury_ata, more) = self.ensure_ata(&config.treasury, &job.mint, &token_program)?;
        ixs.extend(more);
        let (_, more) = self.ensure_ata(&job.consumer, &job.mint, &token_program)?;
        ixs.extend(more);
        let model = self.asset(&job.model)?;
        Ok((
            job,
            SettleAccounts {
                provider_token_account: provider_ata,
                treasury_token_account: treasury_ata,
                token_program,
                parent_splits: model.parents.iter().map(|p| p.split).collect(),
            },
            ixs,
        ))
    }

    pub fn confirm_job(&self, job_key: &Pubkey) -> Result<Signature> {
        let (job, s, mut ixs) = self.settlement(job_key)?;
        ixs.push(ix::escrow::confirm_job(job_key, &job, &s));
        self.send(&ixs, &[])
    }

    pub fn release_job(&self, job_key: &Pubkey) -> Result<Signature> {
        let (job, s, mut ixs) = self.settlement(job_key)?;
        ixs.push(ix::escrow::release_job(&self.wallet(), job_key, &job, &s));
        self.send(&ixs, &[])
    }

    pub fn resolve_dispute(&self, job_key: &Pubkey, provider_share_bps: u16) -> Result<Signature> {
        let (job, s, mut ixs) = self.settlement(job_key)?;
        let consumer_ata = pda::ata(&job.consumer, &job.mint, &s.token_program);
        ixs.push(ix::escrow::resolve_dispute(
            &self.wallet(),
            job_key,
            &job,
            &s,
            &consumer_ata,
            provider_share_bps,
        ));
        self.send(&ixs, &[])
    }

    /// Settles a dispute unresolved after its deadline by the default rule (half each).
    pub fn settle_dispute(&self, job_key: &Pubkey) -> Result<Signature> {
        let (job, s, mut ixs) = self.settlement(job_key)?;
        let consumer_ata = pda::ata(&job.consumer, &job.mint, &s.token_program);
        ixs.push(ix::escrow::settle_dispute(
            &self.wallet(),
            job_key,
            &job,
            &s,
            &consumer_ata,
        ));
        self.send(&ixs, &[])
    }

    pub fn refund_job(&self, job_key: &Pubkey) -> Result<Signature> {
        let job = self.job(job_key)?;
        let (_, token_program) = self.mint_info(&job.mint)?;
        let consumer_ata = pda::ata(&job.consumer, &job.mint, &token_program);
        self.send(
            &[ix::escrow::refund_job(
                &self.wallet(),
                job_key,
                &job,
                &consumer_ata,
                &token_program,
            )],
            &[],
        )
    }
}
