//! `js/generated/wire.ts` is the TypeScript twin of `convex_guard::wire`: this test fails when
//! the committed file differs from what the Rust definitions render. `make wire` (this test
//! with `WRITE_WIRE=1`) writes it.

#![allow(clippy::unwrap_used)]

use convex_guard::wire;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/js/generated/wire.ts");

#[test]
fn generated_typescript_is_current() {
    let want = wire::typescript();
    if std::env::var_os("WRITE_WIRE").is_some() {
        std::fs::write(PATH, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        have == want,
        "js/generated/wire.ts is stale (or missing): run `make wire` and commit it"
    );
}

#[test]
fn rate_limit_record_offsets_follow_the_records_order() {
    use wire::ratelimit::*;
    // The binding reads a request record and writes a decision record as arrays in this order.
    let input = [
        IN_LIMIT,
        IN_SHARD,
        IN_COUNT,
        IN_HAS_STATE,
        IN_T,
        IN_A,
        IN_B,
        IN_LOG_LEN,
    ];
    let output = [
        OUT_OK,
        OUT_REMAINING,
        OUT_RETRY_AFTER,
        OUT_WRITE,
        OUT_T,
        OUT_A,
        OUT_B,
        OUT_LOG_LEN,
    ];
    assert_eq!(input.to_vec(), (0..IN).collect::<Vec<_>>());
    assert_eq!(output.to_vec(), (0..OUT).collect::<Vec<_>>());
    assert_eq!([ANSWER_OK, ANSWER_RETRY_AFTER].len(), ANSWER_HEAD);
}

#[test]
fn role_and_level_ids_are_positions() {
    let mut b = convex_guard::policy::PolicyBuilder::default();
    for r in ["a", "b", "c"] {
        b.role(r).unwrap();
    }
    let p = b.build().unwrap();
    for (i, r) in ["a", "b", "c"].iter().enumerate() {
        assert_eq!(p.role_index(r), Some(wire::policy::FIRST_ROLE + i as u32));
    }
    let levels = convex_guard::access::Levels::standard();
    for (i, n) in levels.names().iter().enumerate() {
        assert_eq!(
            levels.level(n).unwrap(),
            wire::access::FIRST_LEVEL + i as u8
        );
    }
}

#[test]
fn at_least_is_the_engines_rule() {
    let ts = wire::typescript();
    // Requiring no level is refused; a higher level allows a lower requirement.
    assert!(ts.contains("export const ACCESS_AT_LEAST = [0x0, 0x1fffe, 0x1fffc,"));
}
