//! Stateless challenges and sessions of the access gate.
//!
//! A challenge costs the gate no memory: its nonce carries its own expiry and a MAC (HMAC-SHA256
//! with a random key drawn when the process starts) over `(random part, expiry, asset, domain)`,
//! so the gate recognises its own nonces without remembering them. The nonce is 80 lowercase hex
//! characters: 16 random bytes, the expiry (unix seconds, 8 bytes big-endian) and the first 16
//! bytes of the MAC. Clients treat it as opaque text (sign it as before). Only a nonce that was
//! used for a delivery is remembered, and only until its expiry, so that it cannot be replayed:
//! the set of used nonces is ordered by expiry, pruned as they expire and bounded by
//! [`MAX_USED`].
//!
//! A session is a bearer token the gate issues after one verified challenge:
//! `v1.<holder>.<expiry>.<MAC hex>`, the MAC over `(holder, expiry, asset, domain)` with the same
//! key. It expires at most [`SESSION_TTL`] seconds after issue and no later than the pass. A
//! token of another gate process, asset or domain, or an altered one, fails its MAC.

use std::{collections::BTreeSet, str::FromStr, sync::Mutex};

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tessera_client::Pubkey;

type HmacSha256 = Hmac<Sha256>;

/// Most used, unexpired nonces remembered (24 bytes each plus the tree's overhead). Only a
/// nonce whose proof was verified and whose holder was granted the delivery enters the set.
pub const MAX_USED: usize = 250_000;

/// Longest life of a session token, in seconds.
pub const SESSION_TTL: i64 = 600;

/// Bytes of the random part, of the expiry and of the MAC kept in a nonce.
const RAND_LEN: usize = 16;
const EXPIRY_LEN: usize = 8;
const TAG_LEN: usize = 16;
const NONCE_LEN: usize = RAND_LEN + EXPIRY_LEN + TAG_LEN;

/// Why a nonce is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum NonceError {
    /// Not a nonce of this gate process (malformed, or its MAC fails).
    Unknown,
    /// A nonce of this gate, already used.
    Replayed,
    /// A nonce of this gate, past its expiry.
    Expired,
    /// The used-nonce set is full of unexpired nonces.
    Busy,
}

/// Why a session token is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionError {
    /// Malformed, or its MAC fails (another gate, asset, domain or holder; altered).
    Invalid,
    /// Past its expiry.
    Expired,
}

/// A nonce of this gate whose MAC checked: its random part and expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Issued {
    rand: [u8; RAND_LEN],
    pub expires: i64,
}

pub struct Challenges {
    key: [u8; 32],
    domain: String,
    /// Used nonces, by (expiry, random part): pruned from the front as they expire.
    used: Mutex<BTreeSet<(i64, [u8; RAND_LEN])>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str, out: &mut [u8]) -> Option<()> {
    let t = text.as_bytes();
    if t.len() != out.len() * 2 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    for (i, o) in out.iter_mut().enumerate() {
        *o = digit(t[2 * i])? << 4 | digit(t[2 * i + 1])?;
    }
    Some(())
}

