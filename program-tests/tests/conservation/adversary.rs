//! 1. Through the runtime: the adversary (issue 14). It sends tokens straight to existing vaults
//! and lamports to addresses the programs will create later; the permissionless syncs credit
//! what it sent.

use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022;
use solana_account::Account;
use tessera_client::{escrow::state::Provider, ix, pda, royalties::state::Split, TOKEN_PROGRAM_ID};
use tessera_program_tests::{Harness, InstructionError, TestSigner, TransactionError};

use crate::sim::{add, cause, Adversary, Deltas, Kind, MintInfo, Sim, ACTORS};

/// The content hash `publish_in` gives its `seed`-th publication.
fn content_hash(seed: u32) -> [u8; 32] {
    let mut h = tessera_program_tests::world::hash(0);
    h[1..5].copy_from_slice(&seed.to_le_bytes());
    h
}

/// The adversary of `TESSERA_ADVERSARY` (default: on): a funded keypair with a token account
/// in every payment mint holding a million units.
pub(crate) async fn adversary(h: &mut Harness, mints: &[MintInfo]) -> Option<Adversary> {
    let (tokens, lamports) = match std::env::var("TESSERA_ADVERSARY").as_deref() {
        Ok("0") | Ok("off") => return None,
        Ok("tokens") => (true, false),
        Ok("lamports") => (false, true),
        _ => (true, true),
    };
    h.refresh_blockhash().await;
    let kp = h.funded_keypair(100_000_000_000).await;
    let mut wallets = vec![];
    for m in mints {
        h.refresh_blockhash().await;
        let ata = h.ata(&kp.pubkey(), &m.key, &m.program).await;
        h.refresh_blockhash().await;
        h.mint_to(&m.key, &ata, &m.program, 1_000_000 * m.unit).await;
        wallets.push(ata);
    }
    Some(Adversary {
        kp,
        wallets,
        tokens,
        lamports,
    })
}

impl Sim {
    /// A refusal the adversary caused: a creation refused at an address it pre-funded with
    /// lamports (this runtime refuses Anchor's `init` there with `InvalidInstructionData`), or
    /// the close of a vault refused for the tokens it sent there (token error 11,
    /// `NonNativeHasBalance`).
    pub(crate) fn blame_adversary(
        &mut self,
        op: &str,
        e: &TransactionError,
        writable: &[Pubkey],
        before: &[Option<Account>],
    ) {
        let TransactionError::InstructionError(_, ie) = e else {
            return;
        };
        for (k, b) in writable.iter().zip(before) {
            let lamports_only = b
                .as_ref()
                .is_some_and(|a| a.data.is_empty() && a.owner == solana_system_interface::program::ID);
            // InvalidInstructionData: Anchor's `init` (CreateAccountAllowPrefund); 0: the system
            // program's AccountAlreadyInUse; 3011: Anchor's AccountNotSystemOwned.
            if lamports_only
                && self.prefunded.contains(k)
                && matches!(
                    ie,
                    InstructionError::InvalidInstructionData | InstructionError::Custom(0 | 3011)
                )
            {
                let what = format!("{op} refused at an address the adversary pre-funded with lamports ({ie:?})");
                let detail = format!("step {}: {k}", self.step);
                return self.violation(what, detail);
            }
            let surplus = self.surplus_of(k);
            if surplus > 0 && *ie == InstructionError::Custom(11) {
                let what =
                    format!("{op} refused for tokens sent straight to a vault (token error 11, NonNativeHasBalance)");
                let detail = format!(
                    "step {}: vault {k} ({:?}) holds {surplus} surplus",
                    self.step,
                    self.kinds.get(k).map(|k| k.0)
                );
                return self.violation(what, detail);
            }
        }
    }

    pub(crate) async fn adversary_step(&mut self) {
        let (tokens, lamports) = self.adv.as_ref().map_or((false, false), |a| (a.tokens, a.lamports));
        if tokens && (!lamports || self.rng.chance(1, 2)) {
            self.send_stray_tokens().await
        } else if lamports {
            self.prefund_future().await
        }
    }

    /// Tokens (1 base unit up to two units) sent straight to a job, bond or split vault or the
    /// treasury.
    async fn send_stray_tokens(&mut self) {
        let targets: Vec<(Pubkey, usize)> = match self.rng.below(5) {
            0 => self.jobs.iter().map(|j| (pda::job_vault(&j.key), j.mint)).collect(),
            1 => (0..ACTORS)
                .filter_map(|a| {
                    self.provider[a].map(|m| (pda::bond_vault(&pda::provider(&self.actors[a].pubkey())), m))
                })
                .collect(),
            2 => self
                .assets
                .iter()
                .map(|a| (pda::vault(&pda::split(&a.key)), a.mint))
                .collect(),
            3 => self.assets.iter().map(|a| (pda::fee_vault(&a.key), a.mint)).collect(),
            _ => self.treasury_atas.iter().enumerate().map(|(i, k)| (*k, i)).collect(),
        };
        if targets.is_empty() {
            return;
        }
        let (to, mint) = targets[self.rng.index(targets.len())];
        self.send_tokens_to(to, mint).await
    }

