//! Decoding of the events the programs emit with `emit_cpi!`: each is a self-invocation whose
//! data is Anchor's event tag, the event's discriminator and its Borsh encoding.

use anchor_lang::{event::EVENT_IX_TAG_LE, AnchorDeserialize, Discriminator};

/// Decodes `E` from the data of an `emit_cpi!` inner instruction, or `None` if the data is
/// another event or not an event at all.
pub fn decode<E: Discriminator + AnchorDeserialize>(ix_data: &[u8]) -> Option<E> {
    let rest = ix_data.strip_prefix(EVENT_IX_TAG_LE)?;
    let body = rest.strip_prefix(E::DISCRIMINATOR)?;
    E::deserialize(&mut &body[..]).ok()
}
