//! SM3 digests, HMAC-SM3 and constant-time comparison.

use hmac::{Hmac, KeyInit, Mac};
use sm3::{Digest, Sm3};
use subtle::ConstantTimeEq;

/// SM3 digest (GB/T 32905-2016).
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// HMAC-SM3 (RFC 2104 over SM3): keyed digests for receipt codes, the audit chain and sub-keys.
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sm3> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC-SM3 as 64 lowercase hex digits, the form stored in text columns.
pub fn hmac_sm3_hex(key: &[u8], data: &[u8]) -> String {
    hex::encode(hmac_sm3(key, data))
}

/// Equality whose time depends only on the lengths, so comparing a secret leaks nothing but its length.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_standard_vector_abc() {
        // GB/T 32905-2016, example 1.
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn sm3_standard_vector_512_bits() {
        // GB/T 32905-2016, example 2: "abcd" repeated 16 times spans a full block plus padding.
        assert_eq!(
            hex::encode(sm3("abcd".repeat(16).as_bytes())),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn hmac_sm3_depends_on_key_and_data() {
        let a = hmac_sm3(b"key one", b"receipt 12345");
        assert_eq!(a, hmac_sm3(b"key one", b"receipt 12345"));
        assert_ne!(a, hmac_sm3(b"key two", b"receipt 12345"));
        assert_ne!(a, hmac_sm3(b"key one", b"receipt 12346"));
        // Not a plain digest of the data.
        assert_ne!(a, sm3(b"receipt 12345"));
    }

    #[test]
    fn hmac_sm3_hex_is_lowercase_hex_of_the_mac() {
        let hex = hmac_sm3_hex(b"k", b"d");
        assert_eq!(hex.len(), 64);
        assert_eq!(hex, hex::encode(hmac_sm3(b"k", b"d")));
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn hmac_sm3_accepts_keys_longer_than_a_block() {
        let long = [7u8; 200];
        assert_ne!(hmac_sm3(&long, b"x"), hmac_sm3(&long[..199], b"x"));
    }

    #[test]
    fn ct_eq_compares_content_and_length() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
