//! 1. Through the runtime: the simulator. The world it drives (mints, actors, assets, providers,
//! jobs), the cache of every account a transaction wrote, and `Sim::tx`, which sends a
//! transaction through Agave's runtime and checks it against the model's expected movements.

use std::collections::{HashMap, HashSet};

use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use solana_account::Account;
use tessera_client::{
    ix, pda, registry::instructions::InitializeConfigArgs, Instruction, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{
    program_test,
    token2022::{token_amount, transfer_fee},
    Harness, TestKeypair as Keypair, TestSigner, TransactionError,
};

use crate::adversary::adversary;
use crate::channels::{setup_channels, Channels};
use crate::rng::Rng;

pub(crate) const T0: i64 = 1_700_000_000;
pub(crate) const ACTORS: usize = 10;
pub(crate) const MAX_ASSETS: usize = 40;
/// Live jobs kept at most (beyond it, openings turn into refunds).
pub(crate) const MAX_JOBS: usize = 48;
const REGISTRY_FEE_BPS: u16 = 175;
const ESCROW_FEE_BPS: u16 = 100;
const SLASH_BPS: u16 = 2_000;
const MIN_BOND: u64 = 5;
pub(crate) const UNBONDING_DELAY: u32 = 3_600;
/// The Token-2022 mint's transfer fee: 1.5 %, at most 0.5 unit (6 decimals).
pub(crate) const TRANSFER_FEE_BPS: u16 = 150;
pub(crate) const TRANSFER_FEE_MAX: u64 = 500_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// An actor's own token account: money outside the programs.
    Wallet,
    Treasury,
    SplitVault,
    JobVault,
    BondVault,
    /// A payment channel's vault (issue 15).
    ChannelVault,
    /// An asset's fee vault: the protocol fees of its sales until `sweep_fees` (issue 17).
    FeeVault,
    /// An access-token account (decimals 0): checked per transaction, not money.
    Access,
}

pub(crate) struct MintInfo {
    pub(crate) key: Pubkey,
    pub(crate) program: Pubkey,
    pub(crate) unit: u64,
    /// Transfer fee (bps, max) for the Token-2022 fee mint.
    pub(crate) fee: Option<(u16, u64)>,
}

pub(crate) struct AssetInfo {
    pub(crate) key: Pubkey,
    pub(crate) mint: usize,
    pub(crate) model: bool,
    pub(crate) buyers: Vec<usize>,
}

pub(crate) struct JobInfo {
    pub(crate) key: Pubkey,
    pub(crate) consumer: usize,
    pub(crate) mint: usize,
}

/// Operation names, for the statistics.
pub(crate) const OPS: &[&str] = &[
    "publish",
    "buy",
    "redeem",
    "revoke",
    "delist/relist",
    "update_asset",
    "update_split",
    "claim",
    "claim_for",
    "registry_config",
    "escrow_config",
    "register_provider",
    "update_provider",
    "bond",
    "request_unbond",
    "withdraw_bond",
    "open_job",
    "accept_job",
    "submit_result",
    "confirm_job",
    "release_job",
    "dispute_job",
    "resolve_dispute",
    "refund_job",
];

