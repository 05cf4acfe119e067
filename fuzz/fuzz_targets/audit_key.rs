//! `isSecretKey` (src/bindings/codes.rs, `audit::is_secret_name`): a field name is secret
//! exactly when it holds a byte that is not ASCII, or its normalized form (ASCII letters
//! lower-cased, digits kept, everything else dropped) contains a secret fragment in a word that
//! is not a kept one, has a secret word (with a suffix: `s`, `id`, `ids`) ending at a word
//! boundary in a word that is not a kept one, or a whole secret word between two boundaries, or
//! is longer than `MAX_KEY_LEN`. Checked against a plain reference written with `String`s.
#![no_main]

use convex_guard::audit::{is_secret_key, is_secret_name};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/reference/audit_key.rs"]
mod reference;

fuzz_target!(|data: &[u8]| {
    let (norm, _) = reference::normalized(data);
    let fragment = reference::has_fragment(&norm);
    let expected = reference::is_secret(data);
    assert_eq!(is_secret_name(data), expected, "{data:?}");
    if let Ok(key) = std::str::from_utf8(data) {
        assert_eq!(is_secret_key(key), expected);
        // Case and separators never hide a fragment that no kept word ends with (a word needs
        // its boundaries, and so does a kept word: `posSession` is secret, `POSSESSION` not).
        if fragment {
            assert!(is_secret_key(&key.to_ascii_uppercase()) && is_secret_key(&norm));
        }
    }
});
