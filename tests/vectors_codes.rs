#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Runs every case of `tests/vectors/codes.json` through the pure API of `convex_guard::codes`.
//!
//! The `hmac` fields are what the TypeScript layer's `crypto.subtle.sign` must return; this
//! file checks them with a small test-only SHA-256 (itself checked against RFC 4231), so the
//! vectors are known good before the JS tests rely on them. The library has no HMAC of its own.

mod common;

use convex_guard::codes::{
    binding_message, code_from_bytes, verify, Alphabet, CodeConfig, CodeFormat, Digest, Failures,
    Lockout, Outcome, Record, DEFAULT_LENGTH,
};
use convex_guard::Error;
use serde_json::{json, Value};

/// Test-only SHA-256 (FIPS 180-4) and HMAC (RFC 2104).
mod sha256 {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    pub fn digest(data: &[u8]) -> [u8; 32] {
        let mut h: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut msg = data.to_vec();
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
        for block in msg.chunks(64) {
            let mut w = [0u32; 64];
            for t in 0..16 {
                w[t] = u32::from_be_bytes(block[4 * t..4 * t + 4].try_into().unwrap());
            }
            for t in 16..64 {
                let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
                let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
                w[t] = w[t - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[t - 7])
                    .wrapping_add(s1);
            }
            let mut v = h;
            for t in 0..64 {
                let [a, b, c, d, e, f, g, hh] = v;
                let t1 = hh
                    .wrapping_add(e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25))
                    .wrapping_add((e & f) ^ (!e & g))
                    .wrapping_add(K[t])
                    .wrapping_add(w[t]);
                let t2 = (a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22))
                    .wrapping_add((a & b) ^ (a & c) ^ (b & c));
                v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
            }
            for (x, y) in h.iter_mut().zip(v) {
                *x = x.wrapping_add(y);
            }
        }
        let mut out = [0u8; 32];
        for (o, x) in out.chunks_mut(4).zip(h) {
            o.copy_from_slice(&x.to_be_bytes());
        }
        out
    }

    pub fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let inner: Vec<u8> = block
            .iter()
            .map(|b| b ^ 0x36)
            .chain(msg.iter().copied())
            .collect();
        let outer: Vec<u8> = block
            .iter()
            .map(|b| b ^ 0x5c)
            .chain(digest(&inner))
            .collect();
        digest(&outer)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn test_only_hmac_matches_rfc_4231() {
    let cases: [(&[u8], &[u8], &str); 3] = [
        (
            &[0x0b; 20],
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
    ];
    for (key, msg, mac) in cases {
        assert_eq!(hex(&sha256::hmac(key, msg)), mac);
    }
}

/// A time input: a number, or "NaN" / "Infinity" / "-Infinity" as JavaScript would pass them.
fn time(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => other.as_f64().expect("a time is a number or NaN/Infinity"),
    }
}

fn error(e: Error) -> Value {
    json!({ "error": e.code(), "message": e.message() })
}

fn record_json(r: &Record) -> Value {
    json!({
        "hash": hex(r.hash().as_bytes()),
        "expiresAt": r.expires_at(),
        "attemptsLeft": r.attempts_left(),
        "used": r.used(),
        "failures": r.failures().count(),
        "lastFailure": r.failures().last(),
    })
}

/// A failure count: `{ failures, lastFailure }`, each absent as 0 (rows written before the
/// budgets), a whole object absent or null as none.
fn failures_in(v: &Value) -> Result<Failures, Error> {
    let number = |k: &str| match &v[k] {
        Value::Null => 0.0,
        other => time(other),
    };
    Failures::new(number("failures"), number("lastFailure"))
}

fn failures_json(f: &Failures) -> Value {
    json!({ "failures": f.count(), "lastFailure": f.last() })
}

fn record_in(v: &Value) -> Result<Option<Record>, Error> {
    if v.is_null() {
        return Ok(None);
    }
    let hash = Digest::from_slice(&unhex(v["hash"].as_str().unwrap()))?;
    Record::new(
        hash,
        time(&v["expiresAt"]),
        v["attemptsLeft"].as_u64().unwrap() as u32,
        v["used"].as_bool().unwrap(),
    )
    .and_then(|r| Ok(Some(r.with_failures(failures_in(v)?))))
}

/// The case's `lockout` budgets (absent: the defaults).
fn lockout_in(c: &Value, config: CodeConfig) -> Result<CodeConfig, Error> {
    let l = &c["lockout"];
    let number = |entry: &str, k: &str| match &l[entry][k] {
        Value::Null => None,
        other => Some(time(other)),
    };
    Ok(config.with_lockout(
        Lockout::binding(
            number("binding", "maxFailures"),
            number("binding", "window"),
        )?,
        Lockout::actor(number("actor", "maxFailures"), number("actor", "window"))?,
    ))
}

fn format_of(c: &Value) -> CodeFormat {
    let alphabet = Alphabet::from_spec(c["alphabet"].as_str().unwrap()).unwrap();
    CodeFormat::new(alphabet, c["length"].as_u64().unwrap() as u32).unwrap()
}

fn str_of<'a>(c: &'a Value, k: &str) -> &'a str {
    c[k].as_str().unwrap()
}

