//! The audit trail's one rule: which field names hold secrets.
//!
//! The TypeScript layer writes audit rows; before it stores an event it walks the event and
//! replaces the value under every key for which [`is_secret_key`] is true. The rule lives here,
//! and only here, so that the browser, Node and Convex agree on it and it is tested once
//! (`tests/vectors/audit.json` is answered by Rust and by the built package).

/// Fragments that mark a field name as secret, in normalized form (ASCII lower case, letters
/// and digits only). A name is secret when its normalized form contains any of them.
///
/// Containment, not equality, fails closed: `apiKey`, `x-api-key`, `STRIPE_API_KEY`,
/// `refresh_token`, `clientSecret`, `confirmationCode` and `Set-Cookie` are all secret. The
/// price is over-redaction of harmless names that contain a fragment (`statusCode`,
/// `tokenCount`): put such values under another name (`status`) if they must be kept.
pub const SECRET_FRAGMENTS: [&str; 10] = [
    "code",
    "secret",
    "token",
    "password",
    "passwd",
    "apikey",
    "authorization",
    "cookie",
    "credential",
    "privatekey",
];

/// Longest normalized name compared; a longer name is secret (fail closed) without looking.
pub const MAX_KEY_LEN: usize = 256;

/// Whether values stored under the field name `key` must never be stored.
///
/// The name is normalized first: ASCII letters are lower-cased, ASCII digits kept, and every
/// other character (`_`, `-`, `.`, spaces, any non-ASCII character such as a zero-width space)
/// dropped, so `api_key`, `API-KEY`, `apiKey` and `Api Key` are one name. Then it is secret
/// when it contains one of [`SECRET_FRAGMENTS`], or is longer than [`MAX_KEY_LEN`].
///
/// ```
/// use convex_guard::audit::is_secret_key;
/// for k in ["code", "apiKey", "api_key", "API-KEY", "x-api-key", "refreshToken", "Password"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["action", "userId", "resourceType", "status", "email"] {
///     assert!(!is_secret_key(k), "{k}");
/// }
/// ```
pub fn is_secret_key(key: &str) -> bool {
    let mut norm = [0u8; MAX_KEY_LEN];
    let mut len = 0usize;
    for b in key.bytes() {
        if !b.is_ascii_alphanumeric() {
            continue;
        }
        match norm.get_mut(len) {
            Some(slot) => *slot = b.to_ascii_lowercase(),
            None => return true,
        }
        len += 1;
    }
    let name = norm.get(..len).unwrap_or_default();
    // Every suffix's start, compared by prefix: unlike `windows`, no size-zero panic path (and
    // its message) is linked into the wasm.
    SECRET_FRAGMENTS
        .iter()
        .any(|f| (0..len).any(|i| name.get(i..).is_some_and(|s| s.starts_with(f.as_bytes()))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn separators_case_and_invisible_characters_do_not_hide_a_secret() {
        for k in [
            "CODE",
            "confirmation_code",
            "clientSecret",
            "pass\u{200b}word",
            "Set-Cookie",
            "Authorization",
            "private.key",
            "DB_PASSWD",
            "aws_credentials",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn ordinary_names_are_kept() {
        for k in [
            "", "action", "actor", "target", "reason", "details", "at", "count", "id",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn over_long_names_fail_closed() {
        assert!(!is_secret_key(&"a".repeat(MAX_KEY_LEN)));
        assert!(is_secret_key(&"a".repeat(MAX_KEY_LEN + 1)));
        // Dropped characters do not count toward the bound.
        assert!(!is_secret_key(&"-".repeat(10 * MAX_KEY_LEN)));
    }
}
