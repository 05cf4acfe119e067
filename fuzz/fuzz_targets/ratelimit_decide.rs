//! `RateLimiter.decide` and its I/O buffer (src/bindings/ratelimit.rs): request records and
//! log slots of `f64`s decoded as the binding decodes them, decided all or nothing, over a
//! sequence of calls that feeds the states written back in (as the Convex layer stores them).
//!
//! Invariants: a malformed record, state or time is `INVALID_ARGUMENT` (nothing decided, never
//! an allow); an admitted request leaves `remaining + count <= capacity`; a denied one has
//! `remaining < count` and a positive `retry_after`; nothing is written unless every request
//! is admitted and consumed; a written state is valid input whose availability is the
//! `remaining` reported; and the units admitted on one row within any `period` never exceed
//! what the limit allows ([`Limit::max_per_period`]).
#![no_main]

use std::collections::HashMap;

use convex_guard::ratelimit::{decide, decide_all, Kind, Limit, Request, State};
use convex_guard_fuzz::{read_request, Input, IN, LOG, MAX_REQUESTS};
use libfuzzer_sys::fuzz_target;

const KINDS: [Kind; 4] = [
    Kind::SlidingWindow,
    Kind::SlidingLog,
    Kind::TokenBucket,
    Kind::FixedWindow,
];

/// One row the engine wrote: its state and the admissions it saw (time, units).
#[derive(Default)]
struct Row {
    state: Option<State>,
    admitted: Vec<(u64, u64)>,
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mut limits = Vec::new();
    for _ in 0..1 + input.u8() % 4 {
        let kind = KINDS[usize::from(input.u8() % 4)];
        let (rate, period) = (input.f64(), input.f64());
        let capacity = input.option(Input::f64);
        let shards = input.option(Input::f64);
        if let Ok(l) = Limit::new(kind, rate, period, capacity, shards) {
            limits.push(l);
        }
    }
    if limits.is_empty() {
        limits.push(
            Limit::new(Kind::SlidingWindow, 3.0, 1000.0, None, None)
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    let mut rows: HashMap<(u32, u32), Row> = HashMap::new();
    let mut now = 0.0f64;
    for _ in 0..32 {
        if input.is_empty() {
            break;
        }
        // The buffer's request records and log slots, as JavaScript writes them.
        let mut records = vec![0.0; MAX_REQUESTS * IN];
        let mut logs = vec![0.0; MAX_REQUESTS * LOG];
        let mut tracked: Vec<Option<(u32, u32)>> = Vec::new();
        let wanted = usize::from(input.u8() % (MAX_REQUESTS as u8 + 2));
        let mut n = 0;
        for _ in 0..wanted {
            let mut record = [0.0; IN];
            let mut log = Vec::new();
            let mut row = None;
            if input.bool() {
                // A well-formed request on one of our rows, with the state the engine wrote.
                let id = u32::from(input.u8()) % limits.len() as u32;
                let shard = u32::from(input.u8()) % limits[id as usize].shards();
                if tracked.contains(&Some((id, shard))) {
                    continue;
                }
                let state = rows.get(&(id, shard)).and_then(|r| r.state.clone());
                let count = f64::from(input.u8() % 8);
                record = [
                    f64::from(id),
                    f64::from(shard),
                    count,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                ];
                if let Some(s) = state {
                    record[3..].copy_from_slice(&[1.0, s.t, s.a, s.b, s.log.len() as f64]);
                    log = s.log;
                }
                row = Some((id, shard));
            } else {
                for x in &mut record {
                    *x = input.f64();
                }
                for _ in 0..(input.u8() as usize).min(LOG) {
                    log.push(input.f64());
                }
            }
            if let Some(r) = records.get_mut(n * IN..n * IN + IN) {
                r.copy_from_slice(&record);
            }
            if let Some(slot) = logs.get_mut(n * LOG..n * LOG + log.len()) {
                slot.copy_from_slice(&log);
            }
            tracked.push(row);
            n += 1;
        }
        if input.bool() {
            now = input.f64();
        } else {
            now = if now.is_finite() && now >= 0.0 {
                now
            } else {
                0.0
            } + f64::from(input.u32());
        }
        let consume = !input.bool();
        // The binding asks for each request (an error stops everything), then decides.
        let requests: Result<Vec<(Limit, Option<State>, f64)>, _> = if n == 0 || n > MAX_REQUESTS {
            Err(convex_guard::Error::argument(
                &[convex_guard::error::Msg::BatchSize],
                &[],
                &[MAX_REQUESTS as u64],
            ))
        } else {
            (0..n)
                .map(|i| read_request(&limits, &records, &logs, i))
                .collect()
        };
        let batch = requests.and_then(|reqs| {
            let all: Vec<Request<'_>> = reqs
                .iter()
                .map(|(limit, state, count)| Request {
                    limit,
                    state: state.as_ref(),
                    count: *count,
                })
                .collect();
            decide_all(&all, now, consume).map(|b| (reqs.clone(), b))
        });
        let (reqs, b) = match batch {
            Ok(x) => x,
            Err(e) => {
                assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
                continue;
            }
        };
        assert_eq!(b.decisions.len(), n);
        assert_eq!(b.ok, b.decisions.iter().all(|d| d.ok));
        let t = now as u64;
        for (i, ((limit, _, count), d)) in reqs.iter().zip(&b.decisions).enumerate() {
            let cost = *count as u64;
            let cap = u64::from(limit.capacity());
            if d.ok {
                assert_eq!(d.retry_after, 0.0);
                assert!(
                    u64::from(d.remaining) + cost <= cap,
                    "request {i}: {d:?} for {cost} of {cap}"
                );
            } else {
                assert!(
                    u64::from(d.remaining) < cost && cost <= cap,
                    "request {i}: {d:?}"
                );
                assert!(
                    d.retry_after >= 1.0 && d.retry_after.fract() == 0.0,
                    "{d:?}"
                );
                assert!(b.retry_after >= d.retry_after);
            }
            let written = &b.states[i];
            assert_eq!(
                written.is_some(),
                b.ok && consume && cost > 0,
                "request {i}"
            );
            if let Some(s) = written {
                // What the engine writes, it reads back, with the availability it reported.
                let (again, _) = decide(limit, Some(s), now, 0.0, false)
                    .unwrap_or_else(|e| panic!("request {i}: written state refused: {e}"));
                assert_eq!(again.remaining, d.remaining, "request {i}: {s:?}");
                if let Some(key) = tracked[i] {
                    let row = rows.entry(key).or_default();
                    let at = row.admitted.last().map_or(t, |&(last, _)| last.max(t));
                    row.admitted.push((at, cost));
                    row.state = Some(s.clone());
                    let p = limit.period_ms();
                    let within: u64 = row
                        .admitted
                        .iter()
                        .filter(|&&(when, _)| when + p > at)
                        .map(|&(_, c)| c)
                        .sum();
                    assert!(
                        within <= limit.max_per_period(),
                        "row {key:?}: {within} units within {p} ms, limit {limit:?}"
                    );
                }
            }
        }
        if !b.ok {
            assert!(b.retry_after >= 1.0);
        } else {
            assert_eq!(b.retry_after, 0.0);
        }
    }
});
