//! Property tests for `convex_guard::access`: the resolver against a brute-force model of the
//! rules, monotonicity in grants, expired grants being inert, and no panic on any input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashSet;

use convex_guard::access::{
    Access, AccessLevelsBuilder, Caller, Denial, Documents, Grants, Levels, Source, GRANT_DIRECT,
    GRANT_GROUP, MAX_PARENT_DEPTH, NO_EXPIRY, NO_PARENT, NO_SUBJECT, STALE,
};
use proptest::prelude::*;

const NOW: f64 = 1_767_225_600_000.0;
/// Users are subjects 0..4, groups 4..7: the same number space, as after interning.
const SUBJECTS: u32 = 7;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Grant {
    doc: u32,
    subject: u32,
    kind: u8,
    level: u8,
    expires_at: f64,
}

#[derive(Debug, Clone)]
struct World {
    public_level: u8,
    caller: u32,
    groups: Vec<u32>,
    owner: Vec<u32>,
    public: Vec<u8>,
    parent: Vec<u32>,
    grants: Vec<Grant>,
}

fn levels(public_level: u8) -> Levels {
    let mut b = AccessLevelsBuilder::default();
    b.public_level(if public_level == 1 {
        "viewer"
    } else {
        "commenter"
    });
    b.build().unwrap()
}

fn subject() -> impl Strategy<Value = u32> {
    prop_oneof![9 => 0..SUBJECTS, 1 => Just(NO_SUBJECT)]
}

fn expiry() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(NO_EXPIRY),
        Just(NOW),
        Just(NOW - 1.0),
        Just(NOW + 1.0),
        Just(0.0),
        (0.0..2.0 * NOW),
    ]
}

/// A live-or-not grant with a valid level (1..=3: below the standard owner level 4).
fn grant(n: u32) -> impl Strategy<Value = Grant> {
    (
        0..n,
        subject(),
        prop_oneof![Just(GRANT_DIRECT), Just(GRANT_GROUP)],
        1u8..=3,
        expiry(),
    )
        .prop_map(|(doc, subject, kind, level, expires_at)| Grant {
            doc,
            subject,
            kind,
            level,
            expires_at,
        })
}

fn world() -> impl Strategy<Value = World> {
    (1u32..14, any::<bool>()).prop_flat_map(|(n, line)| {
        // Parents mostly point to earlier documents (trees), sometimes anywhere (cycles),
        // sometimes nowhere. One world in two leans to one long line, so that chains longer
        // than MAX_PARENT_DEPTH are common.
        let parent = (0..n)
            .map(|i| {
                let earlier = if i == 0 {
                    Just(NO_PARENT).boxed()
                } else {
                    (0..i).boxed()
                };
                let previous = if i == 0 {
                    Just(NO_PARENT).boxed()
                } else {
                    Just(i - 1).boxed()
                };
                if line {
                    prop_oneof![20 => previous, 1 => 0..n].boxed()
                } else {
                    prop_oneof![3 => earlier, 1 => 0..n, 2 => Just(NO_PARENT)].boxed()
                }
            })
            .collect::<Vec<_>>();
        (
            1u8..=2,
            subject(),
            proptest::collection::vec(0..SUBJECTS, 0..4),
            proptest::collection::vec(subject(), n as usize),
            proptest::collection::vec(0u8..=1, n as usize),
            parent,
            proptest::collection::vec(grant(n), 0..24),
        )
            .prop_map(
                |(public_level, caller, groups, owner, public, parent, grants)| World {
                    public_level,
                    caller,
                    groups,
                    owner,
                    public,
                    parent,
                    grants,
                },
            )
    })
}

fn resolve(w: &World) -> Vec<Access> {
    let col = |f: fn(&Grant) -> u32| w.grants.iter().map(f).collect::<Vec<u32>>();
    let doc = col(|g| g.doc);
    let subject = col(|g| g.subject);
    let kind: Vec<u8> = w.grants.iter().map(|g| g.kind).collect();
    let level: Vec<u8> = w.grants.iter().map(|g| g.level).collect();
    let expires_at: Vec<f64> = w.grants.iter().map(|g| g.expires_at).collect();
    levels(w.public_level)
        .resolve(
            NOW,
            Caller {
                id: w.caller,
                groups: &w.groups,
            },
            Documents {
                owner: &w.owner,
                public: &w.public,
                parent: &w.parent,
            },
            Grants {
                doc: &doc,
                subject: &subject,
                kind: &kind,
                level: &level,
                expires_at: &expires_at,
            },
        )
        .unwrap()
}

