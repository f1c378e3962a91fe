//! Test harness: runs the Tessera programs, compiled for the host, inside Agave's runtime
//! (`solana-program-test`), next to the real SBF builds of SPL Token, Token-2022 and the
//! Associated Token Account program. Used by the integration tests and the cost report.

// solana-program-test 3.x marks its whole API "Agave unstable"; we pin it exactly (TOOLCHAIN.md).
#![allow(deprecated)]

use std::collections::HashSet;

use anchor_lang::{
    prelude::{Clock, Pubkey},
    solana_program::instruction::Instruction,
    AccountDeserialize, AnchorDeserialize, Discriminator,
};
use anchor_spl::{
    associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent,
    token_2022::spl_token_2022, token_interface::TokenAccount,
};
use solana_account::Account;
use solana_keypair::Keypair;
pub use solana_message::AddressLookupTableAccount as LookupTable;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_program_test::{processor, ProgramTest, ProgramTestContext};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::{versioned::VersionedTransaction, Transaction};
pub use solana_transaction_error::TransactionError;
use tessera_client::pda;

pub use solana_instruction_error::InstructionError;
pub use solana_keypair::Keypair as TestKeypair;
pub use solana_signer::Signer as TestSigner;

pub mod security;
pub mod token2022;
pub mod world;

/// A `ProgramTest` with the Tessera programs registered as host builtins at their ids and the
/// ProgramData of those that check their upgrade authority naming `upgrade_authority`.
pub fn program_test(upgrade_authority: &Pubkey) -> ProgramTest {
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(false);
    for p in tessera_host::PROGRAMS {
        pt.add_program(p.name, p.id, processor!(tessera_host::dispatch));
        if p.has_upgrade_authority_check {
            pt.add_account(
                tessera_host::program_data_address(&p.id),
                tessera_host::program_data_account(upgrade_authority),
            );
        }
    }
    pt
}

/// What a successful transaction left behind.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub signature: Signature,
    /// `(program, data)` of every inner instruction, in execution order.
    pub inner: Vec<(Pubkey, Vec<u8>)>,
    pub compute_units: u64,
    /// The transaction's return data (program, bytes), if any.
    pub return_data: Option<(Pubkey, Vec<u8>)>,
}

impl Outcome {
    /// Every event `E` emitted (with `emit_cpi!`) by the transaction.
    pub fn events<E: Discriminator + AnchorDeserialize>(&self) -> Vec<E> {
        self.inner
            .iter()
            .filter(|(p, _)| tessera_host::program(p).is_some())
            .filter_map(|(_, d)| tessera_client::events::decode::<E>(d))
            .collect()
    }

    /// The single event `E`; panics if there is not exactly one.
    #[track_caller]
    pub fn event<E: Discriminator + AnchorDeserialize>(&self) -> E {
        let mut all = self.events::<E>();
        assert_eq!(all.len(), 1, "expected exactly one such event");
        all.remove(0)
    }
}

pub type TxResult = Result<Outcome, TransactionError>;

/// The shape of a transaction.
#[derive(Debug, Default, Clone, Copy)]
pub struct TxStats {
    /// Bytes on the wire (signatures and message), against the 1,232-byte packet limit.
    pub size: usize,
    pub accounts: usize,
    pub instructions: usize,
    /// Rent-exempt lamports of the accounts the transaction created.
    pub rent_created: u64,
}

/// The largest serialized transaction a packet carries.
pub const PACKET_DATA_SIZE: usize = 1_232;

impl TxStats {
    /// Measures a legacy or v0 transaction. `accounts` counts every account it references,
    /// those loaded from lookup tables included.
    pub fn of(tx: &VersionedTransaction) -> Self {
        let sigs = tx.signatures.len();
        // compact-u16 length prefix of the signature list, the signatures, the message.
        let prefix = if sigs < 0x80 { 1 } else { 2 };
        let loaded: usize = tx.message.address_table_lookups().map_or(0, |l| {
            l.iter()
                .map(|t| t.writable_indexes.len() + t.readonly_indexes.len())
                .sum()
        });
        TxStats {
            size: prefix + 64 * sigs + tx.message.serialize().len(),
            accounts: tx.message.static_account_keys().len() + loaded,
            instructions: tx.message.instructions().len(),
            rent_created: 0,
        }
    }
}

