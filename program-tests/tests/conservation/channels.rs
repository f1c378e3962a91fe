//! 1. Through the runtime: payment channels (issue 15). Every instruction of the channels program
//! that moves money as a random operation, drawn with its own generator and weight after each
//! step of the three other programs (so that their draws stay those of a run without channels):
//! open a channel (a payer, a provider serving the model as payee, a deposit), top up, settle
//! vouchers (cumulative and monotonic, sometimes two in one transaction), request the close,
//! finalize it after the grace, settle and close by the payee; and the refusals an attacker or a
//! stale client meets: a stale voucher re-settled, a voucher above the deposit, a voucher by
//! another signer, stray tokens sent to a channel's vault, lamports sent to a channel's future
//! addresses.
//!
//! The model: per mint, Σ what the vaults received (deposits net of a transfer fee, and stray
//! tokens) = treasury + model splits + parents' splits + payees + refunds to payers + what the
//! live channels' vaults hold, to the base unit, after every step; each settled amount divided
//! exactly by `tessera_common::lineage::inference_split` (and the rule written out here); every
//! live channel's vault holds its unspent deposit plus its stray tokens. At the end, LIVENESS:
//! every channel is closed (the payee settles its last voucher in the grace, or settles and
//! closes; anyone finalizes after the grace) and every vault is emptied.
//! `TESSERA_CHANNELS=0` turns the channel operations off.

use anchor_lang::prelude::Pubkey;
use solana_transaction::versioned::VersionedTransaction;
use tessera_client::{
    channels::{
        errors::ChannelsError,
        instructions::{InitializeConfigArgs, OpenChannelArgs},
        payout::SettleArgs,
        state::Channel,
    },
    escrow::state::Provider,
    ix::{
        self,
        channels::{OpenChannelAccounts, SettleAccounts as ChannelPayees},
    },
    pda,
    registry::state::{Asset, AssetState},
    Instruction,
};
use tessera_common::lineage::{inference_split, InferenceSplit};
use tessera_program_tests::{
    code_of, Harness, InstructionError, TestKeypair as Keypair, TestSigner, TransactionError, TxStats, PACKET_DATA_SIZE,
};

use crate::rng::{bps, Rng};
use crate::sim::{add, amount_of, cause, decode, init_config, Adversary, Deltas, Kind, MintInfo, Sim, ACTORS};

/// Payers of channels: keypairs of their own (not the actors), so that the actors' balances,
/// and with them the other programs' draws, do not depend on the channels.
pub(crate) const CHANNEL_PAYERS: usize = 3;
/// Live channels kept at most (beyond it, openings turn into close requests).
pub(crate) const MAX_CHANNELS: usize = 24;
/// The channels config: protocol fee 1.25%, close grace 30 s .. 30 min (the clock moves
/// about 36 s a step, so graces end during the run).
pub(crate) const CHANNELS_FEE_BPS: u16 = 125;
pub(crate) const MIN_GRACE: u32 = 30;
pub(crate) const MAX_GRACE: u32 = 1_800;
/// A channel operation follows a step with this probability (num, den).
pub(crate) const CHANNEL_STEP_CHANCE: (u64, u64) = (3, 20);
/// The channel operations, for the statistics and the coverage check.
pub(crate) const CHANNEL_OPS: &[&str] = &[
    "open_channel",
    "top_up",
    "settle",
    "request_close",
    "finalize_close",
    "settle_and_close",
];
/// Refused by design, every time.
pub(crate) const BAD_VOUCHER_OPS: &[&str] = &["settle:stale", "settle:above_deposit", "settle:wrong_signer"];

pub(crate) struct ChannelInfo {
    pub(crate) key: Pubkey,
    /// Index into `Channels::payers`.
    pub(crate) payer: usize,
    /// The payee: the actor whose provider serves the model.
    pub(crate) payee: usize,
    pub(crate) mint: usize,
    /// The authorized signer: the payer itself or a session key.
    pub(crate) signer: Keypair,
    /// What the vault received from the opening and the top-ups (the channel's `deposit`).
    pub(crate) deposit: u64,
    /// The highest voucher signed (no expiry) for calls paid off chain, and its signature.
    pub(crate) signed: Option<(u64, [u8; 64])>,
    /// The last voucher settled and its signature (replayed by the stale-voucher operation).
    pub(crate) last_settled: Option<(SettleArgs, [u8; 64])>,
}

/// Where the money that entered the channels' vaults went, per mint, in base units as they left
/// the vaults (a recipient in a transfer-fee mint receives them net of the fee).
#[derive(Default, Clone, Debug)]
pub(crate) struct Ledger {
    /// Openings and top-ups: what the vaults received.
    pub(crate) deposits: u128,
    /// Tokens the adversary sent straight to vaults (received).
    pub(crate) stray: u128,
    /// Σ settled amounts: treasury + model splits + parents + payees.
    pub(crate) settled: u128,
    pub(crate) treasury: u128,
    pub(crate) model_splits: u128,
    pub(crate) parents: u128,
    pub(crate) payees: u128,
    /// What the closes returned to the payers (unspent deposits and stray tokens).
    pub(crate) refunds: u128,
    /// The `deposit` and `settled` of the closed channels.
    pub(crate) closed_deposits: u128,
    pub(crate) closed_settled: u128,
}

pub(crate) struct Channels {
    pub(crate) enabled: bool,
    /// The channel operations' own generator.
    pub(crate) rng: Rng,
    pub(crate) payers: Vec<Keypair>,
    /// wallets[payer][mint]: associated token accounts.
    pub(crate) wallets: Vec<Vec<Pubkey>>,
    /// last_id[payer]: the payer's latest channel id (0: none).
    pub(crate) last_id: Vec<u64>,
    pub(crate) live: Vec<ChannelInfo>,
    /// Per mint.
    pub(crate) ledger: Vec<Ledger>,
    /// Transactions that settled two vouchers.
    pub(crate) double_settles: u64,
    /// Double settlements sent one voucher at a time (two did not fit a packet).
    pub(crate) too_large: u64,
}

