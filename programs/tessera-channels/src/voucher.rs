//! The voucher: what a channel's authorized signer signs to pay, and how `settle` reads the
//! signature check of it.
//!
//! # Message (exactly 50 bytes)
//!
//! | bytes  | field                                                 |
//! |--------|-------------------------------------------------------|
//! | 0..2   | magic `0x56 0x01`                                     |
//! | 2..34  | the channel's address                                 |
//! | 34..42 | the cumulative amount, u64 little-endian (base units) |
//! | 42..50 | the expiry, i64 little-endian unix seconds (0 = none) |
//!
//! The layout of the Solana Foundation payment-channels program, so that one wallet signer
//! serves both. The amount is cumulative: each voucher replaces the previous one, and settling
//! pays only what it adds to the channel's `settled`.
//!
//! # The Ed25519 instruction `settle` accepts
//!
//! The runtime verifies every Ed25519 program instruction of a transaction before it executes;
//! `settle` then checks *what* was verified, reading the instruction just before it through the
//! instructions sysvar, parsed strictly ([`parse_ed25519_instruction`]): one signature, the
//! padding byte 0, exactly 162 bytes of data, the canonical offsets (public key at 16, signature
//! at 48, message at 112, 50 bytes of message) and every instruction index `u16::MAX` (the data
//! inline in that same instruction). This is the layout of `solana-ed25519-program`'s
//! `new_ed25519_instruction_with_signature`, which the client uses.

/// First two bytes of a voucher message.
pub const VOUCHER_MAGIC: [u8; 2] = [0x56, 0x01];
/// Length of a voucher message.
pub const VOUCHER_LEN: usize = 50;
// The Ed25519 offsets record stores the message size as a u16: 50 fits.
const _: () = assert!(VOUCHER_LEN <= u16::MAX as usize);

/// The voucher message for `cumulative` base units through `channel`, valid until `expiry`
/// (unix seconds; 0 = no expiry).
pub fn voucher_message(channel: &[u8; 32], cumulative: u64, expiry: i64) -> [u8; VOUCHER_LEN] {
    let mut m = [0u8; VOUCHER_LEN];
    m[..2].copy_from_slice(&VOUCHER_MAGIC);
    m[2..34].copy_from_slice(channel);
    m[34..42].copy_from_slice(&cumulative.to_le_bytes());
    m[42..50].copy_from_slice(&expiry.to_le_bytes());
    m
}

/// Size of the Ed25519 instruction's header: the signature count, a padding byte and one
/// 14-byte offsets record.
pub const ED25519_HEADER_LEN: usize = 16;
/// Where the public key starts in a canonical one-signature instruction.
pub const ED25519_PUBKEY_OFFSET: u16 = 16;
/// Where the signature starts.
pub const ED25519_SIGNATURE_OFFSET: u16 = 48;
/// Where the message starts.
pub const ED25519_MESSAGE_OFFSET: u16 = 112;
/// The data length of a canonical instruction carrying one voucher signature:
/// 16 + 32 + 64 + 50 = 162 bytes.
pub const ED25519_VOUCHER_IX_LEN: usize = ED25519_HEADER_LEN + 32 + 64 + VOUCHER_LEN;
/// "This same instruction": the instruction index of inline data.
pub const ED25519_INLINE: u16 = u16::MAX;

/// Why an Ed25519 instruction is not one inline voucher signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ed25519Refusal {
    /// The data is not exactly [`ED25519_VOUCHER_IX_LEN`] bytes.
    DataLength,
    /// Not exactly one signature (or a non-zero padding byte).
    SignatureCount,
    /// The offsets are not the canonical ones.
    OffsetsNotCanonical,
    /// Some data is read from another instruction.
    NotInline,
}

/// What an Ed25519 instruction verified: a signature by `pubkey` of `message`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedVoucher<'a> {
    pub pubkey: &'a [u8; 32],
    pub message: &'a [u8; VOUCHER_LEN],
}

fn u16_at(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([data[at], data[at + 1]])
}

