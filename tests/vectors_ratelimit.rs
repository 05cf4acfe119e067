//! Runs every case of `tests/vectors/ratelimit.json` through the pure rate-limit API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use convex_guard::ratelimit::{decide, decide_all, Kind, Limit, Request, State};
use convex_guard::Error;
use serde_json::Value;

/// A JSON number, or one of the strings "NaN", "Infinity", "-Infinity".
fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        _ => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

fn limit(v: &Value) -> Result<Limit, Error> {
    let kind = match v.get("kind") {
        None => Kind::default(),
        Some(k) => Kind::from_name(k.as_str().unwrap())?,
    };
    // As the guard's configuration is compiled: a period of at least a second.
    Limit::configured(
        kind,
        num(&v["rate"]),
        num(&v["period"]),
        v.get("capacity").map(num),
        v.get("shards").map(num),
    )
}

fn state(v: &Value) -> State {
    State {
        t: num(&v["t"]),
        a: num(&v["a"]),
        b: num(&v["b"]),
        log: v["log"].as_array().unwrap().iter().map(num).collect(),
    }
}

fn expect_error(desc: &str, expected: &Value, got: Error) {
    assert_eq!(
        expected.get("error").and_then(Value::as_str),
        Some(got.code()),
        "{desc}: unexpected error {got}"
    );
    assert!(!got.message().is_empty());
}

fn run_requests(desc: &str, case: &Value) {
    let lim = limit(&case["limit"]).unwrap_or_else(|e| panic!("{desc}: {e}"));
    let mut rows: Vec<Option<State>> = vec![None; lim.shards() as usize];
    if let Some(s) = case.get("state") {
        rows[0] = Some(state(s));
    }
    for (i, req) in case["requests"].as_array().unwrap().iter().enumerate() {
        let desc = &format!("{desc} (request {i})");
        if req.get("reset").and_then(Value::as_bool) == Some(true) {
            rows.iter_mut().for_each(|r| *r = None);
            continue;
        }
        let expected = &req["expected"];
        let now = num(&req["now"]);
        let count = req.get("count").map_or(1.0, num);
        let consume = req.get("consume").and_then(Value::as_bool).unwrap_or(true);
        let shard = req.get("shard").map(|s| s.as_u64().unwrap() as u32);
        let (target, row) = match shard {
            None => (Ok(lim), 0),
            Some(i) => (lim.shard(i), i as usize),
        };
        let result = target.and_then(|l| {
            decide(
                &l,
                rows.get(row).and_then(Option::as_ref),
                now,
                count,
                consume,
            )
        });
        match result {
            Err(e) => expect_error(desc, expected, e),
            Ok((d, next)) => {
                assert!(
                    expected.get("error").is_none(),
                    "{desc}: expected an error, got {d:?}"
                );
                assert_eq!(d.ok, expected["ok"].as_bool().unwrap(), "{desc}: ok");
                assert_eq!(
                    u64::from(d.remaining),
                    expected["remaining"].as_u64().unwrap(),
                    "{desc}: remaining"
                );
                assert_eq!(
                    d.retry_after,
                    num(&expected["retryAfter"]),
                    "{desc}: retryAfter"
                );
                if let Some(n) = next {
                    rows[row] = Some(n);
                }
            }
        }
    }
}

fn run_batches(desc: &str, case: &Value) {
    let limits: Vec<Limit> = case["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| limit(l).unwrap())
        .collect();
    let mut rows: Vec<Option<State>> = vec![None; limits.len()];
    for (i, step) in case["batches"].as_array().unwrap().iter().enumerate() {
        let desc = &format!("{desc} (batch {i})");
        let expected = &step["expected"];
        let counts: Vec<f64> = step["counts"].as_array().unwrap().iter().map(num).collect();
        let consume = step.get("consume").and_then(Value::as_bool).unwrap_or(true);
        let reqs: Vec<Request<'_>> = limits
            .iter()
            .zip(&rows)
            .zip(&counts)
            .map(|((limit, state), &count)| Request {
                limit,
                state: state.as_ref(),
                count,
            })
            .collect();
        match decide_all(&reqs, num(&step["now"]), consume) {
            Err(e) => expect_error(desc, expected, e),
            Ok(b) => {
                assert!(
                    expected.get("error").is_none(),
                    "{desc}: expected an error, got {b:?}"
                );
                assert_eq!(b.ok, expected["ok"].as_bool().unwrap(), "{desc}: ok");
                assert_eq!(
                    b.retry_after,
                    num(&expected["retryAfter"]),
                    "{desc}: retryAfter"
                );
                let remaining: Vec<u64> =
                    b.decisions.iter().map(|d| u64::from(d.remaining)).collect();
                let want: Vec<u64> = expected["remaining"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
                    .collect();
                assert_eq!(remaining, want, "{desc}: remaining");
                if !b.ok {
                    assert!(
                        b.states.iter().all(Option::is_none),
                        "{desc}: a denied batch wrote"
                    );
                }
                for (row, next) in rows.iter_mut().zip(b.states) {
                    if let Some(n) = next {
                        *row = Some(n);
                    }
                }
            }
        }
    }
}

#[test]
fn ratelimit_vectors() {
    let cases = common::vector_cases("ratelimit", 20);
    for case in &cases {
        let desc = case["description"].as_str().unwrap();
        if case.get("batches").is_some() {
            run_batches(desc, case);
        } else if case.get("requests").is_some() {
            run_requests(desc, case);
        } else {
            let e = limit(&case["limit"]).expect_err(desc);
            expect_error(desc, &case["expected"], e);
        }
    }
}
