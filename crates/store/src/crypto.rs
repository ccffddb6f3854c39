//! Encryption at rest (issue 18 item 5): national identity numbers and document bodies.
//!
//! **Envelope encryption.** Every value gets a random 256-bit data key (DEK); the value is
//! encrypted with the DEK (XChaCha20-Poly1305, random 192-bit nonce), and the DEK is wrapped
//! (encrypted) with a key-encryption key (KEK) from the key file. Rotating the KEK re-wraps the
//! DEKs only; the bodies stay as they are.
//!
//! **Keys** come from `LIS1_KEY_FILE` (a file) or `LIS1_KEYS` (the same entries in the
//! environment, separated by commas, spaces or new lines), never from the database. An entry is
//! `ID:BASE64` (32 bytes, standard base64). The first KEK entry is the active one (new values and
//! re-wraps use it); the others are kept to read values wrapped before a rotation. The entry with
//! the id `lookup` is the lookup key for the keyed hashes; without one it is derived (HKDF-SHA256)
//! from the last KEK entry. `#` starts a comment line.
//!
//! **Formats** (version 1; all base64 is standard with padding):
//! * a sealed text value (`*_enc` columns): `v1:KID:BASE64(wrap_nonce[24] ‖ wrapped_dek[48] ‖
//!   body_nonce[24] ‖ body_ciphertext)`;
//! * a document: the column `content_key` holds `v1:KID:BASE64(wrap_nonce[24] ‖ wrapped_dek[48])`,
//!   the column `content` holds `body_nonce[24] ‖ body_ciphertext`.
//!
//! **Associated data** binds each ciphertext to its row and column (the *context*, e.g.
//! `documents.content:42`): the DEK is wrapped with `lis1/dek/v1 ‖ KID ‖ context` and the body
//! encrypted with `lis1/body/v1 ‖ context`. A ciphertext copied to another row, or altered,
//! fails to open with [`CryptoError::Failed`] rather than giving garbage.
//!
//! **Lookups** by identity number use `HMAC-SHA256(lookup key, "nid:" ‖ 11 digits)`, hex, in an
//! indexed column. Rotation does not change the lookup key.
//!
//! **Audit entries** waiting to be sealed carry `Keyring::audit_mac` of their content hash, with
//! a key derived from the lookup key (so also unchanged by rotation).
//!
//! Key material is never printed: [`Keyring`]'s `Debug` shows ids only.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const WRAPPED_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;
const VERSION: &str = "v1";
/// The id of the lookup-key entry.
pub const LOOKUP_ID: &str = "lookup";

/// Why a value could not be sealed or opened, or the keys not read. Never contains key material
/// or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// No key is configured.
    #[error(
        "no encryption key: set LIS1_KEY_FILE or LIS1_KEYS (`lis1 keys generate`) / ingen krypteringsnøkkel: sett LIS1_KEY_FILE eller LIS1_KEYS"
    )]
    NoKey,
    /// The value was wrapped with a key that is not in the key file.
    #[error(
        "the value is encrypted with key `{0}`, which is not in LIS1_KEY_FILE/LIS1_KEYS (wrong key file?)"
    )]
    UnknownKey(String),
    /// Authentication failed: a wrong key with the same id, or the value was altered or moved to
    /// another row.
    #[error(
        "decryption failed for {0}: wrong key, or the stored value was altered or belongs to another row"
    )]
    Failed(String),
    /// The stored value is not in a format this version knows.
    #[error("stored encrypted value for {0} is malformed")]
    Malformed(String),
    /// The key file or variable is not valid.
    #[error("invalid key configuration: {0}")]
    BadKeys(String),
}

type Result<T> = std::result::Result<T, CryptoError>;

