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
