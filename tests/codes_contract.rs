//! Details of the code format that the vectors and property tests do not pin, found by
//! mutation testing (`make mutants`): how many random bytes one batch asks for, the length
//! bound on typed text, and that Crockford's reading of I, L and O applies to Crockford only.
#![allow(clippy::unwrap_used)]

use convex_guard::codes::{Alphabet, CodeConfig, CodeFormat, MAX_PRESENTED_LEN};

fn format(alphabet: &str, length: u32) -> CodeFormat {
    CodeFormat::new(Alphabet::from_spec(alphabet).unwrap(), length).unwrap()
}

/// `batch_size` is 1.6 times the expected need, `length * (mask + 1) / size`, rounded up and
/// clamped to 64..=128: pinned where the clamp does not hide the formula.
#[test]
fn batch_size_follows_the_expected_need() {
    // 32 digits: 16 * 32 * 16 / (10 * 10) = 81.92.
    assert_eq!(format("digits", 32).batch_size(), 82);
    // 32 symbols of 33 (mask 63): 16 * 32 * 64 / 330 = 99.3, the largest need of all.
    let a33: String = ('!'..='A').collect();
    assert_eq!(a33.len(), 33);
    assert_eq!(format(&a33, 32).batch_size(), 100);
    // Small needs take the floor, 64.
    assert_eq!(format("digits", 8).batch_size(), 64);
    assert_eq!(format("crockford", 32).batch_size(), 64);
}

/// Typed text of exactly `MAX_PRESENTED_LEN` bytes is read; one byte more is refused unread.
#[test]
fn presented_text_is_bounded_at_exactly_max_presented_len() {
    let f = format("digits", 8);
    let at = ["12345678", &" ".repeat(MAX_PRESENTED_LEN - 8)].concat();
    assert_eq!(at.len(), MAX_PRESENTED_LEN);
    assert_eq!(f.canonical(&at).as_deref(), Some("12345678"));
    let over = [at.as_str(), " "].concat();
    assert_eq!(f.canonical(&over), None);
}

/// Only Crockford base32 reads I and L as 1 and O as 0: in any other alphabet they are
/// themselves (or not symbols at all), never silently another symbol.
#[test]
fn crockford_substitutions_apply_to_crockford_only() {
    assert_eq!(
        format("crockford", 4).canonical("ILO1").as_deref(),
        Some("1101")
    );
    // Digits: I, L and O are not digits.
    let digits = format("digits", 6);
    assert_eq!(digits.canonical("1I2345"), None);
    assert_eq!(digits.canonical("O12345"), None);
    assert_eq!(digits.canonical("L12345"), None);
    // Letters of one case (the other is folded): I, L and O are symbols of their own.
    let letters = format("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 5);
    assert_eq!(letters.canonical("ilo1x"), None);
    assert_eq!(letters.canonical("iloxy").as_deref(), Some("ILOXY"));
}

/// The settings read back as given (the bindings hand `ttl_ms` to JavaScript, which stores
/// `expiresAt = now + ttl`; no native test read it).
#[test]
fn a_config_reads_back_its_settings() {
    let config = CodeConfig::new("digits", 8, 123_456.0, 5).unwrap();
    assert_eq!(config.ttl_ms(), 123_456.0);
    assert_eq!(config.max_attempts(), 5);
    assert_eq!(config.format().length(), 8);
}
