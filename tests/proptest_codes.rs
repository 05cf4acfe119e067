//! Properties of confirmation codes:
//! - `code_from_bytes` equals the plain reference "keep bytes whose masked value is below n",
//!   only emits alphabet symbols, and can be fed in pieces without changing the code;
//! - alphabet validation accepts exactly the 2..=64 distinct printable ASCII strings and never
//!   panics, whatever the input;
//! - `generate_with` always ends (a code or an error) whatever the byte source;
//! - `binding_message` is injective: the fields can be read back from the bytes;
//! - the verification state machine over random histories: at most one acceptance, never after
//!   expiry, at most `max_attempts` wrong tries, attempts never grow, every failure shows the
//!   same client code, and a digest is accepted only when it equals the stored one;
//! - the failure budgets over random histories of one actor issuing, re-issuing and guessing
//!   on several bindings, with a clock that may go back: never more than the per-binding
//!   maximum of compared failures in any span of its window, nor the per-actor one across all
//!   bindings (each failure counted at the time its budget saw it, never before the latest
//!   one, as for rate limits: a clock that goes back grants nothing); `locked` exactly when a reference model (a scan over the whole history of
//!   failures) says a budget is spent; a locked answer changes nothing and accepts nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use convex_guard::codes::{
    binding_message, code_from_bytes, generate_with, verify, Alphabet, CodeConfig, CodeFormat,
    Digest, Failures, Lockout, Outcome, Record, BINDING_TAG, CLIENT_ERROR_CODE, MAX_ACTION_LEN,
    MAX_ACTOR_LEN, MAX_ALPHABET, MAX_ATTEMPTS, MAX_LENGTH, MAX_TARGET_LEN, MIN_ALPHABET,
    MIN_LENGTH,
};
use proptest::prelude::*;

/// Distinct printable ASCII symbols, 2 to 64 of them, in random order.
fn alphabet_text() -> impl Strategy<Value = String> {
    let all: Vec<char> = ('!'..='~').collect();
    (MIN_ALPHABET..=MAX_ALPHABET).prop_flat_map(move |n| {
        Just(all.clone())
            .prop_shuffle()
            .prop_map(move |v| v.into_iter().take(n).collect::<String>())
    })
}

/// A valid format: some alphabet, and a length long enough for it.
fn format() -> impl Strategy<Value = CodeFormat> {
    (alphabet_text(), MIN_LENGTH..=MAX_LENGTH)
        .prop_filter_map("too few possible codes", |(text, len)| {
            CodeFormat::new(Alphabet::new(&text).unwrap(), len).ok()
        })
}

/// The documented mapping, written as plainly as possible.
fn reference(bytes: &[u8], f: &CodeFormat) -> (String, Option<usize>) {
    let symbols: Vec<char> = f.alphabet().symbols().chars().collect();
    let mut out = String::new();
    for (i, b) in bytes.iter().enumerate() {
        let v = usize::from(b & f.alphabet().mask());
        if v < symbols.len() {
            out.push(symbols[v]);
            if out.len() == f.length() {
                return (out, Some(i + 1));
            }
        }
    }
    (out, None)
}

/// Reads a binding message back into its four fields (None if it is not one).
fn parse_binding(msg: &[u8]) -> Option<Vec<String>> {
    let mut rest = msg.strip_prefix(BINDING_TAG)?;
    let mut fields = Vec::new();
    for _ in 0..4 {
        let (len, tail) = rest.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (field, tail) = (tail.get(..len)?, tail.get(len..)?);
        fields.push(String::from_utf8(field.to_vec()).ok()?);
        rest = tail;
    }
    rest.is_empty().then_some(fields)
}

#[derive(Debug, Clone)]
enum Step {
    /// Present the right code, a wrong one, or a malformed one, `dt` ms after the last step.
    Right(u32),
    Wrong(u32),
    Malformed(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u32..200_000).prop_map(Step::Right),
        (0u32..200_000).prop_map(Step::Wrong),
        (0u32..200_000).prop_map(Step::Malformed),
    ]
}

/// One move of an attacker who holds the actor's session but not the codes: on binding
/// `b`, after `dt` ms (negative: the clock went back).
#[derive(Debug, Clone)]
enum Move {
    Issue(usize, i32),
    Right(usize, i32),
    Wrong(usize, i32),
    Malformed(usize, i32),
}

