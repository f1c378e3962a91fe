//! Which payment mints the registry accepts, beyond the admin's allow-list: SPL Token mints, and
//! Token-2022 mints whose extensions leave balances, custody and transfers as the programs
//! account for them.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
    state::Mint as MintState,
};

use crate::errors::RegistryError;

/// The Token-2022 mint extensions a payment mint may carry. Every path credits what an account
/// actually received, so a transfer fee is accounted for; the others only describe the mint
/// or scale its UI amount (the programs use base units). Everything else is refused, including
/// extensions added to Token-2022 later:
/// - `PermanentDelegate`: its holder could move tokens out of every vault;
/// - `TransferHook`: transfers would need accounts the programs do not pass;
/// - `MintCloseAuthority`: a mint with no supply could be closed and re-created at the same
///   address with other extensions;
/// - `NonTransferable`, `DefaultAccountState`, `Pausable`, the confidential-transfer family:
///   transfers into or out of the vaults could be refused, locking what they hold.
pub const SUPPORTED_MINT_EXTENSIONS: [ExtensionType; 9] = [
    ExtensionType::TransferFeeConfig,
    ExtensionType::InterestBearingConfig,
    ExtensionType::ScaledUiAmount,
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Refuses a Token-2022 payment mint with an extension outside [`SUPPORTED_MINT_EXTENSIONS`].
/// SPL Token mints have no extensions. The caller has checked that `mint` is a mint owned by a
/// token program (`InterfaceAccount<Mint>`).
pub fn check_payment_mint(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    let refused = state
        .get_extension_types()?
        .into_iter()
        .find(|e| !SUPPORTED_MINT_EXTENSIONS.contains(e));
    if let Some(extension) = refused {
        msg!("payment mint extension not supported: {:?}", extension);
        return err!(RegistryError::UnsupportedMintExtension);
    }
    Ok(())
}