/// The runtime plus a fee payer that never runs dry.
pub struct Harness {
    pub ctx: ProgramTestContext,
    sent: HashSet<Signature>,
}

impl Harness {
    pub async fn start(pt: ProgramTest) -> Self {
        Self {
            ctx: pt.start_with_context().await,
            sent: HashSet::new(),
        }
    }

    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Sends `ixs` in one transaction paid by the harness payer and signed by `signers`.
    /// The transaction is first simulated to collect its inner instructions (events), then
    /// executed; the result is the execution's.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let tx = self.sign_unique(ixs, signers).await;
        self.process(tx.into()).await
    }

    /// Signs with the latest blockhash, taking a new one if this exact transaction was
    /// already sent (the same message twice in one blockhash would be a duplicate).
    pub async fn sign_unique(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        let mut tx = self.sign(ixs, signers);
        if self.sent.contains(&tx.signatures[0]) {
            self.ctx.last_blockhash = self.ctx.get_new_latest_blockhash().await.expect("new blockhash");
            tx = self.sign(ixs, signers);
        }
        self.sent.insert(tx.signatures[0]);
        tx
    }

    /// Like [`Harness::send`] but only executes: no simulation, so no events or return data in
    /// the result. About twice as fast; for long randomized sequences that read their results
    /// from account balances.
    pub async fn execute(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), TransactionError> {
        let tx = self.sign_unique(ixs, signers).await;
        self.ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .expect("banks client")
            .result
    }

    /// Takes the bank's latest blockhash for the next transactions. The test context registers
    /// a new blockhash every simulated slot (6.4 ms of wall time) and a blockhash expires after
    /// 150 of them, so a long or slow test signs with a fresh one now and then.
    pub async fn refresh_blockhash(&mut self) {
        self.ctx.last_blockhash = self.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
    }

    /// Simulates (for the inner instructions) then executes a signed transaction, legacy or v0.
    /// Inner instructions whose program comes from a lookup table are reported with the
    /// default key.
    pub async fn process(&mut self, tx: VersionedTransaction) -> TxResult {
        let signature = tx.signatures[0];
        let sim = self
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .expect("simulate");
        let keys = tx.message.static_account_keys().to_vec();
        let details = sim.simulation_details;
        let return_data = details
            .as_ref()
            .and_then(|d| d.return_data.clone())
            .map(|r| (r.program_id, r.data));
        let inner = details
            .and_then(|d| d.inner_instructions)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .map(|i| {
                (
                    keys.get(usize::from(i.instruction.program_id_index))
                        .copied()
                        .unwrap_or_default(),
                    i.instruction.data,
                )
            })
            .collect();

        let res = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .expect("banks client");
        res.result?;
        let (compute_units, meta_return) = res
            .metadata
            .map(|m| (m.compute_units_consumed, m.return_data))
            .unwrap_or_default();
        Ok(Outcome {
            signature,
            inner,
            compute_units,
            return_data: meta_return.map(|r| (r.program_id, r.data)).or(return_data),
        })
    }

    /// A v0 transaction paid by the harness payer, resolving accounts through `tables`.
    pub fn sign_v0(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> VersionedTransaction {
        let msg =
            v0::Message::try_compile(&self.payer(), ixs, tables, self.ctx.last_blockhash).expect("compile v0 message");
        let mut all: Vec<&Keypair> = vec![&self.ctx.payer];
        all.extend(signers.iter().copied());
        VersionedTransaction::try_new(VersionedMessage::V0(msg), &all).expect("sign v0")
    }

    /// An address lookup table holding `addresses`, usable from the next slot.
    ///
    /// The table account is written into the bank directly, in the layout the lookup-table
    /// program writes: on this runtime the program's `CreateLookupTable` fails with
    /// `InvalidInstructionData` (its system-program CPI is refused, as Anchor's prefunded
    /// `init` is — see `INIT_REFUSED`). Transactions then resolve addresses through it with the
    /// runtime's own v0 message loading.
    pub async fn lookup_table(&mut self, addresses: &[Pubkey]) -> AddressLookupTableAccount {
        use solana_address_lookup_table_interface::state::{AddressLookupTable, LookupTableMeta};
        let slot = self.ctx.banks_client.get_root_slot().await.expect("slot");
        let mut meta = LookupTableMeta::new(self.payer());
        meta.last_extended_slot = slot;
        let data = AddressLookupTable {
            meta,
            addresses: std::borrow::Cow::Borrowed(addresses),
        }
        .serialize_for_tests()
        .expect("serialize lookup table");
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let key = Pubkey::new_unique();
        let account = Account {
            lamports: rent.minimum_balance(data.len()),
            data,
            owner: solana_address_lookup_table_interface::program::ID,
            executable: false,
            rent_epoch: 0,
        };
        self.ctx.set_account(&key, &account.into());
        self.ctx.warp_to_slot(slot + 2).expect("warp");
        self.ctx.last_blockhash = self.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
        AddressLookupTableAccount {
            key,
            addresses: addresses.to_vec(),
        }
    }

    /// Like [`Harness::send`], and also measures the transaction: its wire size, accounts,
    /// instructions, and the rent-exempt lamports of the accounts it created.
    pub async fn send_measured(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(Outcome, TxStats), TransactionError> {
        let tx = self.sign_unique(ixs, signers).await;
        self.process_measured(tx.into()).await
    }

    /// [`Harness::process`] with the measurements of [`Harness::send_measured`].
    pub async fn process_measured(&mut self, tx: VersionedTransaction) -> Result<(Outcome, TxStats), TransactionError> {
        let stats = TxStats::of(&tx);
        let keys = tx.message.static_account_keys().to_vec();
        let mut existed = Vec::with_capacity(keys.len());
        for k in &keys {
            existed.push(self.account(k).await.is_some());
        }
        let out = self.process(tx).await?;
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let mut created = 0u64;
        for (k, before) in keys.iter().zip(existed) {
            if !before {
                if let Some(a) = self.account(k).await {
                    created += rent.minimum_balance(a.data.len());
                }
            }
        }
        Ok((
            out,
            TxStats {
                rent_created: created,
                ..stats
            },
        ))
    }

    pub fn sign(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        let mut all: Vec<&Keypair> = vec![&self.ctx.payer];
        all.extend(signers.iter().copied());
        Transaction::new_signed_with_payer(ixs, Some(&self.ctx.payer.pubkey()), &all, self.ctx.last_blockhash)
    }

    /// Sets the Clock sysvar's `unix_timestamp`.
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    pub async fn account(&mut self, address: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*address).await.expect("get_account")
    }

    /// Decodes an Anchor account (discriminator checked); `None` if it does not exist.
    pub async fn fetch<T: AccountDeserialize>(&mut self, address: &Pubkey) -> Option<T> {
        let acc = self.account(address).await?;
        Some(T::try_deserialize(&mut acc.data.as_slice()).expect("decode account"))
    }

    pub async fn lamports(&mut self, address: &Pubkey) -> u64 {
        self.account(address).await.map_or(0, |a| a.lamports)
    }

    /// A token account's balance (0 if it does not exist).
    pub async fn balance(&mut self, token_account: &Pubkey) -> u64 {
        match self.account(token_account).await {
            Some(a) => {
                TokenAccount::try_deserialize(&mut a.data.as_slice())
                    .expect("token account")
                    .amount
            }
            None => 0,
        }
    }

    /// A new keypair holding `lamports`.
    pub async fn funded_keypair(&mut self, lamports: u64) -> Keypair {
        let kp = Keypair::new();
        let ix = solana_system_interface::instruction::transfer(&self.payer(), &kp.pubkey(), lamports);
        self.send(&[ix], &[]).await.expect("fund");
        kp
    }

    /// A new mint of `decimals` under `token_program`, mint authority: the harness payer.
    pub async fn create_mint(&mut self, decimals: u8, token_program: &Pubkey) -> Pubkey {
        let mint = Keypair::new();
        let len = 82; // spl_token::state::Mint::LEN, no extensions
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let create = solana_system_interface::instruction::create_account(
            &self.payer(),
            &mint.pubkey(),
            rent.minimum_balance(len),
            len as u64,
            token_program,
        );
        let init =
            spl_token_2022::instruction::initialize_mint2(token_program, &mint.pubkey(), &self.payer(), None, decimals)
                .expect("initialize_mint2");
        self.send(&[create, init], &[&mint]).await.expect("create mint");
        mint.pubkey()
    }

    /// The associated token account of `owner` for `mint`, created if missing.
    pub async fn ata(&mut self, owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
        let ix = create_associated_token_account_idempotent(&self.payer(), owner, mint, token_program);
        self.send(&[ix], &[]).await.expect("create ATA");
        pda::ata(owner, mint, token_program)
    }

    /// Mints `amount` base units of `mint` (whose authority is the payer) to `to`.
    pub async fn mint_to(&mut self, mint: &Pubkey, to: &Pubkey, token_program: &Pubkey, amount: u64) {
        let ix =
            spl_token_2022::instruction::mint_to(token_program, mint, to, &self.payer(), &[], amount).expect("mint_to");
        self.send(&[ix], &[]).await.expect("mint_to");
    }
}

