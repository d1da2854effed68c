//! Password hashing with Argon2id, the OWASP-recommended profile (19 MiB, t=2, p=1).
//! It is slow on purpose: callers run it on a bounded blocking pool, never on the async runtime.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::{CryptoError, random_bytes};

const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

fn argon2id() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("fixed parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh 128-bit salt into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(pw: &str) -> Result<String, CryptoError> {
    let salt: [u8; 16] = random_bytes();
    let hash: PasswordHash = argon2id()
        .hash_password_with_salt(pw.as_bytes(), &salt)
        .map_err(|_| CryptoError::Password)?;
    Ok(hash.to_string())
}

/// True when `pw` matches the stored PHC string. Cost parameters come from the string, so hashes
/// made with older parameters still verify. Anything unparsable, or not Argon2id, is a mismatch.
pub fn verify_password(pw: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    argon2id().verify_password(pw.as_bytes(), &hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_and_rejects_wrong_password() {
        let phc = hash_password("正确的密码 correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("正确的密码 correct horse", &phc));
        assert!(!verify_password("正确的密码 correct hors", &phc));
        assert!(!verify_password("", &phc));
    }

    #[test]
    fn same_password_gets_a_different_salt() {
        let a = hash_password("pw").unwrap();
        let b = hash_password("pw").unwrap();
        assert_ne!(a, b);
        assert!(verify_password("pw", &a) && verify_password("pw", &b));
    }

    #[test]
    fn garbage_or_other_algorithms_never_verify() {
        assert!(!verify_password("pw", ""));
        assert!(!verify_password("pw", "not a hash"));
        assert!(!verify_password("pw", "$argon2id$v=19$m=19456,t=2,p=1$$"));
        let phc = hash_password("pw").unwrap();
        let argon2i = phc.replacen("$argon2id$", "$argon2i$", 1);
        assert!(!verify_password("pw", &argon2i));
    }
}
