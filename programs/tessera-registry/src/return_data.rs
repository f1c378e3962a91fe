//! `verify_access`'s return value, for the programs that call it by CPI.
//!
//! On chain, Anchor's generated entry sets the return data from the handler's return value
//! (`sol_set_return_data`) and a caller reads it with `sol_get_return_data`. Compiled for the
//! host (our tests run the programs inside `solana-program-test`), `solana-cpi` 3.1's
//! `set_return_data` and `get_return_data` do nothing: these helpers go through the runtime's
//! syscall stubs there instead, so the return data is real in the tests too.

use anchor_lang::prelude::*;

use crate::state::VerifiedAccess;

/// Sets the current instruction's return data on the host. On chain Anchor already sets it
/// from the handler's return value, so this does nothing there.
#[allow(unused_variables)]
pub fn set_on_host(data: &[u8]) {
    #[cfg(not(target_os = "solana"))]
    anchor_lang::compat::solana_sysvar::program_stubs::sol_set_return_data(data);
}

/// The transaction's return data: `(program that set it, bytes)`.
pub fn get() -> Option<(Pubkey, Vec<u8>)> {
    #[cfg(target_os = "solana")]
    {
        anchor_lang::solana_program::program::get_return_data()
    }
    #[cfg(not(target_os = "solana"))]
    {
        anchor_lang::compat::solana_sysvar::program_stubs::sol_get_return_data()
    }
}

/// What the registry's `verify_access` just returned, read right after the CPI: `None` unless
/// the return data was set by the registry and decodes as a [`VerifiedAccess`]. The caller
/// must still compare `asset` and `holder` with the access it meant to verify.
pub fn verified_access() -> Option<VerifiedAccess> {
    let (program, data) = get()?;
    if program != crate::ID {
        return None;
    }
    VerifiedAccess::try_from_slice(&data).ok()
}
