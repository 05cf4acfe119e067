//! `RateLimiter.add` (src/bindings/ratelimit.rs): a kind name and JavaScript numbers. A limit
//! is valid or `INVALID_CONFIG`; a valid one holds whole, in-range numbers, and its shards
//! split the rate and capacity exactly, each with room for its largest cost.
#![no_main]

use convex_guard::ratelimit::{Kind, Limit, MAX_LOG_RATE, MAX_PERIOD_MS, MAX_RATE, MAX_SHARDS};
use convex_guard_fuzz::Input;
use libfuzzer_sys::fuzz_target;

const KINDS: [&str; 4] = [
    "sliding window",
    "sliding log",
    "token bucket",
    "fixed window",
];

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let kind = match input.u8() {
        k @ 0..=3 => KINDS[usize::from(k)].to_owned(),
        _ => input.string(),
    };
    let (rate, period) = (input.f64(), input.f64());
    let capacity = input.option(Input::f64);
    let shards = input.option(Input::f64);
    let limit = Kind::from_name(&kind).and_then(|k| Limit::new(k, rate, period, capacity, shards));
    let l = match limit {
        Ok(l) => l,
        Err(e) => {
            assert_eq!(e.code(), "INVALID_CONFIG", "{e}");
            return;
        }
    };
    assert_eq!(l.kind().name(), kind);
    assert_eq!(f64::from(l.rate()), rate);
    assert_eq!(l.period_ms() as f64, period);
    let max = if l.kind() == Kind::SlidingLog {
        MAX_LOG_RATE
    } else {
        MAX_RATE
    };
    assert!(l.rate() >= 1 && l.rate() <= max);
    assert!(l.period_ms() >= 1 && l.period_ms() <= MAX_PERIOD_MS);
    assert!(l.shards() >= 1 && l.shards() <= MAX_SHARDS && l.shards() <= l.rate());
    assert_eq!(f64::from(l.capacity()), capacity.unwrap_or(rate));
    assert_eq!(f64::from(l.shards()), shards.unwrap_or(1.0));
    let (mut rates, mut capacities) = (0u64, 0u64);
    for i in 0..l.shards() {
        let s = l.shard(i).unwrap_or_else(|e| panic!("shard {i}: {e}"));
        assert_eq!(
            (s.kind(), s.period_ms(), s.shards()),
            (l.kind(), l.period_ms(), 1)
        );
        assert!(s.rate() >= 1 && s.max_cost() <= s.capacity());
        assert_eq!(s.max_cost(), l.max_cost());
        rates += u64::from(s.rate());
        capacities += u64::from(s.capacity());
    }
    assert_eq!(rates, u64::from(l.rate()));
    assert_eq!(capacities, u64::from(l.capacity()));
    assert!(l.shard(l.shards()).is_err());
    assert!(l.max_per_period() >= u64::from(l.rate().min(l.capacity())));
});
