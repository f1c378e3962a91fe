//! The Tessera programs compiled for the host, in one place for the two hosts that run them as
//! native builtins: the integration tests (`program-tests`, inside solana-program-test) and the
//! local validator (`localnet`, Agave's TestValidator). Not a program.
//!
//! * [`PROGRAMS`]: each program's name, id and entry, and whether it checks its upgrade
//!   authority through its ProgramData account. Adding a program is one line there (and its
//!   dependency in this crate's Cargo.toml).
//! * [`dispatch`]: the one entry a host registers at every program's id.
//! * [`program_data_account`], [`program_data_address`], [`program_data_authority`]: the
//!   ProgramData account (upgradeable loader state) the upgrade-authority checks read, as the
//!   loader writes it when a program is deployed.

use anchor_lang::{
    prelude::{AccountInfo, ProgramError, Pubkey},
    solana_program::{bpf_loader_upgradeable, entrypoint::ProgramResult},
};
use solana_account::Account;

/// A program's entry as the runtime's builtins call it.
pub type Entry = fn(&Pubkey, &[AccountInfo], &[u8]) -> ProgramResult;

/// One Tessera program as a host registers it.
#[derive(Debug, Clone, Copy)]
pub struct HostProgram {
    /// The crate's name, e.g. `tessera_registry` (the builtin's name in the runtime).
    pub name: &'static str,
    pub id: Pubkey,
    /// Anchor's `entry`, behind the shim that re-borrows its accounts (see `host_program!`).
    pub entry: Entry,
    /// Whether the program checks its upgrade authority through its ProgramData account (the
    /// host then adds one, [`program_data_account`], at [`program_data_address`]).
    pub has_upgrade_authority_check: bool,
}

/// A [`HostProgram`] for the program crate `$program`, with its entry shim.
///
/// Anchor's generated `entry` ties all its arguments to one lifetime, which the runtime's
/// processor type does not. The account slice lives for the whole call, so re-borrowing it with
/// the slice's own lifetime is sound.
macro_rules! host_program {
    ($program:ident, upgrade_authority_check: $check:expr) => {
        HostProgram {
            name: stringify!($program),
            id: $program::ID_CONST,
            entry: {
                fn entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
                    // SAFETY: see `host_program!`; only the lifetime parameter changes.
                    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
                    $program::entry(program_id, accounts, data)
                }
                entry
            },
            has_upgrade_authority_check: $check,
        }
    };
}

/// The Tessera programs, in the order the hosts register them.
pub const PROGRAMS: &[HostProgram] = &[
    host_program!(tessera_registry, upgrade_authority_check: true),
    host_program!(tessera_royalties, upgrade_authority_check: false),
    host_program!(tessera_escrow, upgrade_authority_check: true),
    host_program!(tessera_channels, upgrade_authority_check: true),
];

/// The [`HostProgram`] at `id`, if it is a Tessera program.
pub fn program(id: &Pubkey) -> Option<&'static HostProgram> {
    PROGRAMS.iter().find(|p| p.id == *id)
}

/// The entry of every program of [`PROGRAMS`], chosen by the id the runtime invokes. A builtin
/// is a plain function pointer (program-test's `processor!` wraps a function, not a value), so
/// the hosts register this one function at each program's id.
pub fn dispatch(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    match program(program_id) {
        Some(p) => (p.entry)(program_id, accounts, data),
        None => Err(ProgramError::IncorrectProgramId),
    }
}

/// Size of a ProgramData account's header: the state tag (4), the slot (8), the option tag (1)
/// and the authority (32).
const PROGRAM_DATA_HEADER: usize = 45;
/// `UpgradeableLoaderState::ProgramData`'s tag.
const PROGRAM_DATA_TAG: u32 = 3;

/// Where the upgradeable loader keeps `program_id`'s ProgramData.
pub fn program_data_address(program_id: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[program_id.as_ref()], &bpf_loader_upgradeable::ID).0
}

/// A ProgramData account (upgradeable loader state) naming `authority` as upgrade authority,
/// as the loader writes it when a program is deployed.
pub fn program_data_account(authority: &Pubkey) -> Account {
    let mut data = Vec::with_capacity(PROGRAM_DATA_HEADER);
    data.extend_from_slice(&PROGRAM_DATA_TAG.to_le_bytes()); // UpgradeableLoaderState::ProgramData
    data.extend_from_slice(&0u64.to_le_bytes()); // slot
    data.push(1); // Some(
    data.extend_from_slice(authority.as_ref()); // authority)
    Account {
        lamports: 1_000_000_000,
        data,
        owner: bpf_loader_upgradeable::ID,
        executable: false,
        rent_epoch: 0,
    }
}

/// The upgrade authority recorded in a ProgramData account's data, if any.
pub fn program_data_authority(data: &[u8]) -> Option<Pubkey> {
    if data.len() >= PROGRAM_DATA_HEADER && data[..4] == PROGRAM_DATA_TAG.to_le_bytes() && data[12] == 1 {
        Pubkey::try_from(&data[13..PROGRAM_DATA_HEADER]).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_data_account_names_its_authority() {
        let authority = Pubkey::new_unique();
        let account = program_data_account(&authority);
        assert_eq!(account.data.len(), PROGRAM_DATA_HEADER);
        assert_eq!(program_data_authority(&account.data), Some(authority));
        let mut none = account.data.clone();
        none[12] = 0;
        assert_eq!(program_data_authority(&none), None);
        assert_eq!(program_data_authority(&account.data[..44]), None);
    }

    #[test]
    fn every_program_is_found_by_its_id() {
        for p in PROGRAMS {
            assert_eq!(program(&p.id).map(|q| q.name), Some(p.name));
        }
        assert!(program(&Pubkey::new_unique()).is_none());
        let ids: std::collections::HashSet<_> = PROGRAMS.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), PROGRAMS.len());
    }
}
