//! Property tests of the rate limits over random request sequences and clocks (including
//! backwards jumps), checked against a reference model written differently: it keeps every
//! admission and recomputes availability from the whole history.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use convex_guard::ratelimit::{
    decide, decide_all, decide_all_as, Decision, Kind, Limit, Mode, Request, State, MAX_LOG_RATE,
    MAX_NOW_MS, MAX_PERIOD_MS, MAX_RATE,
};
use proptest::prelude::*;

const KINDS: [Kind; 4] = [
    Kind::SlidingWindow,
    Kind::SlidingLog,
    Kind::TokenBucket,
    Kind::FixedWindow,
];

/// A small limit: kind, rate, period, capacity (token bucket only).
fn limit() -> impl Strategy<Value = Limit> {
    (0usize..4, 1u32..=8, 1u32..=40, 1u32..=12, any::<bool>()).prop_map(
        |(k, rate, period, cap, with_cap)| {
            let kind = KINDS[k];
            let capacity = (kind == Kind::TokenBucket && with_cap).then_some(f64::from(cap));
            Limit::new(kind, f64::from(rate), f64::from(period), capacity, None).unwrap()
        },
    )
}

/// One request: a clock move (mostly forward, sometimes backwards), an optional fraction of
/// a ms, a cost as a fraction of the largest cost, and whether to consume.
#[derive(Debug, Clone)]
struct Step {
    dt: i64,
    frac: f64,
    cost: u32,
    consume: bool,
    back: u64,
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop_oneof![6 => 0i64..=15, 2 => 0i64..=120, 2 => -120i64..=0],
        prop_oneof![3 => Just(0.0), 1 => 0.0f64..1.0],
        prop_oneof![2 => Just(1u32), 1 => 0u32..=100],
        prop_oneof![4 => Just(true), 1 => Just(false)],
        0u64..=200,
    )
        .prop_map(|(dt, frac, cost, consume, back)| Step {
            dt,
            frac,
            cost,
            consume,
            back,
        })
}

/// A request with large clock moves (up to a few maximal periods, sometimes backwards).
fn big_step() -> impl Strategy<Value = Step> {
    let p = MAX_PERIOD_MS as i64;
    (
        prop_oneof![3 => 0i64..=1000, 1 => 0i64..=p, 1 => -p..=0],
        prop_oneof![3 => Just(1u32), 1 => 0u32..=100],
        any::<bool>(),
        0u64..=MAX_PERIOD_MS,
    )
        .prop_map(|(dt, cost, consume, back)| Step {
            dt,
            frac: 0.0,
            cost,
            consume,
            back,
        })
}

fn cost_of(limit: &Limit, raw: u32) -> u64 {
    let max = u64::from(limit.max_cost());
    if raw <= 1 {
        u64::from(raw).min(max)
    } else {
        u64::from(raw) * max / 100
    }
}

/// The reference model: every admission (effective time, cost), availability recomputed from
/// the whole history.
struct Model {
    kind: Kind,
    rate: u64,
    cap: u64,
    p: u64,
    adm: Vec<(u64, u64)>,
}

impl Model {
    fn new(l: &Limit) -> Model {
        Model {
            kind: l.kind(),
            rate: u64::from(l.rate()),
            cap: u64::from(l.capacity()),
            p: l.period_ms(),
            adm: Vec::new(),
        }
    }

    fn anchor(&self) -> Option<u64> {
        self.adm.first().map(|a| a.0)
    }

    fn window(&self, t: u64) -> u64 {
        (t - self.anchor().unwrap()) / self.p
    }

    /// The time before which `now` is read as this time.
    fn clock(&self) -> Option<u64> {
        let last = self.adm.iter().map(|a| a.0).max()?;
        Some(match self.kind {
            Kind::SlidingWindow | Kind::FixedWindow => {
                self.anchor().unwrap() + self.window(last) * self.p
            }
            _ => last,
        })
    }

    fn eff(&self, now: u64) -> u64 {
        self.clock().map_or(now, |c| now.max(c))
    }