/// The channels config (by the upgrade authority, pre-funded by the adversary like the others)
/// and the payers, each funded in every mint.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn setup_channels(
    h: &mut Harness,
    seed: u64,
    admin: &Keypair,
    treasury: &Pubkey,
    mints: &[MintInfo],
    adv: Option<&Adversary>,
    kinds: &mut std::collections::HashMap<Pubkey, (Kind, usize)>,
    violations: &mut Vec<(String, String, u64)>,
) -> Channels {
    let init = ix::channels::initialize_config(
        &admin.pubkey(),
        InitializeConfigArgs {
            admin: admin.pubkey(),
            treasury: *treasury,
            fee_bps: CHANNELS_FEE_BPS,
            min_close_grace: MIN_GRACE,
            max_close_grace: MAX_GRACE,
        },
    );
    init_config(h, init, admin, pda::channels_config(), adv, violations).await;
    let mut payers = vec![];
    let mut wallets = vec![];
    for _ in 0..CHANNEL_PAYERS {
        h.refresh_blockhash().await;
        let kp = h.funded_keypair(10_000_000_000).await;
        let mut row = vec![];
        for (i, m) in mints.iter().enumerate() {
            h.refresh_blockhash().await;
            let ata = h.ata(&kp.pubkey(), &m.key, &m.program).await;
            let amount = if m.unit == 1 { 100_000 } else { 100_000 * m.unit };
            h.refresh_blockhash().await;
            h.mint_to(&m.key, &ata, &m.program, amount).await;
            kinds.insert(ata, (Kind::Wallet, i));
            row.push(ata);
        }
        payers.push(kp);
        wallets.push(row);
    }
    Channels {
        enabled: !matches!(std::env::var("TESSERA_CHANNELS").as_deref(), Ok("0") | Ok("off")),
        rng: Rng(seed ^ 0xC4A7_7E15_0000_0015),
        payers,
        wallets,
        last_id: vec![0; CHANNEL_PAYERS],
        live: vec![],
        ledger: vec![Ledger::default(); mints.len()],
        double_settles: 0,
        too_large: 0,
    }
}

/// Whether the grace after a close request has ended (settling is refused from then on,
/// finalizing allowed).
fn past_grace(c: &Channel, now: i64) -> bool {
    c.close_requested_at != 0 && now >= c.close_requested_at + i64::from(c.close_grace)
}

fn is_code(res: &Result<(), TransactionError>, e: ChannelsError) -> bool {
    matches!(res, Err(TransactionError::InstructionError(_, InstructionError::Custom(c))) if *c == code_of(e))
}

/// The lineage rule of `tessera_common::lineage`, written out here, checked against the crate's
/// `inference_split` (which the program calls): the fee and the royalty of the amount, each
/// parent's share of the royalty, the model's split the royalty's rest, the payee the rest.
fn lineage_split(amount: u64, fee_bps: u16, royalty_bps: u16, parents: &[u16]) -> InferenceSplit {
    let s = inference_split(amount, fee_bps, royalty_bps, parents).expect("the shares fit");
    let to_treasury = bps(amount, fee_bps);
    let royalty = bps(amount, royalty_bps);
    let to_parents: Vec<u64> = parents.iter().map(|&b| bps(royalty, b)).collect();
    let to_model_split = royalty - to_parents.iter().sum::<u64>();
    assert_eq!(
        (s.to_treasury, s.royalty, &s.to_parents, s.to_model_split, s.to_payee),
        (
            to_treasury,
            royalty,
            &to_parents,
            to_model_split,
            amount - to_treasury - royalty
        ),
        "inference_split({amount}, {fee_bps}, {royalty_bps}, {parents:?})"
    );
    s
}

/// A voucher to settle: its arguments, signature and the key that signed it.
type Voucher = (SettleArgs, [u8; 64], Pubkey);

#[derive(Clone, Copy)]
enum BadVoucher {
    Stale,
    AboveDeposit,
    WrongSigner,
}

/// A channel operation.
#[derive(Clone, Copy)]
enum ChOp {
    Open,
    TopUp,
    Settle,
    Bad(BadVoucher),
    RequestClose,
    Finalize,
    SettleAndClose,
    Stray,
    Prefund,
}

impl Sim {
    fn channel_amount(&mut self, mint: usize) -> u64 {
        let unit = self.mints[mint].unit;
        if unit == 1 || self.chan.rng.chance(1, 10) {
            self.chan.rng.range(1, 300)
        } else {
            self.chan.rng.range(1, 20 * unit)
        }
    }

    fn sign(&self, i: usize, cumulative: u64, expiry: i64) -> Voucher {
        let info = &self.chan.live[i];
        let sig = ix::channels::sign_voucher(&info.signer, &info.key, cumulative, expiry);
        (SettleArgs { cumulative, expiry }, sig, info.signer.pubkey())
    }

    /// A random live channel: mostly one for which `ready` holds, sometimes any.
    async fn pick_channel(&mut self, ready: impl Fn(&Channel, i64) -> bool) -> Option<(usize, Channel)> {
        if self.chan.live.is_empty() {
            return None;
        }
        let mut candidates = vec![];
        for i in 0..self.chan.live.len() {
            let k = self.chan.live[i].key;
            let c: Channel = self.state(&k).await.expect("live channel");
            if ready(&c, self.now) {
                candidates.push((i, c));
            }
        }
        if candidates.is_empty() || self.chan.rng.chance(1, 8) {
            let i = self.chan.rng.index(self.chan.live.len());
            let k = self.chan.live[i].key;
            let c: Channel = self.state(&k).await.expect("live channel");
            return Some((i, c));
        }
        let k = self.chan.rng.index(candidates.len());
        Some(candidates.swap_remove(k))
    }

