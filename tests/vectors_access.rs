//! Runs every case of `tests/vectors/access.json` through the pure Rust API.
//!
//! The cases are written in the terms a JavaScript caller uses (level names, user, group and
//! document ids as strings, ms timestamps); this file does what the TypeScript layer will do
//! before crossing into wasm: intern ids into `u32`s, turn documents and grants into parallel
//! arrays, and map the answers back to names. Any mapping choice made here (a parent id that is
//! not among the documents is `NO_PARENT`, a missing `expiresAt` is `NO_EXPIRY`, `null` ids are
//! `NO_SUBJECT`) is part of the contract the JS package must follow too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::HashMap;

use convex_guard::access::{
    can_transfer, AccessLevelsBuilder, Caller, Documents, Grants, Levels, Source, GRANT_DIRECT,
    GRANT_GROUP, NO_EXPIRY, NO_PARENT, NO_SUBJECT,
};
use convex_guard::Error;
use serde_json::{json, Value};

fn error_json(e: &Error) -> Value {
    json!({ "error": e.code() })
}

/// Compiles the optional `config` object of a case.
fn levels(config: Option<&Value>) -> Result<Levels, Error> {
    let mut b = AccessLevelsBuilder::default();
    let Some(config) = config else {
        return b.build();
    };
    if let Some(names) = config.get("levels") {
        for n in names.as_array().unwrap() {
            b.level(n.as_str().unwrap())?;
        }
    }
    if let Some(p) = config.get("publicLevel") {
        b.public_level(p.as_str().unwrap());
    }
    if let Some(s) = config.get("shareLevel") {
        b.share_level(s.as_str().unwrap());
    }
    b.build()
}

/// Interns user and group ids: one number per distinct string, `null` is `NO_SUBJECT`.
#[derive(Default)]
struct Interner(HashMap<String, u32>);

impl Interner {
    fn id(&mut self, v: &Value) -> u32 {
        match v.as_str() {
            None => NO_SUBJECT,
            Some(s) => {
                let next = self.0.len() as u32;
                *self.0.entry(s.to_owned()).or_insert(next)
            }
        }
    }
}

fn run_levels(case: &Value) -> Value {
    match levels(case.get("config")) {
        Err(e) => error_json(&e),
        Ok(l) => json!({
            "levels": l.names(),
            "publicLevel": l.name(l.public()),
            "shareLevel": l.name(l.share()),
        }),
    }
}

fn run_resolve(case: &Value) -> Value {
    let levels = match levels(case.get("config")) {
        Ok(l) => l,
        Err(e) => return error_json(&e),
    };
    let mut subjects = Interner::default();
    let caller = subjects.id(&case["caller"]);
    let groups: Vec<u32> = case["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| subjects.id(g))
        .collect();
    let docs = case["documents"].as_array().unwrap();
    let index: HashMap<&str, u32> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d["id"].as_str().unwrap(), i as u32))
        .collect();
    let (mut owner, mut public, mut parent) = (vec![], vec![], vec![]);
    let (mut g_doc, mut g_subject, mut g_kind, mut g_level, mut g_expires) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (i, d) in docs.iter().enumerate() {
        owner.push(subjects.id(&d["owner"]));
        public.push(match d["visibility"].as_str() {
            Some("public") => 1,
            Some("private") => 0,
            _ => 2, // not a visibility: the resolver refuses it
        });
        parent.push(
            d["parent"]
                .as_str()
                .and_then(|p| index.get(p).copied())
                .unwrap_or(NO_PARENT),
        );
        for g in d["grants"].as_array().unwrap() {
            g_doc.push(i as u32);
            g_subject.push(subjects.id(&g["to"]));
            g_kind.push(match g["kind"].as_str() {
                Some("direct") => GRANT_DIRECT,
                Some("group") => GRANT_GROUP,
                _ => 0, // not a kind: the resolver refuses it
            });
            match levels.level(g["level"].as_str().unwrap()) {
                Ok(l) => g_level.push(l),
                Err(e) => return error_json(&e),
            }
            g_expires.push(
                g.get("expiresAt")
                    .and_then(Value::as_f64)
                    .unwrap_or(NO_EXPIRY),
            );
        }
    }
    let result = levels.resolve(
        case["now"].as_f64().unwrap(),
        Caller {
            id: caller,
            groups: &groups,
        },
        Documents {
            owner: &owner,
            public: &public,
            parent: &parent,
        },
        Grants {
            doc: &g_doc,
            subject: &g_subject,
            kind: &g_kind,
            level: &g_level,
            expires_at: &g_expires,
        },
    );
    match result {
        Err(e) => error_json(&e),
        Ok(out) => {
            assert_eq!(out.len(), docs.len());
            let results: Vec<Value> = out
                .iter()
                .zip(docs)
                .map(|(a, d)| {
                    json!({
                        "id": d["id"],
                        "level": levels.name(a.level),
                        "source": a.source.name(),
                        "via": a.via.map(|v| docs[v as usize]["id"].clone()),
                    })
                })
                .collect();
            json!({ "results": results })
        }
    }
}

fn run_share(case: &Value) -> Value {
    let levels = match levels(case.get("config")) {
        Ok(l) => l,
        Err(e) => return error_json(&e),
    };
    let caller = match case["callerLevel"].as_str() {
        None => Ok(0),
        Some(name) => levels.level(name),
    };
    let decision = caller
        .and_then(|c| Ok((c, levels.level(case["grantLevel"].as_str().unwrap())?)))
        .and_then(|(c, g)| levels.can_share(c, g));
    match decision {
        Err(e) => error_json(&e),
        Ok(Ok(())) => json!({ "ok": true }),
        Ok(Err(d)) => json!({ "ok": false, "reason": d.name() }),
    }
}

fn run_transfer(case: &Value) -> Value {
    match Source::from_name(case["callerSource"].as_str().unwrap()) {
        None => json!({ "error": "INVALID_ARGUMENT" }),
        Some(s) => match can_transfer(s) {
            Ok(()) => json!({ "ok": true }),
            Err(d) => json!({ "ok": false, "reason": d.name() }),
        },
    }
}

#[test]
fn every_access_vector_passes() {
    let cases = common::vector_cases("access", 20);
    let mut failures = Vec::new();
    for case in &cases {
        let description = case["description"]
            .as_str()
            .expect("every case is described");
        let actual = match case["op"].as_str().unwrap() {
            "levels" => run_levels(case),
            "resolve" => run_resolve(case),
            "share" => run_share(case),
            "transfer" => run_transfer(case),
            other => panic!("unknown op {other:?} in {description:?}"),
        };
        if actual != case["expected"] {
            failures.push(format!(
                "{description}\n  expected {}\n  actual   {actual}",
                case["expected"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_cover_the_required_situations() {
    let text = common::vector_text("access");
    for needle in [
        "\"cycle\"",
        "expired",
        "\"group\"",
        "\"inherited\"",
        "\"public\"",
        "\"private\"",
        "deleted-folder",
        "\"op\": \"share\"",
        "\"op\": \"transfer\"",
        "attacker",
    ] {
        assert!(text.contains(needle), "no vector mentions {needle}");
    }
}
