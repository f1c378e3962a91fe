//! 1. Through the runtime: the liveness invariants, at the end of a run.

use anchor_lang::prelude::Pubkey;
use tessera_client::{
    escrow::{
        instructions::{OpenJobArgs, RegisterProviderArgs},
        state::{Job, JobState, Provider},
    },
    ix::{
        self,
        escrow::{OpenJobAccounts, SettleAccounts},
    },
    pda,
    registry::{
        instructions::UpdateConfigArgs,
        state::{AccessPass, Asset, AssetState},
    },
    royalties::state::{Parked, Split},
    TOKEN_PROGRAM_ID,
};
use tessera_program_tests::{token2022::harvest_ix, TestSigner};

use crate::sim::{add, amount_of, cause, Deltas, JobInfo, Kind, Sim, ACTORS, UNBONDING_DELAY};

impl Sim {
    /// LIVENESS, at the end of a run: every live job is driven to a terminal state by its own
    /// parties; every funded wallet buys every listed asset; every recipient claims exactly
    /// what it is owed; every provider (none has an open job left) withdraws its whole bond
    /// after the delay; no surplus is left unaccounted, and every vault holds what the model
    /// says. A failure is a violation (listed at the end).
    pub(crate) async fn liveness(&mut self) {
        // The admin lifts a pause: a pause stops sales, not others' money.
        if self.paused {
            let ix = ix::registry::update_config(
                &self.admin.pubkey(),
                UpdateConfigArgs {
                    paused: Some(false),
                    ..Default::default()
                },
            );
            let admin = self.admin.insecure_clone();
            self.tx("registry_config", vec![ix], &[&admin], &Deltas::new())
                .await
                .expect("unpause");
            self.paused = false;
        }
        // 1. Jobs: past every deadline, each one settled or refunded by its own parties.
        self.stage_jobs().await;
        let keys: Vec<Pubkey> = self.jobs.iter().map(|j| j.key).collect();
        let mut horizon = self.now;
        for k in &keys {
            let j: Job = self.state(k).await.expect("live job");
            horizon = horizon
                .max(j.accept_deadline)
                .max(j.delivery_deadline)
                .max(j.challenge_deadline);
        }
        self.set_now(horizon + 1).await;
        for k in keys {
            let i = self.jobs.iter().position(|j| j.key == k).expect("job");
            let j: Job = self.state(&k).await.expect("live job");
            // Half the disputes wait for their deadline, after which anyone settles them.
            if j.state == JobState::Disputed && (self.now >= j.dispute_deadline || self.rng.chance(1, 2)) {
                continue;
            }
            self.drive_job(i).await;
            self.check();
        }
        let keys: Vec<Pubkey> = self.jobs.iter().map(|j| j.key).collect();
        let mut horizon = self.now;
        for k in &keys {
            let j: Job = self.state(k).await.expect("live job");
            horizon = horizon.max(j.dispute_deadline);
        }
        self.set_now(horizon + 1).await;
        for k in keys {
            if let Some(i) = self.jobs.iter().position(|j| j.key == k) {
                self.drive_job(i).await;
                self.check();
            }
        }
        // 1b. Channels (issue 15): every one closed, every vault emptied, before the claims.
        if self.chan.enabled {
            self.channel_liveness().await;
        }
        // 2. Every funded wallet buys every listed asset; half the time the adversary first
        //    pre-funds the pass and access-token addresses of a pair not bought yet.
        let lamports = self.adv.as_ref().is_some_and(|a| a.lamports);
        for ai in 0..self.assets.len() {
            let key = self.assets[ai].key;
            let asset: Asset = self.state(&key).await.expect("asset");
            if asset.state != AssetState::Listed {
                continue;
            }
            for b in 0..ACTORS {
                let holder = self.actors[b].pubkey();
                let pass: Option<AccessPass> = self.state(&pda::pass(&key, &holder)).await;
                if pass.as_ref().is_some_and(|p| p.revoked) {
                    continue;
                }
                let wallet = self.wallets[b][self.assets[ai].mint];
                if amount_of(&self.get(&wallet).await) < asset.price {
                    continue;
                }
                if lamports && pass.is_none() && self.rng.chance(1, 2) {
                    self.prefund(vec![
                        pda::pass(&key, &holder),
                        pda::ata(&holder, &asset.access_mint, &TOKEN_PROGRAM_ID),
                    ])
                    .await;
                }
                if let Err(e) = self.buy_as("live:buy", ai, b, 1, asset.price, false).await {
                    self.violation(
                        format!("LIVENESS: a funded wallet cannot buy a listed asset ({})", cause(&e)),
                        format!("actor {b}, asset {key}"),
                    );
                }
                self.check();
            }
        }
        // 3. The surplus of split and bond vaults credited; every recipient claims what it is
        //    owed (the claim pays exactly that).
        self.sync_all().await;
        for ai in 0..self.assets.len() {
            let mint = self.assets[ai].mint;
            let split_key = pda::split(&self.assets[ai].key);
            let split: Split = self.state(&split_key).await.expect("split");
            for e in &split.entries {
                let owed = split.owed(&e.address).unwrap();
                if owed == 0 {
                    continue;
                }
                let who = self.actors.iter().position(|k| k.pubkey() == e.address).unwrap();
                let dest = self.wallets[who][mint];
                let m = &self.mints[mint];
                let ix = ix::royalties::claim(&e.address, &split_key, &m.key, &dest, &m.program);
                let mut d = Deltas::new();
                add(&mut d, split.vault, -i128::from(owed));
                add(&mut d, dest, self.net(mint, owed));
                let signer = self.actor(who);
                match self.tx_in("live:claim", mint, vec![ix], &[&signer], &d).await {
                    Ok(()) => self.paid_out[mint] += u128::from(owed),
                    Err(e) => self.violation(
                        format!("LIVENESS: a recipient cannot claim what it is owed ({})", cause(&e)),
                        format!("split {split_key}, owed {owed}"),
                    ),
                }
                self.check();
            }
            // Balances parked by updates (removed recipients): each one claims its own.
            for v in 0..=split.version {
                let pk = pda::parked(&split_key, v);
                let Some(parked) = self.state::<Parked>(&pk).await else {
                    continue;
                };
                for b in parked.balances.iter().filter(|b| b.owed > 0) {
                    let who = self.actors.iter().position(|k| k.pubkey() == b.address).unwrap();
                    let dest = self.wallets[who][mint];
                    let m = &self.mints[mint];
                    let ix = ix::royalties::claim_parked(
                        &b.address,
                        &b.address,
                        &split_key,
                        v,
                        &m.key,
                        &dest,
                        &parked.rent_payer,
                        &m.program,
                    );
                    let mut d = Deltas::new();
                    add(&mut d, split.vault, -i128::from(b.owed));
                    add(&mut d, dest, self.net(mint, b.owed));
                    let signer = self.actor(who);
                    match self.tx_in("live:claim_parked", mint, vec![ix], &[&signer], &d).await {
                        Ok(()) => self.paid_out[mint] += u128::from(b.owed),
                        Err(e) => self.violation(
                            format!(
                                "LIVENESS: a removed recipient cannot claim its parked balance ({})",
                                cause(&e)
                            ),
                            format!("split {split_key} v{v}, owed {}", b.owed),
                        ),
                    }
                    self.check();
                }
            }
            let split: Split = self.state(&split_key).await.expect("split");
            let left: u64 = split.entries.iter().map(|e| split.owed(&e.address).unwrap()).sum();
            if left > 0 {
                self.violation(
                    "LIVENESS: a split still owes after every recipient claimed".into(),
                    format!("split {split_key}, owed {left}"),
                );
            }
        }
        // 3b. Every asset's fee vault swept to the treasury by a stranger, whatever the asset's
        //     state or a pause: no fee vault keeps anything.
        for ai in 0..self.assets.len() {
            self.sweep_fees_of("live:sweep_fees", ai).await;
            self.check();
            let vault = pda::fee_vault(&self.assets[ai].key);
            let left = amount_of(&self.get(&vault).await);
            if left > 0 {
                self.violation(
                    "LIVENESS: a fee vault keeps tokens after a sweep".into(),
                    format!("fee vault {vault} holds {left}"),
                );
            }
        }
        // 4. Every provider with no open job unbonds all and withdraws it after the delay.
        let mut unbonding = vec![];
        for a in 0..ACTORS {
            let Some(mint) = self.provider[a] else { continue };
            let pkey = pda::provider(&self.actors[a].pubkey());
            let p: Provider = self.state(&pkey).await.expect("provider");
            if p.open_jobs > 0 {
                self.violation(
                    "LIVENESS: a provider keeps open jobs after every job was driven to its end".into(),
                    format!("provider {pkey}: {} open", p.open_jobs),
                );
                continue;
            }
            if p.bond == 0 {
                continue;
            }
            let ix = ix::escrow::request_unbond(&self.actors[a].pubkey(), p.bond);
            let signer = self.actor(a);
            match self
                .tx("live:request_unbond", vec![ix], &[&signer], &Deltas::new())
                .await
            {
                Ok(()) => unbonding.push((a, mint)),
                Err(e) => self.violation(
                    format!(
                        "LIVENESS: a provider with no open job cannot request to unbond ({})",
                        cause(&e)
                    ),
                    format!("provider {pkey}"),
                ),
            }
        }
        let t = self.now + i64::from(UNBONDING_DELAY) + 1;
        self.set_now(t).await;
        for (a, mint) in unbonding {
            let pkey = pda::provider(&self.actors[a].pubkey());
            let p: Provider = self.state(&pkey).await.expect("provider");
            let dest = self.wallets[a][mint];
            let m = &self.mints[mint];
            let ix = ix::escrow::withdraw_bond(&self.actors[a].pubkey(), &dest, &m.key, &m.program);
            let mut d = Deltas::new();
            add(&mut d, p.bond_vault, -i128::from(p.bond));
            add(&mut d, dest, self.net(mint, p.bond));
            let signer = self.actor(a);
            match self.tx_in("live:withdraw_bond", mint, vec![ix], &[&signer], &d).await {
                Ok(()) => self.paid_out[mint] += u128::from(p.bond),
                Err(e) => self.violation(
                    format!(
                        "LIVENESS: a provider with no open job cannot withdraw its bond after the delay ({})",
                        cause(&e)
                    ),
                    format!("provider {pkey}, bond {}", p.bond),
                ),
            }
            self.check();
        }
        // 5. Nothing stuck: every surplus went to its documented party.
        let mut stuck: Vec<(Pubkey, u64)> = self
            .surplus
            .iter()
            .filter(|(_, &s)| s > 0)
            .map(|(k, &s)| (*k, s))
            .collect();
        stuck.sort();
        for (k, s) in stuck {
            let kind = self.kinds.get(&k).map_or("?".into(), |k| format!("{:?}", k.0));
            self.violation(
                format!("LIVENESS: tokens sent straight to a {kind} stay there, credited to nobody"),
                format!("{k} holds {s} surplus"),
            );
        }
        for i in 0..self.jobs.len() {
            let k = self.jobs[i].key;
            self.violation(
                "LIVENESS: a job is still live after its parties tried to end it".into(),
                format!("job {k}"),
            );
        }
        self.check();
    }

