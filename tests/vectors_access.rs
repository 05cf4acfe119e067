//! Runs every case of `tests/vectors/access.json` through the pure Rust API.
//!
//! The cases are written in the terms a JavaScript caller uses (level names, user, group and
//! document ids as strings, ms timestamps); this file does what the TypeScript layer will do
//! before crossing into wasm: intern ids into `u32`s, turn documents and grants into parallel
//! arrays, and map the answers back to names. Any mapping choice made here (a parent id that is
//! not among the documents is `NO_PARENT`, a missing `expiresAt` is `NO_EXPIRY`, `null` and
//! `""` ids are `NO_SUBJECT`) is part of the contract the JS package must follow too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::HashMap;

use convex_guard::access::{
    can_transfer, Access, AccessLevelsBuilder, Caller, Documents, Grants, Levels, ShareRequest,
    Source, GRANT_DIRECT, GRANT_GROUP, NONE, NO_EXPIRY, NO_PARENT, NO_SUBJECT,
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

/// Interns user and group ids: one number per distinct non-empty string; `null` and `""` are
/// `NO_SUBJECT` (an empty id is no one: attack46).
#[derive(Default)]
struct Interner(HashMap<String, u32>);

impl Interner {
    fn id(&mut self, v: &Value) -> u32 {
        match v.as_str() {
            None | Some("") => NO_SUBJECT,
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

/// A case's facts as the engine's parallel arrays, ids interned as the TypeScript layer does.
struct Batch {
    caller: u32,
    groups: Vec<u32>,
    index: HashMap<String, u32>,
    owner: Vec<u32>,
    public: Vec<u8>,
    parent: Vec<u32>,
    g_doc: Vec<u32>,
    g_subject: Vec<u32>,
    g_kind: Vec<u8>,
    g_level: Vec<u8>,
    g_expires: Vec<f64>,
}

impl Batch {
    fn new(case: &Value, levels: &Levels) -> Result<Batch, Error> {
        let mut subjects = Interner::default();
        let caller = subjects.id(&case["caller"]);
        let groups: Vec<u32> = case["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| subjects.id(g))
            .collect();
        let docs = case["documents"].as_array().unwrap();
        let index: HashMap<String, u32> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d["id"].as_str().unwrap().to_owned(), i as u32))
            .collect();
        let mut b = Batch {
            caller,
            groups,
            owner: vec![],
            public: vec![],
            parent: vec![],
            g_doc: vec![],
            g_subject: vec![],
            g_kind: vec![],
            g_level: vec![],
            g_expires: vec![],
            index,
        };
        for (i, d) in docs.iter().enumerate() {
            b.owner.push(subjects.id(&d["owner"]));
            b.public.push(match d["visibility"].as_str() {
                Some("public") => 1,
                Some("private") => 0,
                _ => 2, // not a visibility: the resolver refuses it
            });
            b.parent.push(
                d["parent"]
                    .as_str()
                    .and_then(|p| b.index.get(p).copied())
                    .unwrap_or(NO_PARENT),
            );
            for g in d["grants"].as_array().unwrap() {
                b.g_doc.push(i as u32);
                b.g_subject.push(subjects.id(&g["to"]));
                b.g_kind.push(match g["kind"].as_str() {
                    Some("direct") => GRANT_DIRECT,
                    Some("group") => GRANT_GROUP,
                    _ => 0, // not a kind: the resolver refuses it
                });
                b.g_level.push(levels.stored(g["level"].as_str().unwrap()));
                b.g_expires.push(
                    g.get("expiresAt")
                        .and_then(Value::as_f64)
                        .unwrap_or(NO_EXPIRY),
                );
            }
        }
        Ok(b)
    }

    fn caller(&self) -> Caller<'_> {
        Caller {
            id: self.caller,
            groups: &self.groups,
        }
    }

    fn documents(&self) -> Documents<'_> {
        Documents {
            owner: &self.owner,
            public: &self.public,
            parent: &self.parent,
        }
    }

    fn grants(&self) -> Grants<'_> {
        Grants {
            doc: &self.g_doc,
            subject: &self.g_subject,
            kind: &self.g_kind,
            level: &self.g_level,
            expires_at: &self.g_expires,
        }
    }
}

/// A case's levels and batch, or the error either gives.
fn setup(case: &Value) -> Result<(Levels, Batch), Value> {
    let levels = levels(case.get("config")).map_err(|e| error_json(&e))?;
    let b = Batch::new(case, &levels).map_err(|e| error_json(&e))?;
    Ok((levels, b))
}

fn run_resolve(case: &Value) -> Value {
    let (levels, b) = match setup(case) {
        Ok(set) => set,
        Err(e) => return e,
    };
    let docs = case["documents"].as_array().unwrap();
    let result = levels.resolve(
        case["now"].as_f64().unwrap(),
        b.caller(),
        b.documents(),
        b.grants(),
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

/// A share request on facts: the decision and the capped expiry (missing: never). A request
/// for a document that is not among the facts is [`NO_PARENT`] (what the binding passes).
fn run_share_grant(case: &Value) -> Value {
    let (levels, b) = match setup(case) {
        Ok(set) => set,
        Err(e) => return e,
    };
    let request = &case["request"];
    let level = match levels.level(request["level"].as_str().unwrap()) {
        Ok(l) => l,
        Err(e) => return error_json(&e),
    };
    let doc = b
        .index
        .get(request["id"].as_str().unwrap())
        .copied()
        .unwrap_or(NO_PARENT);
    let expires_at = request.get("expiresAt").and_then(Value::as_f64);
    let decided = levels.share_grant(
        case["now"].as_f64().unwrap(),
        b.caller(),
        b.documents(),
        b.grants(),
        ShareRequest {
            doc,
            level,
            expires_at,
        },
    );
    match decided {
        Err(e) => error_json(&e),
        Ok(Err(d)) => json!({ "ok": false, "reason": d.name() }),
        Ok(Ok(t)) if t == NO_EXPIRY => json!({ "ok": true }),
        // Whole milliseconds are written as integers in the file.
        Ok(Ok(t)) if t.fract() == 0.0 => json!({ "ok": true, "expiresAt": t as u64 }),
        Ok(Ok(t)) => json!({ "ok": true, "expiresAt": t }),
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

/// `levelAtLeast(level, min)`: the caller's access at `level` (`null`: none) allows `min`.
fn run_at_least(case: &Value) -> Value {
    let levels = match levels(case.get("config")) {
        Ok(l) => l,
        Err(e) => return error_json(&e),
    };
    let level = match case["level"].as_str() {
        None => Ok(NONE),
        Some(name) => levels.level(name),
    };
    let min = level.and_then(|l| Ok((l, levels.level(case["min"].as_str().unwrap())?)));
    match min {
        Err(e) => error_json(&e),
        Ok((level, min)) => {
            let held = Access {
                level,
                source: Source::Direct,
                via: Some(0),
            };
            json!({ "atLeast": held.allows(min) })
        }
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
            "shareGrant" => run_share_grant(case),
            "transfer" => run_transfer(case),
            "atLeast" => run_at_least(case),
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
        "\"op\": \"shareGrant\"",
        "attacker",
    ] {
        assert!(text.contains(needle), "no vector mentions {needle}");
    }
}