fn a_move() -> impl Strategy<Value = Move> {
    let dt = prop_oneof![6 => 0i32..120_000, 2 => -300_000i32..0, 1 => 0i32..2_000_000];
    prop_oneof![
        (0usize..3, dt.clone()).prop_map(|(b, d)| Move::Issue(b, d)),
        (0usize..3, dt.clone()).prop_map(|(b, d)| Move::Right(b, d)),
        (0usize..3, dt.clone()).prop_map(|(b, d)| Move::Wrong(b, d)),
        (0usize..3, dt).prop_map(|(b, d)| Move::Malformed(b, d)),
    ]
}

/// Reference model of a budget, written as a scan over the history of failure times (in the
/// order they were counted) rather than as a running count: the failures since the last gap of
/// `window` ms (measured from the latest failure so far, so a clock that went back never opens
/// a gap) still count at `now`, unless `now` is `window` after the latest; spent at `max`.
fn model_locked(history: &[f64], now: f64, max: u32, window: f64) -> bool {
    let mut latest = f64::NEG_INFINITY;
    let mut episode = 0u32;
    for &t in history {
        episode = if t >= latest + window { 1 } else { episode + 1 };
        latest = latest.max(t);
    }
    now < latest + window && episode >= max
}

/// The latest of `times` (0 for none).
fn latest(times: &[f64]) -> f64 {
    times.iter().copied().fold(0.0, f64::max)
}

