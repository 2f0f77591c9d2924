//! Random opaque secrets and their stored digests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new secret: `prefix` followed by 32 random bytes, base64url.
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The digest stored in place of a secret (hex SHA-256). The secrets carry 256 bits of
/// randomness, so a fast unsalted hash is enough: nothing can be guessed offline.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_unique_and_long() {
        let a = random_secret("pbt_");
        let b = random_secret("pbt_");
        assert!(a.starts_with("pbt_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(sha256_hex(&a).len(), 64);
        assert_ne!(sha256_hex(&a), sha256_hex(&b));
    }
}
