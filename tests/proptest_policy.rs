//! Properties of the role hierarchy, on random policies:
//! - a higher role always holds a superset of a lower role's permissions;
//! - every decision equals a brute-force reference model of the documented semantics;
//! - "no role" and out-of-range ids hold nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use convex_guard::policy::{Policy, PolicyBuilder, NO_ROLE};
use proptest::prelude::*;

/// A small universe so random grants and probes collide often.
const SEGMENTS: &[&str] = &["a", "b", "ab", "users", "x"];

fn permission() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(SEGMENTS), 1..=3),
        any::<bool>(),
    )
        .prop_map(|(segs, wildcard)| {
            let mut name = segs.join(":");
            if wildcard {
                name.push_str(":*");
            }
            name
        })
}

fn policy_input() -> impl Strategy<Value = (usize, Vec<(usize, String)>)> {
    (1usize..=6).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n, permission()), 0..12)))
}

/// Roles `r0 < r1 < ... < r{n-1}` with the given grants.
fn build(n: usize, grants: &[(usize, String)]) -> Policy {
    let mut b = PolicyBuilder::default();
    for i in 0..n {
        b.role(&["r", &i.to_string()].concat()).unwrap();
    }
    for (r, g) in grants {
        b.grant(&["r", &r.to_string()].concat(), g).unwrap();
    }
    b.build().unwrap()
}

/// The documented semantics, written as plainly as possible.
fn reference(grants: &[(usize, String)], role: usize, probe: &str) -> bool {
    grants.iter().any(|(r, g)| {
        *r <= role
            && match g.strip_suffix('*') {
                Some(prefix) => probe.starts_with(prefix),
                None => g == probe,
            }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decisions_match_the_reference_model(
        (n, grants) in policy_input(),
        probes in prop::collection::vec(permission(), 1..8),
    ) {
        let mut p = build(n, &grants);
        for probe in probes.iter().chain(grants.iter().map(|(_, g)| g)) {
            let id = p.intern(probe).unwrap();
            for role in 0..n {
                prop_assert_eq!(p.can(role as u32, id), reference(&grants, role, probe),
                    "role r{} probe {}", role, probe);
            }
            prop_assert!(!p.can(NO_ROLE, id));
            prop_assert!(!p.can(n as u32, id));
            // The table TypeScript looks decisions up in: the same answers, and "no role" last.
            let row = p.holders(probe).unwrap();
            prop_assert_eq!(row.len(), n + 1);
            for (role, &held) in row.iter().enumerate() {
                prop_assert_eq!(held == 1, p.can(role as u32, id), "holders r{} {}", role, probe);
            }
        }
        let table = p.at_least_table();
        prop_assert_eq!(table.len(), (n + 1) * n);
        for role in 0..=n {
            for min in 0..n {
                prop_assert_eq!(table.get(role * n + min) == Some(&1),
                    p.role_at_least(role as u32, min as u32));
            }
        }
    }

    #[test]
    fn a_higher_role_never_holds_less(
        (n, grants) in policy_input(),
        probes in prop::collection::vec(permission(), 1..8),
    ) {
        let mut p = build(n, &grants);
        for probe in &probes {
            let id = p.intern(probe).unwrap();
            for low in 0..n {
                for high in low..n {
                    prop_assert!(!p.can(low as u32, id) || p.can(high as u32, id));
                    prop_assert!(p.role_at_least(high as u32, low as u32));
                }
            }
        }
    }
}
