//! Rate limits as pure functions: a limit, the stored state, `now` and a cost in; a
//! [`Decision`] and the state to store out.
//!
//! Four kinds, chosen per named limit ([`Kind`]):
//! - **`sliding window`** (the default): two counters per key, the current and the previous
//!   window; the previous one counts in proportion to how much of it still overlaps the
//!   `period` ending now. O(1) state, approximate: see [`Limit::max_per_period`] for its worst
//!   case.
//! - **`sliding log`**: exact. The row keeps one timestamp per admitted unit of cost still in
//!   the window, so `rate` is at most [`MAX_LOG_RATE`]. For small limits where exactness matters.
//! - **`token bucket`**: continuous refill of `rate` tokens per `period`, holding at most
//!   `capacity` tokens (default `rate`) so bursts up to `capacity` pass.
//! - **`fixed window`**: at most `rate` per window of `period` ms.
//!
//! # Time
//! `now` is milliseconds since the epoch as JavaScript gives it: a finite number from 0 to
//! [`MAX_NOW_MS`]. A fractional part is dropped (floored): limits work in whole milliseconds.
//! NaN, infinities, negative or larger values are [`error::Kind::Argument`] errors. Windows are
//! anchored at the first admitted request of each key (`start + k * period`), so keys do not
//! all roll over at the same instant and no randomness is needed.
//!
//! **A clock that goes backwards grants nothing.** Every state has a clock
//! ([`State::clock`]); a `now` before it is read as the clock itself. Availability never grows
//! as time goes back, so an earlier `now` is never worth more than the latest one.
//!
//! # Decisions
//! Every decision returns `ok`, `remaining` and, when denied, an exact `retry_after`: with no
//! other traffic, deciding again at `now + retry_after` succeeds and at `now + retry_after - 1`
//! does not (`now` counted in whole ms, as floored). `remaining` is what is left once this
//! request's cost is taken (whether or not it was consumed) when `ok`, and what is available
//! now when denied.
//!
//! A cost (`count`) is a whole number from 0 to [`Limit::max_cost`]. A cost of 0 is a pure
//! look-up: always `ok`, `remaining` is the availability now, nothing is written. A cost that
//! can never fit is an [`error::Kind::Argument`] error, not an endless denial.
//!
//! `consume: false` checks without consuming. The returned state is `Some` only when there is
//! something to write (an admitted request with a positive cost and `consume: true`); `None`
//! means "leave the row as it is" (a denial, a check, a cost of 0), so checks never write.
//! [`decide_all`] applies several limits at once, all or nothing.
//!
//! The calls that consume in the caller's table (`rateLimit`, `rateLimitAll`) decide as a
//! [`Mode::Take`] ([`decide_all_as`]): a cost from 1, since a look-up there would pass every
//! time and take nothing, a hole when an app forwards a client-chosen count.
//!
//! **Reset** is deleting the row: a missing state (`None`) is a fresh key, with the full
//! `rate` (or a full bucket) available.
//!
//! # State layout
//! [`State`] is a small plain object the Convex layer stores as is, one row per key (and per
//! shard). All numbers are whole; times are ms since the epoch.
//!
//! | kind | `t` | `a` | `b` | `log` |
//! |---|---|---|---|---|
//! | sliding window | start of the current window | units in the current window | units in the previous window | `[]` |
//! | fixed window | start of the current window | units in the current window | `0` | `[]` |
//! | token bucket | time of the last refill | whole tokens | fraction of a token, in 1/`period` (`0 <= b < period`) | `[]` |
//! | sliding log | time of the newest entry | `0` | `0` | admission times, oldest first, one per unit, at most `rate` |
//!
//! A stored state is validated against the limit before use; one that does not fit (a
//! tampered row, or a row written under another configuration) is an [`error::Kind::Argument`]
//! error, never an allow. The Convex layer should store a fingerprint of the limit's configuration
//! with the row and pass `None` when it changed.
//!
//! # Sharding
//! A hot key (a global limit) can be spread over `shards` rows: [`Limit::shard`] gives the
//! limit of row `i`, whose `rate` (and `capacity`) is the total split as evenly as possible.
//! The Convex layer picks a shard at random per request. Together the shards never admit more
//! than the whole limit, but a request can be denied while another shard still has room, and
//! the largest cost one request can have is that of the smallest shard.
//!
//! ```
//! use convex_guard::ratelimit::{decide, Kind, Limit};
//! let limit = Limit::new(Kind::FixedWindow, 2.0, 1000.0, None, None)?;
//! let (d, s1) = decide(&limit, None, 5000.0, 1.0, true)?;
//! assert!(d.ok && d.remaining == 1);
//! let (d, s2) = decide(&limit, s1.as_ref(), 5100.0, 1.0, true)?;
//! assert!(d.ok && d.remaining == 0);
//! let (d, none) = decide(&limit, s2.as_ref(), 5200.0, 1.0, true)?;
//! assert!(!d.ok && d.retry_after == 800.0 && none.is_none());
//! # Ok::<(), convex_guard::Error>(())
//! ```
//!
//! [`error::Kind::Argument`]: crate::error::Kind::Argument

use alloc::vec::Vec;
use core::num::{NonZeroU32, NonZeroU64};

use crate::error::{truncated, Error, Msg};

/// Largest `rate` (and `capacity`) of any limit. With [`MAX_PERIOD_MS`] it keeps every
/// product the decisions compute (`2 * rate * period < 2^63`) in 64-bit integers.
pub const MAX_RATE: u32 = 100_000_000;
/// Largest `rate` of a `sliding log`: its row keeps up to `rate` timestamps.
pub const MAX_LOG_RATE: u32 = 100;
/// Longest `period`, in ms: 366 days. A token bucket must also refill from empty within it.
pub const MAX_PERIOD_MS: u64 = 31_622_400_000;
/// Shortest `period` a configuration may give, in ms: one second ([`Limit::configured`]).
/// Periods are in ms, so a `period: 60` meant as a minute would limit nothing (attack46).
pub const MIN_PERIOD_MS: u64 = 1000;
/// Most shards one limit may be spread over.
pub const MAX_SHARDS: u32 = 256;
/// Shards of a limit whose configuration names none: one row per key.
pub const DEFAULT_SHARDS: u32 = 1;
/// Longest key, in UTF-16 code units (JavaScript's `length`). The engine never sees a key: the
/// TypeScript layer refuses a longer one before it reads a row. No key is ever cut (a builder's
/// `arg:<name>:` prefix counts towards it): two keys that differ stay two keys.
pub const MAX_KEY_LENGTH: u32 = 1024;
/// Latest `now` accepted, in ms since the epoch: [`crate::time::MAX_TIME_MS`] as a whole number.
// A whole number below 2^53: the cast is exact.
pub const MAX_NOW_MS: u64 = crate::time::MAX_TIME_MS as u64;
/// Most limits one [`decide_all`] call may combine.
pub const MAX_BATCH: usize = 16;

/// What a decision does with the cost it admits, and so the least cost it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Takes nothing (`checkRateLimit`, `rateLimitStatus`): the same decision, no state to
    /// write. A cost of 0 asks what is available.
    Check,
    /// Gives the state to store when admitted, for storage of one's own (`decideRateLimits`,
    /// [`decide`] and [`decide_all`] with `consume: true`). A cost of 0 is a look-up, as in a
    /// check: nothing to store.
    Consume,
    /// Consumes in the caller's table (`rateLimit`, `rateLimitAll`, and the builders' and
    /// `safeAction`'s limits, which call them): a cost of at least 1. A cost of 0 would pass
    /// every time and take nothing, a hole when an app forwards a client-chosen count.
    Take,
}

