//! Rate limits across the boundary: configuration once, then decisions through a buffer.
//!
//! Configuration crosses once per limit ([`limiter_add`], a kind name and numbers).
//! Decisions cross through an I/O buffer of `f64`s, one for every limiter (one call runs at a
//! time), allocated with the first limiter and never reallocated, so its address never changes:
//! JavaScript learns where it is once ([`limiter_io`]), keeps a `Float64Array` view over it,
//! writes the requests there and calls [`limiter_decide`] with only numbers, which writes the
//! answers there. One buffer, not one per limiter: a guard defined again and again (a page, a
//! test suite) costs its compiled limits, not 28 KB of buffer each until it is collected.
//! No call allocates (a `sliding log` reads its log where it is and writes the next one
//! straight into the buffer; only errors allocate, their parts), nothing is copied across
//! the boundary, and no `unsafe` is needed: JavaScript writes into memory the buffer owns
//! between calls, and Rust reads its own `Vec` during them. Any bit pattern is a valid `f64`,
//! and every number is validated as before.
//!
//! The layout (request records, log slots, answer) and its offsets are defined once in
//! `crate::wire::ratelimit`. A refused decision returns `ERROR` with its error in the shared
//! I/O area, like every other export.

use super::{call, Answer, Fail, Object, State, Table, STATE};
use crate::ratelimit::{self, Kind, Limit};
use crate::wire::abi::{HAS_CAPACITY, HAS_SHARDS, INVALID};
use crate::wire::ratelimit::{
    read, ANSWER_HEAD, ANSWER_OK, ANSWER_RETRY_AFTER, IO_LEN, LOGS_AT, OUT, OUT_A, OUT_AT, OUT_B,
    OUT_LOG, OUT_LOGS_AT, OUT_LOG_LEN, OUT_OK, OUT_REMAINING, OUT_RETRY_AFTER, OUT_T, OUT_WRITE,
};
use alloc::vec;
use alloc::vec::Vec;

/// The app's named limits, validated and compiled once; decisions over numbers.
pub(super) struct RateLimiter {
    limits: Vec<Limit>,
}

// `RateLimiter::run` writes a decision record and the answer head field by field, in this
// order: the build fails if the layout of `crate::wire::ratelimit` ever says otherwise.
const _: () = assert!(
    OUT == 8
        && OUT_OK == 0
        && OUT_REMAINING == 1
        && OUT_RETRY_AFTER == 2
        && OUT_WRITE == 3
        && OUT_T == 4
        && OUT_A == 5
        && OUT_B == 6
        && OUT_LOG_LEN == 7
        && ANSWER_HEAD == 2
        && ANSWER_OK == 0
        && ANSWER_RETRY_AFTER == 1
);