    /// One channel operation, drawn with the channels' generator (an operation with nothing to
    /// act on hands over to another, at most twice).
    pub(crate) async fn channel_step(&mut self) {
        let (tokens, lamports) = self.adv.as_ref().map_or((false, false), |a| (a.tokens, a.lamports));
        let mut op = match self.chan.rng.below(100) {
            0..=16 => ChOp::Open,
            17..=25 => ChOp::TopUp,
            26..=47 => ChOp::Settle,
            48..=54 => ChOp::Bad(BadVoucher::Stale),
            55..=60 => ChOp::Bad(BadVoucher::AboveDeposit),
            61..=63 => ChOp::Bad(BadVoucher::WrongSigner),
            64..=72 => ChOp::RequestClose,
            73..=83 => ChOp::Finalize,
            84..=91 => ChOp::SettleAndClose,
            92..=96 if tokens => ChOp::Stray,
            97..=99 if lamports => ChOp::Prefund,
            _ => ChOp::Settle,
        };
        for _ in 0..3 {
            let next = match op {
                ChOp::Open => self.open_channel_op().await,
                ChOp::TopUp => self.top_up_op().await,
                ChOp::Settle => self.settle_op().await,
                ChOp::Bad(kind) => self.bad_voucher_op(kind).await,
                ChOp::RequestClose => self.request_close_op().await,
                ChOp::Finalize => self.finalize_close_op().await,
                ChOp::SettleAndClose => self.settle_and_close_op().await,
                ChOp::Stray => self.stray_to_channel().await,
                ChOp::Prefund => self.prefund_channel().await,
            };
            match next {
                Some(n) => op = n,
                None => return,
            }
        }
    }

    /// Models whose channel can be opened: (asset index, provider actor) for each listed,
    /// ungated model and each registered provider that serves it.
    async fn servable(&mut self) -> (Vec<usize>, Vec<(usize, usize)>) {
        let mut models = vec![];
        let mut servable = vec![];
        for ai in 0..self.assets.len() {
            if !self.assets[ai].model {
                continue;
            }
            models.push(ai);
            let key = self.assets[ai].key;
            let asset: Asset = self.state(&key).await.expect("asset");
            if asset.state != AssetState::Listed || asset.inference_gated {
                continue;
            }
            for a in 0..ACTORS {
                if self.provider[a].is_some() {
                    let p: Provider = self
                        .state(&pda::provider(&self.actors[a].pubkey()))
                        .await
                        .expect("provider");
                    if p.models.contains(&key) {
                        servable.push((ai, a));
                    }
                }
            }
        }
        (models, servable)
    }

    async fn open_channel_op(&mut self) -> Option<ChOp> {
        if self.chan.live.len() >= MAX_CHANNELS {
            return Some(ChOp::RequestClose);
        }
        let (models, servable) = self.servable().await;
        if models.is_empty() {
            return None;
        }
        let r = self.chan.rng.below(16);
        let (ai, a) = if servable.is_empty() || r == 0 {
            // Any model, any actor as the provider: refused unless it happens to serve it.
            let ai = models[self.chan.rng.index(models.len())];
            (ai, self.chan.rng.index(ACTORS))
        } else {
            servable[self.chan.rng.index(servable.len())]
        };
        let payer = self.chan.rng.index(CHANNEL_PAYERS);
        let (key, mint) = (self.assets[ai].key, self.assets[ai].mint);
        let deposit = if r == 1 {
            0
        } else {
            self.channel_amount(mint) * self.chan.rng.range(1, 8)
        };
        let grace = if r == 2 {
            if self.chan.rng.chance(1, 2) {
                MIN_GRACE - 1
            } else {
                MAX_GRACE + 1
            }
        } else {
            self.chan.rng.range(u64::from(MIN_GRACE), u64::from(MAX_GRACE)) as u32
        };
        let last = self.chan.last_id[payer];
        let channel_id = if r == 3 {
            // Not the next id: the last one again (an existing channel) or one skipped.
            if last > 0 && self.chan.rng.chance(1, 2) {
                last
            } else {
                last + 2
            }
        } else {
            last + 1
        };
        let signer = if self.chan.rng.chance(1, 2) {
            Keypair::new()
        } else {
            self.chan.payers[payer].insecure_clone()
        };
        let payer_kp = self.chan.payers[payer].insecure_clone();
        let src = self.chan.wallets[payer][mint];
        let balance = amount_of(&self.get(&src).await);
        let valid = servable.contains(&(ai, a))
            && deposit > 0
            && (MIN_GRACE..=MAX_GRACE).contains(&grace)
            && channel_id == last + 1
            && balance >= deposit;
        let m = &self.mints[mint];
        let open = ix::channels::open_channel(
            &OpenChannelAccounts {
                payer: payer_kp.pubkey(),
                model: key,
                provider_authority: self.actors[a].pubkey(),
                mint: m.key,
                payer_token_account: src,
                token_program: m.program,
                gated: false,
            },
            OpenChannelArgs {
                channel_id,
                deposit,
                authorized_signer: signer.pubkey(),
                close_grace: grace,
            },
        );
        let channel = pda::channel(&payer_kp.pubkey(), channel_id);
        let vault = pda::channel_vault(&channel);
        // An id already used names a live (or closed) channel's vault: its entry stays.
        let known = self.kinds.contains_key(&vault);
        if !known {
            self.kinds.insert(vault, (Kind::ChannelVault, mint));
        }
        let net = self.net(mint, deposit);
        let mut d = Deltas::new();
        add(&mut d, src, -i128::from(deposit));
        add(&mut d, vault, net);
        let res = self.tx_in("open_channel", mint, vec![open], &[&payer_kp], &d).await;
        let step = self.step;
        match &res {
            Ok(()) => {
                assert!(valid, "step {step}: an invalid open_channel succeeded");
                let net = u64::try_from(net).expect("net");
                let asset: Asset = self.state(&key).await.expect("model");
                let c: Channel = self.state(&channel).await.expect("channel");
                assert_eq!(
                    (c.deposit, c.settled, c.fee_bps, c.royalty_bps, c.payee, c.model_split),
                    (
                        net,
                        0,
                        CHANNELS_FEE_BPS,
                        asset.inference_royalty_bps,
                        self.actors[a].pubkey(),
                        asset.split
                    ),
                    "step {step}: the opened channel's terms"
                );
                self.paid_in[mint] += u128::from(deposit);
                self.chan.ledger[mint].deposits += u128::from(net);
                self.chan.last_id[payer] = channel_id;
                self.chan.live.push(ChannelInfo {
                    key: channel,
                    payer,
                    payee: a,
                    mint,
                    signer,
                    deposit: net,
                    signed: None,
                    last_settled: None,
                });
            }
            Err(e) => {
                if valid {
                    self.violation(
                        format!("a valid open_channel was refused ({})", cause(e)),
                        format!("step {step}: channel {channel}, deposit {deposit}"),
                    );
                }
                if !known {
                    self.kinds.remove(&vault);
                    self.cache.remove(&vault);
                }
            }
        }
        None
    }