impl Mode {
    /// The mode of `consume`: [`Mode::Consume`] when true, [`Mode::Check`] when false.
    pub fn of(consume: bool) -> Mode {
        if consume {
            Mode::Consume
        } else {
            Mode::Check
        }
    }

    /// The least cost the mode takes: 1 for a [`Mode::Take`], 0 otherwise.
    ///
    /// ```
    /// use convex_guard::ratelimit::Mode;
    /// assert_eq!((Mode::Check.least_cost(), Mode::Consume.least_cost(), Mode::Take.least_cost()), (0, 0, 1));
    /// ```
    pub fn least_cost(self) -> u64 {
        u64::from(self == Mode::Take)
    }
}

/// The algorithm of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// `"sliding window"`: weighted current and previous window counters (the default).
    #[default]
    SlidingWindow,
    /// `"sliding log"`: exact, one timestamp per unit, `rate <= MAX_LOG_RATE`.
    SlidingLog,
    /// `"token bucket"`: continuous refill, bursts up to `capacity`.
    TokenBucket,
    /// `"fixed window"`: a counter per window of `period` ms.
    FixedWindow,
}

impl Kind {
    /// Parses the configuration name of a kind.
    ///
    /// ```
    /// use convex_guard::ratelimit::Kind;
    /// assert_eq!(Kind::from_name("token bucket")?, Kind::TokenBucket);
    /// assert!(Kind::from_name("leaky bucket").is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// An [`error::Kind::Config`] error naming the kind when it is none of the four names.
    ///
    /// [`error::Kind::Config`]: crate::error::Kind::Config
    pub fn from_name(name: &str) -> Result<Kind, Error> {
        match name {
            "sliding window" => Ok(Kind::SlidingWindow),
            "sliding log" => Ok(Kind::SlidingLog),
            "token bucket" => Ok(Kind::TokenBucket),
            "fixed window" => Ok(Kind::FixedWindow),
            _ => Err(Error::config(&[Msg::UnknownKind], &[truncated(name)], &[])),
        }
    }

    /// The configuration name of the kind (`"sliding window"`, ...).
    ///
    /// ```
    /// assert_eq!(convex_guard::ratelimit::Kind::FixedWindow.name(), "fixed window");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Kind::SlidingWindow => "sliding window",
            Kind::SlidingLog => "sliding log",
            Kind::TokenBucket => "token bucket",
            Kind::FixedWindow => "fixed window",
        }
    }
}

/// A validated limit: `rate` units per `period` ms, of one [`Kind`]. It cannot hold a zero,
/// fractional or out-of-range number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    kind: Kind,
    rate: NonZeroU32,
    period: NonZeroU64,
    /// Token bucket: most tokens held. Other kinds: equal to `rate`.
    capacity: NonZeroU32,
    shards: NonZeroU32,
    /// Largest cost of one request: `capacity / shards` of the whole limit, kept by its
    /// shards so that whether a cost is valid never depends on the shard picked.
    max_cost: NonZeroU32,
}

/// `v` as a whole number from 0 to `max`, or `None`.
#[inline(always)]
fn whole(v: f64, max: u64) -> Option<u64> {
    // `max` is at most MAX_NOW_MS < 2^53, so `max as f64` is exact. The two comparisons refuse
    // NaN and both infinities (`max` is finite), so there is no `is_finite` test: with one,
    // LLVM fused it and `v >= 0.0` into a test of the float's class by its bits (about 25 x64
    // instructions per call in V8; measured, a pure decision ran 97 more instructions and the
    // module was 609 bytes larger). Once `v` is known to be in [0, max], `v as u64` truncates
    // it exactly, and converting back tells whether `v` was whole (no `f64::fract`: the wasm
    // build is `no_std`).
    if v >= 0.0 && v <= max as f64 {
        let n = v as u64;
        (n as f64 == v).then_some(n)
    } else {
        None
    }
}

/// A configuration number from 1 to `max`.
fn config_number(v: f64, max: u64, what: Msg) -> Result<u64, Error> {
    match whole(v, max) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(Error::config(&[what, Msg::WholeFrom1], &[], &[max])),
    }
}

/// Shard `i` of `total` split over `n` parts: `total / n`, plus one for the first
/// `total % n` shards.
fn split(total: u32, n: u32, i: u32) -> u32 {
    let n = n.max(1);
    total / n + u32::from(i < total % n)
}

/// `x` as a `NonZeroU32`; 1 for 0 (callers only pass values they proved to be at least 1).
fn nz32(x: u32) -> NonZeroU32 {
    NonZeroU32::new(x).unwrap_or(NonZeroU32::MIN)
}

impl Limit {
    /// Validates a limit given in the terms of the JavaScript configuration: `rate` units per
    /// `period` ms, an optional `capacity` (token bucket only; default `rate`) and an optional
    /// number of `shards` (default 1).
    ///
    /// Bounds: `rate` and `capacity` whole numbers from 1 to [`MAX_RATE`] ([`MAX_LOG_RATE`] for
    /// a sliding log); `period` whole ms from 1 to [`MAX_PERIOD_MS`]; a token bucket (each of
    /// its shards) must refill from empty within [`MAX_PERIOD_MS`]; `shards` from 1 to
    /// [`MAX_SHARDS`] and at most `rate` (and `capacity`), so every shard has room for 1.
    ///
    /// ```
    /// use convex_guard::ratelimit::{Kind, Limit};
    /// let l = Limit::new(Kind::TokenBucket, 10.0, 60_000.0, Some(20.0), None)?;
    /// assert_eq!((l.rate(), l.period_ms(), l.capacity(), l.max_cost()), (10, 60_000, 20, 20));
    /// assert!(Limit::new(Kind::SlidingWindow, 0.0, 1000.0, None, None).is_err());
    /// assert!(Limit::new(Kind::SlidingWindow, 5.0, 1000.0, Some(9.0), None).is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// An [`error::Kind::Config`] error naming the offending field when a bound above is not met,
    /// or when `capacity` is given for a kind other than a token bucket.
    ///
    /// [`error::Kind::Config`]: crate::error::Kind::Config
    pub fn new(
        kind: Kind,
        rate: f64,
        period: f64,
        capacity: Option<f64>,
        shards: Option<f64>,
    ) -> Result<Limit, Error> {
        let max_rate = match kind {
            Kind::SlidingLog => MAX_LOG_RATE,
            _ => MAX_RATE,
        };
        if kind == Kind::SlidingLog
            && whole(rate, u64::from(MAX_RATE)).is_some_and(|r| r > u64::from(MAX_LOG_RATE))
        {
            return Err(Error::config(
                &[Msg::SlidingLogRate],
                &[],
                &[MAX_LOG_RATE.into()],
            ));
        }
        // Both bounds fit in a u32, so the conversions below cannot fail.
        let rate = u32::try_from(config_number(rate, u64::from(max_rate), Msg::Rate)?).unwrap_or(1);
        let period = config_number(period, MAX_PERIOD_MS, Msg::Period)?;
        let capacity = match capacity {
            None => rate,
            Some(c) if kind == Kind::TokenBucket => {
                u32::try_from(config_number(c, u64::from(MAX_RATE), Msg::Capacity)?).unwrap_or(1)
            }
            Some(_) => {
                return Err(Error::config(
                    &[Msg::CapacityNotBucket],
                    &[kind.name()],
                    &[],
                ))
            }
        };
        let shards = match shards {
            None => DEFAULT_SHARDS,
            Some(s) => {
                u32::try_from(config_number(s, u64::from(MAX_SHARDS), Msg::Shards)?).unwrap_or(1)
            }
        };
        if shards > rate || shards > capacity {
            return Err(Error::config(&[Msg::TooManyShards], &[], &[shards.into()]));
        }
        if kind == Kind::TokenBucket {
            for i in 0..shards {
                // capacity * period < 2^62 (see MAX_RATE).
                let c = u64::from(split(capacity, shards, i));
                let r = u64::from(split(rate, shards, i).max(1));
                let fill = mul(c, period).div_ceil(r);
                if fill > MAX_PERIOD_MS {
                    return Err(Error::config(&[Msg::SlowRefill], &[], &[MAX_PERIOD_MS]));
                }
            }
        }
        Ok(Limit {
            kind,
            rate: nz32(rate),
            period: NonZeroU64::new(period).unwrap_or(NonZeroU64::MIN),
            capacity: nz32(capacity),
            shards: nz32(shards),
            // shards <= capacity, so the quotient is at least 1. By a `NonZeroU32`: no
            // division-by-zero panic (and its message) linked, although `shards` is never 0.
            max_cost: nz32(capacity / nz32(shards)),
        })
    }