    /// Before the liveness checks, moves live open jobs on with their own parties, a quarter
    /// each to accepted, delivered and disputed (a provider serving the model accepts and
    /// delivers; the consumer disputes), so that every way of ending a job is exercised.
    async fn stage_jobs(&mut self) {
        let keys: Vec<Pubkey> = self.jobs.iter().map(|j| j.key).collect();
        for (n, k) in keys.into_iter().enumerate() {
            let i = self.jobs.iter().position(|j| j.key == k).expect("job");
            let (mint, c) = (self.jobs[i].mint, self.jobs[i].consumer);
            let j: Job = self.state(&k).await.expect("live job");
            let target = n % 4;
            if target == 0 || j.state != JobState::Open || self.now >= j.accept_deadline {
                continue;
            }
            let mut serving = None;
            for a in 0..ACTORS {
                let pkey = pda::provider(&self.actors[a].pubkey());
                if self.provider[a] == Some(mint) && j.requested_provider.is_none_or(|r| r == pkey) {
                    let p: Provider = self.state(&pkey).await.expect("provider");
                    if p.models.contains(&j.model) {
                        serving = Some(a);
                        break;
                    }
                }
            }
            let Some(a) = serving else { continue };
            let provider = self.actor(a);
            let config: tessera_client::escrow::state::EscrowConfig =
                self.h.fetch(&pda::escrow_config()).await.expect("escrow config");
            let ix = ix::escrow::accept_job(&provider.pubkey(), &k, &j, &config, u64::MAX);
            if self
                .tx("live:accept_job", vec![ix], &[&provider], &Deltas::new())
                .await
                .is_err()
                || target == 1
            {
                continue;
            }
            let ix = ix::escrow::submit_result(&provider.pubkey(), &k, [0x22; 32]);
            if self
                .tx("live:submit_result", vec![ix], &[&provider], &Deltas::new())
                .await
                .is_err()
                || target == 2
            {
                continue;
            }
            let consumer = self.actor(c);
            let _ = self
                .tx(
                    "live:dispute_job",
                    vec![ix::escrow::dispute_job(&consumer.pubkey(), &k)],
                    &[&consumer],
                    &Deltas::new(),
                )
                .await;
        }
        // Six fresh jobs (ungated listed models, a provider of the mint made to serve the
        // model), two each left accepted, delivered and disputed.
        for t in 0..6 {
            let mut models = vec![];
            for ai in 0..self.assets.len() {
                let key = self.assets[ai].key;
                let asset: Asset = self.state(&key).await.expect("asset");
                let mint = self.assets[ai].mint;
                if self.assets[ai].model
                    && asset.state == AssetState::Listed
                    && !asset.inference_gated
                    && self.provider.contains(&Some(mint))
                {
                    models.push(ai);
                }
            }
            if models.is_empty() {
                return;
            }
            let ai = models[self.rng.index(models.len())];
            let (key, mint) = (self.assets[ai].key, self.assets[ai].mint);
            let providers: Vec<usize> = (0..ACTORS).filter(|&a| self.provider[a] == Some(mint)).collect();
            let a = providers[self.rng.index(providers.len())];
            let p: Provider = self
                .state(&pda::provider(&self.actors[a].pubkey()))
                .await
                .expect("provider");
            let provider = self.actor(a);
            if !p.models.contains(&key) {
                let mut models = p.models.clone();
                if models.len() >= 16 {
                    models.remove(0);
                }
                models.push(key);
                let ix = ix::escrow::update_provider(
                    &provider.pubkey(),
                    RegisterProviderArgs {
                        endpoint: "https://infer.example/v3".into(),
                        models,
                    },
                );
                self.tx("update_provider", vec![ix], &[&provider], &Deltas::new())
                    .await
                    .expect("update_provider");
            }
            let fee = self.random_price(mint);
            let c = self.rng.index(ACTORS);
            let src = self.wallets[c][mint];
            if amount_of(&self.get(&src).await) < fee {
                continue;
            }
            let job_id = self.next_job_id;
            self.next_job_id += 1;
            let args = OpenJobArgs {
                job_id,
                fee,
                input_commitment: [0x11; 32],
                provider: None,
                accept_window: 600,
                delivery_window: 600,
                challenge_window: 600,
            };
            let m = &self.mints[mint];
            let ix = ix::escrow::open_job(
                &OpenJobAccounts {
                    consumer: self.actors[c].pubkey(),
                    model: key,
                    mint: m.key,
                    consumer_token_account: src,
                    token_program: m.program,
                    gated: false,
                },
                args,
            );
            let job = pda::job(&self.actors[c].pubkey(), job_id);
            let vault = pda::job_vault(&job);
            self.kinds.insert(vault, (Kind::JobVault, mint));
            let mut d = Deltas::new();
            add(&mut d, src, -i128::from(fee));
            add(&mut d, vault, self.net(mint, fee));
            let consumer = self.actor(c);
            if let Err(e) = self.tx_in("live:open_job", mint, vec![ix], &[&consumer], &d).await {
                self.violation(
                    format!(
                        "LIVENESS: a funded consumer cannot open a job on a listed model ({})",
                        cause(&e)
                    ),
                    format!("actor {c}, model {key}"),
                );
                self.kinds.remove(&vault);
                self.cache.remove(&vault);
                continue;
            }
            self.paid_in[mint] += u128::from(fee);
            self.jobs.push(JobInfo {
                key: job,
                consumer: c,
                mint,
            });
            if self.adv.as_ref().is_some_and(|a| a.tokens) && self.rng.chance(1, 2) {
                self.send_tokens_to(vault, mint).await;
            }
            let j: Job = self.state(&job).await.expect("job");
            let config: tessera_client::escrow::state::EscrowConfig =
                self.h.fetch(&pda::escrow_config()).await.expect("escrow config");
            let ix = ix::escrow::accept_job(&provider.pubkey(), &job, &j, &config, u64::MAX);
            if self
                .tx("live:accept_job", vec![ix], &[&provider], &Deltas::new())
                .await
                .is_err()
                || t % 3 == 0
            {
                continue;
            }
            let ix = ix::escrow::submit_result(&provider.pubkey(), &job, [0x22; 32]);
            if self
                .tx("live:submit_result", vec![ix], &[&provider], &Deltas::new())
                .await
                .is_err()
                || t % 3 == 1
            {
                continue;
            }
            let _ = self
                .tx(
                    "live:dispute_job",
                    vec![ix::escrow::dispute_job(&consumer.pubkey(), &job)],
                    &[&consumer],
                    &Deltas::new(),
                )
                .await;
        }
    }

