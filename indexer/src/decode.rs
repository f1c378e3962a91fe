//! Events out of a transaction: the `emit_cpi!` self-invocations of the Tessera programs
//! among its inner instructions, each located by (top-level instruction, inner index) and
//! attributed to the instruction that emitted it.

use anchor_lang::{event::EVENT_IX_TAG_LE, prelude::Pubkey, Discriminator};
use tessera_client::{channels, escrow, events::decode as decode_as, pda, registry, royalties};

macro_rules! events {
    ($( $prog:ident :: $ty:ident => $var:ident ),* $(,)?) => {
        /// Every event of the four programs. The variant name is the `name` column of `events`.
        pub enum Event { $( $var($prog::events::$ty), )* }

        impl Event {
            pub fn name(&self) -> &'static str {
                match self { $( Event::$var(_) => stringify!($var), )* }
            }
        }

        /// Decodes the data of a self-invocation of `program` into its event.
        pub fn decode_event(program: &Pubkey, data: &[u8]) -> Option<Event> {
            $(
                if *program == $prog::ID {
                    if let Some(e) = decode_as::<$prog::events::$ty>(data) {
                        return Some(Event::$var(e));
                    }
                }
            )*
            None
        }
    };
}

events! {
    registry::ConfigInitialized => ConfigInitialized,
    registry::ConfigUpdated => ConfigUpdated,
    registry::AdminProposed => RegistryAdminProposed,
    registry::AdminChanged => RegistryAdminChanged,
    registry::AssetPublished => AssetPublished,
    registry::AssetUpdated => AssetUpdated,
    registry::AssetStateChanged => AssetStateChanged,
    registry::AccessBought => AccessBought,
    registry::AccessRedeemed => AccessRedeemed,
    registry::PassRevoked => PassRevoked,
    registry::FeesSwept => FeesSwept,
    royalties::SplitCreated => SplitCreated,
    royalties::Deposited => Deposited,
    royalties::Claimed => Claimed,
    royalties::SplitUpdated => SplitUpdated,
    royalties::Synced => Synced,
    royalties::BalancesParked => BalancesParked,
    royalties::SplitAuthorityProposed => SplitAuthorityProposed,
    royalties::SplitAuthorityAccepted => SplitAuthorityAccepted,
    escrow::EscrowConfigUpdated => EscrowConfigUpdated,
    escrow::AdminProposed => EscrowAdminProposed,
    escrow::AdminChanged => EscrowAdminChanged,
    escrow::ModelProvidersSet => ModelProvidersSet,
    escrow::ProviderRegistered => ProviderRegistered,
    escrow::ProviderUpdated => ProviderUpdated,
    escrow::BondChanged => BondChanged,
    escrow::UnbondRequested => UnbondRequested,
    escrow::JobOpened => JobOpened,
    escrow::JobAccepted => JobAccepted,
    escrow::ResultSubmitted => ResultSubmitted,
    escrow::JobDisputed => JobDisputed,
    escrow::JobSettled => JobSettled,
    channels::ChannelsConfigUpdated => ChannelsConfigUpdated,
    channels::ChannelsAdminProposed => ChannelsAdminProposed,
    channels::ChannelsAdminChanged => ChannelsAdminChanged,
    channels::ChannelOpened => ChannelOpened,
    channels::ChannelToppedUp => ChannelToppedUp,
    channels::ChannelSettled => ChannelSettled,
    channels::ChannelCloseRequested => ChannelCloseRequested,
    channels::ChannelClosed => ChannelClosed,
}

/// The programs whose events are indexed.
pub fn programs() -> Vec<Pubkey> {
    vec![registry::ID, royalties::ID, escrow::ID, channels::ID]
}

/// One instruction of a transaction, flattened: the top-level instruction `ix_index`
/// (`inner_index` = None) or its `inner_index`-th inner instruction.
pub struct FlatIx {
    pub ix_index: u32,
    pub inner_index: Option<u32>,
    /// 1 for a top-level instruction, 2 for what it invokes, …
    pub stack_height: u32,
    pub program: Pubkey,
    pub first_account: Option<Pubkey>,
    pub data: Vec<u8>,
}

/// An event and where it was found.
pub struct Located {
    pub ix_index: u32,
    pub inner_index: u32,
    pub program: Pubkey,
    /// The Anchor discriminator of the instruction that emitted it (the nearest preceding
    /// instruction one level up).
    pub emitter: Option<[u8; 8]>,
    pub event: Event,
    /// The Borsh body, hex.
    pub body_hex: String,
}

/// The events among `ixs` (in execution order): inner instructions of one of `programs`
/// whose first account is that program's event authority and whose data carries Anchor's
/// event tag. Only the program can sign for its event authority, so a successful transaction
/// carries no forged event.
pub fn events_of(ixs: &[FlatIx], programs: &[Pubkey]) -> Vec<Located> {
    let mut out = Vec::new();
    for (i, ix) in ixs.iter().enumerate() {
        let Some(inner_index) = ix.inner_index else { continue };
        if !programs.contains(&ix.program) || ix.first_account != Some(pda::event_authority(&ix.program)) {
            continue;
        }
        let Some(event) = decode_event(&ix.program, &ix.data) else {
            continue;
        };
        let emitter = ixs[..i]
            .iter()
            .rev()
            .find(|p| p.stack_height + 1 == ix.stack_height)
            .and_then(|p| p.data.get(..8))
            .and_then(|d| d.try_into().ok());
        let body = ix.data.get(EVENT_IX_TAG_LE.len() + 8..).unwrap_or_default();
        out.push(Located {
            ix_index: ix.ix_index,
            inner_index,
            program: ix.program,
            emitter,
            event,
            body_hex: crate::db::hex(body),
        });
    }
    out
}

/// Whether an event was emitted by the royalties program's `claim_parked`.
pub fn emitted_by_claim_parked(l: &Located) -> bool {
    l.emitter
        .is_some_and(|e| e.as_slice() == royalties::instruction::ClaimParked::DISCRIMINATOR)
}
