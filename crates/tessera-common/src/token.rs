//! Token-account helpers shared by the programs that hold tokens in PDA-owned vaults (escrow
//! jobs and bonds, payment channels).

use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

/// The amount of a token account (SPL Token or Token-2022: the same base layout).
pub fn token_amount(account: &AccountInfo) -> Result<u64> {
    let data = account.try_borrow_data()?;
    Ok(TokenAccount::try_deserialize(&mut &data[..])?.amount)
}

/// Token-2022 refuses to close an account holding withheld transfer fees (those of the transfers
/// that funded a vault, and of any stranger's transfer into it): when `vault` holds some, this
/// harvests them into the mint (Token-2022's permissionless `HarvestWithheldTokensToMint`), so
/// that closing a vault never depends on the caller prepending the harvest. The mint must then be
/// writable: otherwise the program's own error, `mint_not_writable()`; clients mark a Token-2022
/// mint writable in every instruction that closes a vault. Nothing to do for SPL Token.
pub fn harvest_withheld_fees<'info>(
    vault: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    mint_not_writable: impl FnOnce() -> Error,
) -> Result<()> {
    use anchor_spl::token_2022::spl_token_2022::{
        extension::{
            transfer_fee::{instruction::harvest_withheld_tokens_to_mint, TransferFeeAmount},
            BaseStateWithExtensions, StateWithExtensions,
        },
        state::Account as TokenAccountState,
    };
    if token_program.key() != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let withheld = {
        let data = vault.try_borrow_data()?;
        let state = StateWithExtensions::<TokenAccountState>::unpack(&data)?;
        state
            .get_extension::<TransferFeeAmount>()
            .map_or(0, |e| u64::from(e.withheld_amount))
    };
    if withheld == 0 {
        return Ok(());
    }
    if !mint.is_writable {
        return Err(mint_not_writable());
    }
    let ix = harvest_withheld_tokens_to_mint(&token_program.key(), &mint.key(), &[&vault.key()])?;
    anchor_lang::solana_program::program::invoke(&ix, &[mint.clone(), vault.clone(), token_program.clone()])?;
    Ok(())
}