    /// The adversary sends 1 base unit up to two units of `mint` straight to `to`.
    pub(crate) async fn send_tokens_to(&mut self, to: Pubkey, mint: usize) {
        let unit = self.mints[mint].unit;
        let amount = match self.rng.below(4) {
            0 => 1,
            1 | 2 => self.rng.range(1, 50),
            _ => self.rng.range(1, 2 * unit.max(50)),
        };
        self.send_amount_to("adversary_tokens", to, mint, amount).await;
    }

    /// The adversary sends `amount` base units of `mint` straight to `to` (counted as `op`);
    /// returns what `to` received (net of a transfer fee), kept as the vault's surplus (not the
    /// treasury's).
    pub(crate) async fn send_amount_to(&mut self, op: &'static str, to: Pubkey, mint: usize, amount: u64) -> u64 {
        let (key, program, unit) = (self.mints[mint].key, self.mints[mint].program, self.mints[mint].unit);
        let adv = self.adv.as_ref().expect("adversary");
        let (kp, from) = (adv.kp.insecure_clone(), adv.wallets[mint]);
        let ix = spl_token_2022::instruction::transfer_checked(
            &program,
            &from,
            &key,
            &to,
            &kp.pubkey(),
            &[],
            amount,
            unit.ilog10() as u8,
        )
        .expect("transfer_checked");
        let net = self.net(mint, amount);
        let mut d = Deltas::new();
        add(&mut d, from, -i128::from(amount));
        add(&mut d, to, net);
        let step = self.step;
        self.tx_in(op, mint, vec![ix], &[&kp], &d)
            .await
            .unwrap_or_else(|e| panic!("step {step}: the adversary's transfer to {to}: {e:?}"));
        self.paid_in[mint] += u128::from(amount);
        let net = u64::try_from(net).expect("net");
        // The treasury's, and an asset's fee vault's (swept to the treasury whole), are nobody's
        // surplus.
        if !self.treasury_atas.contains(&to) && self.kinds.get(&to).is_none_or(|k| k.0 != Kind::FeeVault) {
            *self.surplus.entry(to).or_default() += net;
        }
        net
    }

    /// Lamports sent to addresses the programs will create: a pass (and access-token account)
    /// of a pair not bought yet, an actor's next jobs, an unregistered provider and its bond
    /// vault, the asset, access mint, split and vault of the next publications.
    async fn prefund_future(&mut self) {
        let mut addrs = vec![];
        match self.rng.below(5) {
            0 => {
                if self.assets.is_empty() {
                    return;
                }
                let ai = self.rng.index(self.assets.len());
                let b = self.rng.index(ACTORS);
                if !self.assets[ai].buyers.contains(&b) {
                    let (asset, holder) = (self.assets[ai].key, self.actors[b].pubkey());
                    addrs.push(pda::pass(&asset, &holder));
                    addrs.push(pda::ata(&holder, &pda::access_mint(&asset), &TOKEN_PROGRAM_ID));
                }
            }
            1 => {
                let c = self.actors[self.rng.index(ACTORS)].pubkey();
                let job = pda::job(&c, self.next_job_id + self.rng.below(3));
                addrs.push(job);
                addrs.push(pda::job_vault(&job));
            }
            2 => {
                let free: Vec<usize> = (0..ACTORS).filter(|&a| self.provider[a].is_none()).collect();
                if free.is_empty() {
                    return;
                }
                let provider = pda::provider(&self.actors[free[self.rng.index(free.len())]].pubkey());
                addrs.push(provider);
                addrs.push(pda::bond_vault(&provider));
            }
            3 => {
                // The record of balances an update of the split parks (at its current version).
                if self.assets.is_empty() {
                    return;
                }
                let split_key = pda::split(&self.assets[self.rng.index(self.assets.len())].key);
                let split: Split = self.state(&split_key).await.expect("split");
                addrs.push(pda::parked(&split_key, split.version));
            }
            _ => {
                let p = self.actors[self.rng.index(ACTORS)].pubkey();
                let asset = pda::asset(&p, &content_hash(self.next_hash + self.rng.below(3) as u32));
                let split = pda::split(&asset);
                addrs.extend([asset, pda::access_mint(&asset), split, pda::vault(&split)]);
            }
        }
        self.prefund(addrs).await
    }

