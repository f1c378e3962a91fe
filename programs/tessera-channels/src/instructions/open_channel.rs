use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use tessera_common::create::{create_pda_account, init_token_account_pda, write_account};
use tessera_escrow::{
    constants::MODEL_PROVIDERS_SEED,
    state::{ModelProviders, Provider},
};
use tessera_registry::{
    cpi::accounts::VerifyAccess,
    program::TesseraRegistry,
    state::{AccessPass, Asset, AssetKind, AssetState},
};

use crate::{
    constants::*,
    errors::ChannelsError,
    events::ChannelOpened,
    payout::deposit_into_vault,
    state::{next_channel_id, Channel, ChannelsConfig, PayerChannels},
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct OpenChannelArgs {
    /// The payer's next channel id: its `PayerChannels.last_channel_id + 1` (1 for its first
    /// channel); part of the channel's address. Any other id is refused (`ChannelIdNotNext`), so
    /// that a channel address is never used twice (see [`PayerChannels`]).
    pub channel_id: u64,
    /// Paid into the channel's vault now, in the model's payment mint (> 0).
    pub deposit: u64,
    /// Signs the vouchers: the payer itself, or a session key.
    pub authorized_signer: Pubkey,
    /// Seconds between a close request and the earliest finalization (within the config's
    /// bounds): the time the payee has to settle its last voucher.
    pub close_grace: u32,
}

/// A payer opens a payment channel for a registry model with a provider serving it, and funds
/// it. For an access-gated model the payer's pass is verified by CPI into the registry
/// (`verify_access`), as for an escrow job. The channel id must be the payer's next one (its
/// `PayerChannels` counter, created on its first channel, records it). The channel, its vault
/// and the counter are created whatever lamports already sit at their addresses.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: OpenChannelArgs)]
pub struct OpenChannel<'info> {
    /// The config (PDA with stored bump): not paused; the close grace bounds; the protocol fee,
    /// recorded in the channel.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, ChannelsConfig>>,
    /// Pays the deposit and the rents (returned when the channel closes).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: the payer's channel counter, at `[PAYER_CHANNELS_SEED, payer]` (address checked by
    /// the seeds). If it exists it is loaded (`load_payer_channels`: owner = this program,
    /// discriminator checked) and `channel_id` must be its next id; otherwise this is the
    /// payer's first channel (id 1) and it is created here whatever lamports already sit at the
    /// address. Never closed (see `PayerChannels`).
    #[account(mut, seeds = [PAYER_CHANNELS_SEED, payer.key().as_ref()], bump)]
    pub payer_channels: UncheckedAccount<'info>,
    /// The model: a registry `Asset` (owner and discriminator checked by the type; kind and
    /// state in validate).
    pub model: Box<Account<'info, Asset>>,
    /// The provider serving the model: an escrow `Provider` (owner and discriminator checked by
    /// the type; PDA of its authority with its stored bump); its authority is the payee.
    #[account(
        seeds = [tessera_escrow::constants::PROVIDER_SEED, provider.authority.as_ref()],
        bump = provider.bump,
        seeds::program = tessera_escrow::ID,
    )]
    pub provider: Box<Account<'info, Provider>>,
    /// CHECK: the model's provider allow-list, at `[MODEL_PROVIDERS_SEED, model]` under the
    /// escrow program (address checked by the seeds). Empty (never set): any provider serving
    /// the model may be chosen. Otherwise owned by the escrow program (checked in validate) and
    /// the provider must be listed — the rule of the escrow's `accept_job`.
    #[account(seeds = [MODEL_PROVIDERS_SEED, model.key().as_ref()], bump, seeds::program = tessera_escrow::ID)]
    pub model_providers: UncheckedAccount<'info>,
    /// CHECK: the channel, created here at `[CHANNEL_SEED, payer, channel_id]` (address checked
    /// by the seeds) whatever lamports already sit there; an id in use is refused.
    #[account(mut, seeds = [CHANNEL_SEED, payer.key().as_ref(), &args.channel_id.to_le_bytes()], bump)]
    pub channel: UncheckedAccount<'info>,
    /// CHECK: the channel's vault, created here at `[CHANNEL_VAULT_SEED, channel]` (address
    /// checked by the seeds) as a `mint` token account owned by the channel PDA, whatever
    /// lamports already sit there.
    #[account(mut, seeds = [CHANNEL_VAULT_SEED, channel.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    /// The model's payment mint (address stored in the model).
    #[account(address = model.payment_mint @ ChannelsError::MintMismatch, mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The deposit comes from here: a `mint` account owned by the payer.
    #[account(mut, token::mint = mint, token::authority = payer, token::token_program = token_program)]
    pub payer_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Gated models only: the payer's pass for this model (owner: the registry, checked by the
    /// type; holder and asset checked in validate; validity by `verify_access`).
    pub pass: Option<Box<Account<'info, AccessPass>>>,
    /// CHECK: gated models only: the payer's access-token account; the registry's
    /// `verify_access` checks its mint, its owner (the pass holder) and its balance.
    pub payer_access_account: Option<UncheckedAccount<'info>>,
    pub registry_program: Program<'info, TesseraRegistry>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl OpenChannel<'_> {
    /// The payer's channel counter if it exists: owned by this program with the
    /// `PayerChannels` discriminator (anything else at a program-owned address is refused).
    /// `None` when the address is not this program's (a system account, possibly holding
    /// lamports): the payer has no channel yet and the counter is created.
    fn load_payer_channels(&self) -> Result<Option<PayerChannels>> {
        let info = &self.payer_channels;
        if info.owner != &crate::ID {
            return Ok(None);
        }
        let data = info.try_borrow_data()?;
        Ok(Some(PayerChannels::try_deserialize(&mut &data[..])?))
    }

    /// The id the payer's next channel must have (1 for its first).
    fn expected_channel_id(&self) -> Result<u64> {
        let last = self.load_payer_channels()?.map_or(0, |p| p.last_channel_id);
        next_channel_id(last)
    }

    fn validate(&self, args: &OpenChannelArgs) -> Result<()> {
        // config: PDA. payer: signer. payer_channels: seeds; loaded below. model: registry
        // Asset. provider: escrow PDA.
        // model_providers: seeds; owner and content below. channel, vault: seeds (created in the
        // handler). mint: the model's. payer_token_account: mint + authority. Remaining checks:
        require!(!self.config.paused, ChannelsError::ChannelsPaused);
        require!(self.model.kind == AssetKind::Model, ChannelsError::NotAModel);
        require!(self.model.state == AssetState::Listed, ChannelsError::ModelNotListed);
        require!(
            self.provider.serves(&self.model.key()),
            ChannelsError::ProviderDoesNotServeModel
        );
        require!(
            ModelProviders::admits(&self.model_providers, &self.provider.key())?,
            ChannelsError::ProviderNotAllowed
        );
        require_eq!(
            args.channel_id,
            self.expected_channel_id()?,
            ChannelsError::ChannelIdNotNext
        );
        require!(args.deposit > 0, ChannelsError::ZeroAmount);
        require!(
            self.config.allows_grace(args.close_grace),
            ChannelsError::GraceOutOfBounds
        );
        if self.model.inference_gated {
            let pass = self
                .pass
                .as_ref()
                .ok_or_else(|| error!(ChannelsError::AccessProofMissing))?;
            require!(self.payer_access_account.is_some(), ChannelsError::AccessProofMissing);
            require!(
                pass.holder == self.payer.key() && pass.asset == self.model.key(),
                ChannelsError::PassMismatch
            );
        }
        Ok(())
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn open_channel(ctx: Context<Self>, args: OpenChannelArgs) -> Result<()> {
        let a = &ctx.accounts;
        if a.model.inference_gated {
            if let (Some(pass), Some(holder_access_account)) = (&a.pass, &a.payer_access_account) {
                tessera_registry::cpi::verify_access(CpiContext::new(
                    a.registry_program.key(),
                    VerifyAccess {
                        asset: a.model.to_account_info(),
                        pass: pass.to_account_info(),
                        holder_access_account: holder_access_account.to_account_info(),
                    },
                ))?;
            }
        }

        // The payer's counter (created on its first channel) takes the id: never again.
        let payer_key = a.payer.key();
        let payer = a.payer.to_account_info();
        let system = a.system_program.to_account_info();
        let counter_info = a.payer_channels.to_account_info();
        let mut counter = match a.load_payer_channels()? {
            Some(counter) => counter,
            None => {
                let bump = ctx.bumps.payer_channels;
                create_pda_account(
                    &payer,
                    &counter_info,
                    &system,
                    8 + PayerChannels::INIT_SPACE,
                    &crate::ID,
                    &[PAYER_CHANNELS_SEED, payer_key.as_ref(), &[bump]],
                )?;
                PayerChannels {
                    payer: payer_key,
                    last_channel_id: 0,
                    bump,
                }
            }
        };
        counter.last_channel_id = args.channel_id;
        write_account(&counter_info, &counter)?;

        // The channel and its vault, whatever lamports already sit at their addresses.
        let id = args.channel_id.to_le_bytes();
        let (bump, vault_bump) = (ctx.bumps.channel, ctx.bumps.vault);
        let channel_key = a.channel.key();
        let channel_info = a.channel.to_account_info();
        let vault_info = a.vault.to_account_info();
        create_pda_account(
            &payer,
            &channel_info,
            &system,
            8 + Channel::INIT_SPACE,
            &crate::ID,
            &[CHANNEL_SEED, payer_key.as_ref(), &id, &[bump]],
        )?;
        init_token_account_pda(
            &payer,
            &vault_info,
            &system,
            &a.mint.to_account_info(),
            &channel_info,
            &a.token_program.to_account_info(),
            &[CHANNEL_VAULT_SEED, channel_key.as_ref(), &[vault_bump]],
        )?;
        // The vault was empty: what it received is the deposit net of any transfer fee.
        let received = deposit_into_vault(
            &a.payer_token_account,
            &vault_info,
            &a.mint,
            &payer,
            &a.token_program,
            args.deposit,
        )?;

        let now = Clock::get()?.unix_timestamp;
        let channel = Channel {
            payer: payer_key,
            payee: a.provider.authority,
            provider: a.provider.key(),
            authorized_signer: args.authorized_signer,
            model: a.model.key(),
            model_split: a.model.split,
            mint: a.mint.key(),
            vault: vault_info.key(),
            channel_id: args.channel_id,
            deposit: received,
            settled: 0,
            fee_bps: a.config.fee_bps,
            royalty_bps: a.model.inference_royalty_bps,
            close_grace: args.close_grace,
            close_requested_at: 0,
            opened_at: now,
            bump,
            vault_bump,
        };
        write_account(&channel_info, &channel)?;

        emit_cpi!(ChannelOpened {
            channel: channel_key,
            payer: channel.payer,
            payee: channel.payee,
            provider: channel.provider,
            authorized_signer: channel.authorized_signer,
            model: channel.model,
            mint: channel.mint,
            channel_id: channel.channel_id,
            deposit: channel.deposit,
            fee_bps: channel.fee_bps,
            royalty_bps: channel.royalty_bps,
            close_grace: channel.close_grace,
            opened_at: now,
        });
        Ok(())
    }
}