    async fn top_up_op(&mut self) -> Option<ChOp> {
        let Some((i, c)) = self.pick_channel(|c, _| !c.close_requested()).await else {
            return Some(ChOp::Open);
        };
        let (key, payer, mint) = (self.chan.live[i].key, self.chan.live[i].payer, self.chan.live[i].mint);
        let amount = if self.chan.rng.chance(1, 25) {
            0
        } else {
            self.channel_amount(mint)
        };
        let wrong = self.chan.rng.chance(1, 20);
        let by = if wrong { (payer + 1) % CHANNEL_PAYERS } else { payer };
        let src = self.chan.wallets[by][mint];
        let balance = amount_of(&self.get(&src).await);
        let mut as_signed = c.clone();
        as_signed.payer = self.chan.payers[by].pubkey();
        let top = ix::channels::top_up(&key, &as_signed, &src, &self.mints[mint].program, amount);
        let net = self.net(mint, amount);
        let mut d = Deltas::new();
        add(&mut d, src, -i128::from(amount));
        add(&mut d, c.vault, net);
        let signer = self.chan.payers[by].insecure_clone();
        let res = self.tx_in("top_up", mint, vec![top], &[&signer], &d).await;
        let must_fail = wrong || amount == 0 || c.close_requested() || balance < amount;
        let step = self.step;
        match &res {
            Ok(()) => {
                assert!(!must_fail, "step {step}: an invalid top_up succeeded");
                let net = u64::try_from(net).expect("net");
                self.paid_in[mint] += u128::from(amount);
                self.chan.ledger[mint].deposits += u128::from(net);
                self.chan.live[i].deposit += net;
            }
            Err(e) if !must_fail => self.violation(
                format!("a valid top_up was refused ({})", cause(e)),
                format!("step {step}: channel {key}, amount {amount}"),
            ),
            Err(_) => {}
        }
        None
    }

    /// Sends `vouchers` of live channel `i` (state `c`) in one transaction by the harness payer,
    /// `[ed25519, settle]` each, the payee part to `payee_dest`; with the movements each voucher
    /// adds by the lineage rule; records a success. Returns the result.
    async fn settle_vouchers(
        &mut self,
        op: &'static str,
        i: usize,
        c: &Channel,
        vouchers: &[Voucher],
        payee_dest: Pubkey,
    ) -> Result<(), TransactionError> {
        let (key, mint) = (self.chan.live[i].key, self.chan.live[i].mint);
        let model: Asset = self.state(&c.model).await.expect("model");
        let payees = ChannelPayees {
            payee_token_account: payee_dest,
            treasury_token_account: self.treasury_atas[mint],
            token_program: self.mints[mint].program,
        };
        let mut ixs = vec![];
        let mut d = Deltas::new();
        let mut splits = vec![];
        let mut prev = c.settled;
        for (args, sig, signer) in vouchers {
            ixs.push(ix::channels::voucher_signature_ix(&key, args, signer, sig));
            ixs.push(ix::channels::settle_ix(&key, c, &model, &payees, *args));
            let amount = args.cumulative.saturating_sub(prev);
            prev = prev.max(args.cumulative);
            let s = self.settlement_deltas(mint, c, &model, amount, payee_dest, &mut d);
            splits.push(s);
        }
        let res = self.tx_in(op, mint, ixs, &[], &d).await;
        if res.is_ok() {
            for s in &splits {
                self.record_settlement(mint, s);
            }
            let last = vouchers.last().expect("a voucher");
            self.chan.live[i].last_settled = Some((last.0, last.1));
            let after: Channel = self.state(&key).await.expect("channel");
            assert_eq!(
                after.settled, last.0.cumulative,
                "step {}: settled total after {op}",
                self.step
            );
        }
        res
    }

    /// The movements of settling `amount` of channel `c`: out of its vault, the lineage split
    /// into the treasury, the parents' and the model's split vaults and the payee's account.
    fn settlement_deltas(
        &self,
        mint: usize,
        c: &Channel,
        model: &Asset,
        amount: u64,
        payee_dest: Pubkey,
        d: &mut Deltas,
    ) -> InferenceSplit {
        let parent_bps: Vec<u16> = model.parents.iter().map(|p| p.bps).collect();
        let s = lineage_split(amount, c.fee_bps, c.royalty_bps, &parent_bps);
        add(d, c.vault, -i128::from(amount));
        if s.to_treasury > 0 {
            add(d, self.treasury_atas[mint], self.net(mint, s.to_treasury));
        }
        for (p, &share) in model.parents.iter().zip(&s.to_parents) {
            if share > 0 {
                add(d, pda::vault(&p.split), self.net(mint, share));
            }
        }
        if s.to_model_split > 0 {
            add(d, pda::vault(&c.model_split), self.net(mint, s.to_model_split));
        }
        if s.to_payee > 0 {
            add(d, payee_dest, self.net(mint, s.to_payee));
        }
        s
    }

    fn record_settlement(&mut self, mint: usize, s: &InferenceSplit) {
        let l = &mut self.chan.ledger[mint];
        l.settled += u128::from(s.amount);
        l.treasury += u128::from(s.to_treasury);
        l.model_splits += u128::from(s.to_model_split);
        l.parents += s.to_parents.iter().map(|&p| u128::from(p)).sum::<u128>();
        l.payees += u128::from(s.to_payee);
        self.paid_out[mint] += u128::from(s.to_payee);
    }

