//! Confirmation codes and the audit rule across the boundary.
//!
//! Few entry points on purpose: [`codes_new`] validates the settings into an object, and three
//! hot calls take strings, byte arrays and numbers and answer bytes or numbers
//! ([`codes_message`] for the bytes of a code or of a message, [`codes_issue`] and
//! [`codes_verify`] for a record);
//! and [`is_secret_key`], which answers 0 or 1. The keyed hash is not here: the TypeScript layer
//! signs [`codes_message`]'s bytes with `crypto.subtle` (see `crate::codes`).

use super::{call, Answer, Fail, Object, Table};
use crate::error::Msg;
use crate::wire::abi::{
    HAS_ACTOR_FAILURES, HAS_ACTOR_WINDOW, HAS_BINDING_FAILURES, HAS_BINDING_WINDOW, HAS_TTL,
};
use crate::wire::codes::{
    ACTOR_FAILURES, ACTOR_LAST, ATTEMPTS_LEFT, EXPIRES_AT, FAILURES, GENERATE, LAST_FAILURE,
    OUTCOME, TYPED, USED, USED_NO, USED_YES, WITH_ACTOR, WITH_RECORD,
};
use crate::{audit, codes};
use alloc::string::String;
use alloc::vec::Vec;

/// The code settings `handle` addresses.
fn config(table: &mut Table, handle: u32) -> Result<&codes::CodeConfig, Fail> {
    match table.get(handle)? {
        Object::Codes(c) => Ok(c),
        _ => Err(Fail::Invalid),
    }
}

/// Validates the settings (`wire::codes::config`, `codes::Lockout::binding` and
/// `codes::Lockout::actor`; the alphabet is `alphabet_len` bytes of input; a budget setting not
/// flagged in `given`, `HAS_*`, takes the engine's default) and answers their handle. Refuses
/// with `INVALID_CONFIG` naming the first invalid one.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn codes_new(
    alphabet_len: u32,
    length: f64,
    ttl: f64,
    max_attempts: f64,
    binding_failures: f64,
    binding_window: f64,
    actor_failures: f64,
    actor_window: f64,
    given: u32,
) -> i32 {
    call(|table, input| {
        let alphabet = input.text(alphabet_len)?;
        let has = |flag: u32, v: f64| super::given_if(given, flag, v);
        let c = crate::wire::codes::config(alphabet, length, ttl, max_attempts)?.with_lockout(
            codes::Lockout::binding(
                has(HAS_BINDING_FAILURES, binding_failures),
                has(HAS_BINDING_WINDOW, binding_window),
            )?,
            codes::Lockout::actor(
                has(HAS_ACTOR_FAILURES, actor_failures),
                has(HAS_ACTOR_WINDOW, actor_window),
            )?,
        );
        table.insert(Object::Codes(c)).map(Answer::Int)
    })
}

/// The bytes of a code or of the message to sign, by `mode` (the input holds four strings:
/// actor, action, target, code):
/// - `MESSAGE` (0): the bytes to HMAC for `code` bound to (`actor`, `action`, `target`)
///   (`codes::binding_message`);
/// - [`TYPED`]: the same, with `code` text a person typed: it is put in canonical form
///   first, and no bytes mean it cannot be a code of this format (malformed);
/// - [`GENERATE`]: a new code (ASCII), from random bytes drawn in this call; the strings are
///   ignored.
///
/// Refuses with `INVALID_ARGUMENT` naming a field out of bounds, `UNAVAILABLE` when the
/// platform has no working `crypto.getRandomValues`.
#[inline(never)]
pub(super) fn codes_message(
    handle: u32,
    actor_len: u32,
    action_len: u32,
    target_len: u32,
    code_len: u32,
    mode: u32,
) -> i32 {
    call(|table, input| {
        let actor = input.text(actor_len)?;
        let action = input.text(action_len)?;
        let target = input.text(target_len)?;
        let code = input.text(code_len)?;
        let c = config(table, handle)?;
        Ok(Answer::Bytes(message(
            c, actor, action, target, code, mode,
        )?))
    })
}

/// Issues a record: the record of a code whose digest is the `hash_len` bytes of input, issued
/// at `now`, replacing a row that counts `failures` and `last_failure` (0 and NaN for none;
/// `codes::CodeConfig::reissue`), laid out as a `codes_verify` answer with a record (outcome
/// 0). With `HAS_TTL` in `given` the code lives `ttl` instead of the configured lifetime
/// (`codes::CodeConfig::reissue_within`). Refuses with `INVALID_ARGUMENT` a digest that is not
/// 32 bytes, a bad count, `ttl` or `now`.
#[inline(never)]
pub(super) fn codes_issue(
    handle: u32,
    hash_len: u32,
    failures: f64,
    last_failure: f64,
    now: f64,
    ttl: f64,
    given: u32,
) -> i32 {
    call(|table, input| {
        let d = codes::Digest::from_slice(input.bytes(hash_len)?)?;
        let c = config(table, handle)?;
        let counted = stored_failures(failures, last_failure)?;
        let record = match super::given_if(given, HAS_TTL, ttl) {
            None => c.reissue(d, now, counted)?,
            Some(ttl) => c.reissue_within(d, now, counted, ttl)?,
        };
        Ok(Answer::Floats(answer(0.0, &record, None)))
    })
}

