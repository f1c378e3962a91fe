//! What settling and closing a channel need, shared by `settle`, `settle_and_close` and
//! `finalize_close`: the settlement accounts (a composite `Accounts` struct nested in `Settle`
//! and `SettleAndClose`), the voucher check, the payout and the close.
//!
//! Surplus rule: tokens in a channel vault beyond the unspent deposit (anyone can send tokens to
//! it) are never paid out by a settlement (payouts use the recorded amounts) and go to the payer
//! when the channel closes; the vault is then empty and closes. So stray tokens never block
//! anything.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, CloseAccount, Mint, TokenAccount, TokenInterface, TransferChecked};
use solana_instructions_sysvar::{load_current_index_checked, load_instruction_at_checked};
use tessera_common::lineage::inference_split;
use tessera_registry::state::Asset;
use tessera_royalties::{cpi::accounts::Deposit, program::TesseraRoyalties};

use crate::{
    constants::*,
    errors::ChannelsError,
    events::ChannelSettled,
    state::{Channel, ChannelsConfig},
    voucher::{parse_ed25519_instruction, voucher_message, Ed25519Refusal},
};

/// A voucher to settle: the signed cumulative amount and expiry.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettleArgs {
    /// The cumulative amount the voucher pays through the channel, in base units.
    pub cumulative: u64,
    /// Unix seconds after which the voucher is refused; 0 = none.
    pub expiry: i64,
}

/// The accounts a settlement pays from and to. Remaining accounts of the instruction: for each
/// parent of the model, in the model's order, the parent's split and that split's vault (both
/// writable).
#[derive(Accounts)]
pub struct Settlement<'info> {
    /// The config (PDA with stored bump): names the treasury. Nothing else of it is read: a
    /// paused program still settles.
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Box<Account<'info, ChannelsConfig>>,
    /// The channel (PDA with stored bump).
    #[account(
        mut,
        seeds = [CHANNEL_SEED, channel.payer.as_ref(), &channel.channel_id.to_le_bytes()],
        bump = channel.bump,
    )]
    pub channel: Box<Account<'info, Channel>>,
    /// The channel's vault (address stored in the channel).
    #[account(mut, address = channel.vault)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The model (address stored in the channel; a registry `Asset` by the type): its parents,
    /// read at each settlement (a model's lineage never changes).
    #[account(address = channel.model)]
    pub model: Box<Account<'info, Asset>>,
    /// Receives the payee part: a `mint` account owned by the channel's payee.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = payee_token_account.owner == channel.payee @ ChannelsError::WrongTokenAccountOwner,
    )]
    pub payee_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the protocol fee: a `mint` account owned by the config's current treasury.
    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = treasury_token_account.owner == config.treasury @ ChannelsError::TreasuryMismatch,
    )]
    pub treasury_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the model's split recorded in the channel at opening (address); the royalties
    /// program checks its owner and seeds in `deposit`.
    #[account(mut, address = channel.model_split @ ChannelsError::SplitMismatch)]
    pub model_split: UncheckedAccount<'info>,
    /// CHECK: the split's vault; the royalties program's `deposit` checks it is `split.vault`.
    #[account(mut)]
    pub model_split_vault: UncheckedAccount<'info>,
    /// The channel's mint (address stored in the channel); writable when the vault holds
    /// withheld transfer fees to harvest before it closes (Token-2022, see `harvest_vault`).
    #[account(address = channel.mint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// SPL Token or Token-2022: owner of the mint and the token accounts (constraints above).
    pub token_program: Interface<'info, TokenInterface>,
    pub royalties_program: Program<'info, TesseraRoyalties>,
    /// CHECK: the royalties program's event authority; checked by its `event_cpi` constraint.
    pub royalties_event_authority: UncheckedAccount<'info>,
    /// CHECK: the instructions sysvar (address); `check_signature` reads the Ed25519
    /// instruction before this one through it.
    #[account(address = solana_sdk_ids::sysvar::instructions::ID)]
    pub instructions_sysvar: UncheckedAccount<'info>,
}

fn ed25519_error(refusal: Ed25519Refusal) -> Error {
    match refusal {
        Ed25519Refusal::DataLength => error!(ChannelsError::Ed25519DataLength),
        Ed25519Refusal::SignatureCount => error!(ChannelsError::Ed25519SignatureCount),
        Ed25519Refusal::OffsetsNotCanonical => error!(ChannelsError::Ed25519OffsetsNotCanonical),
        Ed25519Refusal::NotInline => error!(ChannelsError::Ed25519DataNotInline),
    }
}