    /// The kind of limit.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// A limit of the guard's configuration: [`Limit::new`], with a `period` of at least
    /// [`MIN_PERIOD_MS`]. Periods are in ms, and a shorter one is a period written in seconds
    /// (`period: 60` for a minute), which would limit nothing. [`Limit::new`] itself keeps to
    /// 1 ms, the decisions' own domain.
    ///
    /// ```
    /// use convex_guard::ratelimit::{Kind, Limit};
    /// assert!(Limit::configured(Kind::SlidingLog, 5.0, 60.0, None, None).is_err());
    /// assert!(Limit::configured(Kind::SlidingLog, 5.0, 60_000.0, None, None).is_ok());
    /// ```
    ///
    /// # Errors
    /// As [`Limit::new`], and a [`error::Kind::Config`] error saying periods are whole ms from
    /// [`MIN_PERIOD_MS`] to [`MAX_PERIOD_MS`] for any other `period`.
    ///
    /// [`error::Kind::Config`]: crate::error::Kind::Config
    pub fn configured(
        kind: Kind,
        rate: f64,
        period: f64,
        capacity: Option<f64>,
        shards: Option<f64>,
    ) -> Result<Limit, Error> {
        // NaN, a fraction and a period too long are refused here too, with the same message (the
        // one `Limit::new` gives would say "from 1").
        if whole(period, MAX_PERIOD_MS).is_none_or(|n| n < MIN_PERIOD_MS) {
            return Err(Error::config(
                &[Msg::PeriodInMs],
                &[],
                &[MIN_PERIOD_MS, MAX_PERIOD_MS],
            ));
        }
        Limit::new(kind, rate, period, capacity, shards)
    }

    /// Units admitted per period (for a sharded limit: in total over its shards).
    pub fn rate(&self) -> u32 {
        self.rate.get()
    }

    /// The period, in ms.
    pub fn period_ms(&self) -> u64 {
        self.period.get()
    }

    /// Most tokens a token bucket holds; equal to [`Limit::rate`] for the other kinds.
    pub fn capacity(&self) -> u32 {
        self.capacity.get()
    }

    /// Number of rows the limit is spread over (1 when not sharded).
    pub fn shards(&self) -> u32 {
        self.shards.get()
    }

    /// The largest cost one request may have: the capacity of a token bucket, the rate of the
    /// other kinds; for a sharded limit and each of its shards, that of its smallest shard
    /// (so whether a cost is valid never depends on the shard picked).
    ///
    /// ```
    /// use convex_guard::ratelimit::{Kind, Limit};
    /// let l = Limit::new(Kind::SlidingWindow, 10.0, 1000.0, None, Some(4.0))?;
    /// assert_eq!(l.max_cost(), 2);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    pub fn max_cost(&self) -> u32 {
        self.max_cost.get()
    }

    /// The limit of shard `index` (0-based) of a sharded limit: the kind and period of the
    /// whole, with `rate` (and `capacity`) split as evenly as possible, the first shards taking
    /// one more when it does not divide. The shards' rates add up to the whole rate.
    ///
    /// ```
    /// use convex_guard::ratelimit::{Kind, Limit};
    /// let l = Limit::new(Kind::FixedWindow, 10.0, 1000.0, None, Some(3.0))?;
    /// let rates: Vec<u32> = (0..3).map(|i| l.shard(i).unwrap().rate()).collect();
    /// assert_eq!(rates, [4, 3, 3]);
    /// assert!(l.shard(3).is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// An [`error::Kind::Argument`] error when `index` is not below [`Limit::shards`].
    ///
    /// [`error::Kind::Argument`]: crate::error::Kind::Argument
    #[inline(always)]
    pub fn shard(&self, index: u32) -> Result<Limit, Error> {
        self.shard_of(index).map_err(Error::from)
    }

    /// [`Limit::shard`], refusing without building the error.
    #[inline(always)]
    pub(crate) fn shard_of(&self, index: u32) -> Result<Limit, Refusal> {
        let n = self.shards.get();
        if n == 1 && index == 0 {
            // Unsharded: its only shard is itself (split(x, 1, 0) is x).
            return Ok(*self);
        }
        if index >= n {
            return Err(Refusal::NoSuchShard(index, n));
        }
        Ok(Limit {
            kind: self.kind,
            rate: nz32(split(self.rate.get(), n, index)),
            period: self.period,
            capacity: nz32(split(self.capacity.get(), n, index)),
            shards: NonZeroU32::MIN,
            max_cost: self.max_cost,
        })
    }

    /// The most units this limit (all its shards together) can admit within any `period`
    /// consecutive milliseconds, counting each admission at its time as the limit saw it
    /// (`max(now, clock)`):
    /// - sliding log: `rate` (exact);
    /// - fixed window: `rate` per window, but `2 * rate` across a window boundary (`rate` when
    ///   `period` is 1 ms);
    /// - token bucket: `capacity + floor(rate * (period - 1) / period)` (the burst plus the
    ///   refill during the span);
    /// - sliding window: `max(rate, floor(2 * rate * (period - 1) / period))`, just under
    ///   `2 * rate`. It is reached when a full `rate` arrives in the last millisecond of a
    ///   window, after a window with nothing, and the next window fills as soon as the previous
    ///   one's weight allows. Each window on its own never holds more than `rate`; under steady
    ///   traffic the approximation is close to exact.
    ///
    /// ```
    /// use convex_guard::ratelimit::{Kind, Limit};
    /// let l = Limit::new(Kind::SlidingWindow, 10.0, 1000.0, None, None)?;
    /// assert_eq!(l.max_per_period(), 19);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    pub fn max_per_period(&self) -> u64 {
        let n = self.shards.get();
        let p = self.period.get();
        (0..n)
            .map(|i| {
                let r = u64::from(split(self.rate.get(), n, i));
                let c = u64::from(split(self.capacity.get(), n, i));
                // 2 * r * p < 2^63 (see MAX_RATE).
                let spread = |num: u64| mul(num, p - 1) / p;
                match self.kind {
                    Kind::SlidingLog => r,
                    Kind::FixedWindow => {
                        if p == 1 {
                            r
                        } else {
                            2 * r
                        }
                    }
                    Kind::TokenBucket => c + spread(r),
                    Kind::SlidingWindow => r.max(spread(2 * r)),
                }
            })
            .sum()
    }
}

/// The stored state of one key (one row; one per shard when sharded). See the
/// [module documentation](self) for what each field means per kind. All numbers are whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// A time in ms: the state's clock (window start, last refill or newest log entry).
    pub t: f64,
    /// First counter (units in the current window, or whole tokens).
    pub a: f64,
    /// Second counter (units in the previous window, or a token fraction in 1/`period`).
    pub b: f64,
    /// Sliding log only: admission times, oldest first, one per unit. Empty otherwise.
    pub log: Vec<f64>,
}

