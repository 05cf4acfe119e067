//! Time as every decision takes it: milliseconds since the epoch, as JavaScript gives them.
//!
//! The one definition of the largest time ([`MAX_TIME_MS`]) and the one validator of a time
//! ([`check`], [`check_up_to`]); the access, rate-limit and code modules use these rather than
//! each keeping a bound and a message of its own.

use crate::error::{Error, Msg};

/// Largest time accepted, in ms since the epoch: the largest time a JavaScript `Date` holds
/// (`8.64e15`, exactly representable: it is below 2^53).
pub const MAX_TIME_MS: f64 = 8.64e15;

/// Whether `t` is a time: a finite number from 0 to [`MAX_TIME_MS`] (NaN is not).
///
/// ```
/// use convex_guard::time::{is_time, MAX_TIME_MS};
/// assert!(is_time(0.0) && is_time(1.5) && is_time(MAX_TIME_MS));
/// assert!(!is_time(f64::NAN) && !is_time(-1.0) && !is_time(f64::INFINITY) && !is_time(MAX_TIME_MS + 1.0));
/// ```
pub fn is_time(t: f64) -> bool {
    // NaN fails `contains`, as do the infinities (outside any finite range).
    (0.0..=MAX_TIME_MS).contains(&t)
}

/// `t` when it is a time ([`is_time`]).
///
/// ```
/// use convex_guard::{error::Msg, time::check};
/// assert_eq!(check(Msg::Now, 1_000.0)?, 1_000.0);
/// assert_eq!(
///     check(Msg::Now, f64::NAN).unwrap_err().message(),
///     "now must be a finite number of milliseconds from 0 to 8640000000000000"
/// );
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// A [`Kind::Argument`] error naming `name` when `t` is NaN, infinite, negative or above
/// [`MAX_TIME_MS`].
///
/// [`Kind::Argument`]: crate::error::Kind::Argument
pub fn check(name: Msg, t: f64) -> Result<f64, Error> {
    check_up_to(name, t, MAX_TIME_MS)
}

/// `t` when it is a finite number of ms from 0 to `max`, for the few times allowed past
/// [`MAX_TIME_MS`] (an expiry a lifetime after the largest `now`).
///
/// # Errors
/// A [`Kind::Argument`] error naming `name` and `max` when `t` is NaN, infinite, negative or
/// above `max`.
///
/// [`Kind::Argument`]: crate::error::Kind::Argument
pub fn check_up_to(name: Msg, t: f64, max: f64) -> Result<f64, Error> {
    if within(t, max) {
        Ok(t)
    } else {
        Err(error(name, max))
    }
}

/// Whether `t` is a finite number of ms from 0 to `max`: what [`check_up_to`] accepts, for a
/// hot path that builds the [`error`] only when it refuses.
#[inline]
pub fn within(t: f64, max: f64) -> bool {
    (0.0..=max).contains(&t)
}

/// The error for a time named `name` that is not from 0 to `max` (a whole number of ms).
pub fn error(name: Msg, max: f64) -> Error {
    // `max` is a bound below 2^53 chosen by this crate: exact as u64.
    Error::argument(&[name, Msg::BadTime], &[], &[max as u64])
}
