//! Payment channels off chain: vouchers (signing, the header encoding, verification) and the
//! channel flows on [`Tessera`] (open, top up, list, show, close, finalize, settle,
//! settle-and-close). The on-chain side is `tessera-channels` (re-exported as
//! [`crate::channels`]); its instruction builders are [`crate::ix::channels`].
//!
//! # A voucher
//!
//! The channel's authorized signer (the payer or a session key) signs, with ed25519, the
//! 50-byte message of [`tessera_channels::voucher`]: `0x56 0x01` ‖ the channel's address (32)
//! ‖ the cumulative amount (u64 LE, base units) ‖ the expiry (i64 LE unix seconds, 0 = none).
//! The amount is *cumulative*: each voucher replaces the previous one of the channel; whoever
//! holds the highest one can settle it on chain, which pays what it adds to what was settled.
//!
//! # The header (`X-Tessera-Voucher`)
//!
//! A voucher travels as six fields joined by `.`:
//!
//! ```text
//! v1.<channel>.<cumulative>.<expiry>.<signer>.<signature>
//! ```
//!
//! `channel` and `signer` are base58 addresses, `cumulative` and `expiry` decimal integers
//! (base units; unix seconds, 0 = none), `signature` the base58 ed25519 signature of the message
//! above by `signer`. A browser wallet's `signMessage` over the 50 bytes gives it.
//!
//! A voucher names the channel by its address, which the payer and the channel id decide, so a
//! channel id is never used twice: the program numbers a payer's channels 1, 2, 3, … (its
//! `PayerChannels` counter, never closed) and opens only the next one.
//! [`Tessera::open_channel`] takes it from [`Tessera::next_channel_id`].

use std::{fmt, str::FromStr};

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use solana_signature::Signature;
use solana_signer::Signer;
use tessera_channels::{
    instructions::{InitializeConfigArgs, OpenChannelArgs, UpdateConfigArgs},
    payout::SettleArgs,
    state::{Channel, ChannelsConfig, PayerChannels},
    voucher::{voucher_message, VOUCHER_LEN},
};
use tessera_escrow::state::Provider;
use tessera_registry::state::Asset;

use crate::{
    error::{Result, TesseraError},
    ix::{self, channels::SettleAccounts},
    pda, Instruction, Tessera, CHANNELS_ID, ESCROW_ID,
};

/// The request header that carries a voucher (see the module).
pub const VOUCHER_HEADER: &str = "x-tessera-voucher";
/// The first field of an encoded voucher.
pub const VOUCHER_VERSION: &str = "v1";
/// The close grace a channel gets when none is asked for (clamped to the config's bounds): a
/// day for the payee to settle its last voucher.
pub const DEFAULT_CLOSE_GRACE: u32 = 24 * 3_600;
/// Most bytes of a transaction (a packet's payload).
pub const MAX_TRANSACTION_SIZE: usize = 1_232;

/// A signed voucher: `signer` pays `cumulative` base units in total through `channel`, valid
/// until `expiry` (unix seconds; 0 = none).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Voucher {
    pub channel: Pubkey,
    pub cumulative: u64,
    pub expiry: i64,
    pub signer: Pubkey,
    pub signature: [u8; 64],
}

impl fmt::Debug for Voucher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Voucher({self})")
    }
}

/// Why a voucher header does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    /// Not six `.`-separated fields starting with `v1`.
    #[error("a voucher is `v1.<channel>.<cumulative>.<expiry>.<signer>.<signature>`")]
    Format,
    /// A field does not parse.
    #[error("the voucher's {0} is not valid")]
    Field(&'static str),
}

impl Voucher {
    /// Signs the voucher for `cumulative` base units through `channel` with `signer` (the
    /// channel's authorized signer).
    pub fn sign(signer: &dyn Signer, channel: &Pubkey, cumulative: u64, expiry: i64) -> Self {
        Self {
            channel: *channel,
            cumulative,
            expiry,
            signer: signer.pubkey(),
            signature: ix::channels::sign_voucher(signer, channel, cumulative, expiry),
        }
    }