impl<'info> Settlement<'info> {
    /// Checks that the instruction just before this one is the Ed25519 program's, verifying
    /// exactly one inline signature (canonical layout) by the channel's authorized signer of
    /// this channel's voucher for `args`. The runtime verified the signature itself before the
    /// transaction ran; this checks what was verified.
    pub fn check_signature(&self, args: &SettleArgs) -> Result<()> {
        let sysvar = self.instructions_sysvar.to_account_info();
        let current = load_current_index_checked(&sysvar)?;
        let previous = current
            .checked_sub(1)
            .ok_or_else(|| error!(ChannelsError::Ed25519InstructionMissing))?;
        let ix = load_instruction_at_checked(usize::from(previous), &sysvar)?;
        require_keys_eq!(
            ix.program_id,
            solana_sdk_ids::ed25519_program::ID,
            ChannelsError::Ed25519InstructionMissing
        );
        let verified = parse_ed25519_instruction(&ix.data).map_err(ed25519_error)?;
        require!(
            verified.pubkey == &self.channel.authorized_signer.to_bytes(),
            ChannelsError::VoucherSignerMismatch
        );
        let expected = voucher_message(&self.channel.key().to_bytes(), args.cumulative, args.expiry);
        require!(verified.message == &expected, ChannelsError::VoucherMessageMismatch);
        Ok(())
    }

    /// Every check of a voucher: the signature (see [`Self::check_signature`]), then the amount
    /// (above the settled total, within the deposit), the expiry, and the close grace (a
    /// requested close leaves the payee until the grace ends).
    pub fn check_voucher(&self, args: &SettleArgs) -> Result<()> {
        self.check_signature(args)?;
        let ch = &self.channel;
        require_gt!(args.cumulative, ch.settled, ChannelsError::VoucherNotIncreasing);
        require_gte!(ch.deposit, args.cumulative, ChannelsError::VoucherAboveDeposit);
        let now = Clock::get()?.unix_timestamp;
        require!(args.expiry == 0 || now <= args.expiry, ChannelsError::VoucherExpired);
        if let Some(end) = ch.grace_ends_at()? {
            require_gt!(end, now, ChannelsError::CloseGraceOver);
        }
        Ok(())
    }

    fn transfer_from_vault(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        transfer_from_vault(&self.channel, &self.vault, &self.mint, &self.token_program, to, amount)
    }

    /// Deposits `amount` (nothing if 0) from the vault into a split, signed by the channel.
    fn deposit(&self, split: AccountInfo<'info>, split_vault: AccountInfo<'info>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let id = self.channel.channel_id.to_le_bytes();
        let seeds = self.channel.signer_seeds(&id);
        tessera_royalties::cpi::deposit(
            CpiContext::new_with_signer(
                self.royalties_program.key(),
                Deposit {
                    depositor: self.channel.to_account_info(),
                    source: self.vault.to_account_info(),
                    split,
                    vault: split_vault,
                    mint: self.mint.to_account_info(),
                    token_program: self.token_program.to_account_info(),
                    event_authority: self.royalties_event_authority.to_account_info(),
                    program: self.royalties_program.to_account_info(),
                },
                &[&seeds],
            ),
            amount,
        )
    }

