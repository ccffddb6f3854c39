//! Password hashing with argon2id (OWASP's first choice), in the PHC string format.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password with argon2id and a random salt. Slow on purpose: call it off the async
/// runtime (`spawn_blocking`) in request handlers.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash that matches no password, used to spend the same time when the user does not exist,
/// so response times do not reveal which e-mail addresses have accounts.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Q6lUuHtOq6yKzZ3t0J0+eW0E0b7gVQZC3a2oDCWC0WQ";

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let h = hash("riktig hest").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("riktig hest", &h));
        assert!(!verify("feil hest", &h));
        assert!(!verify("riktig hest", "not a hash"));
        assert!(!verify("anything", DUMMY_HASH));
    }
}
