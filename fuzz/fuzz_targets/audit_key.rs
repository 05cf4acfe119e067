//! `isSecretKey` (src/bindings/codes.rs, `audit::is_secret_name`): a field name is secret
//! exactly when it holds a byte that is not ASCII, or is longer than `MAX_KEY_LEN`, or, its
//! last word not a kept one (`at`, `count`), its normalized form (ASCII letters lower-cased,
//! digits kept, everything else dropped) contains a secret fragment, has a secret word (with a
//! suffix: `s`, `id`, `ids`) ending at a word boundary, a whole secret word between two
//! boundaries, or a URL kind ending a word before a URL word ending one, each in a word that is
//! not a kept one nor a kept pair. Checked against a plain reference written with `String`s.
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
        // Case and separators never hide a fragment that no kept word ends with and no kept
        // pair holds (a word needs its boundaries, and so does a kept word: `posSession` is
        // secret, `POSSESSION` not), in a name that does not end in a kept last word.
        if fragment {
            assert!(is_secret_key(&key.to_ascii_uppercase()) && is_secret_key(&norm));
        }
    }
});