    /// The 50-byte message signed.
    pub fn message(&self) -> [u8; VOUCHER_LEN] {
        voucher_message(&self.channel.to_bytes(), self.cumulative, self.expiry)
    }

    /// Whether `signature` is `signer`'s ed25519 signature of the message (it says nothing of
    /// whether `signer` is the channel's authorized signer).
    pub fn verify(&self) -> bool {
        Signature::from(self.signature).verify(&self.signer.to_bytes(), &self.message())
    }

    /// The arguments `settle` takes for it.
    pub fn args(&self) -> SettleArgs {
        SettleArgs {
            cumulative: self.cumulative,
            expiry: self.expiry,
        }
    }

    /// The header value (see the module).
    pub fn encode(&self) -> String {
        self.to_string()
    }

    /// Parses a header value (see the module); the signature is not checked here.
    pub fn decode(s: &str) -> std::result::Result<Self, VoucherError> {
        let fields: Vec<&str> = s.trim().split('.').collect();
        let [version, channel, cumulative, expiry, signer, signature] = fields[..] else {
            return Err(VoucherError::Format);
        };
        if version != VOUCHER_VERSION {
            return Err(VoucherError::Format);
        }
        let key = |what, v: &str| Pubkey::from_str(v).map_err(|_| VoucherError::Field(what));
        let digits = |v: &str| !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit());
        if !digits(cumulative) {
            return Err(VoucherError::Field("cumulative amount"));
        }
        if !digits(expiry) {
            return Err(VoucherError::Field("expiry"));
        }
        let signature = Signature::from_str(signature).map_err(|_| VoucherError::Field("signature"))?;
        Ok(Self {
            channel: key("channel", channel)?,
            cumulative: cumulative
                .parse()
                .map_err(|_| VoucherError::Field("cumulative amount"))?,
            expiry: expiry.parse().map_err(|_| VoucherError::Field("expiry"))?,
            signer: key("signer", signer)?,
            signature: signature.into(),
        })
    }
}

impl fmt::Display for Voucher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{VOUCHER_VERSION}.{}.{}.{}.{}.{}",
            self.channel,
            self.cumulative,
            self.expiry,
            self.signer,
            Signature::from(self.signature)
        )
    }
}

impl FromStr for Voucher {
    type Err = VoucherError;
    fn from_str(s: &str) -> std::result::Result<Self, VoucherError> {
        Self::decode(s)
    }
}

/// Filters for [`Tessera::list_channels`], applied by the RPC node (memcmp).
#[derive(Debug, Default, Clone)]
pub struct ChannelFilter {
    pub payer: Option<Pubkey>,
    /// The provider's authority.
    pub payee: Option<Pubkey>,
    pub model: Option<Pubkey>,
}

/// What [`Tessera::open_channel`] opens.
#[derive(Debug, Clone)]
pub struct OpenChannelRequest {
    pub model: Pubkey,
    /// The provider's authority; `None`: the first provider (by address) registered for the model.
    pub payee: Option<Pubkey>,
    /// Base units of the model's payment mint.
    pub deposit: u64,
    /// Signs the vouchers; `None`: the wallet.
    pub authorized_signer: Option<Pubkey>,
    /// Seconds; `None`: [`DEFAULT_CLOSE_GRACE`] within the config's bounds.
    pub close_grace: Option<u32>,
    /// `None`: the payer's next id ([`Tessera::next_channel_id`]); the program refuses any
    /// other (`ChannelIdNotNext`).
    pub channel_id: Option<u64>,
}

/// A channel as the CLI and the gate show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub address: String,
    pub payer: String,
    pub payee: String,
    pub model: String,
    pub mint: String,
    pub authorized_signer: String,
    pub channel_id: u64,
    pub deposit: u64,
    pub settled: u64,
    pub remaining: u64,
    pub close_grace: u32,
    pub close_requested_at: Option<i64>,
    /// When a finalize becomes possible (a close was requested).
    pub grace_ends_at: Option<i64>,
    pub opened_at: i64,
}

