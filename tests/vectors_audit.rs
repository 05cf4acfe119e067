#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Runs every case of `tests/vectors/audit.json` through `convex_guard::audit::is_secret_key`;
//! `tests/node/codes.test.mjs` runs the same file through the built package.

mod common;

#[test]
fn every_vector_case_matches() {
    let cases = common::vector_cases("audit", 20);
    let failures: Vec<String> = cases
        .iter()
        .filter(|c| {
            convex_guard::audit::is_secret_key(c["key"].as_str().unwrap())
                != c["expected"].as_bool().unwrap()
        })
        .map(|c| c["description"].to_string())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// 0 a separator, 1 lower case, 2 upper case, 3 a digit.
fn class(c: Option<u8>) -> u8 {
    match c {
        Some(b'a'..=b'z') => 1,
        Some(b'A'..=b'Z') => 2,
        Some(b'0'..=b'9') => 3,
        _ => 0,
    }
}

/// The rule as the README states it, written plainly (as `fuzz/fuzz_targets/audit_key.rs`):
/// any byte that is not ASCII; a fragment of the normalized name; a secret word spanning
/// from one word boundary to another; a normalized name over the bound.
fn reference(key: &[u8]) -> bool {
    use convex_guard::audit::{MAX_KEY_LEN, SECRET_FRAGMENTS, SECRET_WORDS};
    let (mut norm, mut bounds) = (String::new(), Vec::new());
    for (i, &b) in key.iter().enumerate() {
        let before = class(i.checked_sub(1).and_then(|j| key.get(j).copied()));
        let (here, next) = (class(Some(b)), class(key.get(i + 1).copied()));
        if here == 0 {
            continue;
        }
        let camel = before == 2 && here == 1;
        let acronym = before == 2 && here == 2 && next == 1;
        if (before != here && !camel) || acronym {
            bounds.push(norm.len());
        }
        norm.push(b.to_ascii_lowercase() as char);
    }
    bounds.push(norm.len());
    let word = bounds.iter().any(|&i| {
        bounds
            .iter()
            .any(|&j| j > i && SECRET_WORDS.split(' ').any(|w| norm.get(i..j) == Some(w)))
    });
    !key.is_ascii()
        || norm.len() > MAX_KEY_LEN
        || SECRET_FRAGMENTS.split(' ').any(|f| norm.contains(f))
        || word
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(20_000))]

    /// Names made of secret words, their look-alikes and separators, in every case.
    #[test]
    fn the_engine_answers_the_stated_rule(
        parts in proptest::collection::vec(
            proptest::sample::select(&[
                "key", "Key", "KEY", "pin", "PIN", "Pin", "otp", "auth", "Auth", "session",
                "ssn", "SSN", "pwd", "board", "ned", "mon", "or", "s", "id", "Id", "ID", "API",
                "HMAC", "stripe", "code", "tok", "en", "_", "-", ".", " ", "2", "9", "\u{430}",
                "\u{200b}", "a", "B",
            ][..]),
            0..8,
        )
    ) {
        let key = parts.concat();
        proptest::prop_assert_eq!(convex_guard::audit::is_secret_key(&key), reference(key.as_bytes()), "{:?}", key);
    }
}
