//! 1. Through the runtime: the operations. Each instruction of the three programs as a random
//! operation (valid and invalid ones), executed through `Sim::tx` with the movements the model
//! expects, and `Sim::one_step`, which draws the next operation.

use anchor_lang::prelude::Pubkey;
use tessera_client::{
    escrow::{
        instructions::{OpenJobArgs, RegisterProviderArgs},
        state::{Job, JobState, Provider},
    },
    ix::{
        self,
        escrow::{OpenJobAccounts, SettleAccounts},
        registry::BuyAccounts,
    },
    pda,
    registry::{
        instructions::{BuyAccessArgs, ParentInput, UpdateConfigArgs},
        state::{AccessPass, Asset, AssetKind, AssetState, Config},
    },
    royalties::{instructions::UpdateSplitArgs, state::Split},
    Instruction, TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{
    token2022::{harvest_ix, withheld_in_account},
    world::{publish_args, recipients},
    TestKeypair as Keypair, TestSigner, TransactionError,
};

use crate::channels::CHANNEL_STEP_CHANCE;
use crate::rng::bps;
use crate::sim::{
    add, amount_of, cause, escrow_settings, AssetInfo, Deltas, JobInfo, Kind, Sim, ACTORS, MAX_ASSETS, MAX_JOBS,
    UNBONDING_DELAY,
};

/// Token-2022's `AccountHasWithheldTransferFees`: closing a token account that holds withheld
/// transfer fees.
fn is_withheld_refusal(res: &Result<(), TransactionError>) -> bool {
    matches!(
        res,
        Err(TransactionError::InstructionError(
            _,
            tessera_program_tests::InstructionError::Custom(35)
        ))
    )
}

impl Sim {
    pub(crate) fn random_price(&mut self, mint: usize) -> u64 {
        let unit = self.mints[mint].unit;
        if unit == 1 || self.rng.chance(1, 10) {
            // Tiny amounts: rounding (and the transfer fee) at the scale of one base unit.
            self.rng.range(1, 30)
        } else {
            self.rng.range(1, 5 * unit)
        }
    }

    fn models_of(&self, mint: usize) -> Vec<Pubkey> {
        self.assets
            .iter()
            .filter(|a| a.model && a.mint == mint)
            .map(|a| a.key)
            .collect()
    }

    // --- registry ---------------------------------------------------------------------------

    /// Publishes; with probability 1/20 (always once the catalogue has `MAX_ASSETS`) in a
    /// mint that is not on the allow-list, which is refused.
    async fn publish(&mut self) {
        let stray = self.rng.chance(1, 20) || self.assets.len() >= MAX_ASSETS;
        self.publish_in(stray).await
    }

    async fn publish_in(&mut self, stray: bool) {
        let p = self.rng.index(ACTORS);
        let mint = self.rng.index(self.mints.len());
        let same_mint: Vec<Pubkey> = self.assets.iter().filter(|a| a.mint == mint).map(|a| a.key).collect();
        let model = self.rng.chance(1, 2);
        let n_recipients = self.rng.range(1, 4) as usize;
        let mut people: Vec<usize> = (0..ACTORS).collect();
        for i in 0..n_recipients {
            let j = i + self.rng.index(ACTORS - i);
            people.swap(i, j);
        }
        let shares = self.rng.shares(n_recipients);
        let split: Vec<(Pubkey, u16)> = people[..n_recipients]
            .iter()
            .zip(&shares)
            .map(|(&i, &s)| (self.actors[i].pubkey(), s))
            .collect();
        let duration = if self.rng.chance(1, 3) {
            0
        } else {
            self.rng.range(60, 20_000)
        };
        let price = self.random_price(mint);
        let hash_seed = self.next_hash;
        self.next_hash += 1;
        let mut args = publish_args(0, price, duration, &split);
        args.content_hash[1..5].copy_from_slice(&hash_seed.to_le_bytes());
        if model {
            args.kind = AssetKind::Model;
            args.inference_royalty_bps = self.rng.below(5_001) as u16;
            args.inference_gated = self.rng.chance(1, 3);
            let n_parents = (self.rng.below(4) as usize).min(same_mint.len());
            let mut pool = same_mint.clone();
            for _ in 0..n_parents {
                let i = self.rng.index(pool.len());
                let bps = self.rng.range(1, 2_000) as u16; // Σ may exceed 5,000: refused
                args.parents.push(ParentInput {
                    asset: pool.swap_remove(i),
                    bps,
                });
            }
        }
        let (mint_key, program) = if stray {
            (self.stray_mint, TOKEN_PROGRAM_ID)
        } else {
            (self.mints[mint].key, self.mints[mint].program)
        };
        let asset = pda::asset(&self.actors[p].pubkey(), &args.content_hash);
        let total_parent_bps: u32 = args.parents.iter().map(|p| u32::from(p.bps)).sum();
        let ix = ix::registry::publish_asset(&self.actors[p].pubkey(), &mint_key, &program, None, args);
        let signer = self.actor(p);
        let res = self.tx("publish", vec![ix], &[&signer], &Deltas::new()).await;
        if stray || total_parent_bps > 5_000 {
            assert!(
                res.is_err(),
                "step {}: publish in a stray mint / parents above the cap succeeded",
                self.step
            );
        }
        if res.is_ok() {
            let split = pda::split(&asset);
            self.kinds.insert(pda::vault(&split), (Kind::SplitVault, mint));
            self.kinds.insert(pda::fee_vault(&asset), (Kind::FeeVault, mint));
            self.assets.push(AssetInfo {
                key: asset,
                mint,
                model,
                buyers: vec![],
            });
        }
    }

    async fn buy(&mut self) {
        let ai = self.rng.index(self.assets.len());
        let key = self.assets[ai].key;
        let asset: Asset = self.state(&key).await.expect("asset");
        let b = self.rng.index(ACTORS);
        let quantity = if self.rng.chance(1, 30) {
            0
        } else {
            self.rng.range(1, 3)
        };
        let roll = self.rng.below(20);
        let max_unit_price = match roll {
            0 | 1 => asset.price - 1, // the guard is too low
            2..=10 => asset.price,
            _ => u64::MAX,
        };
        let wrong_account = roll == 19;
        let _ = self.buy_as("buy", ai, b, quantity, max_unit_price, wrong_account).await;
    }

    /// `sweep_fees` of a random asset.
    async fn sweep_fees(&mut self) {
        let ai = self.rng.index(self.assets.len());
        self.sweep_fees_of("sweep_fees", ai).await;
    }

    /// `sweep_fees` of asset `ai` (anyone may send it: no signer but the harness's fee payer): the whole
    /// fee vault (fees and anything sent there) moves to the treasury's account of the mint,
    /// whatever the asset's state or a pause. A refusal is a liveness violation.
    pub(crate) async fn sweep_fees_of(&mut self, op: &'static str, ai: usize) {
        let (key, mint) = (self.assets[ai].key, self.assets[ai].mint);
        let asset: Asset = self.state(&key).await.expect("asset");
        let vault = pda::fee_vault(&key);
        let held = amount_of(&self.get(&vault).await);
        let treasury = self.treasury_atas[mint];
        let program = self.mints[mint].program;
        let ix = ix::registry::sweep_fees(&key, &asset, &treasury, &program);
        let mut d = Deltas::new();
        if held > 0 {
            add(&mut d, vault, -i128::from(held));
            add(&mut d, treasury, self.net(mint, held));
        }
        if let Err(e) = self.tx_in(op, mint, vec![ix], &[], &d).await {
            self.violation(
                format!("LIVENESS: a fee sweep was refused ({})", cause(&e)),
                format!("asset {key}, fee vault {vault} holds {held}"),
            );
        }
    }

    /// A purchase of asset `ai` by actor `b`, checked against the model.
    pub(crate) async fn buy_as(
        &mut self,
        op: &'static str,
        ai: usize,
        b: usize,
        quantity: u64,
        max_unit_price: u64,
        wrong_account: bool,
    ) -> Result<(), TransactionError> {
        let (key, mint) = (self.assets[ai].key, self.assets[ai].mint);
        let asset: Asset = self.state(&key).await.expect("asset");
        let config: Config = self.state(&pda::config()).await.expect("config");
        let payer_wallet = if wrong_account {
            self.wallets[(b + 1) % ACTORS][mint]
        } else {
            self.wallets[b][mint]
        };
        let m = &self.mints[mint];
        let ix = ix::registry::buy_access(
            &BuyAccounts {
                buyer: self.actors[b].pubkey(),
                buyer_payment_account: payer_wallet,
                payment_token_program: m.program,
            },
            &key,
            &asset,
            BuyAccessArgs {
                quantity,
                max_unit_price,
                min_access_duration: 0,
            },
        );
        // The model of a sale: fee of the total, each parent's share of what remains, the rest
        // to the asset's split; every part rounded down except the rest.
        let total = u128::from(asset.price) * u128::from(quantity);
        let mut d = Deltas::new();
        let mut total_u64 = 0;
        if let Ok(total) = u64::try_from(total) {
            total_u64 = total;
            let fee = bps(total, config.fee_bps);
            let after_fee = total - fee;
            add(&mut d, payer_wallet, -i128::from(total));
            if fee > 0 {
                add(&mut d, pda::fee_vault(&key), self.net(mint, fee));
            }
            let mut rest = after_fee;
            for link in &asset.parents {
                let share = bps(after_fee, link.bps);
                rest -= share;
                if share > 0 {
                    add(&mut d, pda::vault(&link.split), self.net(mint, share));
                }
            }
            if rest > 0 {
                add(&mut d, pda::vault(&asset.split), self.net(mint, rest));
            }
        }
        let access = pda::ata(&self.actors[b].pubkey(), &asset.access_mint, &TOKEN_PROGRAM_ID);
        self.kinds.insert(access, (Kind::Access, mint));
        add(&mut d, access, i128::from(quantity));
        let pass_key = pda::pass(&key, &self.actors[b].pubkey());
        let pass_before: Option<AccessPass> = self.state(&pass_key).await;
        let signer = self.actor(b);
        let res = self.tx_in(op, mint, vec![ix], &[&signer], &d).await;
        if res.is_ok() {
            // The pass: created or renewed from the later of now and its expiry; perpetual
            // for a duration of 0 (and for good once perpetual).
            let pass: AccessPass = self.state(&pass_key).await.expect("pass");
            let perpetual = asset.access_duration == 0 || pass_before.as_ref().is_some_and(|p| p.perpetual);
            assert_eq!(pass.perpetual, perpetual, "step {}: pass perpetual", self.step);
            if !perpetual {
                let base = pass_before.as_ref().map_or(self.now, |p| p.expires_at.max(self.now));
                assert_eq!(
                    pass.expires_at,
                    base + (asset.access_duration * quantity) as i64,
                    "step {}: pass renewal",
                    self.step
                );
            }
            let purchased = pass_before.as_ref().map_or(0, |p| p.purchased);
            assert_eq!(
                pass.purchased,
                purchased + quantity,
                "step {}: pass purchases",
                self.step
            );
            assert!(!pass.revoked, "step {}: a revoked pass was renewed", self.step);
        }
        if max_unit_price < asset.price
            || wrong_account
            || quantity == 0
            || config.paused
            || asset.state != AssetState::Listed
        {
            assert!(res.is_err(), "step {}: an invalid purchase succeeded", self.step);
        }
        if res.is_ok() {
            self.paid_in[mint] += u128::from(total_u64);
            if !self.assets[ai].buyers.contains(&b) {
                self.assets[ai].buyers.push(b);
            }
        }
        res
    }

    fn holder_of(&mut self, ai: usize) -> usize {
        let buyers = &self.assets[ai].buyers;
        if !buyers.is_empty() && self.rng.chance(4, 5) {
            buyers[self.rng.index(buyers.len())]
        } else {
            self.rng.index(ACTORS)
        }
    }

    async fn redeem(&mut self) {
        let ai = self.rng.index(self.assets.len());
        let holder = self.holder_of(ai);
        let lo = if self.rng.chance(1, 30) { 0 } else { 1 };
        let quantity = self.rng.range(lo, 2);
        let key = self.assets[ai].key;
        let access = pda::ata(
            &self.actors[holder].pubkey(),
            &pda::access_mint(&key),
            &TOKEN_PROGRAM_ID,
        );
        self.kinds.insert(access, (Kind::Access, self.assets[ai].mint));
        let mut d = Deltas::new();
        add(&mut d, access, -i128::from(quantity));
        let ix = ix::registry::redeem_access(&self.actors[holder].pubkey(), &key, quantity);
        let signer = self.actor(holder);
        let res = self.tx("redeem", vec![ix], &[&signer], &d).await;
        if quantity == 0 {
            assert!(res.is_err());
        }
    }

    async fn revoke(&mut self) {
        let ai = self.rng.index(self.assets.len());
        let key = self.assets[ai].key;
        let asset: Asset = self.state(&key).await.expect("asset");
        let holder = self.holder_of(ai);
        let by = if self.rng.chance(3, 4) {
            asset.publisher
        } else {
            self.actors[self.rng.index(ACTORS)].pubkey()
        };
        let signer = self.actors.iter().find(|k| k.pubkey() == by).unwrap().insecure_clone();
        let ix = ix::registry::revoke_pass(&by, &key, &self.actors[holder].pubkey(), self.rng.below(100) as u16);
        let res = self.tx("revoke", vec![ix], &[&signer], &Deltas::new()).await;
        if by != asset.publisher {
            assert!(res.is_err(), "step {}: a stranger revoked a pass", self.step);
        }
    }

    async fn delist_relist(&mut self) {
        let mut delisted = vec![];
        for i in 0..self.assets.len() {
            let key = self.assets[i].key;
            if self.state::<Asset>(&key).await.expect("asset").state != AssetState::Listed {
                delisted.push(i);
            }
        }
        let ai = if !delisted.is_empty() && self.rng.chance(3, 4) {
            delisted[self.rng.index(delisted.len())]
        } else {
            self.rng.index(self.assets.len())
        };
        let key = self.assets[ai].key;
        let asset: Asset = self.state(&key).await.expect("asset");
        let signer = self
            .actors
            .iter()
            .find(|k| k.pubkey() == asset.publisher)
            .unwrap()
            .insecure_clone();
        let ix = match (asset.state, self.rng.below(10)) {
            (_, 0) => ix::registry::delist_asset(&asset.publisher, &key), // may be refused
            (AssetState::Listed, _) => ix::registry::delist_asset(&asset.publisher, &key),
            (_, _) => ix::registry::relist_asset(&asset.publisher, &key),
        };
        let _ = self.tx("delist/relist", vec![ix], &[&signer], &Deltas::new()).await;
    }

    async fn update_asset(&mut self) {
        let ai = self.rng.index(self.assets.len());
        let (key, mint) = (self.assets[ai].key, self.assets[ai].mint);
        let asset: Asset = self.state(&key).await.expect("asset");
        let wrong = self.rng.chance(1, 10);
        let other = self.rng.index(ACTORS);
        let signer = if wrong {
            self.actor(other)
        } else {
            self.actors
                .iter()
                .find(|k| k.pubkey() == asset.publisher)
                .unwrap()
                .insecure_clone()
        };
        let wrong = signer.pubkey() != asset.publisher;
        let price = self.random_price(mint);
        let args = tessera_client::registry::instructions::UpdateAssetArgs {
            price: Some(price),
            inference_gated: if asset.kind == AssetKind::Model {
                Some(self.rng.chance(1, 3))
            } else {
                None
            },
            ..Default::default()
        };
        let ix = ix::registry::update_asset(&signer.pubkey(), &key, args);
        let res = self.tx("update_asset", vec![ix], &[&signer], &Deltas::new()).await;
        if wrong {
            assert!(res.is_err(), "step {}: a stranger updated an asset", self.step);
        }
    }

    async fn registry_config(&mut self) {
        let args = UpdateConfigArgs {
            fee_bps: Some(self.rng.below(1_001) as u16),
            paused: Some(!self.paused && self.rng.chance(1, 4)),
            ..Default::default()
        };
        let wrong = self.rng.chance(1, 5);
        let signer = if wrong {
            self.actor(0)
        } else {
            self.admin.insecure_clone()
        };
        let args_paused = args.paused == Some(true);
        let ix = ix::registry::update_config(&signer.pubkey(), args);
        let paused = args_paused;
        let res = self.tx("registry_config", vec![ix], &[&signer], &Deltas::new()).await;
        assert_eq!(res.is_err(), wrong, "step {}: registry update_config", self.step);
        if res.is_ok() {
            self.paused = paused;
        }
    }

    // --- royalties --------------------------------------------------------------------------

    async fn update_split(&mut self) {
        let ai = self.rng.index(self.assets.len());
        let split_key = pda::split(&self.assets[ai].key);
        let split: Split = self.state(&split_key).await.expect("split");
        let by = if self.rng.chance(4, 5) {
            split.authority
        } else {
            self.actors[self.rng.index(ACTORS)].pubkey()
        };
        let signer = self.actors.iter().find(|k| k.pubkey() == by).unwrap().insecure_clone();
        let n = self.rng.range(1, 4) as usize;
        let mut people: Vec<usize> = (0..ACTORS).collect();
        for i in 0..n {
            let j = i + self.rng.index(ACTORS - i);
            people.swap(i, j);
        }
        let mut shares = self.rng.shares(n);
        let bad_shares = self.rng.chance(1, 25);
        if bad_shares {
            shares[0] -= 1.min(shares[0]);
        }
        let list: Vec<(Pubkey, u16)> = people[..n]
            .iter()
            .zip(&shares)
            .map(|(&i, &s)| (self.actors[i].pubkey(), s))
            .collect();
        let new_authority = self
            .rng
            .chance(1, 10)
            .then(|| self.actors[self.rng.index(ACTORS)].insecure_clone());
        let mut ixs = vec![ix::royalties::update_split(
            &by,
            &split_key,
            split.version,
            UpdateSplitArgs {
                recipients: recipients(&list),
            },
        )];
        let mut signers = vec![signer];
        if let Some(next) = new_authority {
            // A two-step hand-over (propose, accept) in the same transaction.
            ixs.push(ix::royalties::propose_split_authority(
                &by,
                &split_key,
                Some(next.pubkey()),
            ));
            ixs.push(ix::royalties::accept_split_authority(&next.pubkey(), &split_key));
            if next.pubkey() != by {
                signers.push(next);
            }
        }
        let signer_refs: Vec<&Keypair> = signers.iter().collect();
        let res = self.tx("update_split", ixs, &signer_refs, &Deltas::new()).await;
        if by != split.authority || bad_shares {
            assert!(res.is_err(), "step {}: an invalid update_split succeeded", self.step);
        }
        if res.is_ok() {
            // The update first credits the vault's surplus to the closing epoch (as `sync`).
            let surplus = self.surplus.remove(&split.vault).unwrap_or(0);
            let after: Split = self.state(&split_key).await.expect("split");
            assert_eq!(
                after.total_received,
                split.total_received + u128::from(surplus),
                "step {}: update_split of {split_key} credited another amount than the surplus {surplus}",
                self.step
            );
        }
    }

    /// `claim` (or `claim_for`) by a recipient of a split, or by a stranger.
    pub(crate) async fn claim(&mut self, for_other: bool) {
        let ai = self.rng.index(self.assets.len());
        let (key, mint) = (self.assets[ai].key, self.assets[ai].mint);
        let split_key = pda::split(&key);
        let split: Split = self.state(&split_key).await.expect("split");
        let who = if !split.entries.is_empty() && self.rng.chance(4, 5) {
            let e = split.entries[self.rng.index(split.entries.len())].address;
            self.actors.iter().position(|k| k.pubkey() == e).unwrap()
        } else {
            self.rng.index(ACTORS)
        };
        let recipient = self.actors[who].pubkey();
        let owed = split.owed(&recipient).unwrap();
        let m = &self.mints[mint];
        let wrong_destination = !for_other && self.rng.chance(1, 20);
        let dest = if wrong_destination {
            self.wallets[(who + 1) % ACTORS][mint]
        } else {
            self.wallets[who][mint]
        };
        let mut d = Deltas::new();
        add(&mut d, split.vault, -i128::from(owed));
        add(&mut d, dest, self.net(mint, owed));
        let (op, res) = if for_other {
            let payer = self.rng.index(ACTORS);
            let ix = ix::royalties::claim_for(&self.actors[payer].pubkey(), &recipient, &split_key, &m.key, &m.program);
            let signer = self.actor(payer);
            (
                "claim_for",
                self.tx_in("claim_for", mint, vec![ix], &[&signer], &d).await,
            )
        } else {
            let ix = ix::royalties::claim(&recipient, &split_key, &m.key, &dest, &m.program);
            let signer = self.actor(who);
            ("claim", self.tx_in("claim", mint, vec![ix], &[&signer], &d).await)
        };
        if owed == 0 || wrong_destination {
            assert!(
                res.is_err(),
                "step {} ({op}): a claim of nothing / into another's account succeeded",
                self.step
            );
        }
        if res.is_ok() {
            self.paid_out[mint] += u128::from(owed);
        }
    }

    // --- escrow: providers ------------------------------------------------------------------

    pub(crate) async fn escrow_config(&mut self) {
        let fee = self.rng.below(1_001) as u16;
        // The escrow caps the slash share at 5,000 bps (MAX_SLASH_BPS).
        let slash = self.rng.below(5_001) as u16;
        let ix = ix::escrow::update_config(
            &self.admin.pubkey(),
            escrow_settings(&self.admin, &self.treasury, &self.arbiter, fee, slash, &self.mints),
        );
        let admin = self.admin.insecure_clone();
        self.tx("escrow_config", vec![ix], &[&admin], &Deltas::new())
            .await
            .expect("escrow update_config");
    }

    fn provider_models(&mut self, mint: usize) -> Vec<Pubkey> {
        let mut models = self.models_of(mint);
        while models.len() > 16 {
            let i = self.rng.index(models.len());
            models.swap_remove(i);
        }
        models
    }

    pub(crate) async fn register_provider(&mut self) {
        let a = self.rng.index(ACTORS);
        let mint = self.provider[a].unwrap_or_else(|| self.rng.index(self.mints.len()));
        self.register_provider_as(a, mint).await
    }

    async fn register_provider_as(&mut self, a: usize, mint: usize) {
        let models = self.provider_models(mint);
        let m = &self.mints[mint];
        let ix = ix::escrow::register_provider(
            &self.actors[a].pubkey(),
            &m.key,
            &m.program,
            RegisterProviderArgs {
                endpoint: "https://infer.example/v1".into(),
                models,
            },
        );
        let signer = self.actor(a);
        let res = self.tx("register_provider", vec![ix], &[&signer], &Deltas::new()).await;
        if self.provider[a].is_some() {
            assert!(res.is_err(), "step {}: a provider registered twice", self.step);
        } else if res.is_ok() {
            self.provider[a] = Some(mint);
            let p = pda::provider(&self.actors[a].pubkey());
            self.kinds.insert(pda::bond_vault(&p), (Kind::BondVault, mint));
        }
    }

    pub(crate) fn some_provider(&mut self) -> Option<(usize, usize)> {
        let ps: Vec<(usize, usize)> = self
            .provider
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.map(|m| (i, m)))
            .collect();
        (!ps.is_empty()).then(|| ps[self.rng.index(ps.len())])
    }

    pub(crate) async fn update_provider(&mut self) {
        let Some((a, mint)) = self.some_provider() else {
            return self.register_provider().await;
        };
        self.update_provider_as(a, mint).await
    }

    async fn update_provider_as(&mut self, a: usize, mint: usize) {
        let models = self.provider_models(mint);
        let ix = ix::escrow::update_provider(
            &self.actors[a].pubkey(),
            RegisterProviderArgs {
                endpoint: "https://infer.example/v2".into(),
                models,
            },
        );
        let signer = self.actor(a);
        self.tx("update_provider", vec![ix], &[&signer], &Deltas::new())
            .await
            .expect("update_provider");
    }

    pub(crate) async fn bond(&mut self) {
        let Some((a, mint)) = self.some_provider() else {
            return self.register_provider().await;
        };
        let amount = if self.rng.chance(1, 30) {
            0
        } else {
            self.random_price(mint) * self.rng.range(1, 4)
        };
        let wrong_mint = self.rng.chance(1, 25);
        let src_mint = if wrong_mint {
            (mint + 1) % self.mints.len()
        } else {
            mint
        };
        let src = self.wallets[a][src_mint];
        let m = &self.mints[src_mint];
        let ix = ix::escrow::bond(&self.actors[a].pubkey(), &src, &m.key, &m.program, amount);
        let vault = pda::bond_vault(&pda::provider(&self.actors[a].pubkey()));
        let mut d = Deltas::new();
        add(&mut d, src, -i128::from(amount));
        add(&mut d, vault, self.net(mint, amount));
        let signer = self.actor(a);
        let res = self.tx_in("bond", mint, vec![ix], &[&signer], &d).await;
        if wrong_mint || amount == 0 {
            assert!(res.is_err(), "step {}: an invalid bond succeeded", self.step);
        }
        if res.is_ok() {
            self.paid_in[mint] += u128::from(amount);
        }
    }

    pub(crate) async fn request_unbond(&mut self) {
        let Some((a, _)) = self.some_provider() else {
            return self.register_provider().await;
        };
        let p: Provider = self
            .state(&pda::provider(&self.actors[a].pubkey()))
            .await
            .expect("provider");
        let amount = self.rng.range(0, p.bond + p.bond / 5 + 1);
        let ix = ix::escrow::request_unbond(&self.actors[a].pubkey(), amount);
        let signer = self.actor(a);
        let res = self.tx("request_unbond", vec![ix], &[&signer], &Deltas::new()).await;
        if amount == 0 || amount > p.bond {
            assert!(res.is_err(), "step {}: an invalid request_unbond succeeded", self.step);
        }
    }

    pub(crate) async fn withdraw_bond(&mut self) {
        let Some((a, mint)) = self.some_provider() else {
            return self.register_provider().await;
        };
        let pkey = pda::provider(&self.actors[a].pubkey());
        let p: Provider = self.state(&pkey).await.expect("provider");
        let amount = p.unbond_amount.min(p.bond);
        let dest = self.wallets[a][mint];
        let m = &self.mints[mint];
        let ix = ix::escrow::withdraw_bond(&self.actors[a].pubkey(), &dest, &m.key, &m.program);
        let mut d = Deltas::new();
        add(&mut d, p.bond_vault, -i128::from(amount));
        add(&mut d, dest, self.net(mint, amount));
        let signer = self.actor(a);
        let res = self.tx_in("withdraw_bond", mint, vec![ix], &[&signer], &d).await;
        if p.unbond_amount == 0 || p.open_jobs > 0 || self.now < p.unbond_requested_at + i64::from(UNBONDING_DELAY) {
            assert!(res.is_err(), "step {}: an early withdraw_bond succeeded", self.step);
        }
        if res.is_ok() {
            self.paid_out[mint] += u128::from(amount);
        }
    }

    // --- escrow: jobs -----------------------------------------------------------------------

    pub(crate) async fn open_job(&mut self) {
        if self.jobs.len() >= MAX_JOBS {
            return self.refund_job().await;
        }
        let models: Vec<usize> = (0..self.assets.len()).filter(|&i| self.assets[i].model).collect();
        if models.is_empty() {
            return self.publish().await;
        }
        let ai = models[self.rng.index(models.len())];
        let (key, mint) = (self.assets[ai].key, self.assets[ai].mint);
        let asset: Asset = self.state(&key).await.expect("asset");
        let c = if !self.assets[ai].buyers.is_empty() && self.rng.chance(2, 3) {
            self.assets[ai].buyers[self.rng.index(self.assets[ai].buyers.len())]
        } else {
            self.rng.index(ACTORS)
        };
        let fee = if self.rng.chance(1, 40) {
            0
        } else {
            self.random_price(mint)
        };
        let requested = match self.some_provider() {
            Some((p, _)) if self.rng.chance(1, 5) => Some(pda::provider(&self.actors[p].pubkey())),
            _ => None,
        };
        let job_id = self.next_job_id;
        self.next_job_id += 1;
        let args = OpenJobArgs {
            job_id,
            fee,
            input_commitment: [0x11; 32],
            provider: requested,
            accept_window: self.rng.range(1, 1_800) as u32,
            delivery_window: self.rng.range(1, 3_600) as u32,
            challenge_window: self.rng.range(1, 3_600) as u32,
        };
        let wrong_account = self.rng.chance(1, 30);
        let src = if wrong_account {
            self.wallets[(c + 1) % ACTORS][mint]
        } else {
            self.wallets[c][mint]
        };
        let m = &self.mints[mint];
        let gated = asset.inference_gated && !self.rng.chance(1, 10);
        let ix = ix::escrow::open_job(
            &OpenJobAccounts {
                consumer: self.actors[c].pubkey(),
                model: key,
                mint: m.key,
                consumer_token_account: src,
                token_program: m.program,
                gated,
            },
            args,
        );
        let job = pda::job(&self.actors[c].pubkey(), job_id);
        let vault = pda::job_vault(&job);
        self.kinds.insert(vault, (Kind::JobVault, mint));
        let mut d = Deltas::new();
        add(&mut d, src, -i128::from(fee));
        add(&mut d, vault, self.net(mint, fee));
        let signer = self.actor(c);
        let res = self.tx_in("open_job", mint, vec![ix], &[&signer], &d).await;
        if wrong_account || fee == 0 || (asset.inference_gated && !gated) || asset.state != AssetState::Listed {
            assert!(res.is_err(), "step {}: an invalid open_job succeeded", self.step);
        }
        if res.is_ok() {
            self.paid_in[mint] += u128::from(fee);
            self.jobs.push(JobInfo {
                key: job,
                consumer: c,
                mint,
            });
        } else {
            self.kinds.remove(&vault);
            self.cache.remove(&vault);
        }
    }

    /// A random live job, mostly one in `state` for which `ready` holds (the action is valid
    /// now), sometimes any in `state`, sometimes any at all.
    async fn pick_job(&mut self, state: JobState, ready: impl Fn(&Job, i64) -> bool) -> Option<(usize, Job)> {
        if self.jobs.is_empty() {
            return None;
        }
        let mut in_state = vec![];
        let mut candidates = vec![];
        for i in 0..self.jobs.len() {
            let key = self.jobs[i].key;
            let j: Job = self.state(&key).await.expect("live job");
            if j.state == state {
                if ready(&j, self.now) {
                    candidates.push((i, j.clone()));
                }
                in_state.push((i, j));
            }
        }
        if candidates.is_empty() || self.rng.chance(1, 5) {
            candidates = in_state;
        }
        if candidates.is_empty() || self.rng.chance(1, 10) {
            let i = self.rng.index(self.jobs.len());
            let key = self.jobs[i].key;
            let j: Job = self.state(&key).await.expect("live job");
            return Some((i, j));
        }
        let k = self.rng.index(candidates.len());
        Some(candidates.swap_remove(k))
    }

    pub(crate) async fn forget_closed_job(&mut self, i: usize) {
        let key = self.jobs[i].key;
        if self.get(&key).await.is_none() {
            self.jobs.swap_remove(i);
        }
    }

    pub(crate) async fn accept_job(&mut self) {
        let Some((i, j)) = self.pick_job(JobState::Open, |j, now| now < j.accept_deadline).await else {
            return self.open_job().await;
        };
        // A provider serving the model in the job's mint if there is one, else anyone.
        let mut serving = vec![];
        for a in 0..ACTORS {
            if self.provider[a] == Some(self.jobs[i].mint) {
                let p: Provider = self
                    .state(&pda::provider(&self.actors[a].pubkey()))
                    .await
                    .expect("provider");
                if p.models.contains(&j.model) {
                    serving.push(a);
                }
            }
        }
        if serving.is_empty() && self.rng.chance(4, 5) {
            // Nobody serves the model yet: a provider of its mint lists it, or one registers.
            let mint = self.jobs[i].mint;
            let same_mint: Vec<usize> = (0..ACTORS).filter(|&a| self.provider[a] == Some(mint)).collect();
            return if same_mint.is_empty() {
                let free: Vec<usize> = (0..ACTORS).filter(|&a| self.provider[a].is_none()).collect();
                if free.is_empty() {
                    self.update_provider().await
                } else {
                    let a = free[self.rng.index(free.len())];
                    self.register_provider_as(a, mint).await
                }
            } else {
                let a = same_mint[self.rng.index(same_mint.len())];
                self.update_provider_as(a, mint).await
            };
        }
        let a = if !serving.is_empty() && self.rng.chance(9, 10) {
            serving[self.rng.index(serving.len())]
        } else {
            self.rng.index(ACTORS)
        };
        // The provider accepts the terms it reads, any slash (fixed on the job at acceptance).
        let config: tessera_client::escrow::state::EscrowConfig =
            self.h.fetch(&pda::escrow_config()).await.expect("escrow config");
        let ix = ix::escrow::accept_job(&self.actors[a].pubkey(), &self.jobs[i].key, &j, &config, u64::MAX);
        let signer = self.actor(a);
        let res = self.tx("accept_job", vec![ix], &[&signer], &Deltas::new()).await;
        if j.state != JobState::Open || self.now >= j.accept_deadline || !serving.contains(&a) {
            assert!(res.is_err(), "step {}: an invalid accept succeeded", self.step);
        }
    }

    pub(crate) async fn submit_result(&mut self) {
        let Some((i, j)) = self
            .pick_job(JobState::Accepted, |j, now| now < j.delivery_deadline)
            .await
        else {
            return self.open_job().await;
        };
        let a = match self
            .actors
            .iter()
            .position(|k| pda::provider(&k.pubkey()) == j.provider)
        {
            Some(a) if self.rng.chance(9, 10) => a,
            _ => self.rng.index(ACTORS),
        };
        let zero = self.rng.chance(1, 20);
        let ix = ix::escrow::submit_result(
            &self.actors[a].pubkey(),
            &self.jobs[i].key,
            if zero { [0; 32] } else { [0x22; 32] },
        );
        let signer = self.actor(a);
        let res = self.tx("submit_result", vec![ix], &[&signer], &Deltas::new()).await;
        if zero
            || j.state != JobState::Accepted
            || pda::provider(&self.actors[a].pubkey()) != j.provider
            || self.now >= j.delivery_deadline
        {
            assert!(res.is_err(), "step {}: an invalid submit_result succeeded", self.step);
        }
    }

    pub(crate) async fn dispute_job(&mut self) {
        let Some((i, j)) = self
            .pick_job(JobState::Delivered, |j, now| now < j.challenge_deadline)
            .await
        else {
            return self.open_job().await;
        };
        let c = if self.rng.chance(9, 10) {
            self.jobs[i].consumer
        } else {
            self.rng.index(ACTORS)
        };
        let mut ix = ix::escrow::dispute_job(&j.consumer, &self.jobs[i].key);
        ix.accounts[0].pubkey = self.actors[c].pubkey();
        let signer = self.actor(c);
        let res = self.tx("dispute_job", vec![ix], &[&signer], &Deltas::new()).await;
        if c != self.jobs[i].consumer || j.state != JobState::Delivered || self.now >= j.challenge_deadline {
            assert!(res.is_err(), "step {}: an invalid dispute succeeded", self.step);
        }
    }

    /// For the fee mint: prepends (or not) the permissionless harvest of the job vault's
    /// withheld transfer fees; without it a Token-2022 vault holding withheld fees cannot be
    /// closed (`AccountHasWithheldTransferFees`), so today the settlement is refused; returns
    /// whether that applies.
    async fn with_harvest(&mut self, i: usize, j: &Job, ix: Instruction) -> (Vec<Instruction>, bool) {
        let mint = self.jobs[i].mint;
        if self.mints[mint].fee.is_none() {
            return (vec![ix], false);
        }
        if self.rng.chance(3, 4) {
            (vec![harvest_ix(&self.mints[mint].key, &[&j.vault]), ix], false)
        } else {
            let withheld = self.get(&j.vault).await.map_or(0, |a| withheld_in_account(&a.data));
            (vec![ix], withheld > 0)
        }
    }

    async fn settle(&mut self, op: &'static str) {
        if op == "resolve_dispute" && self.rng.chance(4, 5) {
            let mut disputed = false;
            for i in 0..self.jobs.len() {
                let key = self.jobs[i].key;
                disputed |= self.state::<Job>(&key).await.expect("live job").state == JobState::Disputed;
            }
            if !disputed {
                return self.dispute_job().await;
            }
        }
        let picked = match op {
            "resolve_dispute" => self.pick_job(JobState::Disputed, |_, _| true).await,
            "release_job" => {
                self.pick_job(JobState::Delivered, |j, now| now >= j.challenge_deadline)
                    .await
            }
            _ => {
                self.pick_job(JobState::Delivered, |j, now| now < j.challenge_deadline)
                    .await
            }
        };
        let Some((i, j)) = picked else {
            return self.open_job().await;
        };
        let (mint, c) = (self.jobs[i].mint, self.jobs[i].consumer);
        let program = self.mints[mint].program;
        let key = self.jobs[i].key;
        let provider_authority = match j.provider != Pubkey::default() {
            true => self.state::<Provider>(&j.provider).await.expect("provider").authority,
            false => {
                // Not accepted yet: any settlement is refused.
                let caller = self.rng.index(ACTORS);
                let s = SettleAccounts {
                    provider_token_account: self.wallets[caller][mint],
                    treasury_token_account: self.treasury_atas[mint],
                    token_program: program,
                    parent_splits: self.parent_splits(&j).await,
                };
                let ix = ix::escrow::release_job(&self.actors[caller].pubkey(), &key, &j, &s);
                let signer = self.actor(caller);
                let res = self.tx(op, vec![ix], &[&signer], &Deltas::new()).await;
                assert!(res.is_err(), "step {}: settling an unaccepted job succeeded", self.step);
                return;
            }
        };
        let pa = self
            .actors
            .iter()
            .position(|k| k.pubkey() == provider_authority)
            .unwrap();
        let caller = self.rng.index(ACTORS);
        // When the consumer is the provider's own authority, its associated account is also the
        // provider's payee: passed twice as mutable, Anchor refuses it (2040); a second token
        // account works: the consumer's in a resolution, the provider's in a confirmation or a
        // release (which pay the consumer's associated account: its part and any surplus).
        let self_dealing = pa == c;
        let second = self_dealing && self.rng.chance(3, 4);
        let resolving = op == "resolve_dispute";
        let consumer_dest = if second && resolving {
            self.alt_wallets[c][mint]
        } else {
            self.wallets[c][mint]
        };
        let provider_dest = if second && !resolving {
            self.alt_wallets[pa][mint]
        } else {
            self.wallets[pa][mint]
        };
        let s = SettleAccounts {
            provider_token_account: provider_dest,
            treasury_token_account: self.treasury_atas[mint],
            token_program: program,
            parent_splits: self.parent_splits(&j).await,
        };
        let duplicate = consumer_dest == provider_dest;
        let (ix, signer, share, slash, must_fail) = match op {
            "confirm_job" => {
                let who = if self.rng.chance(9, 10) { c } else { caller };
                let mut ix = ix::escrow::confirm_job(&key, &j, &s);
                ix.accounts[0].pubkey = self.actors[who].pubkey();
                let bad = who != c || j.state != JobState::Delivered;
                (ix, self.actor(who), 10_000, 0, bad)
            }
            "release_job" => {
                let ix = ix::escrow::release_job(&self.actors[caller].pubkey(), &key, &j, &s);
                let bad = j.state != JobState::Delivered || self.now < j.challenge_deadline;
                (ix, self.actor(caller), 10_000, 0, bad)
            }
            _ => {
                let share = match self.rng.below(4) {
                    0 => 0,
                    1 => 10_000,
                    2 => 5_000,
                    _ => self.rng.below(10_001) as u16,
                };
                let by_arbiter = self.rng.chance(9, 10);
                let signer = if by_arbiter {
                    self.arbiter.insecure_clone()
                } else {
                    self.actor(c)
                };
                let ix = ix::escrow::resolve_dispute(&signer.pubkey(), &key, &j, &s, &consumer_dest, share);
                let slash = if u32::from(share) * 2 < 10_000 {
                    self.slash_of(&j).await
                } else {
                    0
                };
                (ix, signer, share, slash, !by_arbiter || j.state != JobState::Disputed)
            }
        };
        let (d, out) = self
            .settlement_model(i, &j, share, slash, consumer_dest, provider_dest)
            .await;
        let (ixs, withheld_blocks) = self.with_harvest(i, &j, ix).await;
        let res = self.tx_in(op, mint, ixs, &[&signer], &d).await;
        if duplicate {
            assert!(
                matches!(
                    res,
                    Err(TransactionError::InstructionError(
                        _,
                        tessera_program_tests::InstructionError::Custom(2040)
                    ))
                ),
                "step {}: {op} with the consumer's account = the provider's: {res:?}",
                self.step
            );
            self.duplicate_account_refusals += 1;
        }
        if must_fail {
            assert!(res.is_err(), "step {}: an invalid {op} succeeded", self.step);
        } else if withheld_blocks && is_withheld_refusal(&res) {
            // Not asserted either way, so that a fix (harvesting inside the program) passes.
            self.withheld_close_refusals += 1;
        }
        if res.is_ok() {
            self.paid_out[mint] += u128::from(out);
            self.surplus.remove(&j.vault);
            self.forget_closed_job(i).await;
        }
    }

    pub(crate) async fn refund_job(&mut self) {
        if self.jobs.is_empty() {
            return self.publish().await;
        }
        // Mostly jobs that are refundable now, sometimes any.
        let mut due = vec![];
        for i in 0..self.jobs.len() {
            let key = self.jobs[i].key;
            let j: Job = self.state(&key).await.expect("live job");
            let ok = match j.state {
                JobState::Open => self.now >= j.accept_deadline,
                JobState::Accepted => self.now >= j.delivery_deadline,
                _ => false,
            };
            if ok {
                due.push(i);
            }
        }
        let i = if !due.is_empty() && self.rng.chance(4, 5) {
            due[self.rng.index(due.len())]
        } else {
            self.rng.index(self.jobs.len())
        };
        let key = self.jobs[i].key;
        let j: Job = self.state(&key).await.expect("live job");
        let (mint, c) = (self.jobs[i].mint, self.jobs[i].consumer);
        let caller = self.rng.index(ACTORS);
        let wrong_account = self.rng.chance(1, 30);
        let dest = if wrong_account {
            self.wallets[(c + 1) % ACTORS][mint]
        } else {
            self.wallets[c][mint]
        };
        let ix = ix::escrow::refund_job(
            &self.actors[caller].pubkey(),
            &self.jobs[i].key,
            &j,
            &dest,
            &self.mints[mint].program,
        );
        let (d, out) = self.refund_model(mint, &j, dest).await;
        let (ixs, withheld_blocks) = self.with_harvest(i, &j, ix).await;
        let signer = self.actor(caller);
        let res = self.tx_in("refund_job", mint, ixs, &[&signer], &d).await;
        let too_early = match j.state {
            JobState::Open => self.now < j.accept_deadline,
            JobState::Accepted => self.now < j.delivery_deadline,
            _ => true,
        };
        if wrong_account || too_early {
            assert!(res.is_err(), "step {}: an invalid refund succeeded", self.step);
        } else if withheld_blocks && is_withheld_refusal(&res) {
            self.withheld_close_refusals += 1;
        }
        if res.is_ok() {
            self.paid_out[mint] += u128::from(out);
            self.surplus.remove(&j.vault);
            self.forget_closed_job(i).await;
        }
    }

    // --- the loop and the checks ------------------------------------------------------------

    /// One step: an operation of the three programs (drawn from `rng`), then, with its own
    /// generator and weight, maybe a channel operation (`Sim::channel_step`), so that the
    /// programs' draws are the same with or without channels.
    pub(crate) async fn one_step(&mut self) {
        self.programs_step().await;
        if self.chan.enabled && self.chan.rng.chance(CHANNEL_STEP_CHANCE.0, CHANNEL_STEP_CHANCE.1) {
            self.channel_step().await;
        }
    }

    async fn programs_step(&mut self) {
        self.advance_time().await;
        if self.adv.is_some() && self.rng.chance(1, 6) {
            self.adversary_step().await;
        }
        if !self.assets.is_empty() && self.rng.chance(1, 40) {
            // The permissionless syncs, by anyone, surplus or not.
            let split = self.rng.chance(1, 2).then(|| self.rng.index(self.assets.len()));
            self.sync_op(split).await;
        }
        if self.assets.len() < 3 {
            return self.publish().await;
        }
        if self.paused && self.rng.chance(1, 10) {
            return self.registry_config().await;
        }
        let roll = self.rng.below(1_000);
        match roll {
            0..=39 => {
                if self.assets.len() < MAX_ASSETS {
                    self.publish().await
                } else if self.rng.chance(1, 4) {
                    self.publish_in(true).await // refused: the catalogue is full enough
                } else {
                    self.buy().await
                }
            }
            40..=219 => self.buy().await,
            220..=229 => self.sweep_fees().await,
            230..=259 => self.redeem().await,
            260..=279 => self.revoke().await,
            280..=294 => self.delist_relist().await,
            295..=309 => self.update_asset().await,
            310..=359 => self.update_split().await,
            360..=459 => self.claim(false).await,
            460..=509 => self.claim(true).await,
            510..=514 => self.registry_config().await,
            515..=519 => self.escrow_config().await,
            520..=539 => self.register_provider().await,
            540..=559 => self.update_provider().await,
            560..=599 => self.bond().await,
            600..=619 => self.request_unbond().await,
            620..=639 => self.withdraw_bond().await,
            640..=739 => self.open_job().await,
            740..=799 => self.accept_job().await,
            800..=849 => self.submit_result().await,
            850..=884 => self.settle("confirm_job").await,
            885..=914 => self.settle("release_job").await,
            915..=934 => self.dispute_job().await,
            935..=959 => self.settle("resolve_dispute").await,
            _ => self.refund_job().await,
        }
    }
}
