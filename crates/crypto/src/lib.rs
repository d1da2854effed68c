//! Cryptography for Mingjing: SM3 hashing and HMAC-SM3 (receipt codes, the audit chain, ID numbers),
//! envelope encryption of sealed records with SM4-GCM or AES-256-GCM (a master key wraps one random data
//! key per record), Argon2id password hashes, TOTP second factors and the OS random source. Everything
//! here is a pure function of its inputs plus the OS random source: no I/O, no clock, no async. It
//! depends on no crate of ours, so any layer may use it, and a certified crypto device can later stand
//! in for it behind the same functions.

mod hash;
mod keys;
mod password;
mod random;
pub mod totp;

pub use hash::{ct_eq, hmac_sm3, hmac_sm3_hex, sm3};
pub use keys::{DataKey, Keyring, MasterKey, Suite};
pub use password::{hash_password, verify_password};
pub use random::{random_bytes, random_digits, random_token};

/// The one error type of this crate. Messages never contain key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("malformed key: a master key is 64 hexadecimal digits")]
    BadKey,
    #[error("cannot decrypt: wrong key, wrong context, or the data was altered")]
    Decrypt,
    #[error("encrypted data is malformed or of an unknown format version")]
    BadFormat,
    #[error("password hashing failed")]
    Password,
    #[error("unknown cipher suite {0:?}: expected \"sm4-gcm\" or \"aes-256-gcm\"")]
    UnknownSuite(String),
}
