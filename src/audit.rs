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
pub const SECRET_FRAGMENTS: &str = "code secret token password passwd passphrase apikey \
    authorization bearer cookie credential privatekey signature mnemonic jwt";

/// Words that mark a field name as secret when one is a whole word of it ([`is_secret_key`]
/// splits a name into words at separators, at camelCase humps, between an acronym and the
/// next word, and between letters and digits): short words that are parts of ordinary words,
/// so containment would redact those too. `stripeKey`, `signing_key`, `accessKeyId`, `PIN`,
/// `otpSent`, `authHeader`, `sessionId` and `SSN` are secret; `keyboard`, `monkey`,
/// `pinned`, `spinner`, `opinion`, `author` and `possession` are not. A name written without
/// word boundaries (`stripekey`) is not split: write it in camelCase or snake_case.
pub const SECRET_WORDS: &str = "key pin otp auth session ssn pwd";

/// Longest normalized name compared; a longer name is secret (fail closed) without looking.
pub const MAX_KEY_LEN: usize = 256;

/// Whether values stored under the field name `key` must never be stored.
///
/// A name holding any non-ASCII character is secret (fail closed): a look-alike letter
/// (fullwidth `ｐａｓｓｗｏｒｄ`, a Cyrillic `а` in `pаssword`) or an invisible one
/// (`pass\u{200b}word`) would otherwise hide a secret word, and telling letters from other
/// characters would take Unicode tables the engine does not carry. Otherwise the name is
/// normalized: ASCII letters are lower-cased, ASCII digits kept, and every other character
/// (`_`, `-`, `.`, spaces) dropped, so `api_key`, `API-KEY`, `apiKey` and `Api Key` are one
/// name. Then it is secret when it contains one of [`SECRET_FRAGMENTS`], has one of
/// [`SECRET_WORDS`] as a whole word, or is longer than [`MAX_KEY_LEN`].
///
/// ```
/// use convex_guard::audit::is_secret_key;
/// for k in ["code", "apiKey", "api_key", "API-KEY", "x-api-key", "refreshToken", "Password"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["stripeKey", "accessKeyId", "PIN", "otp", "sessionId", "p\u{430}ssword"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["action", "userId", "resourceType", "status", "email", "keyboard", "pinned", "author"] {
///     assert!(!is_secret_key(k), "{k}");
/// }
/// ```
pub fn is_secret_key(key: &str) -> bool {
    is_secret_name(key.as_bytes())
}

/// [`is_secret_key`] of a name's UTF-8 bytes (bytes that are not UTF-8 are not ASCII either,
/// so they make the name secret: the engine's binding passes its input unvalidated).
pub fn is_secret_name(bytes: &[u8]) -> bool {
    let mut norm = [0u8; MAX_KEY_LEN];
    // `starts[i]`: a word of the name starts at `norm[i]` (or the name ends there).
    let mut starts = [false; MAX_KEY_LEN + 1];
    let mut len = 0usize;
    // The previous byte's class: 0 a separator, 1 lower case, 2 upper case, 3 a digit.
    let mut prev = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii() {
            return true;
        }
        let class = match b {
            b'a'..=b'z' => 1,
            b'A'..=b'Z' => 2,
            b'0'..=b'9' => 3,
            _ => 0,
        };
        // A word starts at a change of class, but for a capital followed by lower case
        // (`Key`), and at the last capital of an acronym followed by lower case (`APIKey`).
        let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        let start =
            (class != prev && !(prev == 2 && class == 1)) || (prev & class == 2 && next_lower);
        prev = class;
        if class == 0 {
            continue;
        }
        match (norm.get_mut(len), starts.get_mut(len)) {
            (Some(slot), Some(word)) => {
                *slot = b.to_ascii_lowercase();
                *word = start;
            }
            _ => return true,
        }
        len += 1;
    }
    if let Some(end) = starts.get_mut(len) {
        *end = true;
    }
    let name = norm.get(..len).unwrap_or_default();
    has(name, None, SECRET_FRAGMENTS) || has(name, Some(&starts), SECRET_WORDS)
}

/// Whether one of `list` is in `name`: anywhere, or, with `starts` ([`is_secret_key`]'s), as
/// a whole word. Every suffix's start, compared by prefix: unlike `windows`, no size-zero
/// panic path (and its message) is linked into the wasm. Out of line, so that neither list is
/// unrolled into the engine's code.
#[inline(never)]
fn has(name: &[u8], starts: Option<&[bool]>, list: &str) -> bool {
    let word = |i: usize| starts.is_none_or(|s| s.get(i) == Some(&true));
    list.as_bytes().split(|&b| b == b' ').any(|f| {
        (0..name.len()).any(|i| {
            let found = name.get(i..).is_some_and(|s| s.starts_with(f));
            found && word(i) && word(i + f.len())
        })
    })
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
    fn short_secret_words_count_as_whole_words_only() {
        for k in [
            "stripeKey",
            "signing_key",
            "accessKeyId",
            "HMACKey",
            "PIN",
            "userPin",
            "pin2",
            "otpSent",
            "authHeader",
            "sessionId",
            "SSNLast4",
            "dbPwd",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "keyboard",
            "monkey",
            "pinned",
            "PINNED",
            "spinner",
            "opinion",
            "author",
            "authorId",
            "possession",
            "business",
            "footprint",
            "Keyboard",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn a_name_with_any_non_ascii_character_is_secret() {
        for k in [
            "\u{ff50}\u{ff41}ss",
            "p\u{430}ssword",
            "na\u{ef}ve",
            "status\u{200b}",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        // Bytes that are not UTF-8 (the binding passes them unvalidated).
        assert!(is_secret_name(b"st\xffatus"));
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
