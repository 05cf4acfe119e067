//! `wire::ratelimit::request`, the reader of the rate limiter's I/O buffer, tested natively:
//! the bindings are its only caller and the native suite never builds them, so mutation
//! testing (`make mutants`) found its offsets, state marker and log slicing unread. Records
//! other than the first are read here, so an offset computed wrongly reads another record.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use convex_guard::ratelimit::{Kind, Limit, State, StateRef};
use convex_guard::wire::ratelimit::{
    request, IN, IN_A, IN_B, IN_COUNT, IN_HAS_STATE, IN_LIMIT, IN_LOG_LEN, IN_SHARD, IN_T, LOG,
    MAX_BATCH,
};

fn limits() -> Vec<Limit> {
    vec![
        Limit::new(Kind::FixedWindow, 10.0, 1_000.0, None, None).unwrap(),
        Limit::new(Kind::SlidingLog, 5.0, 60_000.0, None, Some(3.0)).unwrap(),
    ]
}

/// A buffer of `MAX_BATCH` records and log slots, every number distinct, so that reading a
/// wrong offset reads a wrong value.
struct Buffer {
    records: Vec<f64>,
    logs: Vec<f64>,
}

impl Buffer {
    fn new() -> Buffer {
        let mut records = vec![0.0; MAX_BATCH * IN];
        for (i, r) in records.chunks_mut(IN).enumerate() {
            let i = i as f64;
            r[IN_LIMIT] = 0.0;
            r[IN_SHARD] = 0.0;
            r[IN_COUNT] = 1.0 + i;
            r[IN_HAS_STATE] = 0.0;
            r[IN_T] = 1_000.0 * i;
            r[IN_A] = 2.0 + i;
            r[IN_B] = 3.0 + i;
            r[IN_LOG_LEN] = 0.0;
        }
        let logs = (0..MAX_BATCH * LOG).map(|k| 10_000.0 + k as f64).collect();
        Buffer { records, logs }
    }

    fn set(&mut self, i: usize, field: usize, v: f64) {
        self.records[i * IN + field] = v;
    }

    fn read(&self, i: usize) -> Result<(Limit, Option<StateRef<'_>>, f64), convex_guard::Error> {
        request(&limits(), &self.records, &self.logs, i)
    }
}

#[test]
fn a_fresh_key_is_read_from_its_own_record() {
    let b = Buffer::new();
    for i in [0, 1, 2, MAX_BATCH - 1] {
        let (limit, state, count) = b.read(i).unwrap();
        assert_eq!(limit, limits()[0]);
        assert_eq!(state, None);
        assert_eq!(count, 1.0 + i as f64, "record {i}'s own count");
    }
}

#[test]
fn a_state_and_its_log_are_read_from_the_records_own_slot() {
    let mut b = Buffer::new();
    let i = 2;
    b.set(i, IN_LIMIT, 1.0);
    b.set(i, IN_SHARD, 2.0);
    b.set(i, IN_HAS_STATE, 1.0);
    b.set(i, IN_LOG_LEN, 3.0);
    let (limit, state, count) = b.read(i).unwrap();
    assert_eq!(
        limit,
        limits()[1].shard(2).unwrap(),
        "the limit's third shard"
    );
    assert_eq!(count, 3.0);
    let at = (i * LOG) as f64 + 10_000.0;
    assert_eq!(
        state,
        Some(StateRef {
            t: 2_000.0,
            a: 4.0,
            b: 5.0,
            log: &[at, at + 1.0, at + 2.0],
        })
    );
}

#[test]
fn a_borrowed_state_copies_into_an_owned_one() {
    let log = [1.0, 2.0];
    let borrowed = StateRef {
        t: 3.0,
        a: 4.0,
        b: 5.0,
        log: &log,
    };
    let owned = State {
        t: 3.0,
        a: 4.0,
        b: 5.0,
        log: log.to_vec(),
    };
    assert_eq!(borrowed.to_state(), owned);
    assert_eq!(StateRef::from(&owned), borrowed);
}