/// The key-encryption keys and the lookup key.
#[derive(Clone)]
pub struct Keyring {
    /// `(id, key)`; the first is active.
    keks: Vec<(String, [u8; KEY_LEN])>,
    lookup: [u8; KEY_LEN],
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field(
                "kek_ids",
                &self
                    .keks
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("lookup", &"<redacted>")
            .finish()
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn aad(label: &str, kid: &str, context: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(label.len() + kid.len() + context.len() + 2);
    v.extend_from_slice(label.as_bytes());
    v.push(0);
    v.extend_from_slice(kid.as_bytes());
    v.push(0);
    v.extend_from_slice(context.as_bytes());
    v
}

/// A new random key entry line, `ID:BASE64`.
pub fn new_entry(id: &str) -> String {
    format!("{id}:{}", B64.encode(random::<KEY_LEN>()))
}

/// A fresh key id from the time: `kYYYYMMDDHHMMSS-XXXX`.
pub fn new_kek_id(now: jiff::Timestamp) -> String {
    let t = now.strftime("%Y%m%d%H%M%S");
    format!("k{t}-{}", hex::encode(random::<2>()))
}

impl Keyring {
    /// Parses key entries (the contents of `LIS1_KEY_FILE`, or `LIS1_KEYS`).
    pub fn parse(text: &str) -> Result<Keyring> {
        let mut keks: Vec<(String, [u8; KEY_LEN])> = Vec::new();
        let mut lookup = None;
        for (n, entry) in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.split([',', ' ', '\t']))
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            let (id, b64) = entry
                .split_once(':')
                .ok_or_else(|| CryptoError::BadKeys(format!("entry {} is not ID:BASE64", n + 1)))?;
            if !valid_id(id) {
                return Err(CryptoError::BadKeys(format!(
                    "entry {}: the id may have letters, digits, - and _ (1–40)",
                    n + 1
                )));
            }
            let bytes = B64
                .decode(b64)
                .map_err(|_| CryptoError::BadKeys(format!("key `{id}` is not base64")))?;
            let key: [u8; KEY_LEN] = bytes
                .try_into()
                .map_err(|_| CryptoError::BadKeys(format!("key `{id}` is not {KEY_LEN} bytes")))?;
            if id == LOOKUP_ID {
                if lookup.replace(key).is_some() {
                    return Err(CryptoError::BadKeys("two lookup entries".into()));
                }
            } else if keks.iter().any(|(k, _)| k == id) {
                return Err(CryptoError::BadKeys(format!("key `{id}` appears twice")));
            } else {
                keks.push((id.to_string(), key));
            }
        }
        let Some((_, last)) = keks.last() else {
            return Err(CryptoError::NoKey);
        };
        let lookup = match lookup {
            Some(k) => k,
            None => {
                let hk = hkdf::Hkdf::<Sha256>::new(Some(b"lis1/lookup/v1"), last);
                let mut out = [0u8; KEY_LEN];
                hk.expand(b"national-id lookup", &mut out)
                    .map_err(|_| CryptoError::BadKeys("HKDF".into()))?;
                out
            }
        };
        Ok(Keyring { keks, lookup })
    }

    /// A new random keyring (the demo's and the tests'), as key-file text.
    pub fn generate_text(now: jiff::Timestamp) -> String {
        format!(
            "# lis1 keys: the first KEK is active; never store this file in the database or a backup of it.\n{}\n{}\n",
            new_entry(&new_kek_id(now)),
            new_entry(LOOKUP_ID)
        )
    }

    /// A new random keyring.
    pub fn generate() -> Keyring {
        match Keyring::parse(&Keyring::generate_text(jiff::Timestamp::now())) {
            Ok(k) => k,
            // Unreachable: the text is made right above.
            Err(_) => Keyring {
                keks: vec![("k0".into(), random())],
                lookup: random(),
            },
        }
    }

    /// The active KEK's id.
    pub fn active_id(&self) -> &str {
        self.keks.first().map(|(id, _)| id.as_str()).unwrap_or("")
    }

    /// The ids of all KEKs, the active first.
    pub fn ids(&self) -> Vec<&str> {
        self.keks.iter().map(|(id, _)| id.as_str()).collect()
    }

