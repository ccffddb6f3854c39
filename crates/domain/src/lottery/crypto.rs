//! Seeds, SHA-256 digests and the key derivation (docs/lottery.md §5).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

use super::LotteryError;

/// The domain-separation prefix of the stream key: the 15 ASCII bytes `lis1-lottery-v1`.
pub const KEY_DOMAIN: &[u8] = b"lis1-lottery-v1";

/// SHA-256 of the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Parses exactly 64 lowercase hexadecimal digits. Upper case is refused so that
/// every value has exactly one spelling in an export file.
fn parse_hex32(s: &str, what: &'static str) -> Result<[u8; 32], LotteryError> {
    let ok = s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut out = [0u8; 32];
    if !ok || hex::decode_to_slice(s, &mut out).is_err() {
        return Err(LotteryError::InvalidHex { what });
    }
    Ok(out)
}

/// The secret 32-byte seed of one draw. The web layer makes it with the OS RNG;
/// its SHA-256 is published before the draw and the seed itself after.
///
/// `Debug` does not print the bytes, so a seed cannot leak into logs before it is revealed.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; 32]);

impl Seed {
    /// Wraps 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Seed {
        Seed(bytes)
    }

    /// Parses 64 lowercase hexadecimal digits.
    pub fn from_hex(s: &str) -> Result<Seed, LotteryError> {
        parse_hex32(s, "seed").map(Seed)
    }

    /// The seed as 64 lowercase hexadecimal digits, as written in the export.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The seed commitment: SHA-256 of the 32 raw bytes (not of the hex text).
    pub fn sha256(&self) -> Sha256Digest {
        Sha256Digest(sha256(&[&self.0]))
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(<hidden>)")
    }
}

impl Serialize for Seed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Seed, D::Error> {
        let s = String::deserialize(d)?;
        Seed::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A SHA-256 digest, written as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// Wraps 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Sha256Digest {
        Sha256Digest(bytes)
    }

    /// SHA-256 of `data`.
    pub fn of(data: &[u8]) -> Sha256Digest {
        Sha256Digest(sha256(&[data]))
    }

    /// Parses 64 lowercase hexadecimal digits.
    pub fn from_hex(s: &str) -> Result<Sha256Digest, LotteryError> {
        parse_hex32(s, "sha256").map(Sha256Digest)
    }

    /// 64 lowercase hexadecimal digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Sha256Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Sha256Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sha256Digest, D::Error> {
        let s = String::deserialize(d)?;
        Sha256Digest::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// What the HF publishes before the draw (*forhåndspublisering*): the SHA-256 of the
/// canonical inputs and the SHA-256 of the secret seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// SHA-256 of the canonical input bytes (docs/lottery.md §4).
    pub inputs_sha256: Sha256Digest,
    /// SHA-256 of the 32 seed bytes.
    pub seed_sha256: Sha256Digest,
}

/// The ChaCha20 key of a draw: SHA-256(`lis1-lottery-v1` ‖ seed ‖ SHA-256(canonical inputs)).
///
/// Binding the inputs into the key means the same seed gives an unrelated stream
/// for any other inputs.
pub fn stream_key(seed: &Seed, inputs_sha256: &Sha256Digest) -> [u8; 32] {
    sha256(&[KEY_DOMAIN, &seed.0, &inputs_sha256.0])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_is_strict() {
        let s = Seed::from_bytes([0xab; 32]);
        assert_eq!(Seed::from_hex(&s.to_hex()).unwrap(), s);
        assert!(Seed::from_hex(&s.to_hex().to_uppercase()).is_err());
        assert!(Seed::from_hex(&s.to_hex()[..62]).is_err());
        assert!(Seed::from_hex(&format!("{}0", s.to_hex())).is_err());
        assert!(Sha256Digest::from_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn seed_debug_hides_bytes() {
        assert_eq!(format!("{:?}", Seed::from_bytes([7; 32])), "Seed(<hidden>)");
    }

    #[test]
    fn sha256_of_empty_is_the_known_value() {
        assert_eq!(
            Sha256Digest::of(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
