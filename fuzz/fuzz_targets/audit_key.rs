//! `isSecretKey` (src/bindings/codes.rs, `audit::is_secret_key`): a field name is secret
//! exactly when its normalized form (ASCII letters lower-cased, digits kept, everything else
//! dropped) contains a secret fragment or is longer than `MAX_KEY_LEN`. Checked against a
//! plain reference written with `String`s.
#![no_main]

use convex_guard::audit::{is_secret_key, MAX_KEY_LEN, SECRET_FRAGMENTS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = String::from_utf8_lossy(data);
    let norm: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let expected = norm.len() > MAX_KEY_LEN || SECRET_FRAGMENTS.iter().any(|f| norm.contains(f));
    assert_eq!(is_secret_key(&key), expected, "{key:?}");
    // Case and separators never hide a secret.
    assert_eq!(is_secret_key(&key.to_ascii_uppercase()), expected);
    assert_eq!(is_secret_key(&norm), expected);
});