impl State {
    /// The state's clock: a `now` earlier than this is read as this (a clock that goes
    /// backwards grants no extra capacity).
    ///
    /// ```
    /// let s = convex_guard::ratelimit::State { t: 1000.0, ..Default::default() };
    /// assert_eq!(s.clock(), 1000.0);
    /// ```
    pub fn clock(&self) -> f64 {
        self.t
    }
}

/// A stored state as a decision reads it: the numbers of a [`State`], its log borrowed (from
/// a [`State`], or from the binding's I/O buffer), so that reading a request copies nothing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StateRef<'a> {
    /// As [`State::t`].
    pub t: f64,
    /// As [`State::a`].
    pub a: f64,
    /// As [`State::b`].
    pub b: f64,
    /// As [`State::log`].
    pub log: &'a [f64],
}

impl<'a> From<&'a State> for StateRef<'a> {
    fn from(s: &'a State) -> StateRef<'a> {
        StateRef {
            t: s.t,
            a: s.a,
            b: s.b,
            log: &s.log,
        }
    }
}

impl StateRef<'_> {
    /// The owned [`State`] (its log copied).
    pub fn to_state(&self) -> State {
        State {
            t: self.t,
            a: self.a,
            b: self.b,
            log: self.log.to_vec(),
        }
    }
}

/// The state to write after an admission, without a copy of its log: a sliding log's next
/// log is the entries of the state read that are still in the window (`kept`), then `added`
/// entries at `t`. Empty for the other kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Next<'a> {
    pub(crate) t: f64,
    pub(crate) a: f64,
    pub(crate) b: f64,
    kept: &'a [f64],
    /// At most the limit's rate (a cost that was admitted).
    added: usize,
}

impl Next<'_> {
    /// Entries of the log to write (at most [`MAX_LOG_RATE`]).
    pub(crate) fn log_len(&self) -> usize {
        self.kept.len() + self.added
    }

    /// Writes the log into `out` (its first [`Next::log_len`] numbers); nothing when `out` is
    /// shorter.
    pub(crate) fn write_log(&self, out: &mut [f64]) {
        if let Some(out) = out.get_mut(..self.log_len()) {
            // Checked although `kept` always fits: `split_at_mut` links a panic and its message.
            if let Some((kept, added)) = out.split_at_mut_checked(self.kept.len()) {
                kept.copy_from_slice(self.kept);
                added.fill(self.t);
            }
        }
    }

    /// The owned [`State`].
    pub(crate) fn to_state(self) -> State {
        // The binding's own writer, so that `decide` and `decide_all` test it too.
        let mut log = alloc::vec![0.0; self.log_len()];
        self.write_log(&mut log);
        State {
            t: self.t,
            a: self.a,
            b: self.b,
            log,
        }
    }
}

/// The answer to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// Whether the request fits.
    pub ok: bool,
    /// When `ok`: units left once this request's cost is taken. When denied: units
    /// available now (less than the cost).
    pub remaining: u32,
    /// 0 when `ok`. When denied: whole ms after `now` at which the same request succeeds
    /// if nothing else happens; one ms earlier it is still denied.
    pub retry_after: f64,
}

/// One limit of an all-or-nothing [`decide_all`]: the limit (a shard, when sharded), its
/// row's state and the cost to take from it. Every entry must be a different row.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The limit (one shard of a sharded limit).
    pub limit: &'a Limit,
    /// The stored state of its row, `None` when there is none.
    pub state: Option<&'a State>,
    /// The cost, as for [`decide`].
    pub count: f64,
}

/// The answer to an all-or-nothing [`decide_all`].
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Whether every limit admits its cost.
    pub ok: bool,
    /// 0 when `ok`; otherwise the largest `retry_after` of the denied limits, at which all of
    /// them succeed together if nothing else happens.
    pub retry_after: f64,
    /// Each limit's own decision, in order (as a check: nothing was taken when `ok` is false).
    pub decisions: Vec<Decision>,
    /// The states to write, in order: all `None` unless `ok` and consuming.
    pub states: Vec<Option<State>>,
}

/// Why a decision refuses a request, before it becomes its [`Error`]: a small `Copy` value,
/// so that the decision path carries no destructor and allocates nothing until it refuses
/// (an [`Error`] owns its message parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `now` is not a time ([`crate::time::check`]'s error for `now`).
    Now,
    /// A cost that is not a whole number from the mode's least cost to this largest cost.
    Count(u64, Mode),
    /// A stored state that does not fit the limit, and what does not.
    Corrupt(Msg),
    /// A sharded limit (of this many shards) decided as a whole.
    Sharded(u32),
    /// Shard `.0` of a limit of `.1` shards ([`Limit::shard`]'s error).
    NoSuchShard(u32, u32),
    /// An argument error of one message without values (a malformed request record...).
    Argument(Msg),
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Error {
        match r {
            Refusal::Now => crate::time::error(Msg::Now, crate::time::MAX_TIME_MS),
            Refusal::Count(max, mode) => {
                Error::argument(&[Msg::BadCount], &[], &[mode.least_cost(), max])
            }
            Refusal::Corrupt(what) => Error::argument(&[Msg::Corrupt, what], &[], &[]),
            Refusal::Sharded(n) => Error::argument(&[Msg::Sharded], &[], &[n.into()]),
            Refusal::NoSuchShard(index, n) => {
                Error::argument(&[Msg::NoSuchShard], &[], &[index.into(), n.into()])
            }
            Refusal::Argument(what) => Error::argument(&[what], &[], &[]),
        }
    }
}

/// Checks `now` (as [`crate::time::check`]), floored to whole ms.
#[inline(always)]
fn check_now(now: f64) -> Result<u64, Refusal> {
    // A time is from 0 to MAX_NOW_MS: `as u64` truncates, which is the floor of a
    // non-negative number.
    if crate::time::within(now, crate::time::MAX_TIME_MS) {
        Ok(now as u64)
    } else {
        Err(Refusal::Now)
    }
}

/// Checks a cost: a whole number from the mode's [`Mode::least_cost`] to the limit's
/// [`Limit::max_cost`].
#[inline(always)]
fn check_count(limit: &Limit, count: f64, mode: Mode) -> Result<u64, Refusal> {
    let max = u64::from(limit.max_cost());
    match whole(count, max) {
        Some(n) if n >= mode.least_cost() => Ok(n),
        _ => Err(Refusal::Count(max, mode)),
    }
}

fn corrupt(what: Msg) -> Refusal {
    Refusal::Corrupt(what)
}

/// A stored number from 0 to `max`.
#[inline(always)]
fn stored(v: f64, max: u64, what: Msg) -> Result<u64, Refusal> {
    whole(v, max).ok_or(Refusal::Corrupt(what))
}

/// `a.saturating_mul(b)` with 64-bit multiplies only. On wasm32, `u64::saturating_mul` checks
/// for overflow with a 128-bit multiply (`__multi3`, linked, and called at every site); here
/// the operands are split into 32-bit halves instead. The same result for every input (see
/// the test below); the products this module computes stay below 2^63 anyway (see
/// [`MAX_RATE`]), so it only ever saturates on a bug.
fn mul(a: u64, b: u64) -> u64 {
    let (ah, al, bh, bl) = (a >> 32, a & 0xFFFF_FFFF, b >> 32, b & 0xFFFF_FFFF);
    if ah != 0 && bh != 0 {
        return u64::MAX;
    }
    // One of `ah` and `bh` is 0, so the cross term is one product of two 32-bit halves.
    let cross = ah * bl + al * bh;
    if cross >> 32 != 0 {
        return u64::MAX;
    }
    (al * bl).saturating_add(cross << 32)
}

/// The outcome of one evaluation: availability at the effective time, the first time the
/// request fits (when it does not now), and the state to write if it is admitted.
struct Eval<'a> {
    available: u64,
    retry_at: u64,
    /// Meaningful only when the request fits (`count <= available`).
    next: Next<'a>,
}