    fn available(&self, now: u64) -> u64 {
        let t = self.eff(now);
        let (r, p) = (self.rate, self.p);
        if self.adm.is_empty() {
            return self.cap;
        }
        let sum = |pred: &dyn Fn(u64) -> bool| -> u64 {
            self.adm.iter().filter(|a| pred(a.0)).map(|a| a.1).sum()
        };
        match self.kind {
            Kind::SlidingLog => r.saturating_sub(sum(&|e| e + p > t)),
            Kind::FixedWindow => {
                let w = self.window(t);
                r.saturating_sub(sum(&|e| self.window(e) == w))
            }
            Kind::SlidingWindow => {
                let w = self.window(t);
                let cur = sum(&|e| self.window(e) == w);
                let prev = if w == 0 {
                    0
                } else {
                    sum(&|e| self.window(e) == w - 1)
                };
                let x = (t - self.anchor().unwrap()) % p;
                let used = i128::from(cur * p + prev * (p - x));
                (i128::from(r * p) - used).max(0) as u64 / p
            }
            Kind::TokenBucket => {
                // The level of a bucket capped at C*P, full before the first admission:
                // min over i of (C*P + refill since admission i - everything taken since).
                let full = i128::from(self.cap * p);
                let mut level = full;
                for (i, &(e, _)) in self.adm.iter().enumerate() {
                    let taken: u64 = self.adm[i..].iter().map(|a| a.1).sum();
                    let v = full + i128::from(r) * i128::from(t - e)
                        - i128::from(taken) * i128::from(p);
                    level = level.min(v);
                }
                assert!(level >= 0, "the bucket went below empty");
                level as u64 / p
            }
        }
    }
}

fn check(l: &Limit, s: Option<&State>, now: u64, count: u64) -> Decision {
    decide(l, s, now as f64, count as f64, false).unwrap().0
}

/// Checks `retry_after` of a denial at `now` is exact: at `now + ra` the request fits, at
/// `now + ra - 1` it does not (both by the implementation and by the model).
fn assert_retry_exact(l: &Limit, m: &Model, s: Option<&State>, now: u64, count: u64, d: Decision) {
    assert!(!d.ok);
    assert!(d.retry_after >= 1.0 && d.retry_after.fract() == 0.0);
    let at = now + d.retry_after as u64;
    assert!(check(l, s, at, count).ok, "denied at now + retryAfter");
    assert!(!check(l, s, at - 1, count).ok, "allowed one ms earlier");
    assert!(
        m.available(at) >= count,
        "model: denied at now + retryAfter"
    );
    assert!(m.available(at - 1) < count, "model: allowed one ms earlier");
}

