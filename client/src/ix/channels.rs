//! Builders for `tessera-channels` instructions, and the voucher a channel's authorized signer
//! signs (its layout is the program's own, [`tessera_channels::voucher`]).

use anchor_lang::{
    prelude::Pubkey,
    solana_program::instruction::{AccountMeta, Instruction},
    system_program, InstructionData, ToAccountMetas,
};
use solana_signer::Signer;
use tessera_channels::{
    accounts as acc, instruction as data,
    instructions::{InitializeConfigArgs, OpenChannelArgs, UpdateConfigArgs},
    payout::SettleArgs,
    state::Channel,
    voucher::voucher_message,
};
use tessera_registry::state::Asset;

use super::with_writable_mint;
use crate::{pda, CHANNELS_ID, REGISTRY_ID, ROYALTIES_ID, TOKEN_PROGRAM_ID};

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    super::build(CHANNELS_ID, accounts, data)
}

fn event_authority() -> Pubkey {
    pda::event_authority(&CHANNELS_ID)
}

/// `initialize_config`, signed by the channels program's upgrade authority.
pub fn initialize_config(upgrade_authority: &Pubkey, args: InitializeConfigArgs) -> Instruction {
    build(
        acc::InitializeConfig {
            upgrade_authority: *upgrade_authority,
            config: pda::channels_config(),
            program_data: pda::program_data(&CHANNELS_ID),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::InitializeConfig { args },
    )
}

/// `update_config`, signed by the admin.
pub fn update_config(admin: &Pubkey, args: UpdateConfigArgs) -> Instruction {
    build(
        acc::UpdateConfig {
            admin: *admin,
            config: pda::channels_config(),
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::UpdateConfig { args },
    )
}

/// `propose_admin`, signed by the admin: `new_admin` takes over once it signs `accept_admin`.
pub fn propose_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    build(
        acc::ProposeAdmin {
            admin: *admin,
            config: pda::channels_config(),
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::ProposeAdmin { new_admin: *new_admin },
    )
}

/// `accept_admin`, signed by the proposed admin.
pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    build(
        acc::AcceptAdmin {
            new_admin: *new_admin,
            config: pda::channels_config(),
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::AcceptAdmin {},
    )
}

/// Who opens a channel, to whom, and where the deposit comes from.
pub struct OpenChannelAccounts {
    pub payer: Pubkey,
    pub model: Pubkey,
    /// The provider's authority (the payee); its escrow `Provider` account is derived.
    pub provider_authority: Pubkey,
    /// The model's payment mint.
    pub mint: Pubkey,
    pub payer_token_account: Pubkey,
    pub token_program: Pubkey,
    /// For access-gated models: pass the payer's pass and access-token account.
    pub gated: bool,
}

/// `open_channel`, signed by the payer; the channel is `pda::channel(payer, args.channel_id)`,
/// and `args.channel_id` must be the payer's next id (its `PayerChannels.last_channel_id + 1`,
/// 1 for its first channel: see `Tessera::next_channel_id`).
pub fn open_channel(a: &OpenChannelAccounts, args: OpenChannelArgs) -> Instruction {
    let channel = pda::channel(&a.payer, args.channel_id);
    let (pass, payer_access_account) = if a.gated {
        let access_mint = pda::access_mint(&a.model);
        (
            Some(pda::pass(&a.model, &a.payer)),
            Some(pda::ata(&a.payer, &access_mint, &TOKEN_PROGRAM_ID)),
        )
    } else {
        (None, None)
    };
    build(
        acc::OpenChannel {
            config: pda::channels_config(),
            payer: a.payer,
            payer_channels: pda::payer_channels(&a.payer),
            model: a.model,
            provider: pda::provider(&a.provider_authority),
            model_providers: pda::model_providers(&a.model),
            channel,
            vault: pda::channel_vault(&channel),
            mint: a.mint,
            payer_token_account: a.payer_token_account,
            pass,
            payer_access_account,
            registry_program: REGISTRY_ID,
            token_program: a.token_program,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::OpenChannel { args },
    )
}

/// `top_up`, signed by the payer: `amount` from `payer_token_account`.
pub fn top_up(
    channel_key: &Pubkey,
    channel: &Channel,
    payer_token_account: &Pubkey,
    token_program: &Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::TopUp {
            config: pda::channels_config(),
            payer: channel.payer,
            channel: *channel_key,
            vault: channel.vault,
            mint: channel.mint,
            payer_token_account: *payer_token_account,
            token_program: *token_program,
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::TopUp { amount },
    )
}

/// `request_close`, signed by the payer.
pub fn request_close(channel_key: &Pubkey, channel: &Channel) -> Instruction {
    build(
        acc::RequestClose {
            payer: channel.payer,
            channel: *channel_key,
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::RequestClose {},
    )
}

/// `finalize_close`, signed by anyone (`caller`) after the grace: the vault's content goes to
/// `payer_token_account` (a token account of the channel's payer, e.g. its associated one).
pub fn finalize_close(
    caller: &Pubkey,
    channel_key: &Pubkey,
    channel: &Channel,
    payer_token_account: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    let ix = build(
        acc::FinalizeClose {
            caller: *caller,
            channel: *channel_key,
            vault: channel.vault,
            payer: channel.payer,
            payer_token_account: *payer_token_account,
            mint: channel.mint,
            token_program: *token_program,
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::FinalizeClose {},
    );
    with_writable_mint(ix, &channel.mint, token_program)
}

/// The payees of a settlement: a token account of the channel's payee and one of the config's
/// treasury.
pub struct SettleAccounts {
    pub payee_token_account: Pubkey,
    pub treasury_token_account: Pubkey,
    pub token_program: Pubkey,
}

fn settlement(channel_key: &Pubkey, channel: &Channel, s: &SettleAccounts) -> acc::Settlement {
    acc::Settlement {
        config: pda::channels_config(),
        channel: *channel_key,
        vault: channel.vault,
        model: channel.model,
        payee_token_account: s.payee_token_account,
        treasury_token_account: s.treasury_token_account,
        model_split: channel.model_split,
        model_split_vault: pda::vault(&channel.model_split),
        mint: channel.mint,
        token_program: s.token_program,
        royalties_program: ROYALTIES_ID,
        royalties_event_authority: pda::event_authority(&ROYALTIES_ID),
        instructions_sysvar: solana_sdk_ids::sysvar::instructions::ID,
    }
}

/// Appends each parent's split and split vault, in the model's order (the remaining accounts of
/// `settle` and `settle_and_close`).
fn with_parents(mut ix: Instruction, model: &Asset) -> Instruction {
    for parent in &model.parents {
        ix.accounts.push(AccountMeta::new(parent.split, false));
        ix.accounts.push(AccountMeta::new(pda::vault(&parent.split), false));
    }
    ix
}

/// The voucher `signer` signs to pay `cumulative` base units in total through `channel_key`,
/// valid until `expiry` (unix seconds; 0 = none): the 50-byte message of
/// [`tessera_channels::voucher`].
pub fn voucher(channel_key: &Pubkey, cumulative: u64, expiry: i64) -> [u8; tessera_channels::voucher::VOUCHER_LEN] {
    voucher_message(&channel_key.to_bytes(), cumulative, expiry)
}

/// Signs a voucher with the channel's authorized signer.
pub fn sign_voucher(signer: &dyn Signer, channel_key: &Pubkey, cumulative: u64, expiry: i64) -> [u8; 64] {
    let sig = signer.sign_message(&voucher(channel_key, cumulative, expiry));
    sig.into()
}

/// The Ed25519 program instruction verifying `signature` by `signer` of the voucher: one
/// signature, data inline, the canonical offsets (`solana-ed25519-program`'s builder), as
/// `settle` requires it just before itself.
pub fn voucher_signature_ix(
    channel_key: &Pubkey,
    args: &SettleArgs,
    signer: &Pubkey,
    signature: &[u8; 64],
) -> Instruction {
    let message = voucher(channel_key, args.cumulative, args.expiry);
    solana_ed25519_program::new_ed25519_instruction_with_signature(&message, signature, &signer.to_bytes())
}

/// The `settle` instruction alone (permissionless); it must follow the Ed25519 instruction of
/// its voucher ([`voucher_signature_ix`]). `model` is the channel's model (its parents).
pub fn settle_ix(
    channel_key: &Pubkey,
    channel: &Channel,
    model: &Asset,
    s: &SettleAccounts,
    args: SettleArgs,
) -> Instruction {
    let ix = build(
        acc::Settle {
            settlement: settlement(channel_key, channel, s),
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::Settle { args },
    );
    with_parents(ix, model)
}

/// `[ed25519 check, settle]`: settles a voucher signed by the channel's authorized signer.
pub fn settle(
    channel_key: &Pubkey,
    channel: &Channel,
    model: &Asset,
    s: &SettleAccounts,
    args: SettleArgs,
    signature: &[u8; 64],
) -> [Instruction; 2] {
    [
        voucher_signature_ix(channel_key, &args, &channel.authorized_signer, signature),
        settle_ix(channel_key, channel, model, s, args),
    ]
}

/// `settle_and_close`, signed by the payee, with its Ed25519 check first when a final voucher
/// (arguments and signature) is given; the vault's rest goes to `payer_token_account`.
pub fn settle_and_close(
    channel_key: &Pubkey,
    channel: &Channel,
    model: &Asset,
    s: &SettleAccounts,
    payer_token_account: &Pubkey,
    voucher: Option<(SettleArgs, [u8; 64])>,
) -> Vec<Instruction> {
    let ix = build(
        acc::SettleAndClose {
            payee: channel.payee,
            settlement: settlement(channel_key, channel, s),
            payer: channel.payer,
            payer_token_account: *payer_token_account,
            event_authority: event_authority(),
            program: CHANNELS_ID,
        },
        data::SettleAndClose {
            voucher: voucher.map(|(args, _)| args),
        },
    );
    let ix = with_writable_mint(with_parents(ix, model), &channel.mint, &s.token_program);
    match voucher {
        Some((args, signature)) => vec![
            voucher_signature_ix(channel_key, &args, &channel.authorized_signer, &signature),
            ix,
        ],
        None => vec![ix],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_channels::voucher::{parse_ed25519_instruction, ED25519_VOUCHER_IX_LEN};

    /// The crate's builder lays the instruction out exactly as the program's strict parser
    /// requires, and the signature verifies.
    #[test]
    fn the_signature_instruction_is_the_one_settle_accepts() {
        let signer = solana_keypair::Keypair::new();
        let channel = Pubkey::new_unique();
        let args = SettleArgs {
            cumulative: 1_234,
            expiry: 0,
        };
        let sig = sign_voucher(&signer, &channel, args.cumulative, args.expiry);
        let ix = voucher_signature_ix(&channel, &args, &signer.pubkey(), &sig);
        assert_eq!(ix.program_id, solana_sdk_ids::ed25519_program::ID);
        assert_eq!(ix.data.len(), ED25519_VOUCHER_IX_LEN);
        let v = parse_ed25519_instruction(&ix.data).unwrap();
        assert_eq!(v.pubkey, &signer.pubkey().to_bytes());
        assert_eq!(v.message, &voucher(&channel, 1_234, 0));
        assert!(solana_signature::Signature::from(sig).verify(&signer.pubkey().to_bytes(), v.message));
    }
}