    /// Pays what a checked voucher adds (`cumulative − settled`) out of the vault by the
    /// lineage rule (`tessera_common::lineage`): the protocol fee to the treasury, each
    /// parent's share of the royalty to its split, the rest of the royalty to the model's
    /// split, the rest to the payee; records the new settled total and returns the event.
    /// `parents`: each parent's split and split vault, in the model's order.
    pub fn pay(&mut self, args: &SettleArgs, parents: &[AccountInfo<'info>]) -> Result<ChannelSettled> {
        let ch = &self.channel;
        let amount = args
            .cumulative
            .checked_sub(ch.settled)
            .ok_or_else(|| error!(ChannelsError::MathOverflow))?;
        let links = &self.model.parents;
        let parent_bps: Vec<u16> = links.iter().map(|p| p.bps).collect();
        let split = inference_split(amount, ch.fee_bps, ch.royalty_bps, &parent_bps)
            .ok_or_else(|| error!(ChannelsError::MathOverflow))?;
        require_eq!(
            parents.len(),
            links
                .len()
                .checked_mul(2)
                .ok_or_else(|| error!(ChannelsError::MathOverflow))?,
            ChannelsError::ParentAccountsMismatch
        );

        // 1. The protocol fee to the treasury.
        self.transfer_from_vault(self.treasury_token_account.to_account_info(), split.to_treasury)?;
        // 2. Each parent's share of the royalty to its split (the royalties program checks the
        //    split's seeds and its vault).
        for ((link, pair), &share) in links.iter().zip(parents.chunks_exact(2)).zip(&split.to_parents) {
            require_keys_eq!(pair[0].key(), link.split, ChannelsError::SplitMismatch);
            self.deposit(pair[0].clone(), pair[1].clone(), share)?;
        }
        // 3. The rest of the royalty to the model's split.
        self.deposit(
            self.model_split.to_account_info(),
            self.model_split_vault.to_account_info(),
            split.to_model_split,
        )?;
        // 4. The rest to the payee.
        self.transfer_from_vault(self.payee_token_account.to_account_info(), split.to_payee)?;

        let ch = &mut self.channel;
        ch.settled = args.cumulative;
        Ok(ChannelSettled {
            channel: ch.key(),
            cumulative: args.cumulative,
            amount,
            to_treasury: split.to_treasury,
            to_model_split: split.to_model_split,
            to_parents: split.to_parents,
            to_payee: split.to_payee,
            settled: ch.settled,
            remaining: ch.remaining()?,
        })
    }
}

/// Moves `amount` from `source` (signed by `authority`) into a channel vault and returns what
/// the vault received (its balance delta: a Token-2022 transfer fee is not counted); refuses
/// when it received nothing (`ZeroAmount`).
pub fn deposit_into_vault<'info>(
    source: &InterfaceAccount<'info, TokenAccount>,
    vault: &AccountInfo<'info>,
    mint: &InterfaceAccount<'info, Mint>,
    authority: &AccountInfo<'info>,
    token_program: &Interface<'info, TokenInterface>,
    amount: u64,
) -> Result<u64> {
    let before = token_amount(vault)?;
    token_interface::transfer_checked(
        CpiContext::new(
            token_program.key(),
            TransferChecked {
                from: source.to_account_info(),
                mint: mint.to_account_info(),
                to: vault.clone(),
                authority: authority.clone(),
            },
        ),
        amount,
        mint.decimals,
    )?;
    let received = token_amount(vault)?
        .checked_sub(before)
        .ok_or_else(|| error!(ChannelsError::MathOverflow))?;
    require!(received > 0, ChannelsError::ZeroAmount);
    Ok(received)
}

/// Transfers `amount` (nothing if 0) out of a channel's vault, signed by the channel PDA.
pub fn transfer_from_vault<'info>(
    channel: &Account<'info, Channel>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    to: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let id = channel.channel_id.to_le_bytes();
    let seeds = channel.signer_seeds(&id);
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: vault.to_account_info(),
                mint: mint.to_account_info(),
                to,
                authority: channel.to_account_info(),
            },
            &[&seeds],
        ),
        amount,
        mint.decimals,
    )
}

/// What a close returned to the payer.
pub struct Closed {
    /// The unspent deposit (`deposit − settled`, or what the vault still holds if less).
    pub refund: u64,
    /// What the vault held beyond it.
    pub surplus: u64,
}

/// Closes a channel: everything its vault holds (the unspent deposit and any stray tokens) goes
/// to `payer_token_account`; the vault's withheld Token-2022 fees are harvested into the mint;
/// the vault and the channel are closed, their rents to `payer`.
pub fn close_channel<'info>(
    channel: &mut Account<'info, Channel>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    payer: &AccountInfo<'info>,
    payer_token_account: AccountInfo<'info>,
) -> Result<Closed> {
    let all = token_amount(&vault.to_account_info())?;
    let refund = all.min(channel.remaining()?);
    let surplus = all
        .checked_sub(refund)
        .ok_or_else(|| error!(ChannelsError::MathOverflow))?;
    transfer_from_vault(channel, vault, mint, token_program, payer_token_account, all)?;
    harvest_vault(vault, mint, token_program)?;
    let id = channel.channel_id.to_le_bytes();
    let seeds = channel.signer_seeds(&id);
    token_interface::close_account(CpiContext::new_with_signer(
        token_program.key(),
        CloseAccount {
            account: vault.to_account_info(),
            destination: payer.clone(),
            authority: channel.to_account_info(),
        },
        &[&seeds],
    ))?;
    channel.close(payer.clone())?;
    Ok(Closed { refund, surplus })
}

/// Harvests the vault's withheld Token-2022 fees into the mint before it closes
/// ([`tessera_common::token::harvest_withheld_fees`], the rule of the escrow's job vaults;
/// `MintNotWritable` when the mint is not writable and there is something to harvest).
pub fn harvest_vault<'info>(
    vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
) -> Result<()> {
    tessera_common::token::harvest_withheld_fees(
        &vault.to_account_info(),
        &mint.to_account_info(),
        &token_program.to_account_info(),
        || error!(ChannelsError::MintNotWritable),
    )
}

pub use tessera_common::token::token_amount;
