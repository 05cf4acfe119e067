//! `CodeEngine.verify` (src/bindings/codes.rs), issue (with the configured lifetime or a code's
//! own) and verify: a stored record and a
//! presented digest as the binding decodes them (empty hash: no record; empty digest:
//! malformed), then the record written back is verified again, as a replay would be.
//!
//! Invariants: only the right digest, in time, on an unused record with attempts left is
//! accepted; an accepted record is used and a replay of it is refused; attempts never grow
//! and never exceed the configured limit; a bad record, digest or time is `INVALID_ARGUMENT`.
#![no_main]

use convex_guard::codes::{verify, CodeConfig, Digest, Failures, Outcome, Record};
use convex_guard::Error;
use convex_guard_fuzz::Input;
use libfuzzer_sys::fuzz_target;

/// `step` of the binding: the record checked as stored, its attempts capped by the
/// configuration, the presented digest decoded, then `verify`.
fn step(
    config: &CodeConfig,
    hash: &[u8],
    expires_at: f64,
    attempts_left: u32,
    used: bool,
    presented: &[u8],
    now: f64,
) -> Result<(Option<Record>, Outcome, Option<Record>), Error> {
    let record = if hash.is_empty() {
        None
    } else {
        let digest = Digest::from_slice(hash)?;
        let valid = Record::new(digest, expires_at, attempts_left, used)?;
        Some(Record::new(
            digest,
            expires_at,
            valid.attempts_left().min(config.max_attempts()),
            used,
        )?)
    };
    let presented = if presented.is_empty() {
        None
    } else {
        Some(Digest::from_slice(presented)?)
    };
    let v = verify(record.as_ref(), presented.as_ref(), now)?;
    Ok((record, v.outcome, v.record))
}

fn digest_bytes(input: &mut Input<'_>) -> Vec<u8> {
    // Mostly the right size, from a tiny set of values so that matches happen.
    match input.u8() % 8 {
        0 => Vec::new(),
        1 => input.byte_array(),
        b => vec![b; 32],
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Ok(config) = CodeConfig::new(
        "digits",
        8,
        1_000.0 + f64::from(input.u32()),
        1 + u32::from(input.u8() % 10),
    ) else {
        return;
    };
    if input.bool() {
        // Issue: a fresh record, then verify it in place of a stored one.
        let hash = digest_bytes(&mut input);
        let now = input.f64();
        // The configured lifetime, or a code's own (`codes_issue` with a ttl): any number.
        let own_ttl = if input.bool() {
            Some(input.f64())
        } else {
            None
        };
        let issued = Digest::from_slice(&hash).and_then(|d| match own_ttl {
            None => config.issue(d, now),
            Some(ttl) => config.reissue_within(d, now, Failures::NONE, ttl),
        });
        match issued {
            Ok(r) => {
                let ttl = own_ttl.unwrap_or(config.ttl_ms());
                assert!(
                    (1_000.0..=86_400_000.0).contains(&ttl),
                    "a lifetime out of range: {ttl}"
                );
                assert_eq!(r.expires_at(), now + ttl);
                assert_eq!(r.attempts_left(), config.max_attempts());
                assert!(!r.used());
                let v = verify(Some(&r), Some(r.hash()), now).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(v.outcome, Outcome::Accepted);
            }
            Err(e) => assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}"),
        }
        return;
    }
    let mut hash = digest_bytes(&mut input);
    let mut expires_at = input.f64();
    let mut attempts = input.u32();
    let mut used = input.bool();
    let mut first = true;
    while first || !input.is_empty() {
        first = false;
        let presented = digest_bytes(&mut input);
        let now = input.f64();
        let (before, outcome, after) =
            match step(&config, &hash, expires_at, attempts, used, &presented, now) {
                Ok(x) => x,
                Err(e) => {
                    assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
                    return;
                }
            };
        let Some(before) = before else {
            assert_eq!((outcome, after), (Outcome::Missing, None));
            return;
        };
        let after = after.unwrap_or_else(|| panic!("a record went missing: {outcome:?}"));
        assert!(before.attempts_left() <= config.max_attempts());
        assert!(after.attempts_left() <= before.attempts_left());
        assert_eq!(after.hash(), before.hash());
        assert_eq!(after.expires_at(), before.expires_at());
        if outcome == Outcome::Accepted {
            assert!(!before.used() && before.attempts_left() > 0 && now < before.expires_at());
            assert_eq!(presented.as_slice(), before.hash().as_bytes().as_slice());
            assert!(after.used());
        } else {
            assert_eq!(after.used(), before.used(), "{outcome:?}");
        }
        if before.used() {
            assert_eq!(outcome, Outcome::Used, "a used record gave {outcome:?}");
        }
        if matches!(outcome, Outcome::Wrong | Outcome::Malformed) {
            assert_eq!(after.attempts_left() + 1, before.attempts_left());
        }
        // Store the record back, as the Convex layer does.
        hash = after.hash().as_bytes().to_vec();
        expires_at = after.expires_at();
        attempts = after.attempts_left();
        used = after.used();
    }
});