/// `x` as a stored f64. Every value stored is at most MAX_NOW_MS + 2 * MAX_PERIOD_MS < 2^53,
/// so the conversion is exact.
fn f(x: u64) -> f64 {
    x as f64
}

#[inline(always)]
fn evaluate<'a>(
    limit: &Limit,
    state: Option<StateRef<'a>>,
    now: u64,
    count: u64,
) -> Result<Eval<'a>, Refusal> {
    let rate = u64::from(limit.rate.get());
    let p = limit.period.get();
    if let Some(st) = state {
        if limit.kind != Kind::SlidingLog && !st.log.is_empty() {
            return Err(corrupt(Msg::LogNotSlidingLog));
        }
    }
    match limit.kind {
        Kind::SlidingWindow | Kind::FixedWindow => {
            let sliding = limit.kind == Kind::SlidingWindow;
            let (s0, cur0, prev0) = match state {
                None => (now, 0, 0),
                Some(st) => (
                    stored(st.t, MAX_NOW_MS, Msg::WindowStart)?,
                    stored(st.a, rate, Msg::CurrentCount)?,
                    stored(st.b, if sliding { rate } else { 0 }, Msg::PreviousCount)?,
                ),
            };
            let t = now.max(s0);
            // Windows elapsed since s0: 0 or 1 without a division in the common cases.
            let elapsed = t - s0;
            let (s, cur, prev) = if elapsed < p {
                (s0, cur0, prev0)
            } else if elapsed - p < p {
                (s0 + p, 0, if sliding { cur0 } else { 0 })
            } else {
                // k * p <= elapsed: at most t.
                (s0 + elapsed / p * p, 0, 0)
            };
            let x = t - s; // 0 <= x < p
                           // Units used, scaled by p: cur * p + prev * (p - x) / p * p. cur, prev <= rate, so
                           // used <= 2 * rate * p < 2^63 (see MAX_RATE): the products cannot overflow (plain
                           // multiplications: no 128-bit multiply in the wasm, as saturating ones need).
            let used = cur * p + prev * (p - x);
            let free = (rate * p).saturating_sub(used);
            // A fixed window has no previous count: what is free is whole units.
            let available = if prev == 0 {
                rate.saturating_sub(cur)
            } else {
                free / p
            };
            let retry_at = if count <= available {
                0
            } else if !sliding {
                s + p
            } else {
                sliding_window_retry(rate, p, s, cur, prev, count)
            };
            Ok(Eval {
                available,
                retry_at,
                next: Next {
                    t: f(s),
                    a: f(cur + count),
                    b: f(prev),
                    kept: &[],
                    added: 0,
                },
            })
        }
        Kind::SlidingLog => {
            let (clock, log): (u64, &'a [f64]) = match state {
                None => (now, &[]),
                Some(st) => {
                    if st.a != 0.0 || st.b != 0.0 {
                        return Err(corrupt(Msg::LogNoCounters));
                    }
                    let clock = stored(st.t, MAX_NOW_MS, Msg::LogTime)?;
                    if st.log.len() > usize::try_from(rate).unwrap_or(usize::MAX) {
                        return Err(corrupt(Msg::LogTooLong));
                    }
                    let mut last = 0;
                    for &e in st.log {
                        let e = stored(e, clock, Msg::LogEntries)?;
                        if e < last {
                            return Err(corrupt(Msg::LogOrder));
                        }
                        last = e;
                    }
                    (clock, st.log)
                }
            };
            let t = now.max(clock);
            // Entries were validated as whole numbers <= clock <= MAX_NOW_MS: `as u64` is exact.
            // An entry at `e` occupies [e, e + p).
            let expired = log.iter().take_while(|&&e| (e as u64) + p <= t).count();
            let active = log.get(expired..).unwrap_or_default();
            let used = u64::try_from(active.len()).unwrap_or(u64::MAX);
            let available = rate.saturating_sub(used);
            let retry_at = if count <= available {
                0
            } else {
                // The request fits once `used + count - rate` of the oldest entries expire;
                // 1 <= n <= used because count <= rate.
                let n = used + count - rate;
                let idx = usize::try_from(n - 1).unwrap_or(usize::MAX);
                active.get(idx).map_or(t + p, |&e| (e as u64) + p)
            };
            Ok(Eval {
                available,
                retry_at,
                next: Next {
                    t: f(t),
                    a: 0.0,
                    b: 0.0,
                    kept: active,
                    // count <= max_cost <= MAX_LOG_RATE here.
                    added: usize::try_from(count).unwrap_or(0),
                },
            })
        }
        Kind::TokenBucket => {
            // Tokens are counted in units of 1/p token: refill is exactly `rate` units per ms.
            // capacity * p < 2^62 (see MAX_RATE): no product below overflows, so they are plain
            // multiplications (no 128-bit multiply in the wasm, as saturating ones need).
            let full = u64::from(limit.capacity.get()) * p;
            let (last, units0) = match state {
                None => (now, full),
                Some(st) => {
                    let last = stored(st.t, MAX_NOW_MS, Msg::RefillTime)?;
                    let whole_tokens =
                        stored(st.a, u64::from(limit.capacity.get()), Msg::TokenCount)?;
                    let fraction = stored(st.b, p - 1, Msg::TokenFraction)?;
                    // At most capacity * p + p - 1 < 2^63.
                    let units = whole_tokens * p + fraction;
                    if units > full {
                        return Err(corrupt(Msg::TooManyTokens));
                    }
                    (last, units)
                }
            };
            let t = now.max(last);
            // A bucket refills from empty within MAX_PERIOD_MS (`Limit::new`): a longer wait
            // adds nothing more, and the bound keeps the product below 2^62 (see MAX_RATE).
            let refill = (t - last).min(MAX_PERIOD_MS) * rate;
            let units = full.min(units0 + refill);
            // count <= max_cost <= capacity, so need <= full.
            let need = count * p;
            // `count <= units / p` is `need <= units`; admitted, what is left after the cost
            // gives both the availability and the next state, with one division.
            let left = units.saturating_sub(need);
            let whole_left = left / p;
            let (available, retry_at) = if need <= units {
                (whole_left + count, 0)
            } else {
                // First whole ms at which `units + ms * rate >= need`; need <= full, so the
                // cap never gets in the way.
                (units / p, t + (need - units).div_ceil(rate))
            };
            Ok(Eval {
                available,
                retry_at,
                next: Next {
                    t: f(t),
                    a: f(whole_left),
                    b: f(left - whole_left * p),
                    kept: &[],
                    added: 0,
                },
            })
        }
    }
}

/// The first whole ms at which a sliding window admits `count`, given the (rolled) window
/// starting at `s` with `cur` and `prev` units, when it does not admit it now. The weighted
/// count never grows with time, so the first time found is the answer:
/// 1. later in this window, at offset `x` with `cur + count + prev * (p - x) / p <= rate`;
/// 2. in the next window (`prev` becomes `cur`, `cur` becomes 0), at offset `x` with
///    `count + cur * (p - x) / p <= rate`;
/// 3. otherwise at the start of the window after, when both counters are 0.
fn sliding_window_retry(rate: u64, p: u64, s: u64, cur: u64, prev: u64, count: u64) -> u64 {
    if cur + count <= rate && prev > 0 {
        // Need prev * (p - x) <= room, that is p - x <= room / prev.
        let q = mul(rate - cur - count, p) / prev;
        if q >= 1 {
            // Denied now means q < p - (now's offset), so this is later than now.
            return s + p.saturating_sub(q);
        }
    }
    if cur == 0 {
        return s + p;
    }
    let q = mul(rate.saturating_sub(count), p) / cur;
    if q >= p {
        s + p
    } else if q >= 1 {
        s + p + (p - q)
    } else {
        s + 2 * p
    }
}

