//! Anchors: the audit chain's head (chain position, hash, time) published as a signed line, so
//! that a rewrite of the whole log *and* its head is still detected (issue 18 item 2).
//!
//! A line is
//! `lis1-anchor-v1 <chain_seq> <hash> <time> <public key, hex> <Ed25519 signature, hex>`,
//! the signature over everything before it (the first five fields joined by single spaces). The
//! signing key is 32 bytes (hex) from a file outside the database; see docs/operations.md.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;

use crate::audit::{Head, canonical_time};

const TAG: &str = "lis1-anchor-v1";

/// What is wrong with a key or a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    /// The key is not 64 hex digits.
    #[error("the anchor key must be 64 hex digits (32 bytes)")]
    BadKey,
    /// The line does not have the expected fields.
    #[error("line {0}: not an anchor line")]
    Malformed(usize),
    /// The signature does not verify.
    #[error("line {0}: the signature does not verify")]
    BadSignature(usize),
    /// The line is signed with another key than the one expected.
    #[error("line {0}: signed with another key than the one given")]
    OtherKey(usize),
}

/// The key that signs anchors. Never stored in the database, never logged.
pub struct AnchorKey(SigningKey);

impl std::fmt::Debug for AnchorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AnchorKey({})", self.public_hex())
    }
}

impl AnchorKey {
    /// A key from its 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> AnchorKey {
        AnchorKey(SigningKey::from_bytes(&seed))
    }

    /// A key from 64 hex digits (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<AnchorKey, AnchorError> {
        let bytes = hex::decode(text.trim()).map_err(|_| AnchorError::BadKey)?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| AnchorError::BadKey)?;
        Ok(AnchorKey::from_seed(seed))
    }

    /// The seed as 64 hex digits, to write a new key file.
    pub fn seed_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// The public key as 64 hex digits: publish it beside the anchors.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    /// The signed line for `head` at `at`.
    pub fn sign(&self, head: &Head, at: Timestamp) -> String {
        let body = format!(
            "{TAG} {} {} {} {}",
            head.seq,
            head.hash,
            canonical_time(at),
            self.public_hex()
        );
        let sig = self.0.sign(body.as_bytes());
        format!("{body} {}", hex::encode(sig.to_bytes()))
    }
}

/// One anchor read back from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorLine {
    /// The chain position.
    pub chain_seq: i64,
    /// Its hash.
    pub hash: String,
    /// When published (as written).
    pub at: String,
    /// The public key that signed it (hex).
    pub public_key: String,
}

/// Parses and checks the signature of every non-empty line of `text` (lines starting with `#`
/// are comments). With `expected_key`, every line must be signed by it; without, every line
/// must be signed by the same key as the first (which the caller should compare with the
/// published one).
pub fn read_lines(text: &str, expected_key: Option<&str>) -> Result<Vec<AnchorLine>, AnchorError> {
    let mut out: Vec<AnchorLine> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(' ').collect();
        let [tag, seq, hash, at, key, sig] = fields.as_slice() else {
            return Err(AnchorError::Malformed(n));
        };
        if *tag != TAG {
            return Err(AnchorError::Malformed(n));
        }
        let chain_seq: i64 = seq.parse().map_err(|_| AnchorError::Malformed(n))?;
        let want = expected_key.or(out.first().map(|a| a.public_key.as_str()));
        if let Some(want) = want
            && !want.trim().eq_ignore_ascii_case(key)
        {
            return Err(AnchorError::OtherKey(n));
        }
        let key_bytes: [u8; 32] = hex::decode(key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(AnchorError::Malformed(n))?;
        let vk = VerifyingKey::from_bytes(&key_bytes).map_err(|_| AnchorError::Malformed(n))?;
        let sig_bytes = hex::decode(sig).map_err(|_| AnchorError::Malformed(n))?;
        let sig = Signature::from_slice(&sig_bytes).map_err(|_| AnchorError::Malformed(n))?;
        let body = format!("{tag} {seq} {hash} {at} {key}");
        vk.verify(body.as_bytes(), &sig)
            .map_err(|_| AnchorError::BadSignature(n))?;
        out.push(AnchorLine {
            chain_seq,
            hash: (*hash).to_string(),
            at: (*at).to_string(),
            public_key: (*key).to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn head(seq: i64) -> Head {
        Head {
            seq,
            hash: format!("{seq:064x}"),
        }
    }

    #[test]
    fn a_signed_line_reads_back() {
        let key = AnchorKey::from_seed([7; 32]);
        let at: Timestamp = "2026-12-07T02:00:00Z".parse().unwrap();
        let text = format!("{}\n\n{}\n", key.sign(&head(5), at), key.sign(&head(9), at));
        let lines = read_lines(&text, Some(&key.public_hex())).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[1].chain_seq, lines[1].hash.as_str()),
            (9, head(9).hash.as_str())
        );
        assert_eq!(
            AnchorKey::from_hex(&key.seed_hex()).unwrap().public_hex(),
            key.public_hex()
        );
    }

    #[test]
    fn an_edited_line_or_another_key_is_refused() {
        let key = AnchorKey::from_seed([7; 32]);
        let other = AnchorKey::from_seed([8; 32]);
        let at: Timestamp = "2026-12-07T02:00:00Z".parse().unwrap();
        let line = key.sign(&head(5), at);
        let edited = line.replacen(" 5 ", " 6 ", 1);
        assert_eq!(read_lines(&edited, None), Err(AnchorError::BadSignature(1)));
        let forged = other.sign(&head(5), at);
        assert_eq!(
            read_lines(&forged, Some(&key.public_hex())),
            Err(AnchorError::OtherKey(1))
        );
        let mixed = format!("{line}\n{forged}");
        assert_eq!(read_lines(&mixed, None), Err(AnchorError::OtherKey(2)));
        assert_eq!(read_lines("hello", None), Err(AnchorError::Malformed(1)));
        assert!(AnchorKey::from_hex("abc").is_err());
    }
}
