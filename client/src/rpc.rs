//! `Tessera`: the programs over JSON-RPC (`solana-client`): typed fetchers, server-side
//! filtered listings, off-chain access checks and the high-level flows. The wallet given at
//! construction pays the fees and signs as the acting party (publisher, buyer, recipient,
//! provider, consumer, admin or arbiter), as in the Solana CLI.

use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use anchor_spl::token_interface::{Mint, TokenAccount};
use serde::Serialize;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_client::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client_api::{
    config::{RpcAccountInfoConfig, RpcProgramAccountsConfig},
    filter::{Memcmp, RpcFilterType},
};
pub use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tessera_escrow::state::{EscrowConfig, Job, JobState, Provider};
use tessera_registry::state::{access_denied, AccessDenied, AccessPass, Asset, AssetKind, Config};
use tessera_royalties::state::Split;

use crate::{
    error::{from_client_error, Result, TesseraError},
    pda, Instruction, ESCROW_ID, REGISTRY_ID, ROYALTIES_ID,
};

/// Filters for [`Tessera::list_assets`], applied by the RPC node (memcmp).
#[derive(Debug, Default, Clone)]
pub struct AssetFilter {
    pub kind: Option<AssetKind>,
    pub publisher: Option<Pubkey>,
    pub payment_mint: Option<Pubkey>,
}

/// Filters for [`Tessera::list_jobs`], applied by the RPC node (memcmp).
#[derive(Debug, Default, Clone)]
pub struct JobFilter {
    pub consumer: Option<Pubkey>,
    /// The provider's escrow account (see [`pda::provider`]).
    pub provider: Option<Pubkey>,
    pub model: Option<Pubkey>,
    pub state: Option<JobState>,
}

/// What one split owes one recipient.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Owed {
    pub split: String,
    pub subject: String,
    pub mint: String,
    pub amount: u64,
}

/// The off-chain twin of `verify_access`: the same rules, read over RPC.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessReport {
    pub asset: String,
    pub holder: String,
    pub valid: bool,
    /// Why access is refused, by the registry's own rule
    /// ([`tessera_registry::state::access_denied`]); serialized as its name (`NoPass`,
    /// `PassRevoked`, `PassExpired`, `NoAccessToken`).
    #[serde(serialize_with = "serialize_denied")]
    pub reason: Option<AccessDenied>,
    pub expires_at: Option<i64>,
    pub perpetual: bool,
    pub balance: u64,
    pub now: i64,
}

fn serialize_denied<S: serde::Serializer>(reason: &Option<AccessDenied>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match reason {
        Some(r) => s.serialize_some(r.name()),
        None => s.serialize_none(),
    }
}

pub struct Tessera {
    pub rpc: RpcClient,
    pub payer: Keypair,
}

/// The `unix_timestamp` of the Clock sysvar's data (slot u64, epoch_start_timestamp i64,
/// epoch u64, leader_schedule_epoch u64, unix_timestamp i64).
fn clock_unix_timestamp(data: &[u8]) -> Result<i64> {
    data.get(32..40)
        .and_then(|b| b.try_into().ok())
        .map(i64::from_le_bytes)
        .ok_or_else(|| TesseraError::Rpc("malformed Clock sysvar".into()))
}

fn memcmp(offset: usize, bytes: &[u8]) -> RpcFilterType {
    RpcFilterType::Memcmp(Memcmp::new_base58_encoded(offset, bytes))
}

impl Tessera {
    pub fn new(url: &str, payer: Keypair, commitment: CommitmentConfig) -> Self {
        Self {
            // A debug-build local validator under load can take longer than the 30-second
            // default to answer.
            rpc: RpcClient::new_with_timeout_and_commitment(
                url.to_string(),
                std::time::Duration::from_secs(120),
                commitment,
            ),
            payer,
        }
    }