#[inline(always)]
fn decision(eval: &Eval, now: u64, count: u64) -> Decision {
    let ok = count <= eval.available;
    let remaining = if ok {
        eval.available - count
    } else {
        eval.available
    };
    Decision {
        ok,
        // Availability never exceeds the limit's rate or capacity, both u32.
        remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        // retry_at <= MAX_NOW_MS + 2 * MAX_PERIOD_MS < 2^53: exact as f64.
        retry_after: if ok {
            0.0
        } else {
            f(eval.retry_at.saturating_sub(now))
        },
    }
}

#[inline(always)]
fn unsharded(limit: &Limit) -> Result<(), Refusal> {
    if limit.shards.get() > 1 {
        return Err(Refusal::Sharded(limit.shards.get()));
    }
    Ok(())
}

/// Decides one request of cost `count` against `limit` (one shard of a sharded limit), given
/// the row's stored `state` (`None` for a new key or after a reset) at time `now`.
///
/// Returns the decision and the state to write: `Some` only when the request was admitted with
/// a positive cost and `consume` is true; `None` means "leave the row as it is". With
/// `consume: false` it is a check: the same decision, nothing taken.
///
/// ```
/// use convex_guard::ratelimit::{decide, Kind, Limit};
/// let limit = Limit::new(Kind::TokenBucket, 1.0, 1000.0, Some(2.0), None)?;
/// let (d, s) = decide(&limit, None, 0.0, 2.0, true)?;
/// assert!(d.ok && d.remaining == 0);
/// let (d, _) = decide(&limit, s.as_ref(), 0.0, 1.0, true)?;
/// assert_eq!((d.ok, d.retry_after), (false, 1000.0));
/// let (d, _) = decide(&limit, s.as_ref(), 1000.0, 1.0, false)?;
/// assert!(d.ok);
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// An [`error::Kind::Argument`] error when `now` is not a finite number of ms from 0 to
/// [`MAX_NOW_MS`], when `count` is not a whole number from 0 to [`Limit::max_cost`], when the
/// stored state does not fit the limit, or when `limit` is sharded (decide on
/// [`Limit::shard`]).
///
/// [`error::Kind::Argument`]: crate::error::Kind::Argument
pub fn decide(
    limit: &Limit,
    state: Option<&State>,
    now: f64,
    count: f64,
    consume: bool,
) -> Result<(Decision, Option<State>), Error> {
    unsharded(limit)?;
    let now = check_now(now)?;
    let count = check_count(limit, count, Mode::of(consume))?;
    let eval = evaluate(limit, state.map(StateRef::from), now, count)?;
    let d = decision(&eval, now, count);
    let write = d.ok && consume && count > 0;
    Ok((d, write.then(|| eval.next.to_state())))
}

