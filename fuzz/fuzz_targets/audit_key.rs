//! `isSecretKey` (src/bindings/codes.rs, `audit::is_secret_name`): a field name is secret
//! exactly when it holds a byte that is not ASCII, or its normalized form (ASCII letters
//! lower-cased, digits kept, everything else dropped) contains a secret fragment, has a secret
//! word between two word boundaries, or is longer than `MAX_KEY_LEN`. Checked against a plain
//! reference written with `String`s.
#![no_main]

use convex_guard::audit::{
    is_secret_key, is_secret_name, MAX_KEY_LEN, SECRET_FRAGMENTS, SECRET_WORDS,
};
use libfuzzer_sys::fuzz_target;

/// 0 a separator, 1 lower case, 2 upper case, 3 a digit.
fn class(c: Option<u8>) -> u8 {
    match c {
        Some(b'a'..=b'z') => 1,
        Some(b'A'..=b'Z') => 2,
        Some(b'0'..=b'9') => 3,
        _ => 0,
    }
}

/// The normalized name, and the positions in it where a word starts or the name ends.
fn reference(key: &[u8]) -> (String, Vec<usize>) {
    let (mut norm, mut bounds) = (String::new(), Vec::new());
    for (i, &b) in key.iter().enumerate() {
        let (before, here, next) = (
            class(i.checked_sub(1).and_then(|j| key.get(j).copied())),
            class(Some(b)),
            class(key.get(i + 1).copied()),
        );
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
    (norm, bounds)
}

fuzz_target!(|data: &[u8]| {
    let (norm, bounds) = reference(data);
    let fragment = SECRET_FRAGMENTS.split(' ').any(|f| norm.contains(f));
    let word = bounds.iter().any(|&i| {
        bounds
            .iter()
            .any(|&j| j > i && SECRET_WORDS.split(' ').any(|w| norm.get(i..j) == Some(w)))
    });
    let expected = !data.is_ascii() || norm.len() > MAX_KEY_LEN || fragment || word;
    assert_eq!(is_secret_name(data), expected, "{data:?}");
    if let Ok(key) = std::str::from_utf8(data) {
        assert_eq!(is_secret_key(key), expected);
        // Case and separators never hide a fragment (a word needs its boundaries).
        if fragment {
            assert!(is_secret_key(&key.to_ascii_uppercase()) && is_secret_key(&norm));
        }
    }
});
