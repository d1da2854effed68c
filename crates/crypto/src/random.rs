//! Randomness straight from the operating system's CSPRNG.

use zeroize::Zeroize;

/// `N` bytes from the OS random source.
///
/// Panics if the OS cannot supply randomness: carrying on with weak keys or guessable receipt codes
/// would be worse than stopping.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// `n` uniformly random decimal digits (receipt codes, one-time numbers).
pub fn random_digits(n: usize) -> String {
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        getrandom::fill(&mut buf).expect("the operating system's random source failed");
        push_digits(&buf, &mut out, n);
    }
    buf.zeroize();
    out
}

/// Turns bytes into digits until `out` holds `n`. Bytes 250..=255 are dropped: 250 is the largest
/// multiple of 10 that fits in a byte, so `b % 10` over the rest hits every digit exactly 25 times.
fn push_digits(bytes: &[u8], out: &mut String, n: usize) {
    for &b in bytes {
        if out.len() >= n {
            return;
        }
        if b < 250 {
            out.push(char::from(b'0' + b % 10));
        }
    }
}

/// 32 random bytes as 64 hex digits: session ids and CSRF tokens.
pub fn random_token() -> String {
    hex::encode(random_bytes::<32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_differ_between_calls() {
        let a: [u8; 32] = random_bytes();
        let b: [u8; 32] = random_bytes();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }

    #[test]
    fn random_digits_has_the_asked_length_and_only_digits() {
        for n in [0, 1, 20, 63, 64, 65, 1000] {
            let d = random_digits(n);
            assert_eq!(d.len(), n);
            assert!(d.bytes().all(|b| b.is_ascii_digit()), "{d}");
        }
    }

    #[test]
    fn bytes_that_would_bias_digits_are_skipped() {
        let mut out = String::new();
        push_digits(&[250, 251, 255, 0, 9, 249, 10, 123], &mut out, 100);
        assert_eq!(out, "09903");
        let mut short = String::new();
        push_digits(&[1, 2, 3, 4], &mut short, 2);
        assert_eq!(short, "12");
    }

    #[test]
    fn random_digits_are_spread_evenly() {
        let digits = random_digits(100_000);
        let mut counts = [0u32; 10];
        for b in digits.bytes() {
            counts[usize::from(b - b'0')] += 1;
        }
        let expected = 10_000.0;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum();
        // 9 degrees of freedom: chi² > 40 has probability under 1e-5 for a fair source.
        assert!(chi2 < 40.0, "chi² = {chi2}, counts = {counts:?}");
    }

    #[test]
    fn random_token_is_64_hex_digits_and_fresh() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(t, random_token());
    }
}