    /// Drives live job `i` to its end by its own parties (the clock is past its windows):
    /// the consumer takes back an open or accepted job (and the slash of a provider that
    /// missed its deadline), the provider releases a delivered one, the arbiter resolves a
    /// disputed one half and half before the dispute deadline, and after it the consumer
    /// settles it by the default rule. In a transfer-fee mint the vault is harvested first.
    async fn drive_job(&mut self, i: usize) {
        let key = self.jobs[i].key;
        let j: Job = self.state(&key).await.expect("live job");
        let (mint, c) = (self.jobs[i].mint, self.jobs[i].consumer);
        let program = self.mints[mint].program;
        let surplus = self.surplus_of(&j.vault);
        let (op, ix, signer, d, out) = match j.state {
            JobState::Open | JobState::Accepted => {
                let dest = self.wallets[c][mint];
                let ix = ix::escrow::refund_job(&self.actors[c].pubkey(), &key, &j, &dest, &program);
                let (d, out) = self.refund_model(mint, &j, dest).await;
                ("live:refund_job", ix, self.actor(c), d, out)
            }
            state => {
                let pa_key = self.state::<Provider>(&j.provider).await.expect("provider").authority;
                let pa = self.actors.iter().position(|k| k.pubkey() == pa_key).unwrap();
                // The consumer is paid in its associated account; a provider that is its own
                // consumer takes its part in its second account.
                let dest = self.wallets[c][mint];
                let provider_dest = if pa == c {
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
                if state == JobState::Delivered {
                    let ix = ix::escrow::release_job(&pa_key, &key, &j, &s);
                    let (d, out) = self.settlement_model(i, &j, 10_000, 0, dest, provider_dest).await;
                    ("live:release_job", ix, self.actor(pa), d, out)
                } else if self.now < j.dispute_deadline {
                    let ix = ix::escrow::resolve_dispute(&self.arbiter.pubkey(), &key, &j, &s, &dest, 5_000);
                    let (d, out) = self.settlement_model(i, &j, 5_000, 0, dest, provider_dest).await;
                    ("live:resolve_dispute", ix, self.arbiter.insecure_clone(), d, out)
                } else {
                    // The default rule after the dispute deadline: half each, no slash.
                    let ix = ix::escrow::settle_dispute(&self.actors[c].pubkey(), &key, &j, &s, &dest);
                    let (d, out) = self.settlement_model(i, &j, 5_000, 0, dest, provider_dest).await;
                    ("live:settle_dispute", ix, self.actor(c), d, out)
                }
            }
        };
        let mut ixs = vec![];
        if self.mints[mint].fee.is_some() {
            ixs.push(harvest_ix(&self.mints[mint].key, &[&j.vault]));
        }
        ixs.push(ix);
        match self.tx_in(op, mint, ixs, &[&signer], &d).await {
            Ok(()) => {
                self.paid_out[mint] += u128::from(out);
                self.surplus.remove(&j.vault);
                self.forget_closed_job(i).await;
            }
            Err(e) => self.violation(
                format!(
                    "LIVENESS: a {:?} job cannot be driven to its end by its parties ({op}: {})",
                    j.state,
                    cause(&e)
                ),
                format!("job {key}, fee {}, vault surplus {surplus}", j.fee),
            ),
        }
    }
}