impl ChannelView {
    pub fn new(address: &Pubkey, c: &Channel) -> Self {
        let requested = (c.close_requested_at != 0).then_some(c.close_requested_at);
        Self {
            address: address.to_string(),
            payer: c.payer.to_string(),
            payee: c.payee.to_string(),
            model: c.model.to_string(),
            mint: c.mint.to_string(),
            authorized_signer: c.authorized_signer.to_string(),
            channel_id: c.channel_id,
            deposit: c.deposit,
            settled: c.settled,
            remaining: c.deposit.saturating_sub(c.settled),
            close_grace: c.close_grace,
            close_requested_at: requested,
            grace_ends_at: requested.map(|t| t.saturating_add(i64::from(c.close_grace))),
            opened_at: c.opened_at,
        }
    }
}

/// The size of a transaction of `ixs` paid and signed by `payer` alone.
pub fn transaction_size(ixs: &[Instruction], payer: &Pubkey) -> usize {
    let tx = solana_transaction::Transaction::new_with_payer(ixs, Some(payer));
    let sigs = usize::from(tx.message.header.num_required_signatures);
    // short_vec length prefix (one byte below 128 signatures), the signatures, the message.
    1 + 64 * sigs + tx.message_data().len()
}

/// What a settlement transaction settled.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The vouchers it settled, each on its channel.
    pub vouchers: Vec<Voucher>,
    pub signature: Signature,
}

impl Tessera {
    /// The channels program's config.
    pub fn channels_config(&self) -> Result<ChannelsConfig> {
        self.fetch("channels config", &pda::channels_config())
    }

    /// Creates the channels config (the wallet is the program's upgrade authority).
    pub fn initialize_channels(&self, args: InitializeConfigArgs) -> Result<Signature> {
        self.send(&[ix::channels::initialize_config(&self.wallet(), args)], &[])
    }

    /// Channels admin: changes the settings that are set.
    pub fn update_channels(&self, args: UpdateConfigArgs) -> Result<Signature> {
        self.send(&[ix::channels::update_config(&self.wallet(), args)], &[])
    }

    pub fn channel(&self, address: &Pubkey) -> Result<Channel> {
        self.fetch("channel", address)
    }

    /// The id `payer`'s next channel must have: its `PayerChannels` counter's last id + 1, or 1
    /// when it has opened none (no counter yet).
    pub fn next_channel_id(&self, payer: &Pubkey) -> Result<u64> {
        let counter: Option<PayerChannels> = self.fetch_opt(&pda::payer_channels(payer))?;
        let last = counter.map_or(0, |c| c.last_channel_id);
        last.checked_add(1)
            .ok_or_else(|| TesseraError::Invalid(format!("payer {payer} has no channel id left")))
    }

    /// Channels, filtered by the RPC node on payer, payee and model.
    pub fn list_channels(&self, f: &ChannelFilter) -> Result<Vec<(Pubkey, Channel)>> {
        use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
        let memcmp = |offset, key: &Pubkey| RpcFilterType::Memcmp(Memcmp::new_base58_encoded(offset, key.as_ref()));
        let mut filters = vec![];
        if let Some(p) = &f.payer {
            filters.push(memcmp(Channel::PAYER_OFFSET, p));
        }
        if let Some(p) = &f.payee {
            filters.push(memcmp(Channel::PAYEE_OFFSET, p));
        }
        if let Some(m) = &f.model {
            filters.push(memcmp(Channel::MODEL_OFFSET, m));
        }
        self.program_accounts(&CHANNELS_ID, filters)
    }