pub(crate) struct Sim {
    pub(crate) h: Harness,
    pub(crate) rng: Rng,
    pub(crate) now: i64,
    pub(crate) step: usize,
    pub(crate) admin: Keypair,
    pub(crate) arbiter: Keypair,
    pub(crate) treasury: Pubkey,
    pub(crate) actors: Vec<Keypair>,
    pub(crate) mints: Vec<MintInfo>,
    /// wallets[actor][mint]: associated token accounts.
    pub(crate) wallets: Vec<Vec<Pubkey>>,
    /// A second (non-associated) token account of each actor in each mint.
    pub(crate) alt_wallets: Vec<Vec<Pubkey>>,
    pub(crate) treasury_atas: Vec<Pubkey>,
    /// An SPL mint that is not on the allow-list (and the actors' accounts in it).
    pub(crate) stray_mint: Pubkey,
    /// Every tracked token account: its role and its mint.
    pub(crate) kinds: HashMap<Pubkey, (Kind, usize)>,
    /// The last known state of every account a transaction wrote (None: does not exist).
    pub(crate) cache: HashMap<Pubkey, Option<Account>>,
    pub(crate) assets: Vec<AssetInfo>,
    /// provider[actor]: the mint it registered with.
    pub(crate) provider: Vec<Option<usize>>,
    pub(crate) jobs: Vec<JobInfo>,
    pub(crate) next_job_id: u64,
    pub(crate) next_hash: u32,
    /// Per mint, from the model: what actors paid into the programs and were paid out of them.
    pub(crate) paid_in: Vec<u128>,
    pub(crate) paid_out: Vec<u128>,
    /// Per operation: (succeeded, refused).
    pub(crate) stats: HashMap<&'static str, (u64, u64)>,
    /// Per money-moving operation and mint: how many succeeded.
    pub(crate) per_mint: HashMap<(&'static str, usize), u64>,
    /// Per operation and error: how many refusals.
    pub(crate) refusals: HashMap<(&'static str, String), u64>,
    /// Settlements in the fee mint refused because the job vault held withheld fees.
    pub(crate) withheld_close_refusals: u64,
    /// Dispute resolutions refused because the consumer's account was also the provider's.
    pub(crate) duplicate_account_refusals: u64,
    /// The registry is paused (then a config update soon unpauses it).
    pub(crate) paused: bool,
    /// The adversary (None: turned off), its token accounts (one per mint) and what it does.
    pub(crate) adv: Option<Adversary>,
    /// Per vault: tokens the adversary sent straight to it (net of the transfer fee) that no
    /// instruction has credited or paid out yet.
    pub(crate) surplus: HashMap<Pubkey, u64>,
    /// Addresses the adversary sent lamports to before the programs created them.
    pub(crate) prefunded: HashSet<Pubkey>,
    /// Refusals the adversary caused and liveness failures: (what, first occurrence, count).
    pub(crate) violations: Vec<(String, String, u64)>,
    /// Payment channels (issue 15): their own generator, payers, live channels and ledger.
    pub(crate) chan: Channels,
}

pub(crate) struct Adversary {
    pub(crate) kp: Keypair,
    pub(crate) wallets: Vec<Pubkey>,
    pub(crate) tokens: bool,
    pub(crate) lamports: bool,
}

pub(crate) type Deltas = HashMap<Pubkey, i128>;

pub(crate) fn add(d: &mut Deltas, k: Pubkey, v: i128) {
    *d.entry(k).or_insert(0) += v;
}

/// An account's state; `None` if it does not exist or is only lamports (a pre-funded address).
pub(crate) fn decode<T: AccountDeserialize>(a: &Option<Account>) -> Option<T> {
    a.as_ref()
        .filter(|a| !a.data.is_empty())
        .map(|a| T::try_deserialize(&mut a.data.as_slice()).expect("decode account"))
}

/// A token account's balance; 0 if it does not exist or is only lamports.
pub(crate) fn amount_of(a: &Option<Account>) -> u64 {
    a.as_ref()
        .filter(|a| !a.data.is_empty())
        .map_or(0, |a| token_amount(&a.data))
}

/// A refusal's instruction error, without the index of the instruction (so that violations
/// group by cause).
pub(crate) fn cause(e: &TransactionError) -> String {
    match e {
        TransactionError::InstructionError(_, ie) => format!("{ie:?}"),
        e => format!("{e:?}"),
    }
}

/// Sends a config initialisation; with the lamport adversary on, first pre-funds the config's
/// address. A refusal is a violation; the address is then emptied (a test-harness override) so
/// that the run goes on and collects the rest of the evidence.
pub(crate) async fn init_config(
    h: &mut Harness,
    init: Instruction,
    admin: &Keypair,
    config: Pubkey,
    adv: Option<&Adversary>,
    violations: &mut Vec<(String, String, u64)>,
) {
    if let Some(a) = adv.filter(|a| a.lamports) {
        let ix = solana_system_interface::instruction::transfer(&a.kp.pubkey(), &config, 1_500_000);
        h.refresh_blockhash().await;
        h.send(&[ix], &[&a.kp]).await.expect("pre-fund the config");
    }
    h.refresh_blockhash().await;
    if let Err(e) = h.execute(&[init.clone()], &[admin]).await {
        let program = if config == pda::config() {
            "registry"
        } else if config == pda::escrow_config() {
            "escrow"
        } else {
            "channels"
        };
        violations.push((
            format!(
                "{program} initialize_config refused at a config address the adversary pre-funded ({})",
                cause(&e)
            ),
            format!("setup: {config}"),
            1,
        ));
        h.ctx.set_account(&config, &Account::default().into());
        h.refresh_blockhash().await;
        h.execute(&[init], &[admin]).await.expect("initialize_config");
    }
}

/// The escrow settings of the run: `MIN_BOND` in every mint (≤ 8), the slash capped at 10× the
/// fee, no minimum windows, the longest dispute window (30 days). (`_admin`: the escrow admin
/// is not a setting any more; it changes by `propose_admin` / `accept_admin`.)
pub(crate) fn escrow_settings(
    _admin: &Keypair,
    treasury: &Pubkey,
    arbiter: &Keypair,
    fee_bps: u16,
    slash_bps: u16,
    mints: &[MintInfo],
) -> tessera_client::escrow::state::EscrowSettings {
    tessera_client::escrow::state::EscrowSettings {
        treasury: *treasury,
        arbiter: arbiter.pubkey(),
        fee_bps,
        slash_bps,
        max_slash_fee_multiple: 10,
        min_accept_window: 0,
        min_delivery_window: 0,
        min_challenge_window: 0,
        dispute_window: tessera_client::escrow::constants::MAX_WINDOW_SECS,
        unbonding_delay: UNBONDING_DELAY,
        min_bonds: mints
            .iter()
            .take(tessera_client::escrow::constants::MAX_BOND_MINTS)
            .map(|m| tessera_client::escrow::state::MintBond {
                mint: m.key,
                min_bond: MIN_BOND,
            })
            .collect(),
    }
}

impl Sim {
    pub(crate) async fn new(seed: u64) -> Self {
        let admin = Keypair::new();
        let mut h = Harness::start(program_test(&admin.pubkey())).await;
        let fund = solana_system_interface::instruction::transfer(&h.payer(), &admin.pubkey(), 10_000_000_000);
        h.refresh_blockhash().await;
        h.send(&[fund], &[]).await.expect("fund admin");
        let treasury = Keypair::new().pubkey();
        let arbiter = Keypair::new();

        let mut mints = vec![];
        for (decimals, program) in [
            (0u8, TOKEN_PROGRAM_ID),
            (6, TOKEN_PROGRAM_ID),
            (9, TOKEN_PROGRAM_ID),
            (6, TOKEN_2022_PROGRAM_ID),
        ] {
            h.refresh_blockhash().await;
            let key = h.create_mint(decimals, &program).await;
            mints.push(MintInfo {
                key,
                program,
                unit: 10u64.pow(u32::from(decimals)),
                fee: None,
            });
        }
        h.refresh_blockhash().await;
        let key = h.create_transfer_fee_mint(6, TRANSFER_FEE_BPS, TRANSFER_FEE_MAX).await;
        mints.push(MintInfo {
            key,
            program: TOKEN_2022_PROGRAM_ID,
            unit: 1_000_000,
            fee: Some((TRANSFER_FEE_BPS, TRANSFER_FEE_MAX)),
        });
        h.refresh_blockhash().await;
        let stray_mint = h.create_mint(6, &TOKEN_PROGRAM_ID).await;
        let adv = adversary(&mut h, &mints).await;
        let mut violations = vec![];

        let init = ix::registry::initialize_config(
            &admin.pubkey(),
            InitializeConfigArgs {
                admin: admin.pubkey(),
                treasury,
                fee_bps: REGISTRY_FEE_BPS,
                payment_mints: mints.iter().map(|m| m.key).collect(),
            },
        );
        init_config(&mut h, init, &admin, pda::config(), adv.as_ref(), &mut violations).await;
        let init = ix::escrow::initialize_config(
            &admin.pubkey(),
            tessera_client::escrow::instructions::InitializeConfigArgs {
                admin: admin.pubkey(),
                settings: escrow_settings(&admin, &treasury, &arbiter, ESCROW_FEE_BPS, SLASH_BPS, &mints),
            },
        );
        init_config(
            &mut h,
            init,
            &admin,
            pda::escrow_config(),
            adv.as_ref(),
            &mut violations,
        )
        .await;

        let mut kinds = HashMap::new();
        let mut treasury_atas = vec![];
        for (i, m) in mints.iter().enumerate() {
            h.refresh_blockhash().await;
            let ata = h.ata(&treasury, &m.key, &m.program).await;
            kinds.insert(ata, (Kind::Treasury, i));
            treasury_atas.push(ata);
        }
        let mut actors = vec![];
        let mut wallets = vec![];
        let mut alt_wallets = vec![];
        for _ in 0..ACTORS {
            h.refresh_blockhash().await;
            let kp = h.funded_keypair(2_000_000_000).await;
            let mut row = vec![];
            for (i, m) in mints.iter().enumerate() {
                h.refresh_blockhash().await;
                let ata = h.ata(&kp.pubkey(), &m.key, &m.program).await;
                // 0 decimals: 2,000 base units, so balances run low and refusals happen.
                let amount = if m.unit == 1 { 2_000 } else { 10_000 * m.unit };
                h.refresh_blockhash().await;
                h.mint_to(&m.key, &ata, &m.program, amount).await;
                kinds.insert(ata, (Kind::Wallet, i));
                row.push(ata);
            }
            h.refresh_blockhash().await;
            h.ata(&kp.pubkey(), &stray_mint, &TOKEN_PROGRAM_ID).await;
            let mut alt = vec![];
            for (i, m) in mints.iter().enumerate() {
                h.refresh_blockhash().await;
                let acc = h.create_token_account(&kp.pubkey(), &m.key, &m.program).await;
                kinds.insert(acc, (Kind::Wallet, i));
                alt.push(acc);
            }
            actors.push(kp);
            wallets.push(row);
            alt_wallets.push(alt);
        }
        let chan = setup_channels(
            &mut h,
            seed,
            &admin,
            &treasury,
            &mints,
            adv.as_ref(),
            &mut kinds,
            &mut violations,
        )
        .await;
        h.set_time(T0).await;
        let n = mints.len();
        let mut sim = Sim {
            h,
            rng: Rng(seed),
            now: T0,
            step: 0,
            admin,
            arbiter,
            treasury,
            actors,
            mints,
            wallets,
            alt_wallets,
            treasury_atas,
            stray_mint,
            kinds,
            cache: HashMap::new(),
            assets: vec![],
            provider: vec![None; ACTORS],
            jobs: vec![],
            next_job_id: 1,
            next_hash: 1,
            paid_in: vec![0; n],
            paid_out: vec![0; n],
            stats: HashMap::new(),
            refusals: HashMap::new(),
            per_mint: HashMap::new(),
            withheld_close_refusals: 0,
            paused: false,
            duplicate_account_refusals: 0,
            adv,
            surplus: HashMap::new(),
            prefunded: HashSet::new(),
            violations,
            chan,
        };
        if let Some(a) = &sim.adv {
            for (i, w) in a.wallets.iter().enumerate() {
                sim.kinds.insert(*w, (Kind::Wallet, i));
            }
        }
        // Cache every tracked account and the fee mint (its harvested withheld fees).
        let keys: Vec<Pubkey> = sim
            .kinds
            .keys()
            .copied()
            .chain(sim.mints.iter().map(|m| m.key))
            .collect();
        for k in keys {
            sim.get(&k).await;
        }
        sim
    }

    /// The cached state of `k`, read from the bank the first time.
    pub(crate) async fn get(&mut self, k: &Pubkey) -> Option<Account> {
        if let Some(a) = self.cache.get(k) {
            return a.clone();
        }
        let a = self.h.account(k).await;
        self.cache.insert(*k, a.clone());
        a
    }

    pub(crate) async fn state<T: AccountDeserialize>(&mut self, k: &Pubkey) -> Option<T> {
        let a = self.get(k).await;
        decode(&a)
    }

    pub(crate) fn actor(&self, i: usize) -> Keypair {
        self.actors[i].insecure_clone()
    }

    pub(crate) fn net(&self, mint: usize, amount: u64) -> i128 {
        let fee = self.mints[mint].fee.map_or(0, |(b, max)| transfer_fee(amount, b, max));
        i128::from(amount - fee)
    }

    /// [`Sim::tx`], also counting a success per mint.
    pub(crate) async fn tx_in(
        &mut self,
        op: &'static str,
        mint: usize,
        ixs: Vec<Instruction>,
        signers: &[&Keypair],
        expected: &Deltas,
    ) -> Result<(), TransactionError> {
        let res = self.tx(op, ixs, signers, expected).await;
        if res.is_ok() {
            *self.per_mint.entry((op, mint)).or_default() += 1;
        }
        res
    }

    /// Sends `ixs`; checks a refusal changed no account it could write, and a success moved
    /// exactly `expected` (token amount deltas; every other tracked token account: 0).
    pub(crate) async fn tx(
        &mut self,
        op: &'static str,
        ixs: Vec<Instruction>,
        signers: &[&Keypair],
        expected: &Deltas,
    ) -> Result<(), TransactionError> {
        let payer = self.h.payer();
        let mut writable: Vec<Pubkey> = vec![];
        let mut seen = HashSet::new();
        for ix in &ixs {
            for m in &ix.accounts {
                if m.is_writable && m.pubkey != payer && seen.insert(m.pubkey) {
                    writable.push(m.pubkey);
                }
            }
        }
        let mut before = Vec::with_capacity(writable.len());
        for k in &writable {
            before.push(self.get(k).await);
        }
        self.h.refresh_blockhash().await;
        let res = self.h.execute(&ixs, signers).await;
        let mut after = Vec::with_capacity(writable.len());
        for k in &writable {
            after.push(self.h.account(k).await);
        }
        let step = self.step;
        match &res {
            Err(e) => {
                assert!(
                    matches!(e, TransactionError::InstructionError(..)),
                    "step {step} ({op}): refused by the runtime, not by a program: {e:?}"
                );
                *self.refusals.entry((op, format!("{e:?}"))).or_default() += 1;
                self.blame_adversary(op, e, &writable, &before);
                for ((k, b), a) in writable.iter().zip(&before).zip(&after) {
                    assert!(
                        b == a,
                        "step {step} ({op}): refused ({e:?}) but account {k} changed:\nbefore {b:?}\nafter {a:?}"
                    );
                }
                self.stats.entry(op).or_default().1 += 1;
            }
            Ok(()) => {
                for ((k, b), a) in writable.iter().zip(&before).zip(&after) {
                    if self.kinds.contains_key(k) {
                        let delta = i128::from(amount_of(a)) - i128::from(amount_of(b));
                        let want = expected.get(k).copied().unwrap_or(0);
                        assert_eq!(
                            delta, want,
                            "step {step} ({op}): token account {k} ({:?}) moved {delta}, the model expects {want}",
                            self.kinds[k]
                        );
                    }
                    self.cache.insert(*k, a.clone());
                }
                for (k, v) in expected {
                    assert!(
                        seen.contains(k),
                        "step {step} ({op}): expected a movement on {k}, not written by the transaction"
                    );
                    assert!(
                        *v == 0 || self.kinds.contains_key(k),
                        "step {step} ({op}): expected a movement on the untracked account {k}"
                    );
                }
                self.stats.entry(op).or_default().0 += 1;
            }
        }
        res
    }

    pub(crate) async fn advance_time(&mut self) {
        let dt = match self.rng.below(100) {
            0..=74 => self.rng.below(6),
            75..=98 => self.rng.below(120),
            _ => self.rng.below(4_000),
        };
        if dt > 0 {
            self.now += dt as i64;
            self.h.set_time(self.now).await;
        }
    }
    pub(crate) fn surplus_of(&self, vault: &Pubkey) -> u64 {
        self.surplus.get(vault).copied().unwrap_or(0)
    }

    pub(crate) async fn set_now(&mut self, t: i64) {
        if t > self.now {
            self.now = t;
            self.h.set_time(t).await;
        }
    }

    /// Records a violation of issue 14's guarantees (printed the first time).
    pub(crate) fn violation(&mut self, what: String, detail: String) {
        match self.violations.iter_mut().find(|v| v.0 == what) {
            Some(v) => v.2 += 1,
            None => {
                eprintln!("VIOLATION: {what} — first: {detail}");
                self.violations.push((what, detail, 1));
            }
        }
    }
}