/// Decides several limits at once, all or nothing (for example per user and global): when
/// every limit admits its cost, each consumes it (with `consume`); when any is denied, none
/// consumes anything and [`Batch::retry_after`] is the largest `retry_after` of the denied
/// ones. Every request must be a different row: the same row twice would be counted once.
///
/// ```
/// use convex_guard::ratelimit::{decide_all, Kind, Limit, Request};
/// let user = Limit::new(Kind::FixedWindow, 1.0, 1000.0, None, None)?;
/// let global = Limit::new(Kind::FixedWindow, 5.0, 1000.0, None, None)?;
/// let b = decide_all(&[Request { limit: &user, state: None, count: 1.0 },
///                      Request { limit: &global, state: None, count: 1.0 }], 0.0, true)?;
/// assert!(b.ok && b.states.iter().all(|s| s.is_some()));
/// let b2 = decide_all(&[Request { limit: &user, state: b.states[0].as_ref(), count: 1.0 },
///                       Request { limit: &global, state: b.states[1].as_ref(), count: 1.0 }],
///                     10.0, true)?;
/// assert!(!b2.ok && b2.retry_after == 990.0 && b2.states.iter().all(|s| s.is_none()));
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// An [`error::Kind::Argument`] error when there are no requests or more than [`MAX_BATCH`], or
/// for any request as in [`decide`] (then nothing is decided).
///
/// [`error::Kind::Argument`]: crate::error::Kind::Argument
pub fn decide_all(requests: &[Request<'_>], now: f64, consume: bool) -> Result<Batch, Error> {
    decide_all_as(requests, now, Mode::of(consume))
}

/// [`decide_all`] in any [`Mode`]: a [`Mode::Take`] is what `rateLimit` and `rateLimitAll`
/// decide, consuming a cost of at least 1 from each limit.
///
/// ```
/// use convex_guard::ratelimit::{decide_all_as, Kind, Limit, Mode, Request};
/// let limit = Limit::new(Kind::FixedWindow, 3.0, 1000.0, None, None)?;
/// let look = [Request { limit: &limit, state: None, count: 0.0 }];
/// assert!(decide_all_as(&look, 0.0, Mode::Check)?.ok);
/// let e = decide_all_as(&look, 0.0, Mode::Take).unwrap_err();
/// assert!(e.message().starts_with("count must be a whole number from 1 to 3"));
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// As [`decide_all`], and for a cost of 0 in a [`Mode::Take`].
pub fn decide_all_as(requests: &[Request<'_>], now: f64, mode: Mode) -> Result<Batch, Error> {
    let mut decisions = Vec::with_capacity(requests.len());
    let mut candidates = Vec::with_capacity(requests.len());
    let each = decide_each(
        requests.len(),
        now,
        mode,
        |i| {
            // decide_each asks only for i < requests.len().
            let r = requests
                .get(i)
                .ok_or(Refusal::Argument(Msg::NoSuchRequest))?;
            Ok((*r.limit, r.state.map(StateRef::from), r.count))
        },
        |_, d, next| {
            decisions.push(d);
            candidates.push(next);
        },
    )?;
    let states = candidates
        .into_iter()
        .map(|next| next.filter(|_| each.write).map(Next::to_state))
        .collect();
    Ok(Batch {
        ok: each.ok,
        retry_after: each.retry_after,
        decisions,
        states,
    })
}

/// What [`decide_each`] decided over the whole batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Each {
    /// Whether every request is admitted ([`Batch::ok`]).
    pub(crate) ok: bool,
    /// [`Batch::retry_after`].
    pub(crate) retry_after: f64,
    /// Whether the states given to `answer` are to be written: every request admitted and
    /// consumed (not a [`Mode::Check`]). When false, no state is (every row is left as it is).
    pub(crate) write: bool,
}

/// [`decide_all`] without a heap allocation (not even a `sliding log`'s: its next log is
/// borrowed from the state read, [`Next`]), for the wasm binding, which reads requests from
/// and writes answers into a buffer it owns. `request(i)` gives request `i` of `n` (a limit,
/// its row's state and the cost) and is called once per request, in order; as soon as request
/// `i` is decided, `answer(i, decision, state)` is called, with the state the row gets if the
/// whole batch is admitted (`None` for a cost of 0: nothing to write). Whether those states
/// are written is known only once every request is decided: [`Each::write`], returned with
/// [`Batch::ok`] and [`Batch::retry_after`].
///
/// # Errors
/// As [`decide_all`], and whatever `request` returns (then the answers already given are
/// meaningless: nothing is decided).
pub(crate) fn decide_each<'a>(
    n: usize,
    now: f64,
    mode: Mode,
    mut request: impl FnMut(usize) -> Result<(Limit, Option<StateRef<'a>>, f64), Refusal>,
    mut answer: impl FnMut(usize, Decision, Option<Next<'a>>),
) -> Result<Each, Error> {
    if n == 0 || n > MAX_BATCH {
        return Err(Error::argument(&[Msg::BatchSize], &[], &[MAX_BATCH as u64]));
    }
    decide_each_of(n, now, mode, &mut request, &mut answer).map_err(Error::from)
}

/// [`decide_each`] once the batch size is checked (`n` from 1), refusing without building the
/// error.
#[inline(always)]
fn decide_each_of<'a>(
    n: usize,
    now: f64,
    mode: Mode,
    request: &mut impl FnMut(usize) -> Result<(Limit, Option<StateRef<'a>>, f64), Refusal>,
    answer: &mut impl FnMut(usize, Decision, Option<Next<'a>>),
) -> Result<Each, Refusal> {
    let now = check_now(now)?;
    let mut ok = true;
    let mut retry_after: f64 = 0.0;
    // `n` is from 1 ([`decide_each`] refuses 0): the loop tests its end at the bottom. As a
    // `for` loop, tested at the top, a single decision also ran the loop's back edge in V8
    // (about 15 registers moved to and from the stack): 3 ns more a decision of the binding's
    // (62 ns against 59, every kind alike).
    let mut i = 0;
    loop {
        let (limit, state, count) = request(i)?;
        unsharded(&limit)?;
        let count = check_count(&limit, count, mode)?;
        let eval = evaluate(&limit, state, now, count)?;
        let d = decision(&eval, now, count);
        ok &= d.ok;
        // Whole numbers of ms, never NaN: a comparison, not a call to `fmax`.
        if d.retry_after > retry_after {
            retry_after = d.retry_after;
        }
        answer(i, d, (count > 0).then_some(eval.next));
        i += 1;
        if i >= n {
            break;
        }
    }
    Ok(Each {
        ok,
        retry_after,
        write: ok && mode != Mode::Check,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_configured_period_under_a_second_is_refused() {
        // attack46: `period: 60` meant as a minute limited nothing.
        // finalread32 L1: a fraction or a period too long said "from 1" (`Limit::new`'s bound).
        for period in [
            60.0,
            1.0,
            999.0,
            0.0,
            -1.0,
            f64::NAN,
            999.5,
            1000.5,
            1e12,
            f64::INFINITY,
        ] {
            let e = Limit::configured(Kind::SlidingLog, 5.0, period, None, None).unwrap_err();
            assert_eq!(
                e.message(),
                "period must be a whole number of milliseconds from 1000 to 31622400000: a minute is 60 * SECOND or MINUTE, not 60",
                "{period}"
            );
        }
        let l = Limit::configured(Kind::SlidingLog, 5.0, 1000.0, None, None).unwrap();
        assert_eq!(l.period_ms(), 1000);
        // Past the minimum, the other bounds are Limit::new's.
        assert!(Limit::configured(Kind::SlidingLog, 5.0, 1000.5, None, None).is_err());
        assert!(Limit::configured(Kind::SlidingLog, 5.0, 4e10, None, None).is_err());
        // Limit::new itself keeps its 1 ms domain.
        assert!(Limit::new(Kind::SlidingLog, 5.0, 60.0, None, None).is_ok());
    }

    fn lim(kind: Kind, rate: f64, period: f64) -> Limit {
        Limit::new(kind, rate, period, None, None).unwrap()
    }

    #[test]
    fn sliding_window_weights_the_previous_window() {
        let l = lim(Kind::SlidingWindow, 10.0, 1000.0);
        let mut s = None;
        for i in 0..10 {
            let (d, n) = decide(&l, s.as_ref(), f64::from(i), 1.0, true).unwrap();
            assert!(d.ok);
            s = n;
        }
        // At 1500 the previous window (10 units) still counts for half: 5 left.
        let (d, _) = decide(&l, s.as_ref(), 1500.0, 0.0, true).unwrap();
        assert_eq!((d.ok, d.remaining), (true, 5));
        // 6 does not fit until prev * (1000 - x) / 1000 <= 4: x >= 600.
        let (d, _) = decide(&l, s.as_ref(), 1500.0, 6.0, true).unwrap();
        assert_eq!((d.ok, d.retry_after), (false, 100.0));
        assert!(decide(&l, s.as_ref(), 1600.0, 6.0, true).unwrap().0.ok);
        assert!(!decide(&l, s.as_ref(), 1599.0, 6.0, true).unwrap().0.ok);
    }

    #[test]
    fn sliding_window_worst_case_is_reached() {
        // rate 10, period 10: all 10 in the last ms of the first window, then the next
        // window admits as soon as it can; 10 + 8 = 18 = floor(2 * 10 * 9 / 10) within 10 ms.
        let l = lim(Kind::SlidingWindow, 10.0, 10.0);
        let (_, s) = decide(&l, None, 0.0, 0.0, true).unwrap();
        assert!(s.is_none());
        let first = State {
            t: 0.0,
            a: 0.0,
            b: 0.0,
            log: Vec::new(),
        };
        let (d, s) = decide(&l, Some(&first), 9.0, 10.0, true).unwrap();
        assert!(d.ok);
        let mut s = s.unwrap();
        let mut admitted = 10;
        for now in 10..19 {
            loop {
                let (d, n) = decide(&l, Some(&s), f64::from(now), 1.0, true).unwrap();
                if !d.ok {
                    break;
                }
                admitted += 1;
                s = n.unwrap();
            }
        }
        assert_eq!(admitted, 18);
        assert_eq!(l.max_per_period(), 18);
    }

    #[test]
    fn backwards_clock_is_read_as_the_state_clock() {
        let l = lim(Kind::TokenBucket, 1.0, 100.0);
        let (_, s) = decide(&l, None, 1000.0, 1.0, true).unwrap();
        let (d, _) = decide(&l, s.as_ref(), 10.0, 1.0, true).unwrap();
        // Refill completes at 1100: from 10, that is 1090 ms away.
        assert_eq!((d.ok, d.retry_after), (false, 1090.0));
    }

    #[test]
    fn bad_numbers_are_errors() {
        let l = lim(Kind::SlidingWindow, 3.0, 1000.0);
        for now in [f64::NAN, f64::INFINITY, -1.0, 1e300] {
            assert_eq!(
                decide(&l, None, now, 1.0, true).unwrap_err().code(),
                "INVALID_ARGUMENT"
            );
        }
        for count in [f64::NAN, -1.0, 1.5, 4.0, f64::INFINITY] {
            assert!(decide(&l, None, 0.0, count, true).is_err());
        }
        assert_eq!(
            decide(&l, None, 0.5, 0.0, true).unwrap().0.remaining,
            3,
            "fractional ms are floored"
        );
        for (rate, period) in [
            (0.0, 1.0),
            (1.5, 1.0),
            (1.0, 0.0),
            (1.0, 4e10),
            (f64::NAN, 1.0),
        ] {
            let e = Limit::new(Kind::SlidingWindow, rate, period, None, None).unwrap_err();
            assert_eq!(e.code(), "INVALID_CONFIG");
        }
        assert!(Limit::new(Kind::SlidingLog, 101.0, 1.0, None, None).is_err());
        assert!(Limit::new(Kind::SlidingLog, 100.0, 1.0, None, None).is_ok());
        assert!(Limit::new(Kind::FixedWindow, 5.0, 1.0, None, Some(6.0)).is_err());
        assert!(Limit::new(Kind::TokenBucket, 1.0, 1e10, Some(10.0), None).is_err());
    }

    #[test]
    fn corrupt_state_is_an_error() {
        let l = lim(Kind::SlidingLog, 3.0, 1000.0);
        let unsorted = State {
            t: 10.0,
            a: 0.0,
            b: 0.0,
            log: vec![5.0, 4.0],
        };
        assert!(decide(&l, Some(&unsorted), 20.0, 1.0, true).is_err());
        let w = lim(Kind::SlidingWindow, 3.0, 1000.0);
        let bad = State {
            t: 0.0,
            a: -1.0,
            b: 0.0,
            log: Vec::new(),
        };
        assert!(decide(&w, Some(&bad), 20.0, 1.0, true).is_err());
    }

    #[test]
    fn sharded_limits_are_decided_per_shard() {
        let l = Limit::new(Kind::TokenBucket, 10.0, 1000.0, Some(7.0), Some(3.0)).unwrap();
        assert!(decide(&l, None, 0.0, 1.0, true).is_err());
        let caps: u32 = (0..3).map(|i| l.shard(i).unwrap().capacity()).sum();
        assert_eq!(caps, 7);
        assert_eq!(l.max_cost(), 2);
        assert!(
            decide(&l.shard(2).unwrap(), None, 0.0, 2.0, true)
                .unwrap()
                .0
                .ok
        );
    }

    #[test]
    fn refusals_become_the_errors_they_name() {
        let l = Limit::new(Kind::SlidingWindow, 3.0, 1000.0, None, Some(3.0)).unwrap();
        let message = |r: Result<(Decision, Option<State>), Error>| r.unwrap_err().message();
        assert_eq!(
            l.shard(5).unwrap_err().message(),
            "shard 5 does not exist: pick a shard index below 3"
        );
        assert_eq!(
            message(decide(&l, None, 0.0, 1.0, true)),
            "a sharded limit is decided one shard at a time: pick a shard index below 3"
        );
        let one = l.shard(0).unwrap();
        assert_eq!(
            message(decide(&one, None, f64::NAN, 1.0, true)),
            "now must be a finite number of milliseconds from 0 to 8640000000000000"
        );
        assert_eq!(
            message(decide(&one, None, 0.0, 2.0, true)),
            "count must be a whole number from 0 to 1, the most this limit can ever admit at once"
        );
        let over = State {
            t: 0.0,
            a: 2.0,
            b: 0.0,
            log: Vec::new(),
        };
        assert_eq!(
            message(decide(&one, Some(&over), 0.0, 1.0, true)),
            "stored rate limit state does not fit this limit: current count"
        );
        let missing = decide_all(&[], 0.0, true).unwrap_err();
        assert_eq!(missing.code(), "INVALID_ARGUMENT");
    }

    /// A consuming call of the table (`rateLimit`, `rateLimitAll`) decides as a take: a cost of
    /// 0 would pass every time and take nothing, so it is refused there, with the range the
    /// call accepts; a check and a pure consume keep it as a look-up.
    #[test]
    fn a_take_refuses_a_cost_of_0_and_names_the_range_it_takes() {
        let l = lim(Kind::FixedWindow, 3.0, 1000.0);
        let full = State {
            t: 0.0,
            a: 3.0,
            b: 0.0,
            log: Vec::new(),
        };
        let ask = |count: f64, state: Option<&State>, mode: Mode| {
            decide_all_as(
                &[Request {
                    limit: &l,
                    state,
                    count,
                }],
                0.0,
                mode,
            )
        };
        let message = |from: u64| {
            format!("count must be a whole number from {from} to 3, the most this limit can ever admit at once")
        };
        for mode in [Mode::Check, Mode::Consume] {
            let b = ask(0.0, None, mode).unwrap();
            assert!(b.ok && b.decisions[0].remaining == 3 && b.states[0].is_none());
            // A look-up is ok even on a full row: it asks for nothing.
            assert!(ask(0.0, Some(&full), mode).unwrap().ok);
        }
        for state in [None, Some(&full)] {
            let e = ask(0.0, state, Mode::Take).unwrap_err();
            assert_eq!((e.code(), e.message()), ("INVALID_ARGUMENT", message(1)));
        }
        for (mode, from) in [(Mode::Check, 0), (Mode::Consume, 0), (Mode::Take, 1)] {
            for bad in [1.5, -1.0, 4.0, 0.5, f64::NAN, f64::INFINITY] {
                let e = ask(bad, None, mode).unwrap_err();
                assert_eq!((e.code(), e.message()), ("INVALID_ARGUMENT", message(from)));
            }
            // Every cost the limit can admit, from 1: the same decision in every mode, and a
            // state to write unless it is a check.
            for count in 1..=3 {
                let b = ask(f64::from(count), None, mode).unwrap();
                assert!(b.ok && b.decisions[0].remaining == 3 - count);
                assert_eq!(b.states[0].is_some(), mode != Mode::Check, "{mode:?}");
            }
        }
        // A take of 0 anywhere in a batch refuses the whole batch: nothing is decided.
        let two = [
            Request {
                limit: &l,
                state: None,
                count: 1.0,
            },
            Request {
                limit: &l,
                state: None,
                count: 0.0,
            },
        ];
        assert!(decide_all_as(&two, 0.0, Mode::Take).is_err());
        assert!(decide_all_as(&two, 0.0, Mode::Consume).unwrap().ok);
        // `decide`, the single pure decision, keeps 0 as a look-up when consuming.
        assert_eq!(
            decide(&l, None, 0.0, 0.0, true).unwrap(),
            (decide(&l, None, 0.0, 0.0, false).unwrap().0, None)
        );
    }

    /// The binding's path (`decide_each`): a take writes what it admits, as a consume does.
    #[test]
    fn decide_each_writes_a_take_and_a_consume_and_never_a_check() {
        let l = lim(Kind::TokenBucket, 3.0, 1000.0);
        for (mode, write) in [
            (Mode::Check, false),
            (Mode::Consume, true),
            (Mode::Take, true),
        ] {
            let mut answers = 0;
            let each = decide_each(
                1,
                0.0,
                mode,
                |_| Ok((l, None, 2.0)),
                |_, d, next| {
                    answers += 1;
                    assert!(d.ok && d.remaining == 1 && next.is_some());
                },
            )
            .unwrap();
            assert_eq!((answers, each.ok, each.write), (1, true, write), "{mode:?}");
            let zero = decide_each(
                1,
                0.0,
                mode,
                |_| Ok((l, None, 0.0)),
                |_, _, next| {
                    assert!(next.is_none());
                },
            );
            assert_eq!(zero.is_err(), mode == Mode::Take, "{mode:?}");
        }
    }

    #[test]
    fn kind_names_round_trip() {
        for k in [
            Kind::SlidingWindow,
            Kind::SlidingLog,
            Kind::TokenBucket,
            Kind::FixedWindow,
        ] {
            assert_eq!(Kind::from_name(k.name()).unwrap(), k);
        }
        let e = Kind::from_name(&"x".repeat(100)).unwrap_err();
        assert!(e.message().len() < 200);
    }

    #[test]
    fn mul_saturates_exactly_where_u64_does() {
        // 0xFFFF_FFFF * 0x1_0000_0001 is exactly u64::MAX; 0x1_0000_0002 makes it overflow in
        // the final addition, 1 << 32 squared in the cross term.
        let edges = [
            0,
            1,
            2,
            0xFFFF_FFFF,
            1 << 32,
            0x1_0000_0001,
            0x1_0000_0002,
            1 << 63,
            u64::MAX - 1,
            u64::MAX,
        ];
        for a in edges {
            for b in edges {
                assert_eq!(mul(a, b), a.saturating_mul(b), "{a} * {b}");
            }
        }
    }

    proptest! {
        #[test]
        fn mul_is_saturating_mul(a: u64, b: u64, shift in 0u32..64) {
            prop_assert_eq!(mul(a, b), a.saturating_mul(b));
            prop_assert_eq!(mul(a >> shift, b), (a >> shift).saturating_mul(b));
            prop_assert_eq!(mul(a, b >> shift), a.saturating_mul(b >> shift));
        }
    }
}
