//! Program-derived addresses of every Tessera account.

use anchor_lang::prelude::Pubkey;
use tessera_registry::constants::{ACCESS_MINT_SEED, ASSET_SEED, CONFIG_SEED, FEE_VAULT_SEED, PASS_SEED};
use tessera_royalties::constants::{PARKED_SEED, SPLIT_SEED, VAULT_SEED};

use crate::{CHANNELS_ID, ESCROW_ID, REGISTRY_ID, ROYALTIES_ID};

/// The registry's config.
pub fn config() -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED], &REGISTRY_ID).0
}

/// The asset a publisher lists for an artifact with this content hash.
pub fn asset(publisher: &Pubkey, content_hash: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[ASSET_SEED, publisher.as_ref(), content_hash], &REGISTRY_ID).0
}

/// An asset's access-token mint.
pub fn access_mint(asset: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ACCESS_MINT_SEED, asset.as_ref()], &REGISTRY_ID).0
}

/// An asset's fee vault: where the protocol fee of its sales accrues until `sweep_fees`.
pub fn fee_vault(asset: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[FEE_VAULT_SEED, asset.as_ref()], &REGISTRY_ID).0
}

/// A holder's access pass for an asset.
pub fn pass(asset: &Pubkey, holder: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[PASS_SEED, asset.as_ref(), holder.as_ref()], &REGISTRY_ID).0
}

/// The split of a subject (for an asset: the asset's own address).
pub fn split(subject: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[SPLIT_SEED, subject.as_ref()], &ROYALTIES_ID).0
}

/// A split's vault token account.
pub fn vault(split: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, split.as_ref()], &ROYALTIES_ID).0
}

/// The record of removed recipients' balances parked by the `update_split` that moved `split`
/// from `version` to `version + 1` (exists only if that update had to park balances).
pub fn parked(split: &Pubkey, version: u32) -> Pubkey {
    Pubkey::find_program_address(&[PARKED_SEED, split.as_ref(), &version.to_le_bytes()], &ROYALTIES_ID).0
}

/// The escrow program's config.
pub fn escrow_config() -> Pubkey {
    Pubkey::find_program_address(&[tessera_escrow::constants::CONFIG_SEED], &ESCROW_ID).0
}

/// The escrow `Provider` account of a provider authority.
pub fn provider(authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[tessera_escrow::constants::PROVIDER_SEED, authority.as_ref()],
        &ESCROW_ID,
    )
    .0
}

/// A provider's bond vault.
pub fn bond_vault(provider: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[tessera_escrow::constants::BOND_VAULT_SEED, provider.as_ref()],
        &ESCROW_ID,
    )
    .0
}

/// A consumer's job `job_id`.
pub fn job(consumer: &Pubkey, job_id: u64) -> Pubkey {
    Pubkey::find_program_address(
        &[
            tessera_escrow::constants::JOB_SEED,
            consumer.as_ref(),
            &job_id.to_le_bytes(),
        ],
        &ESCROW_ID,
    )
    .0
}

/// A model's provider allow-list (escrow `ModelProviders`).
pub fn model_providers(model: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[tessera_escrow::constants::MODEL_PROVIDERS_SEED, model.as_ref()],
        &ESCROW_ID,
    )
    .0
}

/// A job's escrow vault.
pub fn job_vault(job: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[tessera_escrow::constants::JOB_VAULT_SEED, job.as_ref()], &ESCROW_ID).0
}

/// The channels program's config.
pub fn channels_config() -> Pubkey {
    Pubkey::find_program_address(&[tessera_channels::constants::CONFIG_SEED], &CHANNELS_ID).0
}

/// A payer's payment channel `channel_id`.
pub fn channel(payer: &Pubkey, channel_id: u64) -> Pubkey {
    Pubkey::find_program_address(
        &[
            tessera_channels::constants::CHANNEL_SEED,
            payer.as_ref(),
            &channel_id.to_le_bytes(),
        ],
        &CHANNELS_ID,
    )
    .0
}

/// A payer's channel counter (`PayerChannels`: the id of its latest channel; never closed).
pub fn payer_channels(payer: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[tessera_channels::constants::PAYER_CHANNELS_SEED, payer.as_ref()],
        &CHANNELS_ID,
    )
    .0
}

/// A channel's vault token account.
pub fn channel_vault(channel: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[tessera_channels::constants::CHANNEL_VAULT_SEED, channel.as_ref()],
        &CHANNELS_ID,
    )
    .0
}

/// The `emit_cpi!` event authority of a program.
pub fn event_authority(program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"__event_authority"], program).0
}

/// The ProgramData account of an upgradeable program.
pub fn program_data(program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[program.as_ref()],
        &anchor_lang::solana_program::bpf_loader_upgradeable::ID,
    )
    .0
}

/// The associated token account of `owner` for `mint` under `token_program`.
pub fn ata(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    anchor_spl::associated_token::get_associated_token_address_with_program_id(owner, mint, token_program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_the_programs_seeds() {
        let publisher = Pubkey::new_from_array([1; 32]);
        let holder = Pubkey::new_from_array([2; 32]);
        let a = asset(&publisher, &[9; 32]);
        // Each PDA is the canonical program address of its seeds under its program.
        let (expected, bump) = Pubkey::find_program_address(&[b"asset", publisher.as_ref(), &[9; 32]], &REGISTRY_ID);
        assert_eq!(a, expected);
        assert_eq!(
            Pubkey::create_program_address(&[b"asset", publisher.as_ref(), &[9; 32], &[bump]], &REGISTRY_ID),
            Ok(a)
        );
        assert!(!a.is_on_curve(), "a PDA has no private key");
        // Different inputs, different addresses; the same input, the same address.
        assert_ne!(a, asset(&publisher, &[8; 32]));
        assert_ne!(a, asset(&holder, &[9; 32]));
        assert_eq!(a, asset(&publisher, &[9; 32]));
        assert_ne!(pass(&a, &holder), pass(&a, &publisher));
        assert_ne!(split(&a), vault(&split(&a)));
        assert_ne!(job(&holder, 1), job(&holder, 2));
        assert_ne!(provider(&holder), bond_vault(&provider(&holder)));
        assert_ne!(channel(&holder, 1), channel(&holder, 2));
        assert_ne!(channel(&holder, 1), channel_vault(&channel(&holder, 1)));
        assert_ne!(channels_config(), escrow_config());
        assert_ne!(payer_channels(&holder), channel(&holder, 1));
        // Programs keep their own address spaces.
        assert_ne!(config(), escrow_config());
        assert_ne!(event_authority(&REGISTRY_ID), event_authority(&ROYALTIES_ID));
        // The associated token account is the ATA program's derivation.
        let mint = Pubkey::new_from_array([3; 32]);
        let (expected, _) = Pubkey::find_program_address(
            &[holder.as_ref(), crate::TOKEN_PROGRAM_ID.as_ref(), mint.as_ref()],
            &crate::ASSOCIATED_TOKEN_PROGRAM_ID,
        );
        assert_eq!(ata(&holder, &mint, &crate::TOKEN_PROGRAM_ID), expected);
    }
}
