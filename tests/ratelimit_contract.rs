//! Bounds of a stored token-bucket state that the vectors and property tests do not pin,
//! found by mutation testing (`make mutants`): a state holding exactly the capacity is a
//! state (a full bucket), one unit more is corrupt; a token fraction is below one whole token;
//! an all-or-nothing batch holds 1 to `MAX_BATCH` limits.
#![allow(clippy::unwrap_used)]

use convex_guard::ratelimit::{decide, decide_all, Kind, Limit, Request, State, MAX_BATCH};

/// 10 tokens, 10 per second (period 1,000 ms: a token is 1,000 units).
fn bucket() -> Limit {
    Limit::new(Kind::TokenBucket, 10.0, 1_000.0, None, None).unwrap()
}

fn stored(a: f64, b: f64) -> State {
    State {
        t: 5_000.0,
        a,
        b,
        log: Vec::new(),
    }
}

#[test]
fn a_full_bucket_is_a_state_and_one_unit_more_is_corrupt() {
    let limit = bucket();
    let (d, _) = decide(&limit, Some(&stored(10.0, 0.0)), 5_000.0, 10.0, false).unwrap();
    assert!(d.ok, "exactly the capacity is a full bucket");
    assert!(decide(&limit, Some(&stored(10.0, 1.0)), 5_000.0, 1.0, false).is_err());
    assert!(decide(&limit, Some(&stored(11.0, 0.0)), 5_000.0, 1.0, false).is_err());
}

#[test]
fn a_token_fraction_is_below_one_token() {
    let limit = bucket();
    // 9 tokens and 999/1000 of the next: 9 fit, 10 do not (yet).
    let (d, _) = decide(&limit, Some(&stored(9.0, 999.0)), 5_000.0, 9.0, false).unwrap();
    assert!(d.ok);
    let (d, _) = decide(&limit, Some(&stored(9.0, 999.0)), 5_000.0, 10.0, false).unwrap();
    assert!(!d.ok);
    // A fraction of a whole token (1000/1000) or more is not a fraction: corrupt.
    assert!(decide(&limit, Some(&stored(5.0, 1_000.0)), 5_000.0, 1.0, false).is_err());
    assert!(decide(&limit, Some(&stored(5.0, 1_001.0)), 5_000.0, 1.0, false).is_err());
}

#[test]
fn a_batch_holds_one_to_max_batch_limits() {
    let limit = bucket();
    let batch = |n: usize| {
        let requests = vec![
            Request {
                limit: &limit,
                state: None,
                count: 1.0
            };
            n
        ];
        decide_all(&requests, 5_000.0, false)
    };
    assert!(batch(0).is_err());
    assert!(batch(1).unwrap().ok);
    assert!(batch(MAX_BATCH).unwrap().ok);
    assert!(batch(MAX_BATCH + 1).is_err());
}