    pub fn wallet(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// Signs with the wallet (fee payer) and `extra`, sends, and waits for confirmation.
    /// A program refusal comes back as [`TesseraError::Program`] with its Anchor name.
    pub fn send(&self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Signature> {
        let programs: Vec<Pubkey> = ixs.iter().map(|i| i.program_id).collect();
        let mut tries = 0;
        let blockhash = loop {
            match self.rpc.get_latest_blockhash() {
                Ok(h) => break h,
                Err(_) if tries < 3 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(500 * tries));
                }
                Err(e) => return Err(TesseraError::from(e)),
            }
        };
        let mut signers: Vec<&Keypair> = vec![&self.payer];
        signers.extend(extra.iter().copied().filter(|k| k.pubkey() != self.payer.pubkey()));
        let tx = Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &signers, blockhash);
        // A transport error (connection reset, timeout) may hide a transaction that landed:
        // resend the same signed transaction (idempotent: same signature), after checking its
        // status, at most three times.
        let mut attempt = 0;
        loop {
            match self.rpc.send_and_confirm_transaction(&tx) {
                Ok(sig) => return Ok(sig),
                Err(e)
                    if attempt < 3
                        && matches!(
                            e.kind(),
                            solana_rpc_client_api::client_error::ErrorKind::Reqwest(_)
                                | solana_rpc_client_api::client_error::ErrorKind::Io(_)
                        ) =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(500 * attempt));
                    if let Ok(Some(Ok(()))) = self.rpc.get_signature_status(&tx.signatures[0]) {
                        return Ok(tx.signatures[0]);
                    }
                }
                Err(e) => return Err(from_client_error(e, &programs)),
            }
        }
    }

    /// An Anchor account, or `None` if it does not exist.
    pub fn fetch_opt<T: AccountDeserialize>(&self, address: &Pubkey) -> Result<Option<T>> {
        let acc = self
            .rpc
            .get_account_with_commitment(address, self.rpc.commitment())
            .map_err(TesseraError::from)?
            .value;
        match acc {
            None => Ok(None),
            Some(a) => T::try_deserialize(&mut a.data.as_slice())
                .map(Some)
                .map_err(|e| TesseraError::Invalid(format!("account {address} is not the expected type: {e}"))),
        }
    }

    pub fn fetch<T: AccountDeserialize>(&self, what: &'static str, address: &Pubkey) -> Result<T> {
        self.fetch_opt(address)?.ok_or(TesseraError::NotFound {
            what,
            address: *address,
        })
    }

    pub fn config(&self) -> Result<Config> {
        self.fetch("registry config", &pda::config())
    }

    pub fn escrow_config(&self) -> Result<EscrowConfig> {
        self.fetch("escrow config", &pda::escrow_config())
    }

    pub fn asset(&self, address: &Pubkey) -> Result<Asset> {
        self.fetch("asset", address)
    }

    pub fn split(&self, address: &Pubkey) -> Result<Split> {
        self.fetch("split", address)
    }

    pub fn job(&self, address: &Pubkey) -> Result<Job> {
        self.fetch("job", address)
    }

    pub fn provider(&self, authority: &Pubkey) -> Result<Provider> {
        self.fetch("provider", &pda::provider(authority))
    }

    /// A mint's decimals and owning token program.
    pub fn mint_info(&self, mint: &Pubkey) -> Result<(u8, Pubkey)> {
        let acc = self
            .rpc
            .get_account_with_commitment(mint, self.rpc.commitment())
            .map_err(TesseraError::from)?
            .value
            .ok_or(TesseraError::NotFound {
                what: "mint",
                address: *mint,
            })?;
        let m = Mint::try_deserialize(&mut acc.data.as_slice())
            .map_err(|_| TesseraError::Invalid(format!("account {mint} is not an SPL mint")))?;
        Ok((m.decimals, acc.owner))
    }

    /// Whether `mint` is a Token-2022 mint with a transfer fee (`TransferFeeConfig`).
    pub fn transfer_fee_mint(&self, mint: &Pubkey) -> Result<bool> {
        let acc = self
            .rpc
            .get_account_with_commitment(mint, self.rpc.commitment())
            .map_err(TesseraError::from)?
            .value
            .ok_or(TesseraError::NotFound {
                what: "mint",
                address: *mint,
            })?;
        Ok(has_transfer_fee(&acc.owner, &acc.data))
    }

    /// A token account's balance (0 if it does not exist).
    pub fn token_balance(&self, account: &Pubkey) -> Result<u64> {
        let acc = self
            .rpc
            .get_account_with_commitment(account, self.rpc.commitment())
            .map_err(TesseraError::from)?
            .value;
        Ok(acc
            .and_then(|a| TokenAccount::try_deserialize(&mut a.data.as_slice()).ok())
            .map_or(0, |t| t.amount))
    }

    /// The cluster's current unix time (the Clock sysvar's `unix_timestamp`).
    pub fn now(&self) -> Result<i64> {
        let clock = self
            .rpc
            .get_account(&<anchor_lang::prelude::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id())
            .map_err(TesseraError::from)?;
        clock_unix_timestamp(&clock.data)
    }

    pub(crate) fn program_accounts<T: AccountDeserialize + Discriminator>(
        &self,
        program: &Pubkey,
        mut filters: Vec<RpcFilterType>,
    ) -> Result<Vec<(Pubkey, T)>> {
        filters.insert(0, memcmp(0, T::DISCRIMINATOR));
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.rpc.commitment()),
                ..RpcAccountInfoConfig::default()
            },
            with_context: None,
            sort_results: Some(true),
        };
        let accounts = self
            .rpc
            .get_program_ui_accounts_with_config(program, config)
            .map_err(TesseraError::from)?;
        Ok(accounts
            .into_iter()
            .filter_map(|(k, a)| {
                let data = a.data.decode()?;
                T::try_deserialize(&mut data.as_slice()).ok().map(|t| (k, t))
            })
            .collect())
    }

    /// Assets, filtered by the RPC node on kind, publisher and payment mint.
    pub fn list_assets(&self, f: &AssetFilter) -> Result<Vec<(Pubkey, Asset)>> {
        let mut filters = vec![];
        if let Some(p) = f.publisher {
            filters.push(memcmp(Asset::PUBLISHER_OFFSET, p.as_ref()));
        }
        if let Some(k) = f.kind {
            filters.push(memcmp(Asset::KIND_OFFSET, &[k as u8]));
        }
        if let Some(m) = f.payment_mint {
            filters.push(memcmp(Asset::PAYMENT_MINT_OFFSET, m.as_ref()));
        }
        self.program_accounts(&REGISTRY_ID, filters)
    }

    /// Jobs, filtered by the RPC node on consumer, provider, model and state.
    pub fn list_jobs(&self, f: &JobFilter) -> Result<Vec<(Pubkey, Job)>> {
        let mut filters = vec![];
        if let Some(c) = f.consumer {
            filters.push(memcmp(Job::CONSUMER_OFFSET, c.as_ref()));
        }
        if let Some(m) = f.model {
            filters.push(memcmp(Job::MODEL_OFFSET, m.as_ref()));
        }
        if let Some(p) = f.provider {
            filters.push(memcmp(Job::PROVIDER_OFFSET, p.as_ref()));
        }
        if let Some(s) = f.state {
            filters.push(memcmp(Job::STATE_OFFSET, &[s as u8]));
        }
        self.program_accounts(&ESCROW_ID, filters)
    }

    /// Every split that owes `recipient` something. Recipients sit in a variable-length list,
    /// which memcmp cannot reach: splits are fetched by discriminator and filtered here.
    pub fn owed_to(&self, recipient: &Pubkey) -> Result<Vec<Owed>> {
        let splits: Vec<(Pubkey, Split)> = self.program_accounts(&ROYALTIES_ID, vec![])?;
        let mut out = vec![];
        for (key, s) in splits {
            let amount = s.owed(recipient).map_err(|e| TesseraError::Invalid(e.to_string()))?;
            if amount > 0 {
                out.push(Owed {
                    split: key.to_string(),
                    subject: s.subject.to_string(),
                    mint: s.mint.to_string(),
                    amount,
                });
            }
        }
        Ok(out)
    }

    /// The registry's `verify_access` rules, evaluated off-chain at the cluster's current time.
    pub fn access(&self, asset: &Pubkey, holder: &Pubkey) -> Result<AccessReport> {
        let a = self.asset(asset)?;
        self.access_for(asset, &a, holder)
    }

    /// [`Tessera::access`] for an asset already fetched: two RPC calls (the Clock sysvar and
    /// the pass in one `getMultipleAccounts`, then [`Tessera::access_token_balance`]).
    pub fn access_for(&self, asset: &Pubkey, a: &Asset, holder: &Pubkey) -> Result<AccessReport> {
        let clock_id = <anchor_lang::prelude::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id();
        let keys = [clock_id, pda::pass(asset, holder)];
        let accs = self
            .rpc
            .get_multiple_accounts_with_commitment(&keys, self.rpc.commitment())
            .map_err(TesseraError::from)?
            .value;
        let now = clock_unix_timestamp(accs[0].as_ref().map_or(&[][..], |c| c.data.as_slice()))?;
        let pass: Option<AccessPass> = match &accs[1] {
            None => None,
            Some(acc) => Some(
                AccessPass::try_deserialize(&mut acc.data.as_slice())
                    .map_err(|e| TesseraError::Invalid(format!("pass account: {e}")))?,
            ),
        };
        let balance = self.access_token_balance(holder, &a.access_mint)?;
        let reason = access_denied(pass.as_ref(), balance, now);
        let (expires_at, perpetual) = pass
            .as_ref()
            .map_or((None, false), |p| ((!p.perpetual).then_some(p.expires_at), p.perpetual));
        Ok(AccessReport {
            asset: asset.to_string(),
            holder: holder.to_string(),
            valid: reason.is_none(),
            reason,
            expires_at,
            perpetual,
            balance,
            now,
        })
    }

    /// The `mint` tokens `holder` owns, summed over all its token accounts of that mint (the
    /// associated one or any other, SPL Token or Token-2022: `getTokenAccountsByOwner` with a
    /// mint filter, which the node resolves to the mint's own token program). `verify_access`
    /// accepts any one of these accounts, so any of them counts here.
    pub fn access_token_balance(&self, holder: &Pubkey, mint: &Pubkey) -> Result<u64> {
        use solana_rpc_client_api::{
            config::RpcTokenAccountsFilter,
            request::RpcRequest,
            response::{Response, RpcKeyedAccount},
        };
        let config = RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(self.rpc.commitment()),
            ..RpcAccountInfoConfig::default()
        };
        let accounts: Response<Vec<RpcKeyedAccount>> = self
            .rpc
            .send(
                RpcRequest::GetTokenAccountsByOwner,
                serde_json::json!([
                    holder.to_string(),
                    RpcTokenAccountsFilter::Mint(mint.to_string()),
                    config
                ]),
            )
            .map_err(TesseraError::from)?;
        let token_programs = [
            crate::TOKEN_PROGRAM_ID.to_string(),
            crate::TOKEN_2022_PROGRAM_ID.to_string(),
        ];
        let mut total: u64 = 0;
        for keyed in accounts.value {
            if !token_programs.contains(&keyed.account.owner) {
                continue;
            }
            let Some(data) = keyed.account.data.decode() else {
                continue;
            };
            // Counted only if the data itself says: this mint, this owner.
            let Ok(t) = TokenAccount::try_deserialize(&mut data.as_slice()) else {
                continue;
            };
            if t.mint == *mint && t.owner == *holder {
                total = total
                    .checked_add(t.amount)
                    .ok_or_else(|| TesseraError::Invalid(format!("{holder}'s {mint} balances overflow u64")))?;
            }
        }
        Ok(total)
    }
}

