//! Confirmation codes and the audit rule across the boundary.
//!
//! Few entry points on purpose (each `Result` return adds a shim to the module): a compiled
//! [`CodeEngine`] holding the validated settings, with two hot calls taking strings, byte
//! slices and numbers and returning a typed array ([`CodeEngine::message`] for the bytes of a
//! code or of a message, [`CodeEngine::verify`] for a record); and [`is_secret_key`], which
//! returns a bool. The keyed hash is not here: the TypeScript layer signs [`CodeEngine::message`]'s bytes
//! with `crypto.subtle` (see `crate::codes`).

use super::js_error;
use crate::wire::codes::{
    ACTOR_FAILURES, ACTOR_LAST, ATTEMPTS_LEFT, EXPIRES_AT, FAILURES, GENERATE, LAST_FAILURE,
    OUTCOME, TYPED, USED, WITH_ACTOR, WITH_RECORD,
};
use crate::{audit, codes};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// Validated code settings: format, lifetime, attempt limit and failure budgets.
#[wasm_bindgen]
pub struct CodeEngine {
    inner: codes::CodeConfig,
}

#[wasm_bindgen]
impl CodeEngine {
    /// Validates the settings (`codes::CodeConfig::new`, `codes::Lockout::binding` and
    /// `codes::Lockout::actor`: `undefined` takes the engine's default). Throws
    /// `INVALID_CONFIG` naming the first invalid one.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        alphabet: &str,
        length: u32,
        ttl_ms: f64,
        max_attempts: u32,
        binding_failures: Option<f64>,
        binding_window: Option<f64>,
        actor_failures: Option<f64>,
        actor_window: Option<f64>,
    ) -> Result<CodeEngine, JsValue> {
        codes::CodeConfig::new(alphabet, length, ttl_ms, max_attempts)
            .and_then(|c| {
                Ok(c.with_lockout(
                    codes::Lockout::binding(binding_failures, binding_window)?,
                    codes::Lockout::actor(actor_failures, actor_window)?,
                ))
            })
            .map(|inner| CodeEngine { inner })
            .map_err(js_error)
    }

    /// The bytes of a code or of the message to sign, by `mode`:
    /// - `MESSAGE` (0): the bytes to HMAC for `code` bound to (`actor`, `action`, `target`)
    ///   (`codes::binding_message`);
    /// - [`TYPED`]: the same, with `code` text a person typed: it is put in canonical form
    ///   first, and an empty array means it cannot be a code of this format (malformed);
    /// - [`GENERATE`]: a new code (ASCII), from random bytes drawn in this call; the other
    ///   arguments are ignored.
    ///
    /// One entry point instead of three: each `Result` export carries about 0.3 KB of glue.
    /// Throws `INVALID_ARGUMENT` naming a field out of bounds, `UNAVAILABLE` when the platform
    /// has no working `crypto.getRandomValues`.
    pub fn message(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        code: &str,
        mode: u32,
    ) -> Result<Vec<u8>, JsValue> {
        message(&self.inner, actor, action, target, code, mode).map_err(js_error)
    }

    /// Issues or consumes a record. `failures` and `last_failure` are the binding's failure
    /// count (its row's; 0 and 0 for none), `actor_failures` and `actor_last` the actor's
    /// (its row's; 0 and 0 for none).
    ///
    /// With `issue`: the record of a code whose digest is `hash`, issued at `now`, replacing a
    /// row that counts `failures` (`codes::CodeConfig::reissue`), laid out as a `verify`
    /// answer with a record (outcome 0; the other arguments are ignored). Throws `INVALID_ARGUMENT` for
    /// a digest that is not 32 bytes, a bad count or a bad `now`.
    ///
    /// Without: consumes (`codes::CodeConfig::consume`) the digest `presented` (empty:
    /// malformed) against the stored record (`hash` empty: no record) at `now`. Returns
    /// the outcome alone when there was no record, else also the record to store back, and
    /// then the actor's count when the actor's row must be written (offsets and lengths:
    /// `crate::wire::codes`); the outcome is the index of the reason in `accepted, wrong,
    /// malformed, expired, used, exhausted, missing, locked`. Throws `INVALID_ARGUMENT` for a malformed record, count, digest or `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        &self,
        hash: &[u8],
        expires_at: f64,
        attempts_left: u32,
        used: bool,
        failures: f64,
        last_failure: f64,
        actor_failures: f64,
        actor_last: f64,
        presented: &[u8],
        now: f64,
        issue: bool,
    ) -> Result<Vec<f64>, JsValue> {
        let counted = codes::Failures::new(failures, last_failure);
        if issue {
            counted
                .and_then(|f| {
                    let d = codes::Digest::from_slice(hash)?;
                    self.inner.reissue(d, now, f)
                })
                .map(|r| answer(0.0, &r, None))
        } else {
            counted.and_then(|f| {
                let actor = codes::Failures::new(actor_failures, actor_last)?;
                let stored = (expires_at, attempts_left, used, f);
                step(&self.inner, hash, stored, &actor, presented, now)
            })
        }
        .map_err(js_error)
    }
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

/// Whether an audit event's value under field name `key` must never be stored
/// (`audit::is_secret_key`).
#[wasm_bindgen(js_name = isSecretKey)]
pub fn is_secret_key(key: &str) -> bool {
    audit::is_secret_key(key)
}
