#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Runs every case of `tests/vectors/audit.json` through `convex_guard::audit::is_secret_key`;
//! `tests/node/codes.test.mjs` runs the same file through the built package.

mod common;
#[path = "reference/audit_key.rs"]
mod reference;

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

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(20_000))]

    /// Names made of secret words, fragments, their suffixes, the kept words and parts of
    /// them, look-alikes and separators, in every case.
    #[test]
    fn the_engine_answers_the_stated_rule(
        parts in proptest::collection::vec(
            proptest::sample::select(&[
                "key", "Key", "KEY", "pin", "PIN", "Pin", "otp", "auth", "Auth", "session",
                "SESSION", "ssn", "SSN", "pwd", "board", "ned", "mon", "or", "s", "id", "Id",
                "ID", "ids", "IDs", "API", "HMAC", "stripe", "code", "tok", "en", "_", "-", ".",
                " ", "2", "9", "\u{430}", "\u{200b}", "a", "B", "monkey", "MONKEY", "turkey",
                "hot", "sp", "pos", "ob", "t", "h", "data", "pass", "PASS", "Pass", "by", "com",
                "pw", "PW", "cred", "sid", "SID", "Sid", "sess", "SESS", "ion", "ses", "sig",
                "dsn", "DSN", "cvv", "cvc", "refresh", "Refresh", "csrf", "connection", "string",
                "seed", "phrase", "Phrase", "status", "number", "N", "n", "e", "ssid", "url",
                "Url", "URL", "uri", "link", "Link", "database", "db", "DB", "mongo", "redis",
                "REDIS", "hook", "web", "magic", "reset", "Reset", "pre", "signed", "feed",
                "back", "card", "Num", "pan", "PAN", "com", "ex", "psk", "pfx", "ling",
                "assertion", "saml", "Response", "error", "Code", "zip", "sort", "public",
                "idempotency", "prompt", "Tokens", "tokens", "cached", "At", "at", "AT", "Count",
                "count", "changed", "Changed",
            ][..]),
            0..8,
        )
    ) {
        let key = parts.concat();
        proptest::prop_assert_eq!(convex_guard::audit::is_secret_key(&key), reference::is_secret(key.as_bytes()), "{:?}", key);
        // Case and separators never hide a fragment that no kept word ends with and no kept
        // pair holds, in a name that does not end in a kept last word.
        let (norm, _) = reference::normalized(key.as_bytes());
        if reference::has_fragment(&norm) {
            proptest::prop_assert!(convex_guard::audit::is_secret_key(&key.to_ascii_uppercase()), "{:?}", key);
            proptest::prop_assert!(convex_guard::audit::is_secret_key(&norm), "{:?}", key);
        }
    }
}
