//! Rate limits across the boundary: three entry points.
//!
//! Configuration crosses once per limit ([`RateLimiter::add`], a kind name and numbers); every
//! decision then crosses as one `Float64Array` and comes back as one ([`RateLimiter::decide`]),
//! single requests and all-or-nothing batches alike (a single request is a batch of one, which
//! [`ratelimit::decide_all`] answers exactly as [`ratelimit::decide`]).
//!
//! Input: `[n, then n records of IN numbers, then every record's log, concatenated]`, a record
//! being `[limit id, shard, count, has state (0 or 1), t, a, b, log length]`.
//! Output: `[ok, retry after, then n records of OUT numbers, then the logs to write]`, a record
//! being `[ok, remaining, retry after, write (0 or 1), t, a, b, log length]`.

use super::js_error;
use crate::error::Error;
use crate::ratelimit::{self, Kind, Limit, Request, State, MAX_BATCH};
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// Numbers per request record in [`RateLimiter::decide`]'s input.
const IN: usize = 8;
/// Numbers per decision record in its output.
const OUT: usize = 8;

/// The app's named limits, validated and compiled once; decisions over numbers.
#[wasm_bindgen]
#[derive(Default)]
pub struct RateLimiter {
    limits: Vec<Limit>,
}

/// `v` as an index (a whole number from 0 to `u32::MAX`), or `None`. A `u32` always fits in
/// a `usize` on wasm32, so callers widen it with `as usize`.
fn index(v: f64) -> Option<u32> {
    // NaN fails the comparisons; in range, `as u32` truncates and the round trip tells
    // whether `v` was whole.
    if v >= 0.0 && v <= f64::from(u32::MAX) {
        let n = v as u32;
        (f64::from(n) == v).then_some(n)
    } else {
        None
    }
}

fn malformed() -> Error {
    Error::argument(&["malformed rate limit request"])
}

#[wasm_bindgen]
impl RateLimiter {
    /// No limits yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> RateLimiter {
        RateLimiter::default()
    }

    /// Validates a limit (see [`Limit::new`]) and returns its id for [`RateLimiter::decide`].
    /// Throws `INVALID_CONFIG` naming the offending field.
    pub fn add(
        &mut self,
        kind: &str,
        rate: f64,
        period: f64,
        capacity: Option<f64>,
        shards: Option<f64>,
    ) -> Result<u32, JsValue> {
        Kind::from_name(kind)
            .and_then(|k| Limit::new(k, rate, period, capacity, shards))
            .map(|l| {
                self.limits.push(l);
                // At most one limit per configuration entry: far below u32::MAX.
                u32::try_from(self.limits.len() - 1).unwrap_or(u32::MAX)
            })
            .map_err(js_error)
    }

    /// Decides the packed requests at `now`, all or nothing (see the module docs for the
    /// layout). Throws `INVALID_ARGUMENT` for any bad number, state or layout; then nothing is
    /// decided.
    pub fn decide(&self, input: &[f64], now: f64, consume: bool) -> Result<Vec<f64>, JsValue> {
        self.run(input, now, consume).map_err(js_error)
    }
}

impl RateLimiter {
    fn run(&self, input: &[f64], now: f64, consume: bool) -> Result<Vec<f64>, Error> {
        let (&n, rest) = input.split_first().ok_or_else(malformed)?;
        let n = index(n).map_or(0, |n| n as usize);
        if n == 0 || n > MAX_BATCH {
            // Out of bounds: the core refuses an empty batch with the message naming them.
            ratelimit::decide_all(&[], now, consume)?;
        }
        let (records, mut logs) = rest.split_at_checked(n * IN).ok_or_else(malformed)?;
        let mut parsed = Vec::with_capacity(n);
        for r in records.chunks_exact(IN) {
            let [id, shard, count, has_state, t, a, b, len] =
                <[f64; IN]>::try_from(r).map_err(|_| malformed())?;
            let limit = index(id)
                .and_then(|id| self.limits.get(id as usize))
                .ok_or_else(malformed)?
                .shard(index(shard).ok_or_else(malformed)?)?;
            let (log, more) = logs
                .split_at_checked(index(len).ok_or_else(malformed)? as usize)
                .ok_or_else(malformed)?;
            logs = more;
            let state = if has_state == 1.0 {
                Some(State {
                    t,
                    a,
                    b,
                    log: log.to_vec(),
                })
            } else if has_state == 0.0 && log.is_empty() {
                None
            } else {
                return Err(malformed());
            };
            parsed.push((limit, state, count));
        }
        if !logs.is_empty() {
            return Err(malformed());
        }
        let requests: Vec<Request<'_>> = parsed
            .iter()
            .map(|(limit, state, count)| Request {
                limit,
                state: state.as_ref(),
                count: *count,
            })
            .collect();
        let batch = ratelimit::decide_all(&requests, now, consume)?;
        let mut out = Vec::with_capacity(2 + n * OUT);
        out.extend_from_slice(&[f64::from(u8::from(batch.ok)), batch.retry_after]);
        let mut written = Vec::new();
        for (d, s) in batch.decisions.iter().zip(&batch.states) {
            let (write, t, a, b, len) = match s {
                None => (0.0, 0.0, 0.0, 0.0, 0.0),
                Some(s) => {
                    written.extend_from_slice(&s.log);
                    // A log holds at most MAX_LOG_RATE entries: exact as f64.
                    (1.0, s.t, s.a, s.b, s.log.len() as f64)
                }
            };
            let ok = f64::from(u8::from(d.ok));
            out.extend_from_slice(&[
                ok,
                f64::from(d.remaining),
                d.retry_after,
                write,
                t,
                a,
                b,
                len,
            ]);
        }
        out.extend_from_slice(&written);
        Ok(out)
    }
}