    /// Whether `ixs` fit one packet.
    fn fits(&self, ixs: &[Instruction]) -> bool {
        let tx = self.h.sign(ixs, &[]);
        TxStats::of(&VersionedTransaction::from(tx)).size <= PACKET_DATA_SIZE
    }

    async fn settle_op(&mut self) -> Option<ChOp> {
        let Some((i, c)) = self
            .pick_channel(|c, now| !past_grace(c, now) && c.settled < c.deposit)
            .await
        else {
            return Some(ChOp::Open);
        };
        let (key, payee, mint) = (self.chan.live[i].key, self.chan.live[i].payee, self.chan.live[i].mint);
        let remaining = c.deposit - c.settled;
        let expiry = match self.chan.rng.below(12) {
            0 => self.now - 1 - self.chan.rng.range(0, 100) as i64,
            1 => self.now + self.chan.rng.range(0, 600) as i64,
            _ => 0,
        };
        let stored = self.chan.live[i].signed.filter(|(v, _)| *v > c.settled);
        let mut vouchers = vec![];
        if remaining == 0 {
            // Everything was settled: any later voucher is above the deposit.
            vouchers.push(self.sign(i, c.deposit + 1, expiry));
        } else if let Some((v, sig)) = stored.filter(|_| self.chan.rng.chance(1, 3)) {
            let signer = self.chan.live[i].signer.pubkey();
            vouchers.push((
                SettleArgs {
                    cumulative: v,
                    expiry: 0,
                },
                sig,
                signer,
            ));
        } else if remaining >= 2 && self.chan.rng.chance(1, 4) {
            let c1 = c.settled + self.chan.rng.range(1, remaining - 1);
            let c2 = c1 + self.chan.rng.range(1, c.deposit - c1);
            vouchers.push(self.sign(i, c1, expiry));
            vouchers.push(self.sign(i, c2, expiry));
        } else {
            let c1 = c.settled + self.chan.rng.range(1, remaining);
            vouchers.push(self.sign(i, c1, expiry));
        }
        let wrong_dest = self.chan.rng.chance(1, 30);
        let payee_dest = if wrong_dest {
            self.alt_wallets[(payee + 1) % ACTORS][mint]
        } else {
            self.alt_wallets[payee][mint]
        };
        if vouchers.len() == 2 {
            // Two settles in one transaction when they fit a packet (a model with few parents).
            let model: Asset = self.state(&c.model).await.expect("model");
            let payees = ChannelPayees {
                payee_token_account: payee_dest,
                treasury_token_account: self.treasury_atas[mint],
                token_program: self.mints[mint].program,
            };
            let ixs: Vec<Instruction> = vouchers
                .iter()
                .flat_map(|(args, sig, signer)| {
                    [
                        ix::channels::voucher_signature_ix(&key, args, signer, sig),
                        ix::channels::settle_ix(&key, &c, &model, &payees, *args),
                    ]
                })
                .collect();
            if !self.fits(&ixs) {
                self.chan.too_large += 1;
                vouchers.truncate(1);
            }
        }
        let now = self.now;
        let must_fail = wrong_dest
            || past_grace(&c, now)
            || vouchers.iter().any(|(a, _, _)| a.expiry != 0 && now > a.expiry)
            || vouchers.last().expect("a voucher").0.cumulative > c.deposit;
        let res = self.settle_vouchers("settle", i, &c, &vouchers, payee_dest).await;
        let step = self.step;
        match &res {
            Ok(()) => {
                assert!(!must_fail, "step {step}: an invalid settle succeeded");
                if vouchers.len() == 2 {
                    self.chan.double_settles += 1;
                }
                // Later calls, paid off chain: a higher voucher the payee holds.
                let after: Channel = self.state(&key).await.expect("channel");
                if after.settled < after.deposit && self.chan.rng.chance(1, 3) {
                    let v = after.settled + self.chan.rng.range(1, after.deposit - after.settled);
                    let (_, sig, _) = self.sign(i, v, 0);
                    self.chan.live[i].signed = Some((v, sig));
                }
            }
            Err(e) if !must_fail => self.violation(
                format!("a valid settle was refused ({})", cause(e)),
                format!(
                    "step {step}: channel {key}, vouchers {:?}",
                    vouchers.iter().map(|v| v.0).collect::<Vec<_>>()
                ),
            ),
            Err(_) => {}
        }
        None
    }

    /// Vouchers that must be refused, each with its exact error: a stale one (the last settled
    /// voucher replayed, or a lower cumulative), one above the deposit, one by another signer.
    async fn bad_voucher_op(&mut self, kind: BadVoucher) -> Option<ChOp> {
        let picked = match kind {
            BadVoucher::Stale => self.pick_channel(|c, _| c.settled > 0).await,
            _ => self.pick_channel(|c, now| !past_grace(c, now)).await,
        };
        let Some((i, c)) = picked else {
            return Some(ChOp::Open);
        };
        let (payee, mint) = (self.chan.live[i].payee, self.chan.live[i].mint);
        let (op, voucher, error) = match kind {
            BadVoucher::Stale => {
                if c.settled == 0 {
                    return Some(ChOp::Settle);
                }
                let replay = self.chan.live[i].last_settled.filter(|_| self.chan.rng.chance(1, 2));
                let v = match replay {
                    Some((args, sig)) => (args, sig, self.chan.live[i].signer.pubkey()),
                    None => {
                        let cumulative = self.chan.rng.range(1, c.settled);
                        self.sign(i, cumulative, 0)
                    }
                };
                ("settle:stale", v, ChannelsError::VoucherNotIncreasing)
            }
            BadVoucher::AboveDeposit => {
                let cumulative = c.deposit + self.chan.rng.range(1, 1_000);
                (
                    "settle:above_deposit",
                    self.sign(i, cumulative, 0),
                    ChannelsError::VoucherAboveDeposit,
                )
            }
            BadVoucher::WrongSigner => {
                // Signed by the payee, or by the payer when a session key is the signer.
                let info = &self.chan.live[i];
                let wrong =
                    if self.chan.rng.chance(1, 2) || info.signer.pubkey() == self.chan.payers[info.payer].pubkey() {
                        self.actor(payee)
                    } else {
                        self.chan.payers[info.payer].insecure_clone()
                    };
                let args = SettleArgs {
                    cumulative: c.settled + 1,
                    expiry: 0,
                };
                let sig = ix::channels::sign_voucher(&wrong, &info.key, args.cumulative, 0);
                (
                    "settle:wrong_signer",
                    (args, sig, wrong.pubkey()),
                    ChannelsError::VoucherSignerMismatch,
                )
            }
        };
        let payee_dest = self.alt_wallets[payee][mint];
        let res = self.settle_vouchers(op, i, &c, &[voucher], payee_dest).await;
        assert!(
            is_code(&res, error),
            "step {}: {op} (cumulative {}, settled {}, deposit {}): expected {error:?}, got {res:?}",
            self.step,
            voucher.0.cumulative,
            c.settled,
            c.deposit
        );
        None
    }