#[test]
fn a_log_longer_than_its_slot_is_cut_to_the_slot() {
    let mut b = Buffer::new();
    let i = 1;
    b.set(i, IN_LIMIT, 1.0);
    b.set(i, IN_HAS_STATE, 1.0);
    b.set(i, IN_LOG_LEN, (LOG + 5) as f64);
    let (_, state, _) = b.read(i).unwrap();
    let log = state.unwrap().log;
    assert_eq!(log.len(), LOG, "at most one slot is read");
    assert_eq!(log[0], (i * LOG) as f64 + 10_000.0);
}

#[test]
fn malformed_records_are_refused() {
    let refused = |field: usize, v: f64| {
        let mut b = Buffer::new();
        b.set(1, field, v);
        b.read(1).is_err()
    };
    assert!(refused(IN_LIMIT, 2.0), "no third limit");
    assert!(refused(IN_LIMIT, 0.5), "not an id");
    assert!(refused(IN_SHARD, 1.0), "the first limit has one shard");
    assert!(refused(IN_SHARD, f64::NAN));
    assert!(refused(IN_LOG_LEN, -1.0));
    // No state, but a log: malformed; a marker other than 0 and 1: malformed.
    assert!(refused(IN_LOG_LEN, 1.0));
    assert!(refused(IN_HAS_STATE, 2.0));
    assert!(refused(IN_HAS_STATE, 0.5));
    // A record past the buffer.
    assert!(Buffer::new().read(MAX_BATCH).is_err());
}

/// The `mode` numbers of `RateLimiter.decide`: check, consume, take; any other number is the
/// strictest, a take (a cost from 1).
#[test]
fn mode_numbers_name_their_modes() {
    use convex_guard::ratelimit::Mode;
    use convex_guard::wire::ratelimit::{mode, CHECK, CONSUME, TAKE};
    assert_eq!((CHECK, CONSUME, TAKE), (0, 1, 2));
    assert_eq!(mode(CHECK), Mode::Check);
    assert_eq!(mode(CONSUME), Mode::Consume);
    for other in [TAKE, 3, 255, u32::MAX] {
        assert_eq!(mode(other), Mode::Take, "{other}");
    }
}

/// The limit's id, the shard and the log length are read exactly as `wire::index` reads an
/// id (the reader takes shortcuts for speed: the id through an `i32`, a shard or length of 0
/// without a conversion): for every value, including those past `i32` and `u32`, the same
/// limit, the same shard error (with the same index in it) or the same refusal.
#[test]
fn ids_shards_and_lengths_are_read_as_wire_index_reads_them() {
    use convex_guard::wire::index;
    let edges = [
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.0,
        -1.0,
        2.0,
        3.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        2_147_483_647.0,
        2_147_483_648.0,
        -2_147_483_648.0,
        -2_147_483_649.0,
        4_294_967_295.0,
        4_294_967_296.0,
        9_007_199_254_740_993.0,
        1e300,
        f64::MIN_POSITIVE,
    ];
    let limits = limits();
    for v in edges {
        for field in [IN_LIMIT, IN_SHARD, IN_LOG_LEN] {
            let mut b = Buffer::new();
            // Record 1 reads the sharded sliding log, with a state, so that a length is a log.
            b.set(1, IN_LIMIT, 1.0);
            b.set(1, IN_HAS_STATE, 1.0);
            b.set(1, field, v);
            let got = b
                .read(1)
                .map(|(limit, state, _)| (limit, state.map(|s| s.log.len())));
            let got = got.map_err(|e| e.message());
            // What `index` makes of each of the three numbers, as the reader did before.
            let [id, shard, len] = [IN_LIMIT, IN_SHARD, IN_LOG_LEN].map(|f| b.records[IN + f]);
            let want = (|| {
                let malformed = || request(&limits, &[f64::NAN; IN], &[], 0).unwrap_err();
                let limit = index(id).and_then(|id| limits.get(id as usize));
                let limit = limit.ok_or_else(malformed)?;
                let limit = limit.shard(index(shard).ok_or_else(malformed)?)?;
                let len = index(len).ok_or_else(malformed)? as usize;
                Ok((limit, Some(len.min(LOG))))
            })()
            .map_err(|e: convex_guard::Error| e.message());
            assert_eq!(got, want, "field {field} = {v}");
        }
    }
}