/// The rules, written the slow and obvious way from the module documentation.
fn model(w: &World) -> Vec<Access> {
    const OWNER: u8 = 4;
    let precedence = |s: Source| match s {
        Source::Owner => 5,
        Source::Direct => 4,
        Source::Group => 3,
        Source::Inherited => 2,
        Source::Public => 1,
        _ => 0,
    };
    let anonymous = w.caller == NO_SUBJECT;
    let holds = |g: &Grant| {
        let live = NOW < g.expires_at;
        let mine = !anonymous
            && g.subject != NO_SUBJECT
            && if g.kind == GRANT_DIRECT {
                g.subject == w.caller
            } else {
                w.groups.contains(&g.subject)
            };
        live && mine
    };
    // (level, source) the caller gets on `d` from its own owner/direct/group rules.
    let own = |d: usize| -> Vec<(u8, Source)> {
        let mut v = Vec::new();
        if !anonymous && w.owner[d] == w.caller {
            v.push((OWNER, Source::Owner));
        }
        for g in w.grants.iter().filter(|g| g.doc as usize == d && holds(g)) {
            v.push((
                g.level,
                if g.kind == GRANT_DIRECT {
                    Source::Direct
                } else {
                    Source::Group
                },
            ));
        }
        v
    };
    (0..w.owner.len())
        .map(|d| {
            // A cycle anywhere up the chain: follow parents until one repeats or the chain ends.
            let mut seen = HashSet::new();
            let mut cur = d as u32;
            let mut cyclic = false;
            loop {
                if !seen.insert(cur) {
                    cyclic = true;
                    break;
                }
                cur = w.parent[cur as usize];
                if cur == NO_PARENT {
                    break;
                }
            }
            if cyclic {
                return Access {
                    level: 0,
                    source: Source::Cycle,
                    via: None,
                };
            }
            // (level, precedence, -distance) orders candidates; the largest wins.
            let mut candidates: Vec<(u8, u8, i64, Access)> = Vec::new();
            for (level, source) in own(d) {
                let a = Access {
                    level,
                    source,
                    via: Some(d as u32),
                };
                candidates.push((level, precedence(source), 0, a));
            }
            let mut ancestor = w.parent[d];
            for step in 1..=MAX_PARENT_DEPTH {
                if ancestor == NO_PARENT {
                    break;
                }
                for (level, _) in own(ancestor as usize) {
                    let a = Access {
                        level,
                        source: Source::Inherited,
                        via: Some(ancestor),
                    };
                    candidates.push((level, precedence(Source::Inherited), -(step as i64), a));
                }
                ancestor = w.parent[ancestor as usize];
            }
            if w.public[d] == 1 {
                let a = Access {
                    level: w.public_level,
                    source: Source::Public,
                    via: Some(d as u32),
                };
                candidates.push((w.public_level, precedence(Source::Public), 0, a));
            }
            candidates
                .into_iter()
                .max_by_key(|c| (c.0, c.1, c.2))
                .map_or(Access::DENIED, |c| c.3)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn resolver_agrees_with_the_brute_force_model(w in world()) {
        prop_assert_eq!(resolve(&w), model(&w));
    }

    #[test]
    fn adding_a_grant_never_lowers_access(w in world(), extra in grant(14)) {
        let mut more = w.clone();
        more.grants.push(Grant { doc: extra.doc % w.owner.len() as u32, ..extra });
        let (before, after) = (resolve(&w), resolve(&more));
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(a.level >= b.level, "{:?} -> {:?}", b, a);
            prop_assert_eq!(a.source == Source::Cycle, b.source == Source::Cycle);
        }
    }

    #[test]
    fn an_expired_grant_never_raises_access(
        w in world(),
        extra in grant(14),
        age in prop_oneof![Just(0.0), 0.0..NOW],
    ) {
        let mut more = w.clone();
        let expired = Grant { doc: extra.doc % w.owner.len() as u32, expires_at: NOW - age, ..extra };
        more.grants.push(expired);
        // Not merely "not higher": nothing at all changes, source and via included.
        prop_assert_eq!(resolve(&w), resolve(&more));
    }

    /// A grant whose level is no longer configured (`STALE`), or one stored at the owner's
    /// level (which no grant carries), gives nothing, to anyone, by any path: nothing at all
    /// changes, source and via included, and no error.
    #[test]
    fn a_grant_at_a_stale_or_owner_level_changes_nothing(
        w in world(),
        extra in grant(14),
        owner in any::<bool>(),
    ) {
        let mut more = w.clone();
        let level = if owner { levels(w.public_level).owner() } else { STALE };
        more.grants.push(Grant { doc: extra.doc % w.owner.len() as u32, level, ..extra });
        prop_assert_eq!(resolve(&w), resolve(&more));
    }

    #[test]
    fn joining_a_group_never_lowers_access(w in world(), group in 0..SUBJECTS) {
        let mut more = w.clone();
        more.groups.push(group);
        for (b, a) in resolve(&w).iter().zip(&resolve(&more)) {
            prop_assert!(a.level >= b.level);
        }
    }

    /// Arbitrary arrays straight from an untrusted binding: an answer or an error, never a
    /// panic, and any answer is well formed. Values are biased towards valid ones so that both
    /// branches are exercised.
    #[test]
    fn arbitrary_input_never_panics(
        now in prop_oneof![1 => any::<f64>(), 15 => Just(NOW)],
        caller in prop_oneof![any::<u32>(), 0..4u32],
        groups in proptest::collection::vec(prop_oneof![any::<u32>(), 0..4u32], 0..4),
        rows in proptest::collection::vec(
            (prop_oneof![any::<u32>(), 0..4u32],
             prop_oneof![1 => any::<u8>(), 30 => 0..=1u8],
             prop_oneof![1 => any::<u32>(), 15 => 0..8u32, 15 => Just(NO_PARENT)]),
            0..8),
        g in proptest::collection::vec(
            (prop_oneof![1 => any::<u32>(), 30 => 0..8u32],
             prop_oneof![any::<u32>(), 0..4u32],
             prop_oneof![1 => any::<u8>(), 30 => 3..=4u8],
             prop_oneof![1 => any::<u8>(), 30 => 1..=3u8],
             prop_oneof![1 => any::<f64>(), 15 => Just(NO_EXPIRY), 15 => 0.0..2.0 * NOW]),
            0..8),
        drop in proptest::collection::vec(prop_oneof![40 => Just(0usize), 1 => 0..3usize], 8),
    ) {
        let l = Levels::standard();
        let cut = |mut v: Vec<u32>, k: usize| { v.truncate(v.len().saturating_sub(drop[k])); v };
        // Small values (the valid-biased ones) are taken modulo the batch size.
        let n = rows.len().max(1) as u32;
        let into_batch = |i: u32| if i < 8 { i % n } else { i };
        let owner = cut(rows.iter().map(|r| r.0).collect(), 0);
        let public: Vec<u8> = rows.iter().map(|r| r.1).take(rows.len().saturating_sub(drop[1])).collect();
        let parent = cut(rows.iter().map(|r| into_batch(r.2)).collect(), 2);
        let doc = cut(g.iter().map(|x| into_batch(x.0)).collect(), 3);
        let subject = cut(g.iter().map(|x| x.1).collect(), 4);
        let kind: Vec<u8> = g.iter().map(|x| x.2).take(g.len().saturating_sub(drop[5])).collect();
        let level: Vec<u8> = g.iter().map(|x| x.3).take(g.len().saturating_sub(drop[6])).collect();
        let expires_at: Vec<f64> = g.iter().map(|x| x.4).take(g.len().saturating_sub(drop[7])).collect();
        let r = l.resolve(
            now,
            Caller { id: caller, groups: &groups },
            Documents { owner: &owner, public: &public, parent: &parent },
            Grants { doc: &doc, subject: &subject, kind: &kind, level: &level, expires_at: &expires_at },
        );
        match r {
            Err(e) => prop_assert_eq!(e.code(), "INVALID_ARGUMENT"),
            Ok(out) => {
                prop_assert!(now.is_finite() && now >= 0.0);
                prop_assert_eq!(out.len(), owner.len());
                for a in out {
                    prop_assert!(a.level <= l.owner());
                    prop_assert_eq!(a.level == 0, matches!(a.source, Source::None | Source::Cycle));
                    prop_assert_eq!(a.level == 0, a.via.is_none());
                }
            }
        }
    }
}

/// Every (caller level, granted level) pair: allowed exactly when the three rules say so.
#[test]
fn can_share_allows_exactly_when_the_rules_say() {
    for share in ["commenter", "editor", "owner"] {
        let mut b = AccessLevelsBuilder::default();
        b.share_level(share);
        let l = b.build().unwrap();
        for caller in 0..=u8::MAX {
            for granted in 0..=u8::MAX {
                let r = l.can_share(caller, granted);
                if caller > l.owner() || granted == 0 || granted > l.owner() {
                    assert!(r.is_err(), "{caller} {granted}");
                    continue;
                }
                let expected = if caller < l.share() {
                    Err(Denial::BelowShareLevel)
                } else if granted == l.owner() {
                    Err(Denial::OwnerLevel)
                } else if granted > caller {
                    Err(Denial::AboveOwnLevel)
                } else {
                    Ok(())
                };
                assert_eq!(
                    r.unwrap(),
                    expected,
                    "share {share}: {caller} grants {granted}"
                );
            }
        }
    }
}
