//! 1. Through the runtime: the model. What a settlement and a refund must move (per token
//! account), the slash a settlement takes, and the invariants checked after every step.

use anchor_lang::prelude::Pubkey;
use tessera_client::{
    escrow::state::{Job, JobState, Provider},
    pda,
    registry::state::Asset,
    royalties::state::Split,
};
use tessera_program_tests::{
    token2022::{token_amount, withheld_in_account, withheld_in_mint},
    TestSigner,
};

use crate::rng::bps;
use crate::sim::{add, amount_of, decode, Deltas, Kind, Sim};

impl Sim {
    /// The expected movements of a settlement paying `share_bps` of the fee to the provider's
    /// side (and `slash` from its bond vault to the consumer); returns them and what leaves
    /// the programs for actors.
    pub(crate) async fn settlement_model(
        &mut self,
        i: usize,
        j: &Job,
        share_bps: u16,
        slash: u64,
        consumer_dest: Pubkey,
        provider_wallet: Pubkey,
    ) -> (Deltas, u64) {
        let mint = self.jobs[i].mint;
        let provider: Provider = self.state(&j.provider).await.expect("provider");
        let provider_part = bps(j.fee, share_bps);
        let to_consumer = j.fee - provider_part;
        let to_treasury = bps(provider_part, j.fee_bps);
        let to_split = bps(provider_part, j.royalty_bps);
        let to_provider = provider_part - to_treasury - to_split;
        // The lineage rule: each parent takes its share of the royalty, the model's split the rest.
        let parents: Vec<(Pubkey, u64)> = self
            .lineage(&j.model)
            .await
            .into_iter()
            .map(|(split, share)| (split, bps(to_split, share)))
            .collect();
        let to_split = to_split - parents.iter().map(|(_, a)| a).sum::<u64>();
        // Tokens sent straight to the job vault go to the consumer with its part.
        let surplus = self.surplus_of(&j.vault);
        let to_consumer = to_consumer + surplus;
        let mut d = Deltas::new();
        add(&mut d, j.vault, -i128::from(j.fee + surplus));
        if to_treasury > 0 {
            add(&mut d, self.treasury_atas[mint], self.net(mint, to_treasury));
        }
        for &(split, amount) in &parents {
            if amount > 0 {
                add(&mut d, pda::vault(&split), self.net(mint, amount));
            }
        }
        if to_split > 0 {
            add(&mut d, pda::vault(&j.model_split), self.net(mint, to_split));
        }
        if to_provider > 0 {
            add(&mut d, provider_wallet, self.net(mint, to_provider));
        }
        if to_consumer > 0 {
            add(&mut d, consumer_dest, self.net(mint, to_consumer));
        }
        if slash > 0 {
            add(&mut d, provider.bond_vault, -i128::from(slash));
            add(&mut d, consumer_dest, self.net(mint, slash));
        }
        (d, to_provider + to_consumer + slash)
    }

    /// A model's parents: each one's split and its share (bps) of the model's royalty, in order.
    pub(crate) async fn lineage(&mut self, model: &Pubkey) -> Vec<(Pubkey, u16)> {
        let asset: Asset = self.state(model).await.expect("model asset");
        asset.parents.iter().map(|p| (p.split, p.bps)).collect()
    }

    /// The parents' splits a settlement of job `j` passes (its model's, in order).
    pub(crate) async fn parent_splits(&mut self, j: &Job) -> Vec<Pubkey> {
        self.lineage(&j.model)
            .await
            .into_iter()
            .map(|(split, _)| split)
            .collect()
    }

    /// The slash a settlement takes from the job's provider: `slash_bps` of its bond, capped
    /// at its vault's balance.
    pub(crate) async fn slash_of(&mut self, j: &Job) -> u64 {
        // The slash amount fixed on the job at acceptance, bounded by what the bond holds.
        let provider: Provider = self.state(&j.provider).await.expect("provider");
        let vault = amount_of(&self.get(&provider.bond_vault).await);
        j.slash_amount.min(provider.bond).min(vault)
    }