/// Consumes a record. The input holds `hash_len` bytes of the stored digest, then
/// `presented_len` bytes of the presented one. `failures` and `last_failure` are the binding's
/// failure count (its row's; 0 and NaN for none), `actor_failures` and `actor_last` the actor's
/// (its row's; 0 and NaN for none); `used` is `crate::wire::codes::USED_*`.
///
/// Consumes (`codes::CodeConfig::consume`) the digest `presented` (empty: malformed) against
/// the stored record (`hash` empty: no record) at `now`. Answers the outcome alone when there
/// was no record, else also the record to store back, and then the actor's count when the
/// actor's row must be written (offsets and lengths: `crate::wire::codes`); the outcome is the
/// index of the reason in `accepted, wrong, malformed, expired, used, exhausted, missing,
/// locked`. Refuses with `INVALID_ARGUMENT` a malformed record, count, digest or `now`.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn codes_verify(
    handle: u32,
    hash_len: u32,
    expires_at: f64,
    attempts_left: u32,
    used: u32,
    failures: f64,
    last_failure: f64,
    actor_failures: f64,
    actor_last: f64,
    presented_len: u32,
    now: f64,
) -> i32 {
    call(|table, input| {
        let (hash, presented) = (input.bytes(hash_len)?, input.bytes(presented_len)?);
        let c = config(table, handle)?;
        let counted = stored_failures(failures, last_failure)?;
        let actor = stored_failures(actor_failures, actor_last)?;
        // A stored flag that is not a boolean (`USED_MALFORMED`) would read as unused: a
        // replay.
        let used = match used {
            USED_NO => false,
            USED_YES => true,
            _ => return Err(crate::Error::argument(&[Msg::UsedFlag], &[], &[]).into()),
        };
        let stored = (expires_at, attempts_left, used, counted);
        Ok(Answer::Floats(step(
            c, hash, stored, &actor, presented, now,
        )?))
    })
}

/// A stored failure count and the time of its last failure. JavaScript sends NaN for a time
/// that is missing (a row from before the failure budgets, a NULL column): fine with no
/// failures, refused with some, which would otherwise count from time 0 and so long expired
/// (a locked actor or binding unlocked by a dropped field).
fn stored_failures(count: f64, last: f64) -> Result<codes::Failures, crate::Error> {
    if count == 0.0 && last.is_nan() {
        return Ok(codes::Failures::NONE);
    }
    codes::Failures::new(count, last)
}

fn message(
    config: &codes::CodeConfig,
    actor: &str,
    action: &str,
    target: &str,
    code: &str,
    mode: u32,
) -> Result<Vec<u8>, crate::Error> {
    if mode == GENERATE {
        return config.generate().map(String::into_bytes);
    }
    let canon;
    let code = if mode == TYPED {
        match config.format().canonical(code) {
            Some(c) => {
                canon = c;
                canon.as_str()
            }
            // Malformed: no message, but the binding is still checked (an empty action is the
            // actor's reserved row, never a binding).
            None => return codes::binding_message(actor, action, target, "0").map(|_| Vec::new()),
        }
    } else {
        code
    };
    codes::binding_message(actor, action, target, code)
}

/// One consumption: `stored` is the record's expiry, attempts left, used flag and failures.
fn step(
    config: &codes::CodeConfig,
    hash: &[u8],
    stored: (f64, u32, bool, codes::Failures),
    actor: &codes::Failures,
    presented: &[u8],
    now: f64,
) -> Result<Vec<f64>, crate::Error> {
    let (expires_at, attempts_left, used, failures) = stored;
    let record = if hash.is_empty() {
        None
    } else {
        let digest = codes::Digest::from_slice(hash)?;
        // Validated as stored (out of range is an error), then never more attempts than the
        // configuration allows now: a rewritten row, or a limit tightened since the issue.
        let valid = codes::Record::new(digest, expires_at, attempts_left, used)?;
        let allowed = valid.attempts_left().min(config.max_attempts());
        Some(codes::Record::new(digest, expires_at, allowed, used)?.with_failures(failures))
    };
    let presented = if presented.is_empty() {
        None
    } else {
        Some(codes::Digest::from_slice(presented)?)
    };
    let c = config.consume(record.as_ref(), actor, presented.as_ref(), now)?;
    let outcome = f64::from(c.outcome.code());
    // [outcome], then the record (when there is one), then the actor's count (when counted;
    // only ever with a record).
    Ok(match c.record {
        None => [outcome].to_vec(),
        Some(r) => answer(outcome, &r, c.actor),
    })
}

/// An answer with a record, and the actor's count when there is one (`crate::wire::codes`).
fn answer(outcome: f64, r: &codes::Record, actor: Option<codes::Failures>) -> Vec<f64> {
    let (f, a) = (r.failures(), actor.unwrap_or_default());
    let mut out = [0.0; WITH_ACTOR];
    out[OUTCOME] = outcome;
    out[EXPIRES_AT] = r.expires_at();
    out[ATTEMPTS_LEFT] = f64::from(r.attempts_left());
    out[USED] = f64::from(u8::from(r.used()));
    out[FAILURES] = f64::from(f.count());
    out[LAST_FAILURE] = f.last();
    out[ACTOR_FAILURES] = f64::from(a.count());
    out[ACTOR_LAST] = a.last();
    let n = if actor.is_some() {
        WITH_ACTOR
    } else {
        WITH_RECORD
    };
    out.get(..n).unwrap_or_default().to_vec()
}

/// Whether an audit event's value under a field name (`len` bytes of input) must never be
/// stored (`audit::is_secret_name`): 1 or 0. The bytes are not validated as UTF-8: any byte
/// that is not ASCII makes the name secret anyway.
#[inline(never)]
pub(super) fn is_secret_key(len: u32) -> i32 {
    call(|_, input| {
        Ok(Answer::Int(u32::from(audit::is_secret_name(
            input.bytes(len)?,
        ))))
    })
}