    async fn request_close_op(&mut self) -> Option<ChOp> {
        let Some((i, c)) = self.pick_channel(|c, _| !c.close_requested()).await else {
            return Some(ChOp::Open);
        };
        let (key, payer) = (self.chan.live[i].key, self.chan.live[i].payer);
        let wrong = self.chan.rng.chance(1, 10);
        let by = if wrong { (payer + 1) % CHANNEL_PAYERS } else { payer };
        let mut as_signed = c.clone();
        as_signed.payer = self.chan.payers[by].pubkey();
        let signer = self.chan.payers[by].insecure_clone();
        let res = self
            .tx(
                "request_close",
                vec![ix::channels::request_close(&key, &as_signed)],
                &[&signer],
                &Deltas::new(),
            )
            .await;
        let must_fail = wrong || c.close_requested();
        let step = self.step;
        match &res {
            Ok(()) => {
                assert!(!must_fail, "step {step}: an invalid request_close succeeded");
                let after: Channel = self.state(&key).await.expect("channel");
                assert_eq!(after.close_requested_at, self.now, "step {step}: close requested at");
            }
            Err(e) if !must_fail => self.violation(
                format!("a payer cannot request the close of its channel ({})", cause(e)),
                format!("step {step}: channel {key}"),
            ),
            Err(_) => {}
        }
        None
    }

    /// Closes live channel `i` in the model: the vault's `all` went to the payer.
    fn closed_channel(&mut self, i: usize, c: &Channel, settled: u64, all: u64) {
        let mint = self.chan.live[i].mint;
        let l = &mut self.chan.ledger[mint];
        l.refunds += u128::from(all);
        l.closed_deposits += u128::from(c.deposit);
        l.closed_settled += u128::from(settled);
        self.paid_out[mint] += u128::from(all);
        self.surplus.remove(&c.vault);
        let key = self.chan.live[i].key;
        let step = self.step;
        assert!(
            self.cache.get(&key).is_some_and(|a| a.is_none()) && self.cache.get(&c.vault).is_some_and(|a| a.is_none()),
            "step {step}: channel {key} closed but its account or vault is left"
        );
        self.chan.live.swap_remove(i);
    }

    /// `finalize_close` by anyone (`caller`), the vault's content to the payer's account
    /// (`wrong`: another payer's); the movements expected; records a success.
    async fn finalize(
        &mut self,
        op: &'static str,
        i: usize,
        c: &Channel,
        caller: &Keypair,
        wrong: bool,
    ) -> Result<(), TransactionError> {
        let (key, payer, mint) = (self.chan.live[i].key, self.chan.live[i].payer, self.chan.live[i].mint);
        let dest = if wrong {
            self.chan.wallets[(payer + 1) % CHANNEL_PAYERS][mint]
        } else {
            self.chan.wallets[payer][mint]
        };
        let fin = ix::channels::finalize_close(&caller.pubkey(), &key, c, &dest, &self.mints[mint].program);
        let all = amount_of(&self.get(&c.vault).await);
        let mut d = Deltas::new();
        add(&mut d, c.vault, -i128::from(all));
        add(&mut d, dest, self.net(mint, all));
        let res = self.tx_in(op, mint, vec![fin], &[caller], &d).await;
        if res.is_ok() {
            self.closed_channel(i, c, c.settled, all);
        }
        res
    }

    async fn finalize_close_op(&mut self) -> Option<ChOp> {
        let Some((i, c)) = self.pick_channel(past_grace).await else {
            return Some(ChOp::RequestClose);
        };
        let a = self.chan.rng.index(ACTORS);
        let caller = self.actor(a);
        let wrong = self.chan.rng.chance(1, 30);
        let key = self.chan.live[i].key;
        let must_fail = wrong || !past_grace(&c, self.now);
        let res = self.finalize("finalize_close", i, &c, &caller, wrong).await;
        let step = self.step;
        match &res {
            Ok(()) => assert!(!must_fail, "step {step}: an invalid finalize_close succeeded"),
            Err(e) if !must_fail => self.violation(
                format!("a channel cannot be finalized after its grace ({})", cause(e)),
                format!("step {step}: channel {key}"),
            ),
            Err(_) => {}
        }
        None
    }

