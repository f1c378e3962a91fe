//! Creation of program-derived accounts that cannot be blocked by pre-funding the address.
//!
//! A system-owned address with no data may hold lamports sent by anyone. `CreateAccount` refuses
//! such an address, and `CreateAccountAllowPrefund` is not active on Agave 3.1. What always
//! works, and what the associated-token program does: transfer only the missing rent, then
//! `Allocate` and `Assign`, both signed by the PDA's seeds. Lamports an attacker sent stay in the
//! account as part of its rent and come back to whoever the account is closed to.

use anchor_lang::{
    prelude::*,
    system_program::{self, Allocate, Assign, CreateAccount, Transfer},
    AccountSerialize,
};
use anchor_spl::{
    token_2022::spl_token_2022::{
        extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
        state::{Account as TokenAccountState, Mint as MintState},
    },
    token_interface::{self, InitializeAccount3, InitializeMint2},
};

/// Creates `target`, a PDA signed by `signer_seeds`, with `space` bytes owned by `owner`,
/// whatever lamports already sit at its address. `payer` signs and pays the missing rent.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    require_keys_eq!(*system_program.key, system_program::ID, ErrorCode::InvalidProgramId);
    // An address already in use (data, or another owner) is not ours to create. Anchor 1.2.2
    // has no `AccountAlreadyInUse` code: `AccountNotSystemOwned` (3011) says what is wrong.
    require!(
        target.owner == &system_program::ID && target.data_is_empty(),
        ErrorCode::AccountNotSystemOwned
    );
    let rent = Rent::get()?.minimum_balance(space);
    let current = target.lamports();
    if current == 0 {
        return system_program::create_account(
            CpiContext::new_with_signer(
                system_program::ID,
                CreateAccount {
                    from: payer.clone(),
                    to: target.clone(),
                },
                &[signer_seeds],
            ),
            rent,
            space as u64,
            owner,
        );
    }
    require_keys_neq!(*payer.key, *target.key, ErrorCode::TryingToInitPayerAsProgramAccount);
    let missing = rent.saturating_sub(current);
    if missing > 0 {
        system_program::transfer(
            CpiContext::new(
                system_program::ID,
                Transfer {
                    from: payer.clone(),
                    to: target.clone(),
                },
            ),
            missing,
        )?;
    }
    system_program::allocate(
        CpiContext::new_with_signer(
            system_program::ID,
            Allocate {
                account_to_allocate: target.clone(),
            },
            &[signer_seeds],
        ),
        space as u64,
    )?;
    system_program::assign(
        CpiContext::new_with_signer(
            system_program::ID,
            Assign {
                account_to_assign: target.clone(),
            },
            &[signer_seeds],
        ),
        owner,
    )
}

/// Creates the Anchor account `target` (a PDA of the calling program, `T`'s owner) with
/// `8 + T::INIT_SPACE`-style `space` bytes, and writes `value` with its discriminator.
pub fn init_pda_account<'info, T: AccountSerialize + Owner>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    signer_seeds: &[&[u8]],
    value: &T,
) -> Result<()> {
    create_pda_account(payer, target, system_program, space, &T::owner(), signer_seeds)?;
    write_account(target, value)
}

/// Writes `value` (discriminator included) over an account the program owns.
pub fn write_account<T: AccountSerialize>(target: &AccountInfo, value: &T) -> Result<()> {
    let mut data = target.try_borrow_mut_data()?;
    let mut dst: &mut [u8] = &mut data;
    value.try_serialize(&mut dst)
}

/// The size of a token account of `mint`: 165 bytes for SPL Token, and for Token-2022 the
/// account plus the extensions the mint's extensions require (e.g. `TransferFeeAmount`).
pub fn token_account_space(mint: &AccountInfo) -> Result<usize> {
    if *mint.owner == anchor_spl::token_2022::ID {
        let data = mint.try_borrow_data()?;
        let state = StateWithExtensions::<MintState>::unpack(&data)?;
        let required = ExtensionType::get_required_init_account_extensions(&state.get_extension_types()?);
        Ok(ExtensionType::try_calculate_account_len::<TokenAccountState>(
            &required,
        )?)
    } else {
        Ok(anchor_spl::token::TokenAccount::LEN)
    }
}

/// Creates the token account PDA `target` for `mint`, owned by `authority`, in `token_program`
/// (SPL Token or Token-2022), whatever lamports already sit at its address.
#[allow(clippy::too_many_arguments)]
pub fn init_token_account_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    require_keys_eq!(*mint.owner, *token_program.key, ErrorCode::ConstraintMintTokenProgram);
    let space = token_account_space(mint)?;
    create_pda_account(payer, target, system_program, space, token_program.key, signer_seeds)?;
    token_interface::initialize_account3(CpiContext::new(
        *token_program.key,
        InitializeAccount3 {
            account: target.clone(),
            mint: mint.clone(),
            authority: authority.clone(),
        },
    ))
}

/// Creates the mint PDA `target` (no extensions) in `token_program`, whatever lamports already
/// sit at its address.
#[allow(clippy::too_many_arguments)]
pub fn init_mint_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    decimals: u8,
    mint_authority: &Pubkey,
    freeze_authority: Option<&Pubkey>,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    create_pda_account(
        payer,
        target,
        system_program,
        anchor_spl::token::Mint::LEN,
        token_program.key,
        signer_seeds,
    )?;
    token_interface::initialize_mint2(
        CpiContext::new(*token_program.key, InitializeMint2 { mint: target.clone() }),
        decimals,
        mint_authority,
        freeze_authority,
    )
}