    fn kek(&self, id: &str) -> Result<&[u8; KEY_LEN]> {
        self.keks
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, key)| key)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_string()))
    }

    /// The keyed hash of a national identity number (11 digits), for lookups.
    pub fn lookup_hash(&self, national_id: &str) -> String {
        // The key is 32 bytes: new_from_slice accepts any length for HMAC.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup) else {
            return String::new();
        };
        mac.update(b"nid:");
        mac.update(national_id.trim().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The keyed MAC of a waiting audit entry's content hash (hash format 4, migration 0040):
    /// HMAC-SHA256 over `lis1-audit-mac-v1\n ‖ content_hash`, hex, with a key derived (HKDF-SHA256,
    /// salt `lis1/audit-mac/v1`) from the lookup key, which rotation keeps. Someone with the
    /// database alone cannot compute it, so cannot forge, insert or rewrite a waiting entry.
    pub fn audit_mac(&self, content_hash: &str) -> String {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"lis1/audit-mac/v1"), &self.lookup);
        let mut key = [0u8; KEY_LEN];
        if hk.expand(b"audit entry mac", &mut key).is_err() {
            return String::new();
        }
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&key) else {
            return String::new();
        };
        mac.update(b"lis1-audit-mac-v1\n");
        mac.update(content_hash.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Wraps `dek` with the active KEK for `context`: `wrap_nonce ‖ wrapped`.
    fn wrap(&self, dek: &[u8; KEY_LEN], context: &str) -> Result<(String, Vec<u8>)> {
        let (kid, kek) = self.keks.first().ok_or(CryptoError::NoKey)?;
        let nonce: [u8; NONCE_LEN] = random();
        let ct = XChaCha20Poly1305::new(kek.into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: dek,
                    aad: &aad("lis1/dek/v1", kid, context),
                },
            )
            .map_err(|_| CryptoError::Failed(context.to_string()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok((kid.clone(), out))
    }

    fn unwrap(&self, kid: &str, wrapped: &[u8], context: &str) -> Result<[u8; KEY_LEN]> {
        let kek = self.kek(kid)?;
        if wrapped.len() != WRAPPED_LEN {
            return Err(CryptoError::Malformed(context.to_string()));
        }
        let (nonce, ct) = wrapped.split_at(NONCE_LEN);
        let dek = XChaCha20Poly1305::new(kek.into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: &aad("lis1/dek/v1", kid, context),
                },
            )
            .map_err(|_| CryptoError::Failed(context.to_string()))?;
        dek.try_into()
            .map_err(|_| CryptoError::Malformed(context.to_string()))
    }

    fn body_seal(dek: &[u8; KEY_LEN], plaintext: &[u8], context: &str) -> Result<Vec<u8>> {
        let nonce: [u8; NONCE_LEN] = random();
        let ct = XChaCha20Poly1305::new(dek.into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad("lis1/body/v1", "", context),
                },
            )
            .map_err(|_| CryptoError::Failed(context.to_string()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    fn body_open(dek: &[u8; KEY_LEN], body: &[u8], context: &str) -> Result<Vec<u8>> {
        if body.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed(context.to_string()));
        }
        let (nonce, ct) = body.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(dek.into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: &aad("lis1/body/v1", "", context),
                },
            )
            .map_err(|_| CryptoError::Failed(context.to_string()))
    }

    /// Encrypts a small value into one text (`v1:KID:BASE64…`), bound to `context`.
    pub fn seal_text(&self, context: &str, plaintext: &[u8]) -> Result<String> {
        let dek: [u8; KEY_LEN] = random();
        let (kid, mut bytes) = self.wrap(&dek, context)?;
        bytes.extend(Self::body_seal(&dek, plaintext, context)?);
        Ok(format!("{VERSION}:{kid}:{}", B64.encode(bytes)))
    }

    /// Decrypts a value made by [`Keyring::seal_text`] for the same `context`.
    pub fn open_text(&self, context: &str, sealed: &str) -> Result<Vec<u8>> {
        let (kid, bytes) = parse_sealed(context, sealed)?;
        if bytes.len() < WRAPPED_LEN {
            return Err(CryptoError::Malformed(context.to_string()));
        }
        let (wrapped, body) = bytes.split_at(WRAPPED_LEN);
        let dek = self.unwrap(kid, wrapped, context)?;
        Self::body_open(&dek, body, context)
    }

    /// Re-wraps the data key of a sealed text (or a document's `content_key`) with the active
    /// KEK; the body is copied unchanged.
    pub fn rewrap(&self, context: &str, sealed: &str) -> Result<String> {
        let (kid, bytes) = parse_sealed(context, sealed)?;
        if bytes.len() < WRAPPED_LEN {
            return Err(CryptoError::Malformed(context.to_string()));
        }
        let (wrapped, body) = bytes.split_at(WRAPPED_LEN);
        let dek = self.unwrap(kid, wrapped, context)?;
        let (kid, mut out) = self.wrap(&dek, context)?;
        out.extend_from_slice(body);
        Ok(format!("{VERSION}:{kid}:{}", B64.encode(out)))
    }

    /// Encrypts a document body: `(content_key, content)`.
    pub fn seal_blob(&self, context: &str, plaintext: &[u8]) -> Result<(String, Vec<u8>)> {
        let dek: [u8; KEY_LEN] = random();
        let (kid, wrapped) = self.wrap(&dek, context)?;
        let body = Self::body_seal(&dek, plaintext, context)?;
        Ok((format!("{VERSION}:{kid}:{}", B64.encode(wrapped)), body))
    }

    /// Decrypts a document body made by [`Keyring::seal_blob`].
    pub fn open_blob(&self, context: &str, content_key: &str, content: &[u8]) -> Result<Vec<u8>> {
        let (kid, wrapped) = parse_sealed(context, content_key)?;
        let dek = self.unwrap(kid, &wrapped, context)?;
        Self::body_open(&dek, content, context)
    }

    /// The `LIKE` pattern of values wrapped with the active KEK (`v1:KID:%`): rotation re-wraps
    /// the rows that do not match.
    pub fn active_prefix(&self) -> String {
        format!("{VERSION}:{}:", self.active_id())
    }
}