impl Challenges {
    /// A fresh random key: nonces and sessions of an earlier process are not recognised.
    pub fn new(domain: String) -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self::with_key(key, domain)
    }

    pub fn with_key(key: [u8; 32], domain: String) -> Self {
        Self {
            key,
            domain,
            used: Mutex::new(BTreeSet::new()),
        }
    }

    fn mac(&self, label: &[u8], parts: &[&[u8]], asset: &Pubkey) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        m.update(label);
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m.update(asset.as_ref());
        m.update(&(self.domain.len() as u64).to_be_bytes());
        m.update(self.domain.as_bytes());
        m
    }

    /// A new nonce for `asset`, expiring at `expires`. Nothing is stored.
    pub fn issue(&self, asset: &Pubkey, expires: i64) -> String {
        let mut rand = [0u8; RAND_LEN];
        rand::rngs::OsRng.fill_bytes(&mut rand);
        let exp = expires.to_be_bytes();
        let tag = self
            .mac(b"tessera-challenge-v1", &[&rand, &exp], asset)
            .finalize()
            .into_bytes();
        let mut out = [0u8; NONCE_LEN];
        out[..RAND_LEN].copy_from_slice(&rand);
        out[RAND_LEN..RAND_LEN + EXPIRY_LEN].copy_from_slice(&exp);
        out[RAND_LEN + EXPIRY_LEN..].copy_from_slice(&tag[..TAG_LEN]);
        hex(&out)
    }

    /// Checks `nonce` (this gate's, for `asset`, unexpired at `now`, not used yet) without
    /// using it.
    pub fn check(&self, nonce: &str, asset: &Pubkey, now: i64) -> Result<Issued, NonceError> {
        let mut raw = [0u8; NONCE_LEN];
        unhex(nonce, &mut raw).ok_or(NonceError::Unknown)?;
        let (rand, rest) = raw.split_at(RAND_LEN);
        let (exp, tag) = rest.split_at(EXPIRY_LEN);
        self.mac(b"tessera-challenge-v1", &[rand, exp], asset)
            .verify_truncated_left(tag)
            .map_err(|_| NonceError::Unknown)?;
        let issued = Issued {
            rand: rand.try_into().expect("16 bytes"),
            expires: i64::from_be_bytes(exp.try_into().expect("8 bytes")),
        };
        if self
            .used
            .lock()
            .expect("used nonces")
            .contains(&(issued.expires, issued.rand))
        {
            return Err(NonceError::Replayed);
        }
        if now > issued.expires {
            return Err(NonceError::Expired);
        }
        Ok(issued)
    }

    /// Marks a checked nonce used, once: `Replayed` if it already was (a concurrent request),
    /// `Busy` if [`MAX_USED`] unexpired nonces are remembered. Expired ones are dropped first.
    pub fn spend(&self, issued: Issued, now: i64) -> Result<(), NonceError> {
        let mut used = self.used.lock().expect("used nonces");
        while used.first().is_some_and(|(e, _)| *e < now) {
            used.pop_first();
        }
        if used.contains(&(issued.expires, issued.rand)) {
            return Err(NonceError::Replayed);
        }
        if used.len() >= MAX_USED {
            return Err(NonceError::Busy);
        }
        used.insert((issued.expires, issued.rand));
        Ok(())
    }

    /// Used nonces remembered now.
    #[cfg(test)]
    pub fn used_len(&self) -> usize {
        self.used.lock().expect("used nonces").len()
    }

    /// A session token of `holder` for `asset`, expiring at `expires`.
    pub fn session(&self, holder: &Pubkey, asset: &Pubkey, expires: i64) -> String {
        let exp = expires.to_be_bytes();
        let tag = self
            .mac(b"tessera-session-v1", &[holder.as_ref(), &exp], asset)
            .finalize()
            .into_bytes();
        format!("v1.{holder}.{expires}.{}", hex(&tag))
    }

    /// The holder and expiry of a session token of this gate for `asset`, valid at `now`.
    pub fn check_session(&self, token: &str, asset: &Pubkey, now: i64) -> Result<(Pubkey, i64), SessionError> {
        let mut parts = token.split('.');
        let (Some("v1"), Some(holder), Some(expires), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SessionError::Invalid);
        };
        let holder = Pubkey::from_str(holder).map_err(|_| SessionError::Invalid)?;
        // Only the canonical decimal form (what `session` writes) is accepted.
        let expires_n: i64 = expires.parse().map_err(|_| SessionError::Invalid)?;
        if expires_n.to_string() != expires {
            return Err(SessionError::Invalid);
        }
        let mut raw = [0u8; 32];
        unhex(tag, &mut raw).ok_or(SessionError::Invalid)?;
        self.mac(
            b"tessera-session-v1",
            &[holder.as_ref(), &expires_n.to_be_bytes()],
            asset,
        )
        .verify_slice(&raw)
        .map_err(|_| SessionError::Invalid)?;
        if now > expires_n {
            return Err(SessionError::Expired);
        }
        Ok((holder, expires_n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> Challenges {
        Challenges::with_key([7; 32], "data.test".into())
    }

    #[test]
    fn a_nonce_is_recognised_statelessly_and_used_once() {
        let (g, asset) = (gate(), Pubkey::new_unique());
        let n = g.issue(&asset, 1_300);
        assert_eq!(n.len(), 80);
        let issued = g.check(&n, &asset, 1_000).unwrap();
        assert_eq!(issued.expires, 1_300);
        assert_eq!(g.used_len(), 0, "checking stores nothing");
        g.spend(issued, 1_000).unwrap();
        assert_eq!(g.check(&n, &asset, 1_000), Err(NonceError::Replayed));
        assert_eq!(g.spend(issued, 1_000), Err(NonceError::Replayed));
        // Another asset, domain or key; an altered nonce; a malformed one.
        assert_eq!(g.check(&n, &Pubkey::new_unique(), 1_000), Err(NonceError::Unknown));
        let other_domain = Challenges::with_key([7; 32], "evil.test".into());
        assert_eq!(other_domain.check(&n, &asset, 1_000), Err(NonceError::Unknown));
        assert_eq!(
            Challenges::new("data.test".into()).check(&n, &asset, 1_000),
            Err(NonceError::Unknown)
        );
        let fresh = g.issue(&asset, 1_300);
        for i in 0..fresh.len() {
            let mut t = fresh.clone().into_bytes();
            t[i] = if t[i] == b'0' { b'1' } else { b'0' };
            assert_eq!(
                g.check(std::str::from_utf8(&t).unwrap(), &asset, 1_000),
                Err(NonceError::Unknown),
                "byte {i}"
            );
        }
        for bad in [
            "",
            "00112233445566778899aabbccddeeff",
            &fresh.to_uppercase(),
            &"n".repeat(10_000),
        ] {
            assert_eq!(g.check(bad, &asset, 1_000), Err(NonceError::Unknown));
        }
        // Expiry.
        assert_eq!(g.check(&fresh, &asset, 1_301), Err(NonceError::Expired));
        assert!(g.check(&fresh, &asset, 1_300).is_ok());
    }

    #[test]
    fn used_nonces_are_forgotten_at_expiry_and_bounded() {
        let (g, asset) = (gate(), Pubkey::new_unique());
        for i in 0..10 {
            let n = g.issue(&asset, 1_000 + i);
            g.spend(g.check(&n, &asset, 900).unwrap(), 900).unwrap();
        }
        assert_eq!(g.used_len(), 10);
        let n = g.issue(&asset, 2_000);
        g.spend(g.check(&n, &asset, 1_005).unwrap(), 1_005).unwrap();
        assert_eq!(g.used_len(), 6, "the five that expired before 1005 are gone");
        // Full of unexpired nonces: refused, not grown.
        let mut used = g.used.lock().unwrap();
        for i in 0..MAX_USED {
            used.insert((5_000, (i as u128).to_be_bytes()));
        }
        drop(used);
        let n = g.issue(&asset, 5_000);
        assert_eq!(
            g.spend(g.check(&n, &asset, 1_005).unwrap(), 1_005),
            Err(NonceError::Busy)
        );
        assert!(g.used_len() <= MAX_USED + 6);
        // Once they expire, there is room again.
        let n = g.issue(&asset, 6_000);
        g.spend(g.check(&n, &asset, 5_001).unwrap(), 5_001).unwrap();
        assert_eq!(g.used_len(), 1);
    }

    #[test]
    fn sessions_are_bound_to_holder_asset_domain_key_and_expiry() {
        let (g, asset, holder) = (gate(), Pubkey::new_unique(), Pubkey::new_unique());
        let t = g.session(&holder, &asset, 1_600);
        assert_eq!(g.check_session(&t, &asset, 1_000), Ok((holder, 1_600)));
        assert_eq!(g.check_session(&t, &asset, 1_601), Err(SessionError::Expired));
        assert_eq!(
            g.check_session(&t, &Pubkey::new_unique(), 1_000),
            Err(SessionError::Invalid)
        );
        let other_domain = Challenges::with_key([7; 32], "evil.test".into());
        assert_eq!(
            other_domain.check_session(&t, &asset, 1_000),
            Err(SessionError::Invalid)
        );
        assert_eq!(
            Challenges::new("data.test".into()).check_session(&t, &asset, 1_000),
            Err(SessionError::Invalid)
        );
        // Another holder or a later expiry under the same MAC; any altered character.
        let tag = t.rsplit('.').next().unwrap();
        let other = format!("v1.{}.1600.{tag}", Pubkey::new_unique());
        assert_eq!(g.check_session(&other, &asset, 1_000), Err(SessionError::Invalid));
        let later = format!("v1.{holder}.9999.{tag}");
        assert_eq!(g.check_session(&later, &asset, 1_000), Err(SessionError::Invalid));
        let padded = format!("v1.{holder}.01600.{tag}");
        assert_eq!(g.check_session(&padded, &asset, 1_000), Err(SessionError::Invalid));
        for i in 0..t.len() {
            let mut b = t.clone().into_bytes();
            b[i] = if b[i] == b'2' { b'3' } else { b'2' };
            if let Ok(s) = std::str::from_utf8(&b) {
                assert!(g.check_session(s, &asset, 1_000).is_err(), "byte {i}");
            }
        }
        for bad in ["", "v1", "v2.a.b.c", &format!("{t}.x")] {
            assert_eq!(g.check_session(bad, &asset, 1_000), Err(SessionError::Invalid));
        }
    }
}
