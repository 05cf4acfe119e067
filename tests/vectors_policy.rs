//! Runs tests/vectors/policy.json through the pure policy API. The built package runs the same
//! file through its JavaScript API (tests/node/vectors.test.mjs), so the two cannot drift.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use convex_guard::policy::{Policy, PolicyBuilder, NO_ROLE};
use convex_guard::Error;
use serde_json::Value;

fn build(config: &Value) -> Result<Policy, Error> {
    let mut b = PolicyBuilder::default();
    for role in config["roles"].as_array().unwrap() {
        b.role(role.as_str().unwrap())?;
    }
    if let Some(perms) = config.get("permissions").and_then(Value::as_object) {
        for (role, list) in perms {
            for p in list.as_array().unwrap() {
                b.grant(role, p.as_str().unwrap())?;
            }
        }
    }
    b.build()
}

/// The subject's role id, as the TypeScript layer derives it: a role name, or a document's
/// `role` field when it is a string; anything else is "no role".
fn subject_role(policy: &Policy, subject: &Value) -> u32 {
    let role = match subject {
        Value::Object(doc) => doc.get("role"),
        other => Some(other),
    };
    role.and_then(Value::as_str)
        .and_then(|r| policy.role_index(r))
        .unwrap_or(NO_ROLE)
}

#[test]
fn policy_vectors() {
    let cases = common::vector_cases("policy", 10);
    for case in &cases {
        let name = case["description"].as_str().unwrap();
        match (build(&case["config"]), case.get("error")) {
            (Err(e), Some(want)) => {
                assert_eq!(e.code(), want["code"], "{name}");
                assert_eq!(e.message(), want["message"], "{name}");
            }
            (Ok(_), Some(_)) => panic!("{name}: expected a configuration error"),
            (Err(e), None) => panic!("{name}: unexpected error {e}"),
            (Ok(mut policy), None) => {
                for check in case["checks"].as_array().unwrap() {
                    let role = subject_role(&policy, &check["subject"]);
                    let got: Result<bool, Error> = if let Some(p) = check.get("can") {
                        policy
                            .intern(p.as_str().unwrap())
                            .map(|id| policy.can(role, id))
                    } else {
                        let min = policy
                            .role_index(check["atLeast"].as_str().unwrap())
                            .unwrap();
                        Ok(policy.role_at_least(role, min))
                    };
                    match (got, check.get("error")) {
                        (Err(e), Some(code)) => assert_eq!(e.code(), code, "{name}: {check}"),
                        (Ok(v), None) => assert_eq!(v, check["expected"], "{name}: {check}"),
                        (got, _) => panic!("{name}: {check} gave {got:?}"),
                    }
                }
            }
        }
    }
}