/// The most failure times inside any half-open span of `window` ms.
fn most_in_any_window(times: &[f64], window: f64) -> usize {
    times
        .iter()
        .map(|&a| times.iter().filter(|&&t| t >= a && t < a + window).count())
        .max()
        .unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn failure_budgets_hold_across_reissues_and_bindings(
        max_attempts in 1u32..=MAX_ATTEMPTS,
        binding_max in 1u32..=12,
        binding_window in 60_000u32..=900_000,
        actor_max in 1u32..=30,
        actor_window in 60_000u32..=3_600_000,
        moves in prop::collection::vec(a_move(), 1..80),
    ) {
        let binding = Lockout::binding(Some(f64::from(binding_max)), Some(f64::from(binding_window))).unwrap();
        let actor_budget = Lockout::actor(Some(f64::from(actor_max)), Some(f64::from(actor_window))).unwrap();
        let config = CodeConfig::new("digits", 8, 300_000.0, max_attempts).unwrap().with_lockout(binding, actor_budget);
        let wrong = Digest::from_bytes([0xFF; 32]);
        let mut records: [Option<Record>; 3] = [None, None, None];
        let mut rights = [Digest::from_bytes([0; 32]); 3];
        let mut accepted = [false; 3];
        let mut actor = Failures::NONE;
        let mut binding_failures: [Vec<f64>; 3] = Default::default();
        let mut actor_failures: Vec<f64> = Vec::new();
        let mut now = 10_000_000.0f64;
        for (i, m) in moves.into_iter().enumerate() {
            let (b, dt, presented) = match m {
                Move::Issue(b, dt) => (b, dt, None),
                Move::Right(b, dt) => (b, dt, Some(Some(rights[b]))),
                Move::Wrong(b, dt) => (b, dt, Some(Some(wrong))),
                Move::Malformed(b, dt) => (b, dt, Some(None)),
            };
            now = (now + f64::from(dt)).max(0.0);
            let Some(presented) = presented else {
                rights[b] = Digest::from_bytes([(i + 1) as u8; 32]);
                let carried = records[b].map_or(Failures::NONE, |r| r.failures());
                let r = config.reissue(rights[b], now, carried).unwrap();
                prop_assert_eq!(r.failures(), carried, "re-issue must carry the count");
                records[b] = Some(r);
                accepted[b] = false;
                continue;
            };
            let before = (records[b], actor);
            let expect_locked = (records[b].is_some()
                && model_locked(&binding_failures[b], now, binding_max, f64::from(binding_window)))
                || model_locked(&actor_failures, now, actor_max, f64::from(actor_window));
            let c = config.consume(records[b].as_ref(), &actor, presented.as_ref(), now).unwrap();
            prop_assert_eq!(c.outcome == Outcome::Locked, expect_locked, "{:?} at {}", c.outcome, now);
            match c.outcome {
                Outcome::Locked => {
                    prop_assert_eq!((c.record, c.actor), (before.0, None), "locked must change nothing");
                }
                Outcome::Accepted => {
                    prop_assert!(presented == Some(rights[b]));
                    prop_assert!(!accepted[b], "accepted twice");
                    accepted[b] = true;
                    prop_assert!(c.actor.is_none());
                }
                Outcome::Wrong | Outcome::Malformed => {
                    // Each budget counts a failure at its own clock: never before its latest.
                    binding_failures[b].push(now.max(latest(&binding_failures[b])));
                    actor_failures.push(now.max(latest(&actor_failures)));
                    prop_assert!(c.actor.is_some());
                }
                _ => prop_assert!(c.actor.is_none()),
            }
            records[b] = c.record;
            if let Some(a) = c.actor { actor = a; }
        }
        for times in &binding_failures {
            prop_assert!(most_in_any_window(times, f64::from(binding_window)) <= binding_max as usize);
        }
        prop_assert!(most_in_any_window(&actor_failures, f64::from(actor_window)) <= actor_max as usize);
    }

    #[test]
    fn mapping_matches_the_reference(f in format(), bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let mut out = String::new();
        let used = code_from_bytes(&bytes, &f, &mut out);
        let (expected, expected_used) = reference(&bytes, &f);
        prop_assert_eq!(&out, &expected);
        prop_assert_eq!(used, expected_used);
        prop_assert!(out.bytes().all(|b| f.alphabet().symbols().as_bytes().contains(&b)));
        if let Some(n) = used {
            prop_assert_eq!(out.len(), f.length());
            prop_assert!(n <= bytes.len());
        }
    }

    #[test]
    fn mapping_can_be_fed_in_pieces(
        f in format(),
        bytes in prop::collection::vec(any::<u8>(), 0..120),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut whole = String::new();
        let whole_used = code_from_bytes(&bytes, &f, &mut whole);
        let at = cut.index(bytes.len() + 1);
        let mut pieces = String::new();
        let first = code_from_bytes(&bytes[..at], &f, &mut pieces);
        let second = match first {
            Some(_) => None,
            None => code_from_bytes(&bytes[at..], &f, &mut pieces).map(|n| n + at),
        };
        prop_assert_eq!(&pieces, &whole);
        prop_assert_eq!(first.or(second), whole_used);
    }

    #[test]
    fn valid_alphabets_are_accepted(text in alphabet_text()) {
        let a = Alphabet::new(&text).unwrap();
        prop_assert_eq!(a.symbols(), text.as_str());
        let range = usize::from(a.mask()) + 1;
        prop_assert!(range.is_power_of_two() && range >= a.size() && range < 2 * a.size());
    }

    #[test]
    fn alphabet_validation_is_exact_and_total(text in prop_oneof![".{0,70}", "[ -~]{0,70}", "[!-~]{60,66}"]) {
        let bytes = text.as_bytes();
        let printable = bytes.iter().all(|b| (b'!'..=b'~').contains(b));
        let mut sorted = bytes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let distinct = sorted.len() == bytes.len();
        let sized = (MIN_ALPHABET..=MAX_ALPHABET).contains(&bytes.len());
        let result = Alphabet::new(&text);
        prop_assert_eq!(result.is_ok(), printable && distinct && sized, "{:?}", text);
        if let Err(e) = result {
            prop_assert_eq!(e.code(), "INVALID_CONFIG");
        }
    }

    #[test]
    fn generation_always_ends(f in format(), pattern in prop::collection::vec(any::<u8>(), 1..8)) {
        // A periodic source: may or may not contain an accepted byte. Either way: no hang.
        let mut calls = 0usize;
        let result = generate_with(&f, |buf| {
            calls += 1;
            for (b, p) in buf.iter_mut().zip(pattern.iter().cycle()) { *b = *p; }
            Ok(())
        });
        prop_assert!(calls <= convex_guard::codes::MAX_BATCHES);
        let accepts_some = pattern.iter().any(|b| (b & f.alphabet().mask()) < f.alphabet().size() as u8);
        prop_assert_eq!(result.is_ok(), accepts_some);
        if let Ok(code) = result {
            prop_assert_eq!(code.len(), f.length());
        }
    }

    #[test]
    fn binding_message_reads_back(
        actor in "[ab|:\u{e9}]{1,6}",
        action in "[ab:]{1,6}",
        target in "[ab]{0,6}",
        code in "[0-9A-Z]{1,8}",
    ) {
        let msg = binding_message(&actor, &action, &target, &code).unwrap();
        let fields = parse_binding(&msg).unwrap();
        prop_assert_eq!(fields, vec![actor, action, target, code]);
    }

    #[test]
    fn binding_message_bounds_are_enforced(
        actor_len in 0usize..300,
        action_len in 0usize..150,
        target_len in 0usize..300,
        code_len in 0usize..40,
    ) {
        let ok = (1..=MAX_ACTOR_LEN).contains(&actor_len)
            && (1..=MAX_ACTION_LEN).contains(&action_len)
            && target_len <= MAX_TARGET_LEN
            && (1..=MAX_LENGTH as usize).contains(&code_len);
        let result = binding_message(
            &"a".repeat(actor_len),
            &"b".repeat(action_len),
            &"c".repeat(target_len),
            &"1".repeat(code_len),
        );
        prop_assert_eq!(result.is_ok(), ok);
    }

    #[test]
    fn ct_eq_is_equality(a in any::<[u8; 32]>(), b in any::<[u8; 32]>(), flip in 0usize..32) {
        prop_assert_eq!(Digest::from_bytes(a).ct_eq(&Digest::from_bytes(b)), a == b);
        let mut c = a;
        c[flip] ^= 1;
        prop_assert!(!Digest::from_bytes(a).ct_eq(&Digest::from_bytes(c)));
        prop_assert!(Digest::from_bytes(a).ct_eq(&Digest::from_bytes(a)));
    }

    #[test]
    fn verification_histories_keep_the_rules(
        max_attempts in 1u32..=MAX_ATTEMPTS,
        ttl in 1_000u32..600_000,
        issued_at in 0u32..1_000_000,
        stored in any::<[u8; 32]>(),
        steps in prop::collection::vec(step(), 1..20),
    ) {
        let config = CodeConfig::new("digits", 8, f64::from(ttl), max_attempts).unwrap();
        let right = Digest::from_bytes(stored);
        let mut wrong_bytes = stored;
        wrong_bytes[0] ^= 0x80;
        let wrong = Digest::from_bytes(wrong_bytes);
        let mut record = config.issue(right, f64::from(issued_at)).unwrap();
        let expires_at = record.expires_at();
        let mut now = f64::from(issued_at);
        let (mut accepted, mut spent) = (0u32, 0u32);
        for s in steps {
            let (dt, presented) = match s {
                Step::Right(dt) => (dt, Some(right)),
                Step::Wrong(dt) => (dt, Some(wrong)),
                Step::Malformed(dt) => (dt, None),
            };
            now += f64::from(dt);
            let before = record;
            let v = verify(Some(&record), presented.as_ref(), now).unwrap();
            let after = v.record.unwrap();
            match v.outcome {
                Outcome::Accepted => {
                    accepted += 1;
                    prop_assert!(now < expires_at, "accepted after expiry");
                    prop_assert!(presented == Some(right), "accepted a digest that differs");
                    prop_assert!(after.used());
                    prop_assert_eq!(v.outcome.client_code(), None);
                }
                failure => {
                    prop_assert_eq!(failure.client_code(), Some(CLIENT_ERROR_CODE));
                    if matches!(failure, Outcome::Wrong | Outcome::Malformed) {
                        spent += 1;
                        prop_assert_eq!(after.attempts_left() + 1, before.attempts_left());
                    } else {
                        prop_assert_eq!(after, before, "{:?} must not change the record", failure);
                    }
                    if failure == Outcome::Wrong { prop_assert!(presented != Some(right)); }
                }
            }
            prop_assert!(after.attempts_left() <= before.attempts_left());
            prop_assert_eq!(after.expires_at(), expires_at);
            record = after;
        }
        prop_assert!(accepted <= 1, "accepted {} times", accepted);
        prop_assert!(spent <= max_attempts);
    }

    #[test]
    fn verify_and_records_never_panic(
        now in any::<f64>(),
        expires_at in any::<f64>(),
        attempts in any::<u32>(),
        used in any::<bool>(),
    ) {
        let ok_time = (0.0..=convex_guard::codes::MAX_TIME_MS).contains(&now);
        match Record::new(Digest::from_bytes([1; 32]), expires_at, attempts, used) {
            Ok(r) => {
                let v = verify(Some(&r), Some(&Digest::from_bytes([1; 32])), now);
                prop_assert_eq!(v.is_ok(), ok_time);
            }
            Err(e) => prop_assert_eq!(e.code(), "INVALID_ARGUMENT"),
        }
        prop_assert_eq!(verify(None, None, now).is_ok(), ok_time);
    }
}

/// Regression guard for the bug rejection sampling exists to prevent: mapping with
/// `byte % n`. For digits, 0xFF would give '5'; the mask rejects it instead.
#[test]
fn modulo_mapping_is_not_used_for_digits() {
    let f = CodeFormat::new(Alphabet::digits(), 6).unwrap();
    let mut out = String::new();
    assert_eq!(code_from_bytes(&[0xFF; 100], &f, &mut out), None);
    assert_eq!(out, "");
}