/// The KEK id a sealed value names, if it is in a known format.
pub fn kek_id_of(sealed: &str) -> Option<&str> {
    let rest = sealed.strip_prefix("v1:")?;
    rest.split_once(':').map(|(kid, _)| kid)
}

fn parse_sealed<'a>(context: &str, sealed: &'a str) -> Result<(&'a str, Vec<u8>)> {
    let malformed = || CryptoError::Malformed(context.to_string());
    let rest = sealed.strip_prefix("v1:").ok_or_else(malformed)?;
    let (kid, b64) = rest.split_once(':').ok_or_else(malformed)?;
    let bytes = B64.decode(b64).map_err(|_| malformed())?;
    Ok((kid, bytes))
}

/// Removes the identity number from a profile JSON (the profile, a draft or a snapshot):
/// the JSON to store, and the number to seal, if there was one.
pub(crate) fn take_national_id(v: &serde_json::Value) -> (serde_json::Value, Option<String>) {
    let mut v = v.clone();
    let nid = match v.as_object_mut().and_then(|o| o.remove("national_id")) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    };
    (v, nid)
}

/// Puts an opened identity number back into a profile JSON read from the database.
pub(crate) fn put_national_id(v: &mut serde_json::Value, nid: Option<String>) {
    if let (Some(o), Some(n)) = (v.as_object_mut(), nid) {
        o.insert("national_id".into(), serde_json::Value::String(n));
    }
}

/// Seals an identity number for `context`: `(sealed, keyed hash)`.
/// Without a number no key is needed.
pub(crate) fn seal_national_id(
    keys: Option<&Keyring>,
    context: &str,
    nid: Option<&str>,
) -> Result<(Option<String>, Option<String>)> {
    match nid {
        None => Ok((None, None)),
        Some(n) => {
            let keys = keys.ok_or(CryptoError::NoKey)?;
            Ok((
                Some(keys.seal_text(context, n.as_bytes())?),
                Some(keys.lookup_hash(n)),
            ))
        }
    }
}

/// Opens a sealed identity number for `context`.
pub(crate) fn open_national_id(
    keys: &Keyring,
    context: &str,
    sealed: Option<&str>,
) -> Result<Option<String>> {
    sealed
        .map(|s| {
            let bytes = keys.open_text(context, s)?;
            String::from_utf8(bytes).map_err(|_| CryptoError::Malformed(context.to_string()))
        })
        .transpose()
}