/// What one transaction redeemed of an asset for a holder (see [`Tessera::redeemed_units`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// The transaction is confirmed, succeeded, and redeemed this many units (0: it redeemed
    /// nothing of this asset for this holder).
    Units(u64),
    /// The cluster knows of no such confirmed transaction, or it failed.
    Unknown,
    /// The transaction is confirmed and succeeded, but the RPC node does not serve its contents
    /// yet (its transaction store lags its bank): ask again shortly.
    NotServedYet,
}

impl Redemption {
    /// A transaction `getTransaction` did not serve, by its signature's status at `confirmed`:
    /// `Some(true)` confirmed and succeeded (the node lags: [`Redemption::NotServedYet`]),
    /// `Some(false)` failed, `None` unknown (both [`Redemption::Unknown`]).
    pub fn unserved(status: Option<bool>) -> Self {
        match status {
            Some(true) => Redemption::NotServedYet,
            Some(false) | None => Redemption::Unknown,
        }
    }
}

impl Tessera {
    /// The access tokens of `asset` that `holder` redeemed in the transaction `signature`: the
    /// sum of the quantities of the registry's `AccessRedeemed` events for this holder and this
    /// asset (so a `redeem_access` called directly or through another program counts), if the
    /// transaction is confirmed and succeeded.
    ///
    /// The events are `emit_cpi!` self-invocations of the registry, read from the transaction's
    /// inner instructions. Only the registry can sign for its event authority, which such an
    /// invocation requires, so a successful transaction carries no forged one.
    ///
    /// `getTransaction` may answer null for a transaction confirmed a moment ago; the signature's
    /// status then tells a lagging node ([`Redemption::NotServedYet`]) from an unknown or failed
    /// transaction ([`Redemption::Unknown`]).
    pub fn redeemed_units(&self, signature: &Signature, asset: &Pubkey, holder: &Pubkey) -> Result<Redemption> {
        use solana_rpc_client_api::{
            config::RpcTransactionConfig,
            response::{OptionSerializer, UiInstruction},
        };
        use solana_transaction_status_client_types::UiTransactionEncoding;
        use tessera_registry::events::AccessRedeemed;
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let mut attempt = 0;
        let tx = loop {
            match self.rpc.get_transaction_with_config(signature, config) {
                Ok(tx) => break tx,
                // Null (the client reports it as a decoding error) or a transient failure.
                Err(_) if attempt < 5 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(_) => {
                    let status = self
                        .rpc
                        .get_signature_status_with_commitment(signature, CommitmentConfig::confirmed())
                        .map_err(|e| TesseraError::Rpc(format!("signature status of {signature}: {e}")))?;
                    return Ok(Redemption::unserved(status.as_ref().map(|r| r.is_ok())));
                }
            }
        };
        let Some(meta) = tx.transaction.meta else {
            return Ok(Redemption::Unknown);
        };
        if meta.err.is_some() {
            return Ok(Redemption::Unknown);
        }
        let Some(decoded) = tx.transaction.transaction.decode() else {
            return Err(TesseraError::Rpc(format!(
                "the RPC node returned transaction {signature} in a form that does not decode"
            )));
        };
        // Inner instructions index the static keys, then the addresses loaded from lookup tables.
        let mut keys: Vec<Pubkey> = decoded.message.static_account_keys().to_vec();
        if let OptionSerializer::Some(loaded) = &meta.loaded_addresses {
            for k in loaded.writable.iter().chain(&loaded.readonly) {
                keys.push(
                    k.parse()
                        .map_err(|_| TesseraError::Rpc(format!("transaction {signature}: bad loaded address `{k}`")))?,
                );
            }
        }
        let OptionSerializer::Some(groups) = meta.inner_instructions else {
            return Err(TesseraError::Rpc(format!(
                "the RPC node returned no inner instructions for transaction {signature}; redemptions are read from them"
            )));
        };
        let event_authority = pda::event_authority(&REGISTRY_ID);
        let mut units: u64 = 0;
        for ix in groups.into_iter().flat_map(|g| g.instructions) {
            let UiInstruction::Compiled(ix) = ix else { continue };
            let key = |i: u8| keys.get(usize::from(i));
            if key(ix.program_id_index) != Some(&REGISTRY_ID)
                || ix.accounts.first().and_then(|&i| key(i)) != Some(&event_authority)
            {
                continue;
            }
            let Ok(data) = bs58::decode(&ix.data).into_vec() else {
                continue;
            };
            let Some(e) = crate::events::decode::<AccessRedeemed>(&data) else {
                continue;
            };
            if e.holder == *holder && e.asset == *asset {
                units = units.checked_add(e.quantity).ok_or_else(|| {
                    TesseraError::Invalid(format!("transaction {signature}: redeemed quantities overflow u64"))
                })?;
            }
        }
        Ok(Redemption::Units(units))
    }
}

/// Whether a mint account (its owner and data) is a Token-2022 mint with `TransferFeeConfig`.
pub fn has_transfer_fee(owner: &Pubkey, data: &[u8]) -> bool {
    use anchor_spl::token_2022::spl_token_2022::{
        extension::{transfer_fee::TransferFeeConfig, BaseStateWithExtensions, StateWithExtensions},
        state::Mint as MintState,
    };
    *owner == crate::TOKEN_2022_PROGRAM_ID
        && StateWithExtensions::<MintState>::unpack(data).is_ok_and(|m| m.get_extension::<TransferFeeConfig>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a confirmed, successful transaction the node does not serve yet is worth asking
    /// again for; a failed or unknown one is refused for good.
    #[test]
    fn an_unserved_redemption_is_pending_only_if_it_is_confirmed_and_succeeded() {
        assert_eq!(Redemption::unserved(Some(true)), Redemption::NotServedYet);
        assert_eq!(Redemption::unserved(Some(false)), Redemption::Unknown);
        assert_eq!(Redemption::unserved(None), Redemption::Unknown);
    }
}
