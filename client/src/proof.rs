//! Proof of wallet control for the access gate (`tessera serve`).
//!
//! The holder signs, with its wallet's ed25519 key, this exact UTF-8 message (lines joined by
//! `\n`, no trailing newline):
//!
//! ```text
//! tessera-access-v1
//! domain: <the server's domain, e.g. data.example.org>
//! asset: <asset address, base58>
//! nonce: <the nonce from GET /v1/assets/<asset>/challenge>
//! expires: <the nonce's expiry, unix seconds>
//! ```
//!
//! and presents it with the headers `X-Tessera-Holder` (base58 address), `X-Tessera-Nonce` and
//! `X-Tessera-Signature` (base58). Binding the domain stops a proof made for one server from
//! being replayed at another; the nonce is single-use and expires within 5 minutes.
//!
//! A consumable gate (`tessera serve --consumable`) also wants `X-Tessera-Redeem`: the
//! signature of a confirmed transaction in which the holder redeemed (burnt) N access tokens of
//! the asset with `redeem_access`. It pays for N deliveries, whatever the holder's balance;
//! each delivery answers with `X-Tessera-Redeem-Remaining`.

use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;

pub const HOLDER_HEADER: &str = "x-tessera-holder";
pub const NONCE_HEADER: &str = "x-tessera-nonce";
pub const SIGNATURE_HEADER: &str = "x-tessera-signature";
/// Consumable assets: the signature of a confirmed `redeem_access` transaction of the holder.
/// A redemption of N access tokens of the asset pays for N deliveries, then is used up.
pub const REDEEM_HEADER: &str = "x-tessera-redeem";
/// Consumable assets, on a delivery: the deliveries the presented redemption still pays for.
pub const REDEEM_REMAINING_HEADER: &str = "x-tessera-redeem-remaining";

/// The message a holder signs.
pub fn message(domain: &str, asset: &Pubkey, nonce: &str, expires: i64) -> String {
    format!("tessera-access-v1\ndomain: {domain}\nasset: {asset}\nnonce: {nonce}\nexpires: {expires}")
}

/// Signs the access message with the holder's keypair.
pub fn sign(holder: &Keypair, domain: &str, asset: &Pubkey, nonce: &str, expires: i64) -> Signature {
    holder.sign_message(message(domain, asset, nonce, expires).as_bytes())
}

/// Whether `signature` (base58) is `holder`'s signature of the message.
pub fn verify(holder: &Pubkey, signature: &str, domain: &str, asset: &Pubkey, nonce: &str, expires: i64) -> bool {
    Signature::from_str(signature)
        .map(|s| s.verify(holder.as_ref(), message(domain, asset, nonce, expires).as_bytes()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_only_the_exact_message() {
        let kp = Keypair::new();
        let asset = Pubkey::new_unique();
        let sig = sign(&kp, "data.example", &asset, "n1", 100).to_string();
        assert!(verify(&kp.pubkey(), &sig, "data.example", &asset, "n1", 100));
        assert!(!verify(&kp.pubkey(), &sig, "evil.example", &asset, "n1", 100));
        assert!(!verify(&kp.pubkey(), &sig, "data.example", &asset, "n2", 100));
        assert!(!verify(&kp.pubkey(), &sig, "data.example", &asset, "n1", 101));
        assert!(!verify(&Pubkey::new_unique(), &sig, "data.example", &asset, "n1", 100));
        assert!(!verify(&kp.pubkey(), "not-base58!", "data.example", &asset, "n1", 100));
        assert_eq!(message("d", &asset, "n", 5).lines().count(), 5);
    }
}
