//! The Ed25519 instruction `settle` reads must be the one just before it, verifying exactly one
//! signature whose public key, signature and message are inline at the canonical offsets. Each
//! tampered form below passes the runtime's own signature verification (the signatures are
//! genuine) and is refused by `settle` with its named error: what counts is what was verified.

use tessera_client::{
    channels::{
        errors::ChannelsError,
        voucher::{voucher_message, ED25519_VOUCHER_IX_LEN},
    },
    Instruction,
};
use tessera_program_tests::{assert_err, TestSigner, TransactionError};

use super::*;

fn ed25519_ix(data: Vec<u8>) -> Instruction {
    Instruction {
        program_id: "Ed25519SigVerify111111111111111111111111111".parse().unwrap(),
        accounts: vec![],
        data,
    }
}

/// Offsets record: (signature, its ix), (public key, its ix), (message, size, its ix).
fn record(sig: u16, sig_ix: u16, pk: u16, pk_ix: u16, msg: u16, len: u16, msg_ix: u16) -> Vec<u8> {
    [sig, sig_ix, pk, pk_ix, msg, len, msg_ix]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

const INLINE: u16 = u16::MAX;

struct Voucher {
    channel: Pubkey,
    signer: TestKeypair,
    message: Vec<u8>,
    signature: [u8; 64],
}

impl Voucher {
    fn new(channel: &Pubkey, signer: &TestKeypair, cumulative: u64) -> Self {
        let message = voucher_message(&channel.to_bytes(), cumulative, 0).to_vec();
        Self::of_message(channel, signer, message)
    }

    fn of_message(channel: &Pubkey, signer: &TestKeypair, message: Vec<u8>) -> Self {
        let signature = signer.sign_message(&message).into();
        Voucher {
            channel: *channel,
            signer: signer.insecure_clone(),
            message,
            signature,
        }
    }

    fn pubkey(&self) -> [u8; 32] {
        self.signer.pubkey().to_bytes()
    }
}

async fn setup() -> (Fx, Pubkey, Instruction) {
    let mut f = fixture().await;
    let ch = f.open(1, DEPOSIT).await;
    let p = f.payer.insecure_clone();
    let [_, settle] = f.settle_ixs(&ch, 1_000, 0, &p).await;
    (f, ch, settle)
}

#[tokio::test]
async fn the_genuine_instruction_settles_and_a_forged_signature_never_reaches_the_program() {
    let (mut f, ch, settle) = setup().await;
    let p = f.payer.insecure_clone();
    let v = Voucher::new(&ch, &p, 1_000);
    let mut data = vec![1, 0];
    data.extend(record(48, INLINE, 16, INLINE, 112, 50, INLINE));
    data.extend(v.pubkey());
    data.extend(v.signature);
    data.extend(&v.message);
    assert_eq!(data.len(), ED25519_VOUCHER_IX_LEN);
    // A flipped bit in the signature: the runtime's verification refuses the transaction.
    let mut forged = data.clone();
    forged[60] ^= 1;
    let res = f.w.h.send(&[ed25519_ix(forged), settle.clone()], &[]).await;
    assert!(matches!(res, Err(TransactionError::InstructionError(0, _))), "{res:?}");
    assert_eq!(f.channel(&ch).await.settled, 0);
    f.w.h.send(&[ed25519_ix(data), settle], &[]).await.expect("canonical");
    assert_eq!(f.channel(&ch).await.settled, 1_000);
    assert_eq!(v.channel, ch);
}

#[tokio::test]
async fn the_check_must_be_the_previous_instruction() {
    let (mut f, ch, settle) = setup().await;
    let p = f.payer.insecure_clone();
    let [sig, _] = f.settle_ixs(&ch, 1_000, 0, &p).await;
    // Another instruction in between.
    let admin = f.w.admin.pubkey();
    let between = solana_system_interface::instruction::transfer(&f.w.h.payer(), &admin, 1);
    assert_err(
        f.w.h.send(&[sig.clone(), between, settle.clone()], &[]).await,
        ChannelsError::Ed25519InstructionMissing,
    );
    // After the settle instead of before it; or none at all.
    assert_err(
        f.w.h.send(&[settle.clone(), sig], &[]).await,
        ChannelsError::Ed25519InstructionMissing,
    );
    assert_err(
        f.w.h.send(&[settle], &[]).await,
        ChannelsError::Ed25519InstructionMissing,
    );
}

#[tokio::test]
async fn two_signatures_are_refused() {
    let (mut f, ch, settle) = setup().await;
    let p = f.payer.insecure_clone();
    let v = Voucher::new(&ch, &p, 1_000);
    // Two records verifying the same (genuine) signature twice.
    let mut data = vec![2, 0];
    let (pk, sig, msg) = (30u16, 62u16, 126u16);
    for _ in 0..2 {
        data.extend(record(sig, INLINE, pk, INLINE, msg, 50, INLINE));
    }
    data.extend(v.pubkey());
    data.extend(v.signature);
    data.extend(&v.message);
    assert_err(
        f.w.h.send(&[ed25519_ix(data), settle], &[]).await,
        ChannelsError::Ed25519SignatureCount,
    );
}

#[tokio::test]
async fn offsets_pointing_at_other_data_are_refused() {
    let (mut f, ch, settle) = setup().await;
    let p = f.payer.insecure_clone();
    let v = Voucher::new(&ch, &p, 1_000);
    // The same 162 bytes, the signature before the public key: a valid check, not the canonical
    // layout (where a reader would take the signature's bytes for the public key).
    let mut data = vec![1, 0];
    data.extend(record(16, INLINE, 80, INLINE, 112, 50, INLINE));
    data.extend(v.signature);
    data.extend(v.pubkey());
    data.extend(&v.message);
    assert_eq!(data.len(), ED25519_VOUCHER_IX_LEN);
    assert_err(
        f.w.h.send(&[ed25519_ix(data), settle], &[]).await,
        ChannelsError::Ed25519OffsetsNotCanonical,
    );
}

#[tokio::test]
async fn offsets_pointing_at_another_instruction_are_refused() {
    let (mut f, ch, _) = setup().await;
    let p = f.payer.insecure_clone();
    // Instruction 0 verifies a genuine small voucher (1 unit). Instruction 1, just before the
    // settle, reads everything from instruction 0 at the canonical offsets, while its own inline
    // bytes claim the channel's signer signed a voucher for the whole deposit.
    let small = Voucher::new(&ch, &p, 1);
    let mut genuine = vec![1, 0];
    genuine.extend(record(48, INLINE, 16, INLINE, 112, 50, INLINE));
    genuine.extend(small.pubkey());
    genuine.extend(small.signature);
    genuine.extend(&small.message);
    let mut pointing = vec![1, 0];
    pointing.extend(record(48, 0, 16, 0, 112, 50, 0));
    pointing.extend(small.pubkey());
    pointing.extend([0u8; 64]);
    pointing.extend(voucher_message(&ch.to_bytes(), DEPOSIT, 0));
    assert_eq!(pointing.len(), ED25519_VOUCHER_IX_LEN);
    let [_, settle_all] = f.settle_ixs(&ch, DEPOSIT, 0, &p).await;
    assert_err(
        f.w.h
            .send(&[ed25519_ix(genuine), ed25519_ix(pointing), settle_all], &[])
            .await,
        ChannelsError::Ed25519DataNotInline,
    );
    assert_eq!(f.channel(&ch).await.settled, 0);
}

#[tokio::test]
async fn a_message_of_another_length_is_refused() {
    let (mut f, ch, settle) = setup().await;
    let p = f.payer.insecure_clone();
    // The voucher with one more byte, signed as such.
    let mut message = voucher_message(&ch.to_bytes(), 1_000, 0).to_vec();
    message.push(0);
    let v = Voucher::of_message(&ch, &p, message);
    let mut data = vec![1, 0];
    data.extend(record(48, INLINE, 16, INLINE, 112, 51, INLINE));
    data.extend(v.pubkey());
    data.extend(v.signature);
    data.extend(&v.message);
    assert_err(
        f.w.h.send(&[ed25519_ix(data), settle.clone()], &[]).await,
        ChannelsError::Ed25519DataLength,
    );
    // 49 bytes of it: the right length overall would need the size field to lie.
    let v = Voucher::of_message(&ch, &p, voucher_message(&ch.to_bytes(), 1_000, 0)[..49].to_vec());
    let mut data = vec![1, 0];
    data.extend(record(48, INLINE, 16, INLINE, 112, 49, INLINE));
    data.extend(v.pubkey());
    data.extend(v.signature);
    data.extend(&v.message);
    data.push(0);
    assert_eq!(data.len(), ED25519_VOUCHER_IX_LEN);
    assert_err(
        f.w.h.send(&[ed25519_ix(data), settle], &[]).await,
        ChannelsError::Ed25519OffsetsNotCanonical,
    );
}