/// The contexts (row and column) the sealed values are bound to.
pub mod context {
    /// `profiles.national_id_enc` of a user.
    pub fn profile(user_id: i64) -> String {
        format!("profiles.national_id:{user_id}")
    }
    /// `profiles.draft_national_id_enc` of a user.
    pub fn draft(user_id: i64) -> String {
        format!("profiles.draft_national_id:{user_id}")
    }
    /// `applications.national_id_enc`.
    pub fn application(id: i64) -> String {
        format!("applications.national_id:{id}")
    }
    /// `rest_applications.national_id_enc`.
    pub fn rest_application(id: i64) -> String {
        format!("rest_applications.national_id:{id}")
    }
    /// `external_identities.pid_enc` (issuer URLs have no new line).
    pub fn pid(issuer: &str, subject: &str) -> String {
        format!("external_identities.pid:{issuer}\n{subject}")
    }
    /// `documents.content`.
    pub fn document(id: i64) -> String {
        format!("documents.content:{id}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let k = Keyring::generate();
        let s = k
            .seal_text("profiles.national_id:1", b"01019012345")
            .unwrap();
        assert!(!s.contains("01019012345"));
        assert_eq!(
            k.open_text("profiles.national_id:1", &s).unwrap(),
            b"01019012345"
        );
        // Another row: refused.
        assert!(matches!(
            k.open_text("profiles.national_id:2", &s),
            Err(CryptoError::Failed(_))
        ));
        // Tampered body byte.
        let (kid, mut bytes) = parse_sealed("x", &s).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let bad = format!("v1:{kid}:{}", B64.encode(&bytes));
        assert!(matches!(
            k.open_text("profiles.national_id:1", &bad),
            Err(CryptoError::Failed(_))
        ));
        // Another keyring.
        let other = Keyring::generate();
        assert!(other.open_text("profiles.national_id:1", &s).is_err());
    }

    #[test]
    fn rotation_rewraps_without_touching_the_body() {
        let old = Keyring::generate();
        let (key, body) = old
            .seal_blob("documents.content:7", b"%PDF-1.7 ...")
            .unwrap();
        let text = old.seal_text("t:1", b"secret").unwrap();
        let old_text = Keyring::generate_text(jiff::Timestamp::now());
        let _ = old_text;
        // A new active key in front of the old one.
        let old_lines: String =
            format!("{}\nlookup:{}\n", entry_of(&old, 0), B64.encode(old.lookup));
        let rotated = Keyring::parse(&format!("{}\n{old_lines}", new_entry("k-new"))).unwrap();
        assert_eq!(rotated.active_id(), "k-new");
        assert_eq!(
            rotated.lookup_hash("01019012345"),
            old.lookup_hash("01019012345")
        );
        let key2 = rotated.rewrap("documents.content:7", &key).unwrap();
        assert_eq!(kek_id_of(&key2), Some("k-new"));
        assert_eq!(
            rotated
                .open_blob("documents.content:7", &key2, &body)
                .unwrap(),
            b"%PDF-1.7 ..."
        );
        let text2 = rotated.rewrap("t:1", &text).unwrap();
        assert_eq!(rotated.open_text("t:1", &text2).unwrap(), b"secret");
        // The old keyring does not know the new key: a clear error.
        assert_eq!(
            old.open_text("t:1", &text2),
            Err(CryptoError::UnknownKey("k-new".into()))
        );
    }

    fn entry_of(k: &Keyring, i: usize) -> String {
        format!("{}:{}", k.keks[i].0, B64.encode(k.keks[i].1))
    }

    #[test]
    fn parse_rules_and_debug_hides_keys() {
        assert_eq!(
            Keyring::parse("# nothing\n").unwrap_err(),
            CryptoError::NoKey
        );
        assert!(Keyring::parse("a:b").is_err());
        assert!(Keyring::parse("a b:c").is_err());
        let text = format!("{},{}", new_entry("one"), new_entry("two"));
        let k = Keyring::parse(&text).unwrap();
        assert_eq!(k.ids(), vec!["one", "two"]);
        let dbg = format!("{k:?}");
        for (_, key) in &k.keks {
            assert!(!dbg.contains(&B64.encode(key)));
        }
        assert!(dbg.contains("one"));
        // The derived lookup key is stable across parses.
        assert_eq!(
            Keyring::parse(&text).unwrap().lookup_hash("1"),
            k.lookup_hash("1")
        );
    }
}