    /// Sends lamports (about the rent of an empty account, sometimes more than any account's
    /// rent) to each address of `addrs` that the programs have not created yet.
    pub(crate) async fn prefund(&mut self, addrs: Vec<Pubkey>) {
        let mut amounts = vec![];
        for k in addrs {
            if self.get(&k).await.is_some_and(|a| !a.data.is_empty()) {
                continue;
            }
            let lamports = if self.rng.chance(1, 5) {
                10_000_000
            } else {
                self.rng.range(1_000_000, 2_000_000)
            };
            amounts.push((k, lamports));
        }
        self.prefund_amounts("adversary_lamports", amounts).await
    }

    /// Sends each address of `amounts` its lamports, in one transaction by the adversary
    /// (counted as `op`).
    pub(crate) async fn prefund_amounts(&mut self, op: &'static str, amounts: Vec<(Pubkey, u64)>) {
        let kp = self.adv.as_ref().expect("adversary").kp.insecure_clone();
        let mut ixs = vec![];
        let mut sent = vec![];
        for (k, lamports) in amounts {
            ixs.push(solana_system_interface::instruction::transfer(
                &kp.pubkey(),
                &k,
                lamports,
            ));
            sent.push(k);
        }
        if ixs.is_empty() {
            return;
        }
        let step = self.step;
        self.tx(op, ixs, &[&kp], &Deltas::new())
            .await
            .unwrap_or_else(|e| panic!("step {step}: the adversary's lamports: {e:?}"));
        self.prefunded.extend(sent);
    }

    /// The permissionless `sync` of a split (`Some(ai)`) or `sync_bond` of a provider
    /// (`None`: a random one), sent by nobody in particular (the fee payer): credits exactly the
    /// vault's surplus, and must succeed whenever there is one.
    pub(crate) async fn sync_op(&mut self, asset: Option<usize>) {
        if let Some(ai) = asset {
            let split_key = pda::split(&self.assets[ai].key);
            let before: Split = self.state(&split_key).await.expect("split");
            let surplus = self.surplus_of(&before.vault);
            let res = self
                .tx("sync", vec![ix::royalties::sync(&split_key)], &[], &Deltas::new())
                .await;
            match res {
                Ok(()) => {
                    let after: Split = self.state(&split_key).await.expect("split");
                    assert_eq!(
                        after.total_received,
                        before.total_received + u128::from(surplus),
                        "step {}: sync of {split_key} credited another amount than the surplus {surplus}",
                        self.step
                    );
                    self.surplus.remove(&before.vault);
                }
                Err(e) if surplus > 0 => self.violation(
                    format!("sync refused with a surplus in the split vault ({})", cause(&e)),
                    format!("step {}: split {split_key}, surplus {surplus}", self.step),
                ),
                Err(_) => {}
            }
        } else {
            let Some((a, _)) = self.some_provider() else { return };
            let pkey = pda::provider(&self.actors[a].pubkey());
            let before: Provider = self.state(&pkey).await.expect("provider");
            let surplus = self.surplus_of(&before.bond_vault);
            let res = self
                .tx("sync_bond", vec![ix::escrow::sync_bond(&pkey)], &[], &Deltas::new())
                .await;
            match res {
                Ok(()) => {
                    let after: Provider = self.state(&pkey).await.expect("provider");
                    assert_eq!(
                        after.bond,
                        before.bond + surplus,
                        "step {}: sync_bond of {pkey} credited another amount than the surplus {surplus}",
                        self.step
                    );
                    self.surplus.remove(&before.bond_vault);
                }
                Err(e) if surplus > 0 => self.violation(
                    format!("sync_bond refused with a surplus in the bond vault ({})", cause(&e)),
                    format!("step {}: provider {pkey}, surplus {surplus}", self.step),
                ),
                Err(_) => {}
            }
        }
    }

    /// `sync` of every split and `sync_bond` of every provider whose vault holds a surplus.
    pub(crate) async fn sync_all(&mut self) {
        for ai in 0..self.assets.len() {
            if self.surplus_of(&pda::vault(&pda::split(&self.assets[ai].key))) > 0 {
                self.sync_op(Some(ai)).await;
            }
        }
        for a in 0..ACTORS {
            if self.provider[a].is_none() {
                continue;
            }
            let pkey = pda::provider(&self.actors[a].pubkey());
            if self.surplus_of(&pda::bond_vault(&pkey)) > 0 {
                let before: Provider = self.state(&pkey).await.expect("provider");
                let surplus = self.surplus_of(&before.bond_vault);
                match self
                    .tx("sync_bond", vec![ix::escrow::sync_bond(&pkey)], &[], &Deltas::new())
                    .await
                {
                    Ok(()) => {
                        let after: Provider = self.state(&pkey).await.expect("provider");
                        assert_eq!(after.bond, before.bond + surplus, "liveness: sync_bond of {pkey}");
                        self.surplus.remove(&before.bond_vault);
                    }
                    Err(e) => self.violation(
                        format!("sync_bond refused with a surplus in the bond vault ({})", cause(&e)),
                        format!("liveness: provider {pkey}, surplus {surplus}"),
                    ),
                }
            }
        }
    }
}