/// The custom error number an Anchor error (program-defined or built-in) is reported with.
pub fn code_of(e: impl Into<anchor_lang::error::Error>) -> u32 {
    match e.into() {
        anchor_lang::error::Error::AnchorError(a) => a.error_code_number,
        anchor_lang::error::Error::ProgramError(p) => panic!("not an Anchor error code: {p:?}"),
    }
}

/// Asserts that a transaction failed with the given Anchor error.
#[track_caller]
pub fn assert_err(res: TxResult, expected: impl Into<anchor_lang::error::Error>) {
    let expected: anchor_lang::error::Error = expected.into();
    let (code, name) = match &expected {
        anchor_lang::error::Error::AnchorError(a) => (a.error_code_number, a.error_name.clone()),
        anchor_lang::error::Error::ProgramError(p) => panic!("not an Anchor error: {p:?}"),
    };
    match res {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(c))) if c == code => {}
        other => panic!("expected {name} ({code}), got {other:?}"),
    }
}

/// Asserts that a transaction failed with the given instruction error (e.g. a runtime error).
#[track_caller]
pub fn assert_ix_err(res: TxResult, expected: InstructionError) {
    match res {
        Err(TransactionError::InstructionError(_, e)) if e == expected => {}
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

/// Replaces every occurrence of `old` in an instruction's accounts by `new`.
pub fn substitute(ix: &mut Instruction, old: &Pubkey, new: &Pubkey) {
    let mut found = false;
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *old) {
        meta.pubkey = *new;
        found = true;
    }
    assert!(found, "{old} is not an account of this instruction");
}

/// How this runtime refuses `init` of an account that already exists. Anchor 1.2 creates a
/// funded address with the system program's `CreateAccountAllowPrefund`, which the Agave 3.1
/// system program does not know: it answers `InvalidInstructionData` (a runtime with that
/// instruction answers `SystemError::AccountAlreadyInUse`, `Custom(0)`). Either way nothing is
/// written; tests also check the existing state is untouched.
pub const INIT_REFUSED: InstructionError = InstructionError::InvalidInstructionData;
