//! Confirmation codes and the audit rule across the boundary.
//!
//! Few entry points on purpose (each `Result` return adds a shim to the module): a compiled
//! [`CodeEngine`] holding the validated settings, with two hot calls taking strings, byte
//! slices and numbers and returning a typed array ([`CodeEngine::message`] for the bytes of a
//! code or of a message, [`CodeEngine::verify`] for a record); and [`is_secret_key`], which
//! returns a bool. The keyed hash is not here: the TypeScript layer signs [`CodeEngine::message`]'s bytes
//! with `crypto.subtle` (see `crate::codes`).

use super::js_error;
use crate::{audit, codes};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// Validated code settings: format, lifetime and attempt limit.
#[wasm_bindgen]
pub struct CodeEngine {
    inner: codes::CodeConfig,
}

#[wasm_bindgen]
impl CodeEngine {
    /// Validates the settings (`codes::CodeConfig::new`). Throws `INVALID_CONFIG` naming the
    /// first invalid one.
    #[wasm_bindgen(constructor)]
    pub fn new(
        alphabet: &str,
        length: u32,
        ttl_ms: f64,
        max_attempts: u32,
    ) -> Result<CodeEngine, JsValue> {
        codes::CodeConfig::new(alphabet, length, ttl_ms, max_attempts)
            .map(|inner| CodeEngine { inner })
            .map_err(js_error)
    }

    /// The bytes of a code or of the message to sign, by `mode`:
    /// - 0: the bytes to HMAC for `code` bound to (`actor`, `action`, `target`)
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

    /// Issues or verifies a record.
    ///
    /// With `issue`: the record of a code whose digest is `hash`, issued at `now`:
    /// `[expiresAt, attemptsLeft]` (the other arguments are ignored). Throws
    /// `INVALID_ARGUMENT` for a digest that is not 32 bytes or a bad `now`.
    ///
    /// Without: verifies (`codes::verify`) the digest `presented` (empty: malformed) against
    /// the stored record (`hash` empty: no record) at `now`. Returns `[outcome, expiresAt,
    /// attemptsLeft, used]` with `outcome` the index of the reason in `accepted, wrong,
    /// malformed, expired, used, exhausted, missing` and the record to store back (`used` as 0
    /// or 1; only the outcome when there was no record). Throws `INVALID_ARGUMENT` for a
    /// malformed record, digest or `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        &self,
        hash: &[u8],
        expires_at: f64,
        attempts_left: u32,
        used: bool,
        presented: &[u8],
        now: f64,
        issue: bool,
    ) -> Result<Vec<f64>, JsValue> {
        if issue {
            codes::Digest::from_slice(hash)
                .and_then(|d| self.inner.issue(d, now))
                .map(|r| vec![r.expires_at(), f64::from(r.attempts_left())])
        } else {
            let max = self.inner.max_attempts();
            step(hash, expires_at, attempts_left, used, presented, now, max)
        }
        .map_err(js_error)
    }
}

/// [`CodeEngine::message`]'s mode for a typed code, canonicalized first (0: an exact code).
const TYPED: u32 = 1;
/// [`CodeEngine::message`]'s mode for a new code.
const GENERATE: u32 = 2;

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
            None => return Ok(Vec::new()),
        }
    } else {
        code
    };
    codes::binding_message(actor, action, target, code)
}

fn step(
    hash: &[u8],
    expires_at: f64,
    attempts_left: u32,
    used: bool,
    presented: &[u8],
    now: f64,
    max_attempts: u32,
) -> Result<Vec<f64>, crate::Error> {
    let record = if hash.is_empty() {
        None
    } else {
        let digest = codes::Digest::from_slice(hash)?;
        // Validated as stored (out of range is an error), then never more attempts than the
        // configuration allows now: a rewritten row, or a limit tightened since the issue.
        let valid = codes::Record::new(digest, expires_at, attempts_left, used)?;
        Some(codes::Record::new(
            digest,
            expires_at,
            valid.attempts_left().min(max_attempts),
            used,
        )?)
    };
    let presented = if presented.is_empty() {
        None
    } else {
        Some(codes::Digest::from_slice(presented)?)
    };
    let v = codes::verify(record.as_ref(), presented.as_ref(), now)?;
    let outcome = match v.outcome {
        codes::Outcome::Accepted => 0.0,
        codes::Outcome::Wrong => 1.0,
        codes::Outcome::Malformed => 2.0,
        codes::Outcome::Expired => 3.0,
        codes::Outcome::Used => 4.0,
        codes::Outcome::Exhausted => 5.0,
        codes::Outcome::Missing => 6.0,
    };
    Ok(match v.record {
        Some(r) => vec![
            outcome,
            r.expires_at(),
            f64::from(r.attempts_left()),
            f64::from(u8::from(r.used())),
        ],
        None => vec![outcome],
    })
}

/// Whether an audit event's value under field name `key` must never be stored
/// (`audit::is_secret_key`).
#[wasm_bindgen(js_name = isSecretKey)]
pub fn is_secret_key(key: &str) -> bool {
    audit::is_secret_key(key)
}
