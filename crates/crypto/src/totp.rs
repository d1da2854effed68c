//! RFC 6238 time-based one-time passwords as authenticator apps expect them: HMAC-SHA1, 6 digits,
//! 30-second steps, secrets in unpadded RFC 4648 base32.
//!
//! A code stays valid for three steps here, so callers that must refuse a replayed code remember the
//! step [`verify_step`] returns and refuse that step and any earlier one next time.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use zeroize::Zeroizing;

use crate::{ct_eq, random_bytes};

const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// A new secret: 20 random bytes (the size of an SHA-1 block output, as RFC 4226 recommends) in base32.
pub fn generate_secret() -> String {
    base32_encode(&random_bytes::<20>())
}

/// The code for the step holding `unix_time`, or `None` when the secret is not valid base32.
pub fn code_at(secret_b32: &str, unix_time: u64) -> Option<String> {
    let key = decode_secret(secret_b32)?;
    Some(hotp(&key, unix_time / STEP_SECONDS))
}

/// True when `code` matches the previous, current or next step, allowing for clock drift and typing
/// time. Spaces in the code ("123 456") are ignored.
pub fn verify(secret_b32: &str, code: &str, unix_time: u64) -> bool {
    verify_step(secret_b32, code, unix_time).is_some()
}

/// Like [`verify`], but gives the time step the code matched, for replay protection.
pub fn verify_step(secret_b32: &str, code: &str, unix_time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = decode_secret(secret_b32)?;
    let now = unix_time / STEP_SECONDS;
    let mut matched = None;
    // Every candidate is computed and compared, so timing does not tell which step matched.
    for step in [now.checked_sub(1), Some(now), now.checked_add(1)]
        .into_iter()
        .flatten()
    {
        if ct_eq(hotp(&key, step).as_bytes(), code.as_bytes()) {
            matched = Some(step);
        }
    }
    matched
}

/// The `otpauth://` URI an authenticator app reads from a QR code.
pub fn otpauth_uri(secret_b32: &str, account: &str, issuer: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        account = percent_encode(account),
        secret = percent_encode(secret_b32),
    )
}

/// RFC 4226 HOTP with dynamic truncation to six digits.
fn hotp(key: &[u8], counter: u64) -> String {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

fn decode_secret(secret_b32: &str) -> Option<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new(base32_decode(secret_b32)?);
    (!key.is_empty()).then_some(key)
}

fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut acc: u16 = 0;
    let mut bits = 0;
    for &byte in data {
        acc = (acc << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[usize::from((acc >> bits) & 31)]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32[usize::from((acc << (5 - bits)) & 31)]));
    }
    out
}

/// Lenient as people type secrets by hand: any case, spaces, and `=` padding are accepted.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut acc: u16 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        if c.is_ascii_whitespace() || c == b'=' {
            continue;
        }
        let value = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())?;
        acc = (acc << 5) | value as u16;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// RFC 3986 percent-encoding of everything but unreserved characters, over UTF-8 bytes.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc_secret_encodes_as_expected() {
        assert_eq!(base32_encode(b"12345678901234567890"), RFC_SECRET);
        assert_eq!(base32_decode(RFC_SECRET).unwrap(), b"12345678901234567890");
    }

    #[test]
    fn rfc_6238_sha1_vectors() {
        // The RFC lists 8 digits; six-digit codes are their last six.
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(
                code_at(RFC_SECRET, time).as_deref(),
                Some(code),
                "time {time}"
            );
        }
    }

    #[test]
    fn verify_accepts_one_step_either_side_and_no_more() {
        let t = 1_111_111_109;
        let code = code_at(RFC_SECRET, t).unwrap();
        assert!(verify(RFC_SECRET, &code, t));
        assert!(verify(RFC_SECRET, &code, t + 30));
        assert!(verify(RFC_SECRET, &code, t - 30));
        assert!(!verify(RFC_SECRET, &code, t + 60));
        assert!(!verify(RFC_SECRET, &code, t - 60));
    }

    #[test]
    fn verify_step_names_the_matched_step() {
        let t = 1_234_567_890;
        let code = code_at(RFC_SECRET, t).unwrap();
        assert_eq!(verify_step(RFC_SECRET, &code, t), Some(t / 30));
        assert_eq!(verify_step(RFC_SECRET, &code, t + 30), Some(t / 30));
    }

    #[test]
    fn verify_ignores_spaces_and_rejects_junk() {
        assert!(verify(RFC_SECRET, " 081 804 ", 1_111_111_109));
        assert!(!verify(RFC_SECRET, "81804", 1_111_111_109));
        assert!(!verify(RFC_SECRET, "0818045", 1_111_111_109));
        assert!(!verify(RFC_SECRET, "08180a", 1_111_111_109));
        assert!(!verify(RFC_SECRET, "", 1_111_111_109));
        assert!(!verify("not base32!", "081804", 1_111_111_109));
        assert!(!verify("", "081804", 1_111_111_109));
    }

    #[test]
    fn verify_near_the_epoch_does_not_underflow() {
        let code = code_at(RFC_SECRET, 0).unwrap();
        assert!(verify(RFC_SECRET, &code, 0));
        assert!(verify(RFC_SECRET, &code, 59));
    }

    #[test]
    fn secrets_are_fresh_base32_of_20_bytes() {
        let s = generate_secret();
        assert_eq!(s.len(), 32);
        assert!(s.bytes().all(|b| BASE32.contains(&b)));
        assert_eq!(base32_decode(&s).unwrap().len(), 20);
        assert_ne!(s, generate_secret());
        assert!(code_at(&s, 1_700_000_000).is_some());
    }

    #[test]
    fn decoding_is_lenient_about_case_spaces_and_padding() {
        let messy = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq====";
        assert_eq!(code_at(messy, 59).as_deref(), Some("287082"));
        assert_eq!(code_at("GEZ!", 59), None);
    }

    #[test]
    fn base32_round_trips_every_length() {
        let data: Vec<u8> = (0u8..=40).map(|i| i.wrapping_mul(37)).collect();
        for n in 0..data.len() {
            assert_eq!(
                base32_decode(&base32_encode(&data[..n])).unwrap(),
                &data[..n]
            );
        }
        // RFC 4648 section 10, without padding.
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_encode(b"fooba"), "MZXW6YTB");
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn otpauth_uri_is_percent_encoded() {
        let uri = otpauth_uri(RFC_SECRET, "zhang san@court", "明镜");
        assert_eq!(
            uri,
            "otpauth://totp/%E6%98%8E%E9%95%9C:zhang%20san%40court?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=%E6%98%8E%E9%95%9C&algorithm=SHA1&digits=6&period=30"
        );
    }
}