fn run_flow(c: &Value) -> Value {
    let key = unhex(str_of(c, "key"));
    let (actor, action, target) = (str_of(c, "actor"), str_of(c, "action"), str_of(c, "target"));
    let config = CodeConfig::new(
        str_of(c, "alphabet"),
        c["length"].as_u64().unwrap() as u32,
        time(&c["ttl"]),
        c["maxAttempts"].as_u64().unwrap() as u32,
    )
    .unwrap();
    let bytes: Vec<u8> = serde_json::from_value(c["bytes"].clone()).unwrap();
    let mut code = String::new();
    code_from_bytes(&bytes, config.format(), &mut code).expect("enough bytes for the code");
    let mac = |target: &str, code: &str| {
        let msg = binding_message(actor, action, target, code).unwrap();
        Digest::from_bytes(sha256::hmac(&key, &msg))
    };
    let hash = mac(target, &code);
    let mut record = Some(config.issue(hash, time(&c["now"])).unwrap());
    let expires_at = record.unwrap().expires_at();
    let mut outcomes = Vec::new();
    for attempt in c["attempts"].as_array().unwrap() {
        let t = attempt["target"].as_str().unwrap_or(target);
        let presented = config
            .format()
            .canonical(attempt["presented"].as_str().unwrap())
            .map(|canon| mac(t, &canon));
        let v = verify(record.as_ref(), presented.as_ref(), time(&attempt["now"])).unwrap();
        outcomes.push(v.outcome.reason());
        record = v.record;
    }
    json!({
        "code": code,
        "hash": hex(hash.as_bytes()),
        "expiresAt": expires_at,
        "outcomes": outcomes,
    })
}

fn run(c: &Value) -> Value {
    match str_of(c, "kind") {
        "alphabet" => match Alphabet::from_spec(str_of(c, "alphabet")) {
            Ok(a) => json!({ "size": a.size(), "symbols": a.symbols(), "mask": a.mask() }),
            Err(e) => error(e),
        },
        // The settings as JavaScript passes them: numbers as written (wire::codes::config).
        "config" => match convex_guard::wire::codes::config(
            str_of(c, "alphabet"),
            c["length"].as_f64().unwrap(),
            time(&c["ttl"]),
            c["maxAttempts"].as_f64().unwrap(),
        )
        .and_then(|config| lockout_in(c, config))
        {
            Ok(_) => json!({ "ok": true }),
            Err(e) => error(e),
        },
        "codeFromBytes" => {
            let bytes: Vec<u8> = serde_json::from_value(c["bytes"].clone()).unwrap();
            let mut out = String::new();
            match code_from_bytes(&bytes, &format_of(c), &mut out) {
                Some(used) => json!({ "code": out, "consumed": used }),
                None => json!({ "code": null, "consumed": null }),
            }
        }
        "canonical" => json!({ "code": format_of(c).canonical(str_of(c, "presented")) }),
        "bindingMessage" => {
            let message = binding_message(
                str_of(c, "actor"),
                str_of(c, "action"),
                str_of(c, "target"),
                str_of(c, "code"),
            );
            match message {
                Ok(m) => json!({
                    "message": hex(&m),
                    "hmac": hex(&sha256::hmac(&unhex(str_of(c, "key")), &m)),
                }),
                Err(e) => error(e),
            }
        }
        "issue" => {
            let issued = (|| {
                let config = CodeConfig::new(
                    "digits",
                    DEFAULT_LENGTH,
                    time(&c["ttl"]),
                    c["maxAttempts"].as_u64().unwrap() as u32,
                )?;
                let hash = Digest::from_slice(&unhex(str_of(c, "hash")))?;
                let (now, replaced) = (time(&c["now"]), failures_in(&c["replaced"])?);
                match c.get("ownTtl") {
                    // issue's `options.ttl`: this code's own lifetime.
                    Some(ttl) => config.reissue_within(hash, now, replaced, time(ttl)),
                    None => config.reissue(hash, now, replaced),
                }
            })();
            match issued {
                Ok(r) => json!({ "record": record_json(&r) }),
                Err(e) => error(e),
            }
        }
        "verify" => {
            let verified = (|| {
                let config = lockout_in(c, CodeConfig::default())?;
                let record = record_in(&c["record"])?;
                let actor = failures_in(&c["actor"])?;
                let presented = match c["presented"].as_str() {
                    Some(h) => Some(Digest::from_slice(&unhex(h))?),
                    None => None,
                };
                config.consume(record.as_ref(), &actor, presented.as_ref(), time(&c["now"]))
            })();
            match verified {
                Ok(v) => json!({
                    "outcome": v.outcome.reason(),
                    "clientError": v.outcome.client_code(),
                    "record": v.record.as_ref().map(record_json),
                    "actor": v.actor.as_ref().map(failures_json),
                }),
                Err(e) => error(e),
            }
        }
        "flow" => run_flow(c),
        other => panic!("unknown kind {other}"),
    }
}

/// JSON equality where numbers compare as numbers (`301000` equals `301000.0`), as in JS.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn every_vector_case_matches() {
    let cases = common::vector_cases("codes", 20);
    let mut failures = Vec::new();
    for c in &cases {
        let got = run(c);
        if !same(&got, &c["expected"]) {
            failures.push(format!(
                "{}:\n  expected {}\n  got      {}",
                c["description"], c["expected"], got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_failure_outcome_shares_one_client_code() {
    // Every outcome but `Accepted` (the wire's full list, so a new outcome is covered too).
    let failures = convex_guard::codes::OUTCOMES
        .into_iter()
        .filter(|o| *o != Outcome::Accepted);
    assert_eq!(failures.clone().count(), 7);
    for o in failures {
        assert_eq!(o.client_code(), Some("INVALID_CONFIRMATION"), "{o:?}");
    }
}