/// Parses the data of an Ed25519 program instruction that must verify exactly one inline
/// voucher signature in the canonical layout (see the module).
pub fn parse_ed25519_instruction(data: &[u8]) -> Result<VerifiedVoucher<'_>, Ed25519Refusal> {
    // [num_signatures: u8, padding: u8]
    match data {
        [1, 0, ..] => {}
        [_, _, ..] => return Err(Ed25519Refusal::SignatureCount),
        _ => return Err(Ed25519Refusal::DataLength),
    }
    if data.len() != ED25519_VOUCHER_IX_LEN {
        return Err(Ed25519Refusal::DataLength);
    }
    // Offsets record: signature_offset, signature_instruction_index, public_key_offset,
    // public_key_instruction_index, message_data_offset, message_data_size,
    // message_instruction_index (each u16 LE).
    let field = |i: usize| u16_at(data, 2 + 2 * i);
    let offsets = (field(0), field(2), field(4), field(5));
    let canonical = (
        ED25519_SIGNATURE_OFFSET,
        ED25519_PUBKEY_OFFSET,
        ED25519_MESSAGE_OFFSET,
        VOUCHER_LEN as u16,
    );
    if offsets != canonical {
        return Err(Ed25519Refusal::OffsetsNotCanonical);
    }
    if [field(1), field(3), field(6)] != [ED25519_INLINE; 3] {
        return Err(Ed25519Refusal::NotInline);
    }
    let pk = usize::from(ED25519_PUBKEY_OFFSET);
    let msg = usize::from(ED25519_MESSAGE_OFFSET);
    // The slices have the exact lengths by the length check above.
    let pubkey = data[pk..pk + 32].try_into().map_err(|_| Ed25519Refusal::DataLength)?;
    let message = data[msg..msg + VOUCHER_LEN]
        .try_into()
        .map_err(|_| Ed25519Refusal::DataLength)?;
    Ok(VerifiedVoucher { pubkey, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical instruction data, laid out by hand.
    fn canonical(pubkey: [u8; 32], message: [u8; VOUCHER_LEN]) -> Vec<u8> {
        let mut d = vec![1, 0];
        for v in [48u16, u16::MAX, 16, u16::MAX, 112, 50, u16::MAX] {
            d.extend_from_slice(&v.to_le_bytes());
        }
        d.extend_from_slice(&pubkey);
        d.extend_from_slice(&[0xEE; 64]);
        d.extend_from_slice(&message);
        d
    }

    #[test]
    fn the_message_layout() {
        let m = voucher_message(&[7; 32], 0x0102_0304_0506_0708, -2);
        assert_eq!(m.len(), 50);
        assert_eq!(&m[..2], &[0x56, 0x01]);
        assert_eq!(&m[2..34], &[7; 32]);
        assert_eq!(&m[34..42], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&m[42..50], &(-2i64).to_le_bytes());
    }

    #[test]
    fn reads_the_canonical_instruction() {
        let msg = voucher_message(&[3; 32], 1_000, 0);
        let data = canonical([9; 32], msg);
        assert_eq!(data.len(), ED25519_VOUCHER_IX_LEN);
        let v = parse_ed25519_instruction(&data).unwrap();
        assert_eq!((v.pubkey, v.message), (&[9; 32], &msg));
    }

    #[test]
    fn refuses_anything_else() {
        let good = canonical([9; 32], voucher_message(&[3; 32], 1, 0));
        let tamper = |at: usize, v: u16| {
            let mut d = good.clone();
            d[at..at + 2].copy_from_slice(&v.to_le_bytes());
            parse_ed25519_instruction(&d).map(|_| ())
        };
        assert_eq!(parse_ed25519_instruction(&good[..161]), Err(Ed25519Refusal::DataLength));
        let mut long = good.clone();
        long.push(0);
        assert_eq!(parse_ed25519_instruction(&long), Err(Ed25519Refusal::DataLength));
        assert_eq!(parse_ed25519_instruction(&[]), Err(Ed25519Refusal::DataLength));
        assert_eq!(parse_ed25519_instruction(&[1]), Err(Ed25519Refusal::DataLength));
        let mut two = good.clone();
        two[0] = 2;
        assert_eq!(parse_ed25519_instruction(&two), Err(Ed25519Refusal::SignatureCount));
        // A count is refused as such whatever the length (two records make a longer header).
        assert_eq!(
            parse_ed25519_instruction(&two[..30]),
            Err(Ed25519Refusal::SignatureCount)
        );
        let mut pad = good.clone();
        pad[1] = 1;
        assert_eq!(parse_ed25519_instruction(&pad), Err(Ed25519Refusal::SignatureCount));
        assert_eq!(tamper(2, 16), Err(Ed25519Refusal::OffsetsNotCanonical)); // signature offset
        assert_eq!(tamper(6, 48), Err(Ed25519Refusal::OffsetsNotCanonical)); // public key offset
        assert_eq!(tamper(10, 111), Err(Ed25519Refusal::OffsetsNotCanonical)); // message offset
        assert_eq!(tamper(12, 49), Err(Ed25519Refusal::OffsetsNotCanonical)); // message size
        assert_eq!(tamper(4, 0), Err(Ed25519Refusal::NotInline)); // signature ix index
        assert_eq!(tamper(8, 1), Err(Ed25519Refusal::NotInline)); // public key ix index
        assert_eq!(tamper(14, 2), Err(Ed25519Refusal::NotInline)); // message ix index
    }
}