/// `x` (a layout offset, far below 2^32) as a `u32` for JavaScript.
fn u(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// A limiter without limits yet; the first one allocates the shared I/O buffer (`IO_LEN`
/// numbers, never reallocated: see the module docs).
pub(super) fn new(table: &mut Table) -> Object {
    if table.limits_io.is_empty() {
        table.limits_io = vec![0.0; IO_LEN];
    }
    Object::Limiter(RateLimiter { limits: Vec::new() })
}

/// The limiter `handle` addresses.
fn limiter(table: &mut Table, handle: u32) -> Result<&mut RateLimiter, Fail> {
    match table.get(handle)? {
        Object::Limiter(l) => Ok(l),
        _ => Err(Fail::Invalid),
    }
}

/// Validates a limit of the configuration (see [`Limit::configured`]: the kind's name is `kind_len` bytes of input;
/// `given` says which of `capacity` and `shards` are given, `HAS_*`) and answers its id for
/// [`limiter_decide`]. Refuses with `INVALID_CONFIG` naming the offending field.
#[inline(never)]
pub(super) fn limiter_add(
    handle: u32,
    kind_len: u32,
    rate: f64,
    period: f64,
    capacity: f64,
    shards: f64,
    given: u32,
) -> i32 {
    call(|table, input| {
        let kind = input.text(kind_len)?;
        let l = limiter(table, handle)?;
        let capacity = super::given_if(given, HAS_CAPACITY, capacity);
        let shards = super::given_if(given, HAS_SHARDS, shards);
        let limit = Kind::from_name(kind)
            .and_then(|k| Limit::configured(k, rate, period, capacity, shards))?;
        l.limits.push(limit);
        // At most one limit per configuration entry: far below u32::MAX.
        Ok(Answer::Int(u(l.limits.len() - 1)))
    })
}

/// The compiled capacity of limit `id` (an omitted capacity is the rate), 0 for no limit.
#[inline(never)]
pub(super) fn limiter_capacity(handle: u32, id: u32) -> i32 {
    call(|table, _| {
        let l = limiter(table, handle)?;
        Ok(Answer::Int(
            l.limits.get(id as usize).map_or(0, Limit::capacity),
        ))
    })
}

/// The byte address of the limiter's I/O buffer in the wasm memory, constant for its life
/// (read back as unsigned; not a multiple of 8 when the handle is not a limiter's).
#[inline(never)]
pub(super) fn limiter_io(handle: u32) -> i32 {
    // A 32-bit address space: the address fits.
    call(|table, _| {
        limiter(table, handle)?;
        Ok(Answer::Int(u(table.limits_io.as_ptr() as usize)))
    })
}

/// Decides the `n` requests written in the limiter's buffer at `now`, all or nothing, in the
/// [`ratelimit::Mode`] `mode` names (`crate::wire::ratelimit::mode`: check, consume or take:
/// what is taken, and whether a cost of 0 is a look-up or refused), and writes the answer into
/// it; answers whether all are admitted (1) or not (0). For any bad number, state or layout
/// nothing is decided and it refuses with `INVALID_ARGUMENT`.
///
/// A function export of its own (`crate::wire::abi::OWN_EXPORTS`), which answers without
/// [`call`] and `finish`: its answer is a number, and a refusal ([`refuse`]) is the only path
/// that writes to the I/O area. Called through `run` it was about 11 ns slower a decision (see
/// `OWN_EXPORTS`).
#[no_mangle]
pub extern "C" fn limiter_decide(handle: u32, n: u32, now: f64, mode: u32) -> i32 {
    let Ok(mut state) = STATE.0.try_borrow_mut() else {
        return INVALID;
    };
    let State { io, table } = &mut *state;
    // The limiter's own limits and the shared buffer: disjoint parts of the table.
    let Table {
        objects, limits_io, ..
    } = table;
    let limits = match objects.get(handle as usize).and_then(Option::as_ref) {
        Some(Object::Limiter(l)) => &l.limits,
        _ => return refuse(io, Fail::Invalid),
    };
    let mode = crate::wire::ratelimit::mode(mode);
    match run(limits, limits_io, n as usize, now, mode) {
        Ok(ok) => {
            super::keep(io);
            i32::from(ok)
        }
        Err(e) => refuse(io, e),
    }
}

/// [`limiter_decide`]'s refusal, written to the I/O area as every other export's (`finish`),
/// out of its way: only a refused call runs it.
#[cold]
#[inline(never)]
fn refuse(io: &mut Vec<u64>, e: Fail) -> i32 {
    super::finish(io, Err(e))
}

/// Decides the requests in `io` against `limits` (see [`limiter_decide`]).
fn run(
    limits: &[Limit],
    io: &mut [f64],
    n: usize,
    now: f64,
    mode: ratelimit::Mode,
) -> Result<bool, Fail> {
    // `io` is `IO_LEN` long (made so with the first limiter), but the type does not say so:
    // a shorter one is a call that makes no sense, never a panic.
    let (input, out) = io.split_at_mut_checked(OUT_AT).ok_or(Fail::Invalid)?;
    let (records, logs) = input.split_at_checked(LOGS_AT).ok_or(Fail::Invalid)?;
    let (head, out_logs) = out
        .split_at_mut_checked(OUT_LOGS_AT - OUT_AT)
        .ok_or(Fail::Invalid)?;
    let (answer_head, answers) = head
        .split_at_mut_checked(ANSWER_HEAD)
        .ok_or(Fail::Invalid)?;
    // Each answer is written as soon as its request is decided, with the state its row
    // gets if the whole batch is admitted; `write` says afterwards whether that is so.
    let each = ratelimit::decide_each(
        n,
        now,
        mode,
        |i| read(limits, records, logs, i),
        |i, d, next| {
            let (write, t, a, b, len) = match next {
                None => (0.0, 0.0, 0.0, 0.0, 0.0),
                Some(s) => {
                    let slot = out_logs.get_mut(i * OUT_LOG..i * OUT_LOG + OUT_LOG);
                    if let Some(slot) = slot.filter(|_| s.log_len() > 0) {
                        s.write_log(slot);
                    }
                    // A log holds at most MAX_LOG_RATE entries: exact as f64.
                    (1.0, s.t, s.a, s.b, s.log_len() as f64)
                }
            };
            // In the order of the `OUT_*` offsets of `crate::wire::ratelimit`, one store
            // each (a slice copied from a temporary array is a memory.copy call).
            if let Some([o_ok, o_remaining, o_retry, o_write, o_t, o_a, o_b, o_len]) =
                answers.get_mut(i * OUT..i * OUT + OUT)
            {
                *o_ok = f64::from(u8::from(d.ok));
                *o_remaining = f64::from(d.remaining);
                *o_retry = d.retry_after;
                *o_write = write;
                *o_t = t;
                *o_a = a;
                *o_b = b;
                *o_len = len;
            }
        },
    )?;
    if !each.write {
        // Denied or a check: every row is left as it is.
        for record in answers.chunks_exact_mut(OUT).take(n) {
            for k in [OUT_WRITE, OUT_T, OUT_A, OUT_B, OUT_LOG_LEN] {
                if let Some(x) = record.get_mut(k) {
                    *x = 0.0;
                }
            }
        }
    }
    // `ANSWER_OK`, `ANSWER_RETRY_AFTER`.
    if let Some([h_ok, h_retry]) = answer_head.get_mut(..ANSWER_HEAD) {
        *h_ok = f64::from(u8::from(each.ok));
        *h_retry = each.retry_after;
    }
    Ok(each.ok)
}