/// Sum of costs admitted at effective times in [a, a + len) for every admission time a.
fn max_in_span(adm: &[(u64, u64)], len: u64) -> u64 {
    adm.iter()
        .map(|&(a, _)| {
            adm.iter()
                .filter(|&&(e, _)| e >= a && e < a + len)
                .map(|x| x.1)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

fn run(l: &Limit, start: u64, steps: &[Step]) -> Model {
    let mut m = Model::new(l);
    let mut state: Option<State> = None;
    let mut now: u64 = start;
    let mut high = start;
    for st in steps {
        now = now.saturating_add_signed(st.dt);
        high = high.max(now);
        let count = cost_of(l, st.cost);
        let (d, next) = decide(
            l,
            state.as_ref(),
            now as f64 + st.frac,
            count as f64,
            st.consume,
        )
        .unwrap();
        let avail = m.available(now);
        assert_eq!(d.ok, count <= avail, "ok differs from the model at {now}");
        let expected_remaining = if d.ok { avail - count } else { avail };
        assert_eq!(
            u64::from(d.remaining),
            expected_remaining,
            "remaining at {now}"
        );
        if d.ok {
            assert_eq!(d.retry_after, 0.0);
        } else {
            assert_retry_exact(l, &m, state.as_ref(), now, count, d);
        }
        // Later is never worse; earlier than the latest time seen is never better.
        let later = check(l, state.as_ref(), now + st.back, count);
        assert!(!d.ok || later.ok, "allowed at {now} but denied later");
        let earlier = high.saturating_sub(st.back);
        let back = check(l, state.as_ref(), earlier, 0);
        let top = check(l, state.as_ref(), high, 0);
        assert!(
            back.remaining <= top.remaining,
            "a backwards clock granted capacity"
        );
        if check(l, state.as_ref(), earlier, count).ok {
            assert!(check(l, state.as_ref(), high, count).ok);
        }
        if d.ok && st.consume && count > 0 {
            m.adm.push((m.eff(now), count));
            let next = next.expect("an admitted, consumed request writes its state");
            assert!(next.clock() <= high as f64);
            state = Some(next);
        } else {
            assert!(
                next.is_none(),
                "nothing to write for a denial, check or cost 0"
            );
        }
    }
    m
}

fn assert_bounds(l: &Limit, m: &Model) {
    let (r, c, p) = (u64::from(l.rate()), u64::from(l.capacity()), l.period_ms());
    assert!(max_in_span(&m.adm, p) <= l.max_per_period());
    match l.kind() {
        Kind::SlidingLog => assert!(max_in_span(&m.adm, p) <= r),
        Kind::FixedWindow | Kind::SlidingWindow => {
            let mut per_window = std::collections::BTreeMap::new();
            for &(e, n) in &m.adm {
                *per_window.entry(m.window(e)).or_insert(0) += n;
            }
            assert!(
                per_window.values().all(|&n| n <= r),
                "a window held more than rate"
            );
        }
        Kind::TokenBucket => {
            // Between any two admissions: at most capacity + the refill in between.
            for i in 0..m.adm.len() {
                for j in i..m.adm.len() {
                    let taken: u64 = m.adm[i..=j].iter().map(|a| a.1).sum();
                    let span = m.adm[j].0 - m.adm[i].0;
                    let bound = u128::from(c) + u128::from(r) * u128::from(span) / u128::from(p);
                    assert!(u128::from(taken) <= bound, "bucket gave more than it held");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Decisions, remaining and exact retryAfter agree with the reference model, a backwards
    /// clock never grants capacity, and every kind stays within its stated bound.
    #[test]
    fn decisions_match_the_model_and_bounds_hold(
        l in limit(),
        start in 0u64..2000,
        steps in prop::collection::vec(step(), 1..70),
    ) {
        let m = run(&l, start, &steps);
        assert_bounds(&l, &m);
    }

    /// The same properties with numbers near the bounds: rates up to MAX_RATE, periods up to
    /// MAX_PERIOD_MS, clocks near MAX_NOW_MS jumping by whole periods (nothing may overflow).
    #[test]
    fn large_numbers_stay_exact(
        k in 0usize..4,
        rate in prop_oneof![1u32..=10, 1u32..=MAX_RATE, Just(MAX_RATE)],
        period in prop_oneof![1u64..=1000, 1u64..=MAX_PERIOD_MS, Just(MAX_PERIOD_MS)],
        start in prop_oneof![0u64..=1000, Just(MAX_NOW_MS - 30 * MAX_PERIOD_MS)],
        steps in prop::collection::vec(big_step(), 1..40),
    ) {
        let kind = KINDS[k];
        let rate = if kind == Kind::SlidingLog { rate.min(MAX_LOG_RATE) } else { rate };
        let l = Limit::new(kind, f64::from(rate), period as f64, None, None).unwrap();
        let highest = steps
            .iter()
            .scan(start, |t, st| {
                *t = t.saturating_add_signed(st.dt);
                Some(*t)
            })
            .max()
            .unwrap_or(start);
        prop_assume!(highest <= MAX_NOW_MS - 3 * MAX_PERIOD_MS);
        let m = run(&l, start, &steps);
        assert_bounds(&l, &m);
    }

    /// Saturating traffic (in the chosen milliseconds, as much as fits) against the sliding
    /// window stays within its stated worst case in every period-long span.
    #[test]
    fn sliding_window_worst_case_holds_under_pressure(
        rate in 1u32..=12,
        period in 1u32..=30,
        busy in prop::collection::vec(prop::bool::weighted(0.3), 1..150),
    ) {
        let l = Limit::new(Kind::SlidingWindow, f64::from(rate), f64::from(period), None, None)
            .unwrap();
        let mut adm = Vec::new();
        let mut state: Option<State> = None;
        for (now, _) in busy.iter().enumerate().filter(|(_, b)| **b) {
            let now = now as u64;
            loop {
                let (d, s) = decide(&l, state.as_ref(), now as f64, 1.0, true).unwrap();
                if !d.ok { break; }
                adm.push((now, 1));
                state = s;
            }
        }
        prop_assert!(max_in_span(&adm, l.period_ms()) <= l.max_per_period());
    }

    /// All or nothing: a batch is ok exactly when every limit is, consumes nothing when it is
    /// not, and its retryAfter is exact for the whole batch.
    #[test]
    fn batches_are_all_or_nothing(
        limits in prop::collection::vec(limit(), 1..4),
        steps in prop::collection::vec((0i64..40, prop::collection::vec(0u32..=100, 3)), 1..40),
    ) {
        let mut states: Vec<Option<State>> = vec![None; limits.len()];
        let mut now = 100u64;
        for (dt, raw) in steps {
            now = now.saturating_add_signed(dt);
            let counts: Vec<f64> = limits.iter().zip(&raw)
                .map(|(l, &c)| cost_of(l, c) as f64).collect();
            let reqs = |states: &[Option<State>]| -> Vec<(Limit, Option<State>, f64)> {
                limits.iter().zip(states).zip(&counts)
                    .map(|((l, s), &c)| (*l, s.clone(), c)).collect()
            };
            let owned = reqs(&states);
            let batch_at = |t: u64, consume: bool| {
                let rs: Vec<Request<'_>> = owned.iter()
                    .map(|(l, s, c)| Request { limit: l, state: s.as_ref(), count: *c })
                    .collect();
                decide_all(&rs, t as f64, consume).unwrap()
            };
            let b = batch_at(now, true);
            let singles: Vec<Decision> = owned.iter()
                .map(|(l, s, c)| decide(l, s.as_ref(), now as f64, *c, false).unwrap().0)
                .collect();
            prop_assert_eq!(&b.decisions, &singles);
            prop_assert_eq!(b.ok, singles.iter().all(|d| d.ok));
            if b.ok {
                prop_assert_eq!(b.retry_after, 0.0);
                for ((s, new), c) in states.iter_mut().zip(b.states).zip(&counts) {
                    prop_assert_eq!(new.is_some(), *c > 0.0);
                    if new.is_some() { *s = new; }
                }
            } else {
                prop_assert!(b.states.iter().all(Option::is_none));
                let at = now + b.retry_after as u64;
                prop_assert!(batch_at(at, false).ok);
                prop_assert!(!batch_at(at - 1, false).ok);
            }
        }
    }

    /// Shards split the rate exactly, and all shards together never exceed the limit's bound.
    #[test]
    fn shards_never_exceed_the_whole(
        k in 0usize..4,
        rate in 4u32..=40,
        shards in 1u32..=4,
        period in 1u32..=30,
        picks in prop::collection::vec((0u32..4, 0i64..10), 1..120),
    ) {
        let kind = KINDS[k];
        let rate = if kind == Kind::SlidingLog { rate.min(100) } else { rate };
        let l = Limit::new(kind, f64::from(rate), f64::from(period), None, Some(f64::from(shards)))
            .unwrap();
        let parts: Vec<Limit> = (0..shards).map(|i| l.shard(i).unwrap()).collect();
        prop_assert_eq!(parts.iter().map(Limit::rate).sum::<u32>(), rate);
        prop_assert!(parts.iter().all(|p| p.rate() >= 1 && p.shards() == 1));
        prop_assert_eq!(decide(&l, None, 0.0, 1.0, true).is_err(), shards > 1);
        let mut states: Vec<Option<State>> = vec![None; parts.len()];
        let mut models: Vec<Model> = parts.iter().map(Model::new).collect();
        let mut now = 0u64;
        for (pick, dt) in picks {
            now += dt as u64;
            let i = (pick % shards) as usize;
            let (d, s) = decide(&parts[i], states[i].as_ref(), now as f64, 1.0, true).unwrap();
            if d.ok {
                let t = models[i].eff(now);
                models[i].adm.push((t, 1));
                states[i] = s;
            }
        }
        let all: Vec<(u64, u64)> = models.iter().flat_map(|m| m.adm.iter().copied()).collect();
        prop_assert!(max_in_span(&all, l.period_ms()) <= l.max_per_period());
    }

    /// A take (`rateLimit`, `rateLimitAll`) is a consume that refuses a cost of 0: for every
    /// cost from 1 it answers exactly as a consume, and a batch with a 0 anywhere is refused.
    #[test]
    fn a_take_is_a_consume_from_1(
        limits in prop::collection::vec(limit(), 1..4),
        raw in prop::collection::vec(0u32..=100, 3),
        now in 0u64..1_000_000,
    ) {
        let counts: Vec<f64> = limits.iter().zip(&raw).map(|(l, &c)| cost_of(l, c) as f64).collect();
        let rs: Vec<Request<'_>> = limits.iter().zip(&counts)
            .map(|(limit, &count)| Request { limit, state: None, count }).collect();
        let take = decide_all_as(&rs, now as f64, Mode::Take);
        if counts.contains(&0.0) {
            let e = take.unwrap_err();
            prop_assert_eq!(e.code(), "INVALID_ARGUMENT");
            prop_assert!(e.message().starts_with("count must be a whole number from 1 to "), "{}", e.message());
        } else {
            prop_assert_eq!(take.unwrap(), decide_all(&rs, now as f64, true).unwrap());
        }
    }

    /// NaN, infinite, negative, fractional or absurd numbers are errors, never an allow.
    #[test]
    fn bad_numbers_never_allow(
        l in limit(),
        bad in prop_oneof![
            Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(-1.0),
            Just(-0.5), Just(1e300), Just(9e15), -1e12f64..-0.0001
        ],
        frac in 0.01f64..0.99,
    ) {
        prop_assert!(decide(&l, None, bad, 1.0, true).is_err());
        prop_assert!(decide(&l, None, 0.0, bad, true).is_err());
        prop_assert!(decide(&l, None, 0.0, 1.0 - frac, true).is_err());
        prop_assert!(decide(&l, None, 0.0, f64::from(l.max_cost()) + 1.0, true).is_err());
        let st = State { t: bad, a: 0.0, b: 0.0, log: Vec::new() };
        prop_assert!(decide(&l, Some(&st), 0.0, 1.0, true).is_err());
        let st = State { t: 0.0, a: bad, b: 0.0, log: Vec::new() };
        prop_assert!(decide(&l, Some(&st), 0.0, 1.0, true).is_err());
        for kind in KINDS {
            prop_assert!(Limit::new(kind, bad, 1000.0, None, None).is_err());
            prop_assert!(Limit::new(kind, 5.0, bad, None, None).is_err());
        }
    }
}

/// Regression guard for the first window of a fresh sliding window: a full burst at the very
/// end of an empty window, then as much as the weighted count lets through.
#[test]
fn sliding_window_burst_at_window_end_stays_within_bound() {
    let l = Limit::new(Kind::SlidingWindow, 7.0, 5.0, None, None).unwrap();
    let (_, s) = decide(&l, None, 0.0, 1.0, true).unwrap();
    let (d, s) = decide(&l, s.as_ref(), 4.0, 6.0, true).unwrap();
    assert!(d.ok);
    let mut s = s;
    let mut taken = vec![(0u64, 1u64), (4, 6)];
    for now in 5..12u64 {
        while let (Decision { ok: true, .. }, n) =
            decide(&l, s.as_ref(), now as f64, 1.0, true).unwrap()
        {
            taken.push((now, 1));
            s = n;
        }
    }
    assert!(max_in_span(&taken, 5) <= l.max_per_period());
}
