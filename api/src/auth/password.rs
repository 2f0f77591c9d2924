//! Password hashing (argon2id, OWASP parameters) off the async executor, and the password policy.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Stored in place of a hash for an invited user until they set a password; no password matches it.
pub const NO_PASSWORD: &str = "!invited";
/// Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> AppResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| AppError::internal(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Common passwords (Django's list of 20,000, derived from Royce Williams' compilation).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../assets/common-passwords.txt").lines().map(str::trim).collect());

/// A hash of a random password with the same parameters, verified against for unknown users so a
/// missing account costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    let random = uuid::Uuid::new_v4().to_string();
    argon2().ok()?.hash_password(random.as_bytes(), &salt).ok().map(|h| h.to_string())
});

/// How many hashes run at once: one core fewer than the machine has (at least one). Argon2 is
/// meant to be expensive, and without a bound a burst of sign-ins or new users would take every
/// core from the requests behind them (at 50 clients on 2 cores, reads waited up to a second).
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| tokio::sync::Semaphore::new(hashing_slots()));

fn hashing_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// Runs one hash or verification on the blocking pool once a slot is free. A caller who goes
/// away while waiting gives up its place.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    let _slot = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await?
}

/// Hashes a password into a PHC string, on the blocking pool.
pub async fn hash_password(password: SecretString) -> AppResult<String> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()?
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing password: {e}")))
    })
    .await
}

/// Verifies a password against a stored hash; with no hash (unknown user) it verifies against a
/// dummy so the time spent is the same, and answers false.
pub async fn verify_password(password: SecretString, stored: Option<String>) -> AppResult<bool> {
    // An invited user who has not set a password yet holds NO_PASSWORD: treated like an unknown user.
    let stored = stored.filter(|h| h != NO_PASSWORD);
    hashing(move || {
        let known = stored.is_some();
        let Some(phc) = stored.or_else(|| DUMMY_HASH.clone()) else {
            return Err(AppError::internal(anyhow::anyhow!("dummy hash unavailable")));
        };
        let parsed = PasswordHash::new(&phc).map_err(|e| AppError::internal(anyhow::anyhow!("stored hash: {e}")))?;
        let ok = argon2()?.verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
        Ok(known && ok)
    })
    .await
}

/// The password policy: 12–256 characters, not a common password, not the email address.
pub fn check_password_policy(field: &str, password: &str, email: &str) -> AppResult<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(field, format!("must be at least {MIN_PASSWORD_CHARS} characters")));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(field, format!("must be at most {MAX_PASSWORD_CHARS} characters")));
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(lower.as_str()) {
        return Err(AppError::invalid(field, "is too common; choose another"));
    }
    if !email.is_empty() && lower == email.to_lowercase() {
        return Err(AppError::invalid(field, "must not be your email address"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let hash = hash_password(SecretString::from("correct horse battery staple")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password(SecretString::from("correct horse battery staple"), Some(hash.clone())).await.unwrap());
        assert!(!verify_password(SecretString::from("wrong horse battery staple"), Some(hash)).await.unwrap());
    }

    /// While every slot is taken, a hash waits; it runs as soon as one is given back.
    #[tokio::test]
    async fn hashes_wait_for_a_free_slot() {
        let all = HASHING.acquire_many(u32::try_from(hashing_slots()).unwrap()).await.unwrap();
        let waiting = tokio::spawn(hash_password(SecretString::from("correct horse battery staple")));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "no hash runs while every slot is taken");
        drop(all);
        let hash = waiting.await.unwrap().unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(!verify_password(SecretString::from("anything at all here"), None).await.unwrap());
    }

    #[test]
    fn policy() {
        assert_eq!(check_password_policy("password", "short", "").unwrap_err().code(), crate::error::ErrorCode::Validation);
        assert!(check_password_policy("password", "Qwerty123456", "").unwrap_err().to_string().contains("common"));
        assert!(check_password_policy("password", "someone@example.com", "Someone@example.com").is_err());
        assert!(check_password_policy("password", &"x".repeat(300), "").is_err());
        assert!(check_password_policy("password", "a perfectly fine passphrase", "").is_ok());
    }
}