    /// `settle_and_close` signed by `by` (the payee, or not), with an optional final voucher;
    /// the movements expected; records a success.
    async fn settle_and_close(
        &mut self,
        op: &'static str,
        i: usize,
        c: &Channel,
        by: usize,
        voucher: Option<Voucher>,
    ) -> Result<(), TransactionError> {
        let (key, payer, payee, mint) = (
            self.chan.live[i].key,
            self.chan.live[i].payer,
            self.chan.live[i].payee,
            self.chan.live[i].mint,
        );
        let model: Asset = self.state(&c.model).await.expect("model");
        let payee_dest = self.alt_wallets[payee][mint];
        let payer_dest = self.chan.wallets[payer][mint];
        let payees = ChannelPayees {
            payee_token_account: payee_dest,
            treasury_token_account: self.treasury_atas[mint],
            token_program: self.mints[mint].program,
        };
        let mut as_signed = c.clone();
        as_signed.payee = self.actors[by].pubkey();
        let mut ixs = ix::channels::settle_and_close(
            &key,
            &as_signed,
            &model,
            &payees,
            &payer_dest,
            voucher.map(|(args, sig, _)| (args, sig)),
        );
        if let Some((args, sig, signer)) = &voucher {
            ixs[0] = ix::channels::voucher_signature_ix(&key, args, signer, sig);
        }
        let mut d = Deltas::new();
        let all = amount_of(&self.get(&c.vault).await);
        let (split, settled) = match &voucher {
            Some((args, _, _)) => {
                let amount = args.cumulative.saturating_sub(c.settled);
                let s = self.settlement_deltas(mint, c, &model, amount, payee_dest, &mut d);
                (Some(s), args.cumulative)
            }
            None => (None, c.settled),
        };
        let rest = all - split.as_ref().map_or(0, |s| s.amount.min(all));
        add(&mut d, c.vault, -i128::from(rest));
        add(&mut d, payer_dest, self.net(mint, rest));
        let signer = self.actor(by);
        let res = self.tx_in(op, mint, ixs, &[&signer], &d).await;
        if res.is_ok() {
            if let Some(s) = &split {
                self.record_settlement(mint, s);
            }
            self.closed_channel(i, c, settled, rest);
        }
        res
    }

    async fn settle_and_close_op(&mut self) -> Option<ChOp> {
        let Some((i, c)) = self.pick_channel(|c, now| !past_grace(c, now)).await else {
            return Some(ChOp::Open);
        };
        let (key, payee) = (self.chan.live[i].key, self.chan.live[i].payee);
        let wrong = self.chan.rng.chance(1, 12);
        let by = if wrong {
            (payee + 1 + self.chan.rng.index(ACTORS - 1)) % ACTORS
        } else {
            payee
        };
        let voucher = if c.settled < c.deposit && self.chan.rng.chance(2, 3) {
            match self.chan.live[i].signed.filter(|(v, _)| *v > c.settled) {
                Some((v, sig)) if self.chan.rng.chance(1, 2) => Some((
                    SettleArgs {
                        cumulative: v,
                        expiry: 0,
                    },
                    sig,
                    self.chan.live[i].signer.pubkey(),
                )),
                _ => {
                    let v = c.settled + self.chan.rng.range(1, c.deposit - c.settled);
                    Some(self.sign(i, v, 0))
                }
            }
        } else {
            None
        };
        let must_fail = wrong || (voucher.is_some() && past_grace(&c, self.now));
        let res = self.settle_and_close("settle_and_close", i, &c, by, voucher).await;
        let step = self.step;
        match &res {
            Ok(()) => assert!(!must_fail, "step {step}: an invalid settle_and_close succeeded"),
            Err(e) if !must_fail => self.violation(
                format!("a payee cannot settle and close its channel ({})", cause(e)),
                format!("step {step}: channel {key}"),
            ),
            Err(_) => {}
        }
        None
    }

    /// The adversary sends tokens straight to a live channel's vault: they go to the payer at
    /// the close and must block nothing.
    async fn stray_to_channel(&mut self) -> Option<ChOp> {
        if self.chan.live.is_empty() {
            return Some(ChOp::Open);
        }
        let i = self.chan.rng.index(self.chan.live.len());
        let (key, mint) = (self.chan.live[i].key, self.chan.live[i].mint);
        let unit = self.mints[mint].unit;
        let amount = match self.chan.rng.below(4) {
            0 => 1,
            1 | 2 => self.chan.rng.range(1, 50),
            _ => self.chan.rng.range(1, 2 * unit.max(50)),
        };
        let received = self
            .send_amount_to("adversary_tokens:channel", pda::channel_vault(&key), mint, amount)
            .await;
        self.chan.ledger[mint].stray += u128::from(received);
        None
    }

    /// The adversary sends lamports to a payer's next channel addresses (and its channel
    /// counter before its first channel): the opening must go through anyway.
    async fn prefund_channel(&mut self) -> Option<ChOp> {
        let payer = self.chan.rng.index(CHANNEL_PAYERS);
        let pk = self.chan.payers[payer].pubkey();
        let id = self.chan.last_id[payer] + 1 + self.chan.rng.below(2);
        let channel = pda::channel(&pk, id);
        let mut addrs = vec![channel, pda::channel_vault(&channel)];
        if self.chan.last_id[payer] == 0 {
            addrs.push(pda::payer_channels(&pk));
        }
        let mut amounts = vec![];
        for k in addrs {
            if self.get(&k).await.is_some_and(|a| !a.data.is_empty()) {
                continue;
            }
            let lamports = if self.chan.rng.chance(1, 5) {
                10_000_000
            } else {
                self.chan.rng.range(1_000_000, 2_000_000)
            };
            amounts.push((k, lamports));
        }
        self.prefund_amounts("adversary_lamports:channel", amounts).await;
        None
    }