    /// Several channels at once (`None` where there is none): one `getMultipleAccounts` per
    /// hundred addresses.
    pub fn channels(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Channel>>> {
        use anchor_lang::AccountDeserialize;
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(100) {
            let accounts = self
                .rpc
                .get_multiple_accounts_with_commitment(chunk, self.rpc.commitment())
                .map_err(TesseraError::from)?
                .value;
            for (key, acc) in chunk.iter().zip(accounts) {
                out.push(match acc {
                    None => None,
                    Some(a) if a.owner != CHANNELS_ID => None,
                    Some(a) => Some(
                        Channel::try_deserialize(&mut a.data.as_slice())
                            .map_err(|e| TesseraError::Invalid(format!("account {key} is not a channel: {e}")))?,
                    ),
                });
            }
        }
        Ok(out)
    }

    /// The providers registered for `model` (by address). Providers list their models in a
    /// variable-length field, which memcmp cannot reach: they are fetched by discriminator and
    /// filtered here.
    pub fn providers_serving(&self, model: &Pubkey) -> Result<Vec<(Pubkey, Provider)>> {
        let providers: Vec<(Pubkey, Provider)> = self.program_accounts(&ESCROW_ID, vec![])?;
        Ok(providers.into_iter().filter(|(_, p)| p.serves(model)).collect())
    }

    /// Opens and funds a channel for a model from the wallet's associated token account of the
    /// model's payment mint (created if missing: the deposit then fails for want of funds, with
    /// the token program's error). Returns the channel's address.
    pub fn open_channel(&self, r: &OpenChannelRequest) -> Result<(Pubkey, Signature)> {
        let asset = self.asset(&r.model)?;
        let payee = match r.payee {
            Some(p) => p,
            None => {
                self.providers_serving(&r.model)?
                    .first()
                    .ok_or_else(|| {
                        TesseraError::Invalid(format!(
                            "no provider is registered for model {}: pass the payee (a provider's authority)",
                            r.model
                        ))
                    })?
                    .1
                    .authority
            }
        };
        let close_grace = match r.close_grace {
            Some(g) => g,
            None => {
                let c = self.channels_config()?;
                DEFAULT_CLOSE_GRACE.clamp(c.min_close_grace, c.max_close_grace.max(c.min_close_grace))
            }
        };
        let (_, token_program) = self.mint_info(&asset.payment_mint)?;
        let (payer_ata, mut ixs) = self.ensure_ata(&self.wallet(), &asset.payment_mint, &token_program)?;
        let channel_id = match r.channel_id {
            Some(id) => id,
            None => self.next_channel_id(&self.wallet())?,
        };
        ixs.push(ix::channels::open_channel(
            &ix::channels::OpenChannelAccounts {
                payer: self.wallet(),
                model: r.model,
                provider_authority: payee,
                mint: asset.payment_mint,
                payer_token_account: payer_ata,
                token_program,
                gated: asset.inference_gated,
            },
            OpenChannelArgs {
                channel_id,
                deposit: r.deposit,
                authorized_signer: r.authorized_signer.unwrap_or(self.wallet()),
                close_grace,
            },
        ));
        let channel = pda::channel(&self.wallet(), channel_id);
        Ok((channel, self.send(&ixs, &[])?))
    }

    /// The payer (the wallet) adds `amount` to a channel's deposit from its associated token
    /// account.
    pub fn top_up_channel(&self, channel_key: &Pubkey, amount: u64) -> Result<Signature> {
        let c = self.channel(channel_key)?;
        let (_, token_program) = self.mint_info(&c.mint)?;
        let source = pda::ata(&c.payer, &c.mint, &token_program);
        self.send(
            &[ix::channels::top_up(channel_key, &c, &source, &token_program, amount)],
            &[],
        )
    }

    /// The payer (the wallet) requests the close: the grace starts.
    pub fn request_close(&self, channel_key: &Pubkey) -> Result<Signature> {
        let c = self.channel(channel_key)?;
        self.send(&[ix::channels::request_close(channel_key, &c)], &[])
    }

    /// Anyone (the wallet pays the fee) closes a channel whose grace is over: the vault's rest
    /// goes to the payer's associated token account (created if missing). Returns the refund
    /// (what the vault held) and the signature.
    pub fn finalize_close(&self, channel_key: &Pubkey) -> Result<(u64, Signature)> {
        let c = self.channel(channel_key)?;
        let (_, token_program) = self.mint_info(&c.mint)?;
        let refund = self.token_balance(&c.vault)?;
        let (payer_ata, mut ixs) = self.ensure_ata(&c.payer, &c.mint, &token_program)?;
        ixs.push(ix::channels::finalize_close(
            &self.wallet(),
            channel_key,
            &c,
            &payer_ata,
            &token_program,
        ));
        Ok((refund, self.send(&ixs, &[])?))
    }

    /// The payees of a channel's settlements (the payee's and the current treasury's associated
    /// token accounts), with the instructions creating those that are missing.
    fn channel_settlement(&self, c: &Channel) -> Result<(SettleAccounts, Vec<Instruction>)> {
        let config = self.channels_config()?;
        let (_, token_program) = self.mint_info(&c.mint)?;
        let (payee_ata, mut ixs) = self.ensure_ata(&c.payee, &c.mint, &token_program)?;
        let (treasury_ata, more) = self.ensure_ata(&config.treasury, &c.mint, &token_program)?;
        ixs.extend(more);
        Ok((
            SettleAccounts {
                payee_token_account: payee_ata,
                treasury_token_account: treasury_ata,
                token_program,
            },
            ixs,
        ))
    }

    /// Settles vouchers (anyone may; the wallet pays the fees): `[ed25519, settle]` pairs, as
    /// many per transaction as fit in one (a voucher per channel: the highest one). Stops at the
    /// first failed transaction (its error); what was settled before it stays settled.
    pub fn settle_vouchers(&self, vouchers: &[Voucher]) -> Result<Vec<Settled>> {
        let mut pending: Vec<(Voucher, [Instruction; 2], Vec<Instruction>)> = vec![];
        let mut models: std::collections::HashMap<Pubkey, Asset> = std::collections::HashMap::new();
        for v in vouchers {
            let c = self.channel(&v.channel)?;
            if !models.contains_key(&c.model) {
                models.insert(c.model, self.asset(&c.model)?);
            }
            let (s, setup) = self.channel_settlement(&c)?;
            let pair = ix::channels::settle(&v.channel, &c, &models[&c.model], &s, v.args(), &v.signature);
            pending.push((*v, pair, setup));
        }
        let me = self.wallet();
        let mut out = vec![];
        let mut batch: Vec<Instruction> = vec![];
        let mut setup_keys: std::collections::HashSet<Pubkey> = std::collections::HashSet::new();
        let mut in_batch: Vec<Voucher> = vec![];
        for (v, pair, setup) in pending {
            let fresh_setup: Vec<Instruction> = setup
                .into_iter()
                .filter(|i| i.accounts.get(1).is_none_or(|m| !setup_keys.contains(&m.pubkey)))
                .collect();
            let mut candidate: Vec<Instruction> = fresh_setup.clone();
            candidate.extend(batch.iter().cloned());
            candidate.extend(pair.iter().cloned());
            if !in_batch.is_empty() && transaction_size(&candidate, &me) > MAX_TRANSACTION_SIZE {
                out.push(Settled {
                    vouchers: std::mem::take(&mut in_batch),
                    signature: self.send(&batch, &[])?,
                });
                batch.clear();
                setup_keys.clear();
            }
            // Account creations go first: `settle` reads the instruction just before it.
            for i in fresh_setup {
                if let Some(m) = i.accounts.get(1) {
                    setup_keys.insert(m.pubkey);
                }
                batch.insert(0, i);
            }
            batch.extend(pair);
            in_batch.push(v);
        }
        if !in_batch.is_empty() {
            out.push(Settled {
                vouchers: in_batch,
                signature: self.send(&batch, &[])?,
            });
        }
        Ok(out)
    }

    /// The payee (the wallet) settles an optional final voucher and closes the channel at once;
    /// the vault's rest goes to the payer's associated token account (created if missing).
    pub fn settle_and_close(&self, channel_key: &Pubkey, voucher: Option<&Voucher>) -> Result<Signature> {
        let c = self.channel(channel_key)?;
        let model = self.asset(&c.model)?;
        let (s, mut ixs) = self.channel_settlement(&c)?;
        let (payer_ata, more) = self.ensure_ata(&c.payer, &c.mint, &s.token_program)?;
        ixs.extend(more);
        if let Some(v) = voucher {
            if v.channel != *channel_key {
                return Err(TesseraError::Invalid(format!(
                    "the voucher is for channel {}, not {channel_key}",
                    v.channel
                )));
            }
        }
        ixs.extend(ix::channels::settle_and_close(
            channel_key,
            &c,
            &model,
            &s,
            &payer_ata,
            voucher.map(|v| (v.args(), v.signature)),
        ));
        self.send(&ixs, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_keypair::Keypair;

    #[test]
    fn a_voucher_round_trips_through_its_header_and_verifies() {
        let signer = Keypair::new();
        let channel = Pubkey::new_unique();
        let v = Voucher::sign(&signer, &channel, 1_234_567, 1_900_000_000);
        assert!(v.verify());
        let text = v.encode();
        assert!(text.starts_with("v1."), "{text}");
        assert_eq!(text.split('.').count(), 6);
        let back = Voucher::decode(&text).unwrap();
        assert_eq!(back, v);
        assert!(back.verify());
        assert_eq!(
            back.message(),
            voucher_message(&channel.to_bytes(), 1_234_567, 1_900_000_000)
        );
        assert_eq!(
            back.args(),
            SettleArgs {
                cumulative: 1_234_567,
                expiry: 1_900_000_000
            }
        );
    }

    #[test]
    fn a_tampered_voucher_does_not_verify() {
        let signer = Keypair::new();
        let v = Voucher::sign(&signer, &Pubkey::new_unique(), 10, 0);
        for tampered in [
            Voucher { cumulative: 11, ..v },
            Voucher { expiry: 1, ..v },
            Voucher {
                channel: Pubkey::new_unique(),
                ..v
            },
            Voucher {
                signer: Keypair::new().pubkey(),
                ..v
            },
        ] {
            assert!(!tampered.verify(), "{tampered}");
        }
        let mut sig = v;
        sig.signature[0] ^= 1;
        assert!(!sig.verify());
    }

    #[test]
    fn malformed_headers_are_refused_with_the_field_named() {
        let v = Voucher::sign(&Keypair::new(), &Pubkey::new_unique(), 10, 0).encode();
        let f: Vec<&str> = v.split('.').collect();
        let with = |i: usize, val: &str| {
            let mut g = f.clone();
            g[i] = val;
            Voucher::decode(&g.join("."))
        };
        assert_eq!(Voucher::decode(""), Err(VoucherError::Format));
        assert_eq!(Voucher::decode(&f[..5].join(".")), Err(VoucherError::Format));
        assert_eq!(with(0, "v2"), Err(VoucherError::Format));
        assert_eq!(with(1, "nope"), Err(VoucherError::Field("channel")));
        assert_eq!(with(2, "-1"), Err(VoucherError::Field("cumulative amount")));
        assert_eq!(with(2, "1e3"), Err(VoucherError::Field("cumulative amount")));
        assert_eq!(
            with(2, "18446744073709551616"),
            Err(VoucherError::Field("cumulative amount"))
        );
        assert_eq!(with(3, "-5"), Err(VoucherError::Field("expiry")));
        assert_eq!(with(4, "0"), Err(VoucherError::Field("signer")));
        assert_eq!(with(5, "xyz"), Err(VoucherError::Field("signature")));
    }

    #[test]
    fn a_view_shows_the_grace_end_only_after_a_close_request() {
        let key = |b| Pubkey::new_from_array([b; 32]);
        let mut c = Channel {
            payer: key(1),
            payee: key(2),
            provider: key(3),
            authorized_signer: key(4),
            model: key(5),
            model_split: key(6),
            mint: key(7),
            vault: key(8),
            channel_id: 9,
            deposit: 100,
            settled: 30,
            fee_bps: 0,
            royalty_bps: 0,
            close_grace: 60,
            close_requested_at: 0,
            opened_at: 5,
            bump: 255,
            vault_bump: 254,
        };
        let v = ChannelView::new(&key(9), &c);
        assert_eq!((v.remaining, v.close_requested_at, v.grace_ends_at), (70, None, None));
        c.close_requested_at = 1_000;
        let v = ChannelView::new(&key(9), &c);
        assert_eq!((v.close_requested_at, v.grace_ends_at), (Some(1_000), Some(1_060)));
    }
}
