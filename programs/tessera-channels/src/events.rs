use anchor_lang::prelude::*;

/// The config was initialised or its settings changed.
#[event]
pub struct ChannelsConfigUpdated {
    pub admin: Pubkey,
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub min_close_grace: u32,
    pub max_close_grace: u32,
    pub paused: bool,
}

/// The admin proposed `pending_admin` as its successor (it takes over when it accepts).
#[event]
pub struct ChannelsAdminProposed {
    pub admin: Pubkey,
    pub pending_admin: Pubkey,
}

/// The proposed admin accepted: `admin` replaces `previous`.
#[event]
pub struct ChannelsAdminChanged {
    pub previous: Pubkey,
    pub admin: Pubkey,
}

/// A payer opened a channel to a provider for a model.
#[event]
pub struct ChannelOpened {
    pub channel: Pubkey,
    pub payer: Pubkey,
    pub payee: Pubkey,
    pub provider: Pubkey,
    pub authorized_signer: Pubkey,
    pub model: Pubkey,
    pub mint: Pubkey,
    pub channel_id: u64,
    /// What the vault received (net of any Token-2022 transfer fee).
    pub deposit: u64,
    /// Snapshots at opening: the protocol fee and the model's inference royalty.
    pub fee_bps: u16,
    pub royalty_bps: u16,
    pub close_grace: u32,
    pub opened_at: i64,
}

/// The payer added to the deposit.
#[event]
pub struct ChannelToppedUp {
    pub channel: Pubkey,
    /// What the payer sent.
    pub amount: u64,
    /// What the vault received (net of any Token-2022 transfer fee), added to the deposit.
    pub received: u64,
    pub deposit: u64,
}

/// A voucher was settled: `amount = cumulative − the previous settled total` was paid out of the
/// vault. `to_treasury + to_model_split + Σ to_parents + to_payee == amount`.
#[event]
pub struct ChannelSettled {
    pub channel: Pubkey,
    pub cumulative: u64,
    pub amount: u64,
    pub to_treasury: u64,
    pub to_model_split: u64,
    /// Each parent's share, in the order of the model's parents, deposited into its split.
    pub to_parents: Vec<u64>,
    pub to_payee: u64,
    /// The new settled total (== `cumulative`).
    pub settled: u64,
    /// `deposit − settled`: what the payer gets back if the channel closes now.
    pub remaining: u64,
}

/// The payer requested the close; the payee may settle until `grace_ends_at`, after which
/// anyone finalizes.
#[event]
pub struct ChannelCloseRequested {
    pub channel: Pubkey,
    pub requested_at: i64,
    pub grace_ends_at: i64,
}

/// A channel closed: its vault was emptied to the payer and closed, and the channel account
/// closed (rents to the payer).
#[event]
pub struct ChannelClosed {
    pub channel: Pubkey,
    /// The settled total at the close.
    pub settled: u64,
    /// The unspent deposit returned to the payer (`deposit − settled`).
    pub refund: u64,
    /// Tokens the vault held beyond the unspent deposit (sent to it by anyone), also to the
    /// payer.
    pub surplus: u64,
    /// Who closed it: anyone after the grace (`finalize_close`), or the payee
    /// (`settle_and_close`).
    pub by: Pubkey,
}