    /// The channel invariants, from the cached state (part of `Sim::check`).
    pub(crate) fn check_channels(&self) {
        let step = self.step;
        let n = self.mints.len();
        let mut held = vec![0u128; n];
        let mut deposits = vec![0u128; n];
        let mut settled = vec![0u128; n];
        for info in &self.chan.live {
            let c: Channel = decode(self.cache.get(&info.key).unwrap_or(&None)).expect("channel cached");
            let vault = amount_of(self.cache.get(&c.vault).unwrap_or(&None));
            let surplus = self.surplus_of(&c.vault);
            assert_eq!(c.deposit, info.deposit, "step {step}: channel {}: deposit", info.key);
            assert!(
                c.settled <= c.deposit,
                "step {step}: channel {}: settled above the deposit",
                info.key
            );
            assert_eq!(
                c.deposit - c.settled + surplus,
                vault,
                "step {step}: channel {}: deposit − settled + surplus {surplus} ≠ vault",
                info.key
            );
            held[info.mint] += u128::from(vault);
            deposits[info.mint] += u128::from(c.deposit);
            settled[info.mint] += u128::from(c.settled);
        }
        for (m, l) in self.chan.ledger.iter().enumerate() {
            assert_eq!(
                l.treasury + l.model_splits + l.parents + l.payees,
                l.settled,
                "step {step}: mint {m}: the parts of the settled amounts"
            );
            assert_eq!(
                l.settled,
                l.closed_settled + settled[m],
                "step {step}: mint {m}: Σ settled of the channels"
            );
            assert_eq!(
                l.deposits,
                l.closed_deposits + deposits[m],
                "step {step}: mint {m}: Σ deposits of the channels"
            );
            assert_eq!(
                l.deposits + l.stray,
                l.treasury + l.model_splits + l.parents + l.payees + l.refunds + held[m],
                "step {step}: mint {m}: channels: deposits + stray ≠ treasury + splits + parents + payees + refunds + vaults ({l:?}, vaults {})",
                held[m]
            );
        }
    }

    /// LIVENESS of the channels: the adversary first sends tokens to half the vaults; then each
    /// live channel ends by its own parties: a third by the payee's `settle_and_close` with its
    /// last voucher, the others by the payer's close request, the payee settling its last
    /// voucher in the grace, and anyone finalizing after it. Every vault is then empty and
    /// closed, and the ledger balances with nothing left in the channels.
    pub(crate) async fn channel_liveness(&mut self) {
        if self.adv.as_ref().is_some_and(|a| a.tokens) {
            for i in 0..self.chan.live.len() {
                if self.chan.rng.chance(1, 2) {
                    let (key, mint) = (self.chan.live[i].key, self.chan.live[i].mint);
                    let amount = self.chan.rng.range(1, 50);
                    let received = self
                        .send_amount_to("adversary_tokens:channel", pda::channel_vault(&key), mint, amount)
                        .await;
                    self.chan.ledger[mint].stray += u128::from(received);
                }
            }
            self.check();
        }
        let keys: Vec<Pubkey> = self.chan.live.iter().map(|c| c.key).collect();
        for (n, key) in keys.into_iter().enumerate() {
            let i = self.chan.live.iter().position(|c| c.key == key).expect("channel");
            let c: Channel = self.state(&key).await.expect("live channel");
            let last = self.chan.live[i]
                .signed
                .filter(|(v, _)| *v > c.settled)
                .map(|(v, sig)| {
                    (
                        SettleArgs {
                            cumulative: v,
                            expiry: 0,
                        },
                        sig,
                        self.chan.live[i].signer.pubkey(),
                    )
                });
            if past_grace(&c, self.now) {
                continue; // finalized below
            }
            let payee = self.chan.live[i].payee;
            if n % 3 == 0 {
                if let Err(e) = self.settle_and_close("live:settle_and_close", i, &c, payee, last).await {
                    self.violation(
                        format!(
                            "LIVENESS: a payee cannot settle its last voucher and close ({})",
                            cause(&e)
                        ),
                        format!("channel {key}"),
                    );
                }
                self.check();
                continue;
            }
            if !c.close_requested() {
                let signer = self.chan.payers[self.chan.live[i].payer].insecure_clone();
                if let Err(e) = self
                    .tx(
                        "live:request_close",
                        vec![ix::channels::request_close(&key, &c)],
                        &[&signer],
                        &Deltas::new(),
                    )
                    .await
                {
                    self.violation(
                        format!("LIVENESS: a payer cannot request the close ({})", cause(&e)),
                        format!("channel {key}"),
                    );
                }
            }
            if let Some(v) = last {
                let c: Channel = self.state(&key).await.expect("live channel");
                let dest = self.alt_wallets[payee][self.chan.live[i].mint];
                if let Err(e) = self.settle_vouchers("live:settle", i, &c, &[v], dest).await {
                    self.violation(
                        format!(
                            "LIVENESS: the payee cannot settle its last voucher in the grace ({})",
                            cause(&e)
                        ),
                        format!("channel {key}"),
                    );
                }
            }
            self.check();
        }
        // After every grace, anyone finalizes.
        let mut horizon = self.now;
        for i in 0..self.chan.live.len() {
            let k = self.chan.live[i].key;
            let c: Channel = self.state(&k).await.expect("live channel");
            horizon = horizon.max(c.close_requested_at + i64::from(c.close_grace));
        }
        self.set_now(horizon).await;
        let keys: Vec<Pubkey> = self.chan.live.iter().map(|c| c.key).collect();
        for key in keys {
            let i = self.chan.live.iter().position(|c| c.key == key).expect("channel");
            let c: Channel = self.state(&key).await.expect("live channel");
            let a = self.chan.rng.index(ACTORS);
            let caller = self.actor(a);
            if let Err(e) = self.finalize("live:finalize_close", i, &c, &caller, false).await {
                self.violation(
                    format!(
                        "LIVENESS: a channel cannot be finalized after its grace ({})",
                        cause(&e)
                    ),
                    format!("channel {key}"),
                );
            }
            self.check();
        }
        for info in &self.chan.live {
            let what = "LIVENESS: a channel is still open after its parties closed it".to_string();
            let detail = format!("channel {}", info.key);
            match self.violations.iter_mut().find(|v| v.0 == what) {
                Some(v) => v.2 += 1,
                None => self.violations.push((what, detail, 1)),
            }
        }
        for (m, l) in self.chan.ledger.iter().enumerate() {
            assert_eq!(
                l.deposits + l.stray,
                l.treasury + l.model_splits + l.parents + l.payees + l.refunds,
                "liveness: mint {m}: with every channel closed, what entered the vaults did not all reach someone: {l:?}"
            );
        }
    }
}
