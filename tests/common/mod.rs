//! Shared by the vector runners (`tests/vectors_*.rs`): reading one file of
//! `tests/vectors/`, the cases that Rust and the built package must answer identically.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use serde_json::Value;

/// The raw text of `tests/vectors/<name>.json`.
pub fn vector_text(name: &str) -> String {
    let path = [env!("CARGO_MANIFEST_DIR"), "/tests/vectors/", name, ".json"].concat();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The cases of `tests/vectors/<name>.json`: the file must describe itself and hold at least
/// `min` cases (so an emptied file cannot pass silently).
pub fn vector_cases(name: &str, min: usize) -> Vec<Value> {
    let file: Value = serde_json::from_str(&vector_text(name)).expect("valid JSON");
    assert!(
        file["description"].is_string(),
        "{name}.json has no description"
    );
    let cases = file["cases"].as_array().expect("a cases array").clone();
    assert!(
        cases.len() >= min,
        "{name}.json: {} cases, expected at least {min}",
        cases.len()
    );
    cases
}