    /// The expected movements of a refund to `dest`: the fee and any surplus of the job vault,
    /// and the slash of a provider that missed its deadline; returns them and what leaves the
    /// programs for actors.
    pub(crate) async fn refund_model(&mut self, mint: usize, j: &Job, dest: Pubkey) -> (Deltas, u64) {
        let slash = if j.state == JobState::Accepted {
            self.slash_of(j).await
        } else {
            0
        };
        let back = j.fee + self.surplus_of(&j.vault);
        let mut d = Deltas::new();
        add(&mut d, j.vault, -i128::from(back));
        add(&mut d, dest, self.net(mint, back));
        if slash > 0 {
            let provider: Provider = self.state(&j.provider).await.expect("provider");
            add(&mut d, provider.bond_vault, -i128::from(slash));
            add(&mut d, dest, self.net(mint, slash));
        }
        (d, back + slash)
    }

    /// The invariants, from the cached state of every tracked account.
    pub(crate) fn check(&self) {
        let step = self.step;
        let n = self.mints.len();
        let mut held = vec![0u128; n];
        let mut withheld = vec![0u128; n];
        for (k, &(kind, mint)) in &self.kinds {
            if kind == Kind::Wallet || kind == Kind::Access {
                continue;
            }
            if let Some(Some(a)) = self
                .cache
                .get(k)
                .filter(|a| a.as_ref().is_some_and(|a| !a.data.is_empty()))
            {
                held[mint] += u128::from(token_amount(&a.data));
                if self.mints[mint].fee.is_some() {
                    withheld[mint] += u128::from(withheld_in_account(&a.data));
                }
            }
        }
        for (i, m) in self.mints.iter().enumerate() {
            if m.fee.is_some() {
                if let Some(Some(a)) = self.cache.get(&m.key) {
                    withheld[i] += u128::from(withheld_in_mint(&a.data));
                }
            }
            let inside = self.paid_in[i]
                .checked_sub(self.paid_out[i])
                .unwrap_or_else(|| panic!("step {step}: mint {i}: paid out more than paid in"));
            assert_eq!(
                inside,
                held[i] + withheld[i],
                "step {step}: mint {i}: Σ paid in {} − Σ paid out {} ≠ treasury + vaults {} + withheld {}",
                self.paid_in[i],
                self.paid_out[i],
                held[i],
                withheld[i]
            );
        }
        for a in &self.assets {
            let split_key = pda::split(&a.key);
            let split: Split = decode(self.cache.get(&split_key).unwrap_or(&None)).expect("split cached");
            let vault = amount_of(self.cache.get(&split.vault).unwrap_or(&None));
            let surplus = self.surplus_of(&split.vault);
            assert_eq!(
                split.total_received - split.total_claimed + u128::from(surplus),
                u128::from(vault),
                "step {step}: split {split_key}: credited − claimed + surplus {surplus} ≠ vault balance"
            );
            let owed: u128 = split
                .entries
                .iter()
                .map(|e| u128::from(split.owed(&e.address).unwrap()))
                .sum();
            assert!(
                owed <= u128::from(vault),
                "step {step}: split {split_key}: owed {owed} > vault {vault}"
            );
        }
        for (i, p) in self.provider.iter().enumerate() {
            if p.is_some() {
                let key = pda::provider(&self.actors[i].pubkey());
                let provider: Provider = decode(self.cache.get(&key).unwrap_or(&None)).expect("provider cached");
                let vault = amount_of(self.cache.get(&provider.bond_vault).unwrap_or(&None));
                let surplus = self.surplus_of(&provider.bond_vault);
                assert_eq!(
                    provider.bond + surplus,
                    vault,
                    "step {step}: provider {key}: bond + surplus {surplus} ≠ bond vault"
                );
            }
        }
        self.check_channels();
        for j in &self.jobs {
            let job: Job = decode(self.cache.get(&j.key).unwrap_or(&None)).expect("job cached");
            let vault = amount_of(self.cache.get(&job.vault).unwrap_or(&None));
            let surplus = self.surplus_of(&job.vault);
            assert_eq!(
                job.fee + surplus,
                vault,
                "step {step}: job {}: fee + surplus {surplus} ≠ job vault",
                j.key
            );
        }
    }
}
