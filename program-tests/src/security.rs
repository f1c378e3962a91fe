//! Tools of the security suite (`tests/programs/*/security.rs`): refusals that prove nothing
//! changed, accounts planted with a forged owner or type, PDAs at non-canonical bumps.

use anchor_lang::{
    prelude::{Clock, Pubkey},
    solana_program::instruction::Instruction,
};
use solana_account::Account;
use solana_keypair::Keypair;

use crate::{assert_err, assert_ix_err, Harness, InstructionError, TxResult};

/// Every account a set of instructions references, as it was at one moment.
pub struct Snapshot(Vec<(Pubkey, Option<Account>)>);

impl Snapshot {
    /// Reads every account referenced by `ixs` (programs included), except the harness's fee
    /// payer, which pays the fee of a refused transaction too.
    pub async fn of(h: &mut Harness, ixs: &[Instruction]) -> Self {
        let payer = h.payer();
        let mut keys: Vec<Pubkey> = ixs
            .iter()
            .flat_map(|ix| ix.accounts.iter().map(|m| m.pubkey).chain([ix.program_id]))
            .filter(|k| *k != payer)
            .collect();
        keys.sort();
        keys.dedup();
        let mut all = Vec::with_capacity(keys.len());
        for k in keys {
            let acc = h.account(&k).await;
            all.push((k, acc));
        }
        Snapshot(all)
    }

    /// Asserts that no account changed: lamports, owner, data.
    #[track_caller]
    pub fn assert_same(&self, after: &Snapshot) {
        for ((key, before), (_, now)) in self.0.iter().zip(&after.0) {
            assert_eq!(
                before, now,
                "account {key} changed although the transaction was refused"
            );
        }
    }
}

/// Sends `ixs` (signed by `signers` and the harness payer), asserts that they fail with the
/// Anchor error `expected` and that no account they reference changed.
pub async fn refused(
    h: &mut Harness,
    ixs: &[Instruction],
    signers: &[&Keypair],
    expected: impl Into<anchor_lang::error::Error>,
) {
    let res = send_watched(h, ixs, signers).await;
    assert_err(res, expected);
}

/// Like [`refused`], for a runtime error (a program id check of the runtime, `INIT_REFUSED`).
pub async fn refused_by_runtime(
    h: &mut Harness,
    ixs: &[Instruction],
    signers: &[&Keypair],
    expected: InstructionError,
) {
    let res = send_watched(h, ixs, signers).await;
    assert_ix_err(res, expected);
}

async fn send_watched(h: &mut Harness, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
    let before = Snapshot::of(h, ixs).await;
    let res = h.send(ixs, signers).await;
    let after = Snapshot::of(h, ixs).await;
    if res.is_err() {
        before.assert_same(&after);
    }
    res
}

/// Marks `key` as not signing `ix` (the transaction then goes out without its signature).
pub fn unsign(ix: &mut Instruction, key: &Pubkey) {
    let meta = ix
        .accounts
        .iter_mut()
        .find(|m| m.pubkey == *key && m.is_signer)
        .unwrap_or_else(|| panic!("{key} is not a signer of this instruction"));
    meta.is_signer = false;
}

/// Replaces the `n`-th (0-based) account of `ix` by `new`, whatever it was.
pub fn replace_nth(ix: &mut Instruction, n: usize, new: &Pubkey) {
    ix.accounts[n].pubkey = *new;
}

/// Copies the account at `from` to a new address, owned by `owner`; returns the address.
pub async fn planted_copy(h: &mut Harness, from: &Pubkey, owner: &Pubkey) -> Pubkey {
    let mut acc = h.account(from).await.expect("account to copy exists");
    acc.owner = *owner;
    let key = Pubkey::new_unique();
    h.ctx.set_account(&key, &acc.into());
    key
}

/// Writes `data` to a new address owned by `owner` (rent-exempt lamports); returns the address.
pub async fn planted(h: &mut Harness, owner: &Pubkey, data: Vec<u8>) -> Pubkey {
    let rent = h.ctx.banks_client.get_rent().await.expect("rent");
    let acc = Account {
        lamports: rent.minimum_balance(data.len()),
        data,
        owner: *owner,
        executable: false,
        rent_epoch: 0,
    };
    let key = Pubkey::new_unique();
    h.ctx.set_account(&key, &acc.into());
    key
}

/// The owner of the sysvar accounts.
const SYSVAR_OWNER: Pubkey = Pubkey::from_str_const("Sysvar1111111111111111111111111111111111111");

/// A Clock-shaped account owned by the sysvar program, at an address that is not the Clock
/// sysvar's, telling `unix_timestamp`.
pub async fn fake_clock(h: &mut Harness, unix_timestamp: i64) -> Pubkey {
    let clock = Clock {
        unix_timestamp,
        ..Clock::default()
    };
    let data = bincode_clock(&clock);
    planted(h, &SYSVAR_OWNER, data).await
}

fn bincode_clock(c: &Clock) -> Vec<u8> {
    let mut d = Vec::with_capacity(40);
    d.extend_from_slice(&c.slot.to_le_bytes());
    d.extend_from_slice(&c.epoch_start_timestamp.to_le_bytes());
    d.extend_from_slice(&c.epoch.to_le_bytes());
    d.extend_from_slice(&c.leader_schedule_epoch.to_le_bytes());
    d.extend_from_slice(&c.unix_timestamp.to_le_bytes());
    d
}

/// The address `seeds` derive under `program` with the highest bump below the canonical one
/// that gives an off-curve address, and that bump.
pub fn non_canonical_pda(seeds: &[&[u8]], program: &Pubkey) -> (Pubkey, u8) {
    let (_, canonical) = Pubkey::find_program_address(seeds, program);
    for bump in (0..canonical).rev() {
        let b = [bump];
        let mut with_bump = seeds.to_vec();
        with_bump.push(&b);
        if let Ok(key) = Pubkey::create_program_address(&with_bump, program) {
            return (key, bump);
        }
    }
    panic!("no non-canonical bump for these seeds");
}

/// The canonical bump of `seeds` under `program`.
pub fn canonical_bump(seeds: &[&[u8]], program: &Pubkey) -> u8 {
    Pubkey::find_program_address(seeds, program).1
}
