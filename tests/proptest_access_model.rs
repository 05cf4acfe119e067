//! Stateful, model-based property test of sharing: random sequences of share, revoke,
//! transfer, group membership changes and time steps, by random actors (owners, grantees,
//! strangers, group members), applied to
//! - the real engine, through the `Levels` calls the binding exposes (`resolve`, `share_grant`,
//!   `share_verdict`, `can_transfer`), holding the state the way `js/access-documents.ts` does (one grant
//!   row per document and user or group, replaced on re-share); and
//! - a small reference model written independently: each user's access is the best of a flat
//!   list of "rules" (level, until), and a new grant's expiry is the sharer's own `until` at
//!   the level sharing takes.
//!
//! After every step: both sides answered the same, and every user's level on every document is
//! the same on both sides. After a share, an engine-only check needs no model at all: at every
//! future moment, nobody (the sharer included) has more access than before, except up to the
//! granted level and only while the sharer could still have made that grant themselves. That
//! is "nobody makes a grant that outlives their own access", through groups, folders and
//! replaced grants alike.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use convex_guard::access::{
    can_transfer, AccessLevelsBuilder, Caller, Denial, Documents, Grants, Levels, ShareRequest,
    GRANT_DIRECT, GRANT_GROUP, MAX_TIME_MS, NO_EXPIRY, NO_PARENT,
};
use proptest::prelude::*;

const T0: f64 = 1_000_000.0;
/// Users 0..USERS; user USERS - 1 is never given anything at the start (a stranger).
const USERS: u32 = 5;
/// Groups are subjects GROUP0 and GROUP0 + 1 (the same number space as users, as interned).
const GROUP0: u32 = 100;
const GROUPS: u32 = 2;
/// Documents: 0 is a folder, 1 sits in it, 2 stands alone.
const PARENT: [u32; 3] = [NO_PARENT, 0, NO_PARENT];
const DOCS: usize = PARENT.len();
const OWNER_LEVEL: u8 = 4;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    User(u32),
    Group(u32),
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Share {
        actor: u32,
        doc: u32,
        to: Target,
        level: u8,
        expires_in: Option<f64>,
    },
    Revoke {
        actor: u32,
        doc: u32,
        to: Target,
    },
    Transfer {
        actor: u32,
        doc: u32,
        to: u32,
    },
    Join {
        group: u32,
        user: u32,
    },
    Leave {
        group: u32,
        user: u32,
    },
    Tick(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    NotFound,
    Denied,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Row {
    doc: u32,
    subject: u32,
    kind: u8,
    level: u8,
    expires_at: f64,
}

/// What both sides start from and mutate.
#[derive(Debug, Clone)]
struct State {
    now: f64,
    owner: [u32; DOCS],
    public: [u8; DOCS],
    rows: Vec<Row>,
    /// (group, user)
    members: Vec<(u32, u32)>,
}

impl State {
    fn groups_of(&self, user: u32) -> Vec<u32> {
        self.members
            .iter()
            .filter(|(_, u)| *u == user)
            .map(|(g, _)| *g)
            .collect()
    }
}

fn subject_of(t: Target) -> (u32, u8) {
    match t {
        Target::User(u) => (u, GRANT_DIRECT),
        Target::Group(g) => (g, GRANT_GROUP),
    }
}

/// The steps no rule decides (group membership is managed outside the engine's sharing
/// rules here; time passes), applied alike to both sides.
fn environment(state: &mut State, step: Step) -> Outcome {
    match step {
        Step::Join { group, user } => {
            if !state.members.contains(&(group, user)) {
                state.members.push((group, user));
            }
        }
        Step::Leave { group, user } => state.members.retain(|&m| m != (group, user)),
        Step::Tick(dt) => state.now += dt,
        _ => unreachable!("not an environment step"),
    }
    Outcome::Done
}

// ------------------------------------------------------------------- the engine side

/// The levels used: the standard ones, sharing from editor (3) or from commenter (2), so that
/// the level sharing takes is sometimes the granted level rather than the share level.
fn levels(low_share: bool) -> Levels {
    let mut b = AccessLevelsBuilder::default();
    if low_share {
        b.share_level("commenter");
    }
    b.build().unwrap()
}

struct Engine {
    levels: Levels,
    state: State,
}

impl Engine {
    /// Resolves `user` on every document at time `at` over `state`, as `readMany` does.
    fn resolve_at(levels: &Levels, state: &State, user: u32, at: f64) -> Vec<(u8, u8)> {
        let groups = state.groups_of(user);
        let rows = &state.rows;
        let col = |f: fn(&Row) -> u32| rows.iter().map(f).collect::<Vec<u32>>();
        let (doc, subject) = (col(|r| r.doc), col(|r| r.subject));
        let kind: Vec<u8> = rows.iter().map(|r| r.kind).collect();
        let level: Vec<u8> = rows.iter().map(|r| r.level).collect();
        let expires_at: Vec<f64> = rows.iter().map(|r| r.expires_at).collect();
        levels
            .resolve(
                at,
                Caller {
                    id: user,
                    groups: &groups,
                },
                Documents {
                    owner: &state.owner,
                    public: &state.public,
                    parent: &PARENT,
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
            .iter()
            .map(|a| (a.level, a.source.code()))
            .collect()
    }

    fn level(&self, user: u32, doc: u32) -> u8 {
        Self::resolve_at(&self.levels, &self.state, user, self.state.now)[doc as usize].0
    }

    fn row_of(&self, doc: u32, to: Target) -> Option<usize> {
        let (subject, kind) = subject_of(to);
        self.state
            .rows
            .iter()
            .position(|r| r.doc == doc && r.subject == subject && r.kind == kind)
    }

    /// `share`, `revoke` and `transferOwnership` of js/access-documents.ts, on this state.
    fn apply(&mut self, step: Step) -> Outcome {
        let now = self.state.now;
        match step {
            Step::Share {
                actor,
                doc,
                to,
                level,
                expires_in,
            } => {
                let own = self.level(actor, doc);
                if own == 0 {
                    return Outcome::NotFound;
                }
                let groups = self.state.groups_of(actor);
                let rows = &self.state.rows;
                let doc_col: Vec<u32> = rows.iter().map(|r| r.doc).collect();
                let subject: Vec<u32> = rows.iter().map(|r| r.subject).collect();
                let kind: Vec<u8> = rows.iter().map(|r| r.kind).collect();
                let lv: Vec<u8> = rows.iter().map(|r| r.level).collect();
                let exp: Vec<f64> = rows.iter().map(|r| r.expires_at).collect();
                let decided = self
                    .levels
                    .share_grant(
                        now,
                        Caller {
                            id: actor,
                            groups: &groups,
                        },
                        Documents {
                            owner: &self.state.owner,
                            public: &self.state.public,
                            parent: &PARENT,
                        },
                        Grants {
                            doc: &doc_col,
                            subject: &subject,
                            kind: &kind,
                            level: &lv,
                            expires_at: &exp,
                        },
                        ShareRequest {
                            doc,
                            level,
                            expires_at: expires_in.map(|d| now + d),
                        },
                    )
                    .unwrap();
                let Ok(expires_at) = decided else {
                    return Outcome::Denied;
                };
                if to == Target::User(actor) {
                    return Outcome::Denied; // SELF_SHARE
                }
                let existing = self.row_of(doc, to);
                if let Some(i) = existing {
                    let old = self.state.rows[i].level;
                    if self.levels.share_verdict(own, old) != Some(Ok(())) {
                        return Outcome::Denied;
                    }
                }
                let (subject, kind) = subject_of(to);
                let row = Row {
                    doc,
                    subject,
                    kind,
                    level,
                    expires_at,
                };
                match existing {
                    Some(i) => self.state.rows[i] = row,
                    None => self.state.rows.push(row),
                }
                Outcome::Done
            }
            Step::Revoke { actor, doc, to } => {
                let own = self.level(actor, doc);
                if own == 0 {
                    return Outcome::NotFound;
                }
                if self.levels.share_verdict(own, 1) != Some(Ok(())) {
                    return Outcome::Denied;
                }
                if let Some(i) = self.row_of(doc, to) {
                    if self.levels.share_verdict(own, self.state.rows[i].level) != Some(Ok(())) {
                        return Outcome::Denied;
                    }
                    self.state.rows.remove(i);
                }
                Outcome::Done
            }
            Step::Transfer { actor, doc, to } => {
                let resolved = Self::resolve_at(&self.levels, &self.state, actor, now);
                let (level, source) = resolved[doc as usize];
                if level == 0 {
                    return Outcome::NotFound;
                }
                let source = convex_guard::access::Source::from_code(source).unwrap();
                if can_transfer(source).is_err() {
                    return Outcome::Denied;
                }
                self.state.owner[doc as usize] = to;
                Outcome::Done
            }
            Step::Join { .. } | Step::Leave { .. } | Step::Tick(_) => {
                environment(&mut self.state, step)
            }
        }
    }
}

// ------------------------------------------------------------------- the reference model

/// The reference model: its own state, its own rules, written from docs/access.md's description.
struct Model {
    share: u8,
    public: u8,
    state: State,
}

/// A reason a user holds a level until a moment (`f64::INFINITY`: for good).
#[derive(Debug, Clone, Copy)]
struct Rule {
    level: u8,
    until: f64,
}

impl Model {
    /// Every rule giving `user` a level on `doc` right now.
    fn rules(&self, user: u32, doc: u32) -> Vec<Rule> {
        let s = &self.state;
        let mut out = Vec::new();
        if s.public[doc as usize] == 1 {
            out.push(Rule {
                level: self.public,
                until: f64::INFINITY,
            });
        }
        // The document itself, then its ancestors (at most one here: the folder).
        let mut chain = vec![doc];
        if PARENT[doc as usize] != NO_PARENT {
            chain.push(PARENT[doc as usize]);
        }
        for d in chain {
            if s.owner[d as usize] == user {
                out.push(Rule {
                    level: OWNER_LEVEL,
                    until: f64::INFINITY,
                });
            }
            for r in s.rows.iter().filter(|r| r.doc == d && r.expires_at > s.now) {
                let mine = if r.kind == GRANT_DIRECT {
                    r.subject == user
                } else {
                    s.members.contains(&(r.subject, user))
                };
                if mine {
                    out.push(Rule {
                        level: r.level,
                        until: r.expires_at,
                    });
                }
            }
        }
        out
    }

    fn level(&self, user: u32, doc: u32) -> u8 {
        self.rules(user, doc)
            .iter()
            .map(|r| r.level)
            .max()
            .unwrap_or(0)
    }

    /// Until when `user` holds at least `level` on `doc` (if nothing changes but time).
    fn until(&self, user: u32, doc: u32, level: u8) -> f64 {
        self.rules(user, doc)
            .iter()
            .filter(|r| r.level >= level)
            .map(|r| r.until)
            .fold(f64::NEG_INFINITY, f64::max)
    }

    fn is_owner(&self, user: u32, doc: u32) -> bool {
        self.state.owner[doc as usize] == user
    }

    fn apply(&mut self, step: Step) -> Outcome {
        let now = self.state.now;
        let may_grant =
            |own: u8, level: u8| own >= self.share && level < OWNER_LEVEL && level <= own;
        match step {
            Step::Share {
                actor,
                doc,
                to,
                level,
                expires_in,
            } => {
                let own = self.level(actor, doc);
                if own == 0 {
                    return Outcome::NotFound;
                }
                if !may_grant(own, level) || to == Target::User(actor) {
                    return Outcome::Denied;
                }
                let (subject, kind) = subject_of(to);
                let same = |r: &Row| r.doc == doc && r.subject == subject && r.kind == kind;
                if self
                    .state
                    .rows
                    .iter()
                    .any(|r| same(r) && !may_grant(own, r.level))
                {
                    return Outcome::Denied;
                }
                let cap = self.until(actor, doc, level.max(self.share));
                let wanted = expires_in.map_or(f64::INFINITY, |d| now + d);
                self.state.rows.retain(|r| !same(r));
                self.state.rows.push(Row {
                    doc,
                    subject,
                    kind,
                    level,
                    expires_at: wanted.min(cap),
                });
                Outcome::Done
            }
            Step::Revoke { actor, doc, to } => {
                let own = self.level(actor, doc);
                if own == 0 {
                    return Outcome::NotFound;
                }
                let (subject, kind) = subject_of(to);
                let same = |r: &Row| r.doc == doc && r.subject == subject && r.kind == kind;
                if own < self.share || self.state.rows.iter().any(|r| same(r) && r.level > own) {
                    return Outcome::Denied;
                }
                self.state.rows.retain(|r| !same(r));
                Outcome::Done
            }
            Step::Transfer { actor, doc, to } => {
                if self.level(actor, doc) == 0 {
                    return Outcome::NotFound;
                }
                if !self.is_owner(actor, doc) {
                    return Outcome::Denied;
                }
                self.state.owner[doc as usize] = to;
                Outcome::Done
            }
            Step::Join { .. } | Step::Leave { .. } | Step::Tick(_) => {
                environment(&mut self.state, step)
            }
        }
    }
}

// ------------------------------------------------------------------- engine-only invariant

/// The moments at which anyone's access can change when nothing but time passes: now and
/// every expiry (a grant counts while `now < expiresAt`), plus the far future.
fn moments(a: &State, b: &State) -> Vec<f64> {
    let mut out = vec![a.now, MAX_TIME_MS];
    for r in a.rows.iter().chain(&b.rows) {
        if r.expires_at != NO_EXPIRY && r.expires_at >= a.now {
            out.push(r.expires_at);
        }
    }
    out
}

/// After `actor` shared `level` on `doc` (`before` -> `after`): at every moment from now on,
/// every user's level on every document is at most what it was, or at most `level` and only
/// while the actor's own level on `doc` (in `before`) was at least what sharing takes.
fn assert_no_grant_outlives_its_sharer(
    levels: &Levels,
    before: &State,
    after: &State,
    actor: u32,
    doc: u32,
    level: u8,
) {
    let need = level.max(levels.share());
    for t in moments(before, after) {
        let sharer = Engine::resolve_at(levels, before, actor, t)[doc as usize].0;
        for user in (0..USERS).chain([actor]) {
            let was = Engine::resolve_at(levels, before, user, t);
            let is = Engine::resolve_at(levels, after, user, t);
            for d in 0..DOCS {
                let (was, is) = (was[d].0, is[d].0);
                assert!(
                    is <= was || (is <= level && sharer >= need),
                    "user {user} has level {is} (was {was}) on doc {d} at {t} after user {actor} \
                     shared level {level} on doc {doc}, whose own level then is {sharer}"
                );
            }
        }
    }
}

/// A step that never shares: at every moment from now on, nobody gains anything (but the new
/// owner of a transfer, on what they were given).
fn assert_no_gain(levels: &Levels, before: &State, after: &State, except: Option<u32>) {
    for t in moments(before, after) {
        for user in (0..USERS).filter(|u| Some(*u) != except) {
            let was = Engine::resolve_at(levels, before, user, t);
            let is = Engine::resolve_at(levels, after, user, t);
            for d in 0..DOCS {
                assert!(is[d].0 <= was[d].0, "user {user} gained on doc {d} at {t}");
            }
        }
    }
}

// ------------------------------------------------------------------- strategies

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        3 => (0..USERS).prop_map(Target::User),
        2 => (GROUP0..GROUP0 + GROUPS).prop_map(Target::Group),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let doc = 0..DOCS as u32;
    let expiry = prop_oneof![
        2 => Just(None),
        3 => prop_oneof![Just(1.0), Just(10.0), Just(100.0), Just(1000.0)].prop_map(Some),
    ];
    prop_oneof![
        8 => (0..USERS, doc.clone(), target(), 1u8..=OWNER_LEVEL, expiry).prop_map(
            |(actor, doc, to, level, expires_in)| Step::Share { actor, doc, to, level, expires_in }
        ),
        2 => (0..USERS, doc.clone(), target()).prop_map(|(actor, doc, to)| Step::Revoke { actor, doc, to }),
        1 => (0..USERS, doc, 0..USERS).prop_map(|(actor, doc, to)| Step::Transfer { actor, doc, to }),
        2 => (GROUP0..GROUP0 + GROUPS, 0..USERS).prop_map(|(group, user)| Step::Join { group, user }),
        1 => (GROUP0..GROUP0 + GROUPS, 0..USERS).prop_map(|(group, user)| Step::Leave { group, user }),
        3 => prop_oneof![Just(1.0), Just(9.0), Just(10.0), Just(50.0), Just(500.0)].prop_map(Step::Tick),
    ]
}

/// A starting state: owners among the first users, random visibility, and some grants (often
/// expiring, to users and groups, as earlier shares by owners would have left) and memberships,
/// so that many steps are by someone with expiring access.
fn start() -> impl Strategy<Value = (bool, State)> {
    let row = (
        0..DOCS as u32,
        target(),
        1u8..OWNER_LEVEL,
        prop_oneof![
            1 => Just(NO_EXPIRY),
            3 => prop_oneof![Just(10.0), Just(100.0), Just(1000.0)].prop_map(|d| T0 + d),
        ],
    )
        .prop_map(|(doc, to, level, expires_at)| {
            let (subject, kind) = subject_of(to);
            Row {
                doc,
                subject,
                kind,
                level,
                expires_at,
            }
        });
    (
        any::<bool>(),
        proptest::collection::vec(0..USERS - 1, DOCS),
        proptest::collection::vec(0u8..=1, DOCS),
        proptest::collection::vec(row, 0..6),
        proptest::collection::vec((GROUP0..GROUP0 + GROUPS, 0..USERS), 0..5),
    )
        .prop_map(|(low_share, owner, public, rows, members)| {
            // One row per document and subject, as `share` keeps it.
            let mut unique: Vec<Row> = Vec::new();
            for r in rows {
                if !unique
                    .iter()
                    .any(|u| (u.doc, u.subject, u.kind) == (r.doc, r.subject, r.kind))
                {
                    unique.push(r);
                }
            }
            let mut joined: Vec<(u32, u32)> = Vec::new();
            for m in members {
                if !joined.contains(&m) {
                    joined.push(m);
                }
            }
            (
                low_share,
                State {
                    now: T0,
                    owner: [owner[0], owner[1], owner[2]],
                    public: [public[0], public[1], public[2]],
                    rows: unique,
                    members: joined,
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_follows_the_model_and_no_grant_outlives_its_sharer(
        (low_share, state) in start(),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let levels = levels(low_share);
        let mut engine = Engine { levels: levels.clone(), state: state.clone() };
        let mut model = Model { share: levels.share(), public: levels.public(), state };
        for (i, &s) in steps.iter().enumerate() {
            let before = engine.state.clone();
            let got = engine.apply(s);
            let want = model.apply(s);
            prop_assert_eq!(got, want, "step {} {:?}", i, s);
            // The same grant rows (expiries included), whatever their order.
            let sorted = |rows: &[Row]| {
                let mut v: Vec<_> = rows
                    .iter()
                    .map(|r| (r.doc, r.subject, r.kind, r.level, r.expires_at.to_bits()))
                    .collect();
                v.sort_unstable();
                v
            };
            prop_assert_eq!(sorted(&engine.state.rows), sorted(&model.state.rows), "rows after step {} {:?}", i, s);
            for user in 0..USERS {
                for doc in 0..DOCS as u32 {
                    prop_assert_eq!(
                        engine.level(user, doc),
                        model.level(user, doc),
                        "user {} doc {} after step {} {:?}", user, doc, i, s
                    );
                }
            }
            match (s, got) {
                (Step::Share { actor, doc, level, .. }, Outcome::Done) => {
                    assert_no_grant_outlives_its_sharer(&levels, &before, &engine.state, actor, doc, level);
                }
                (Step::Revoke { .. }, _) => assert_no_gain(&levels, &before, &engine.state, None),
                (Step::Transfer { to, .. }, _) => assert_no_gain(&levels, &before, &engine.state, Some(to)),
                _ => {}
            }
        }
    }
}

/// The two exploits of the issue, by hand: a grantee with an expiring editor grant shares
/// with their own group (or re-shares the group's own grant) without an expiry.
#[test]
fn the_reported_exploits_are_capped() {
    let levels = levels(false);
    let eddie = 1;
    let team = GROUP0;
    let mut e = Engine {
        levels: levels.clone(),
        state: State {
            now: T0,
            owner: [0, 0, 0],
            public: [0, 0, 0],
            rows: vec![Row {
                doc: 2,
                subject: eddie,
                kind: GRANT_DIRECT,
                level: 3,
                expires_at: T0 + 100.0,
            }],
            members: vec![(team, eddie)],
        },
    };
    let share = |doc, to| Step::Share {
        actor: eddie,
        doc,
        to,
        level: 3,
        expires_in: None,
    };
    assert_eq!(e.apply(share(2, Target::Group(team))), Outcome::Done);
    assert_eq!(e.state.rows[1].expires_at, T0 + 100.0);
    // The group's own expiring grant, re-shared to the group by a member: still capped.
    e.state.rows.remove(0);
    assert_eq!(e.apply(share(2, Target::Group(team))), Outcome::Done);
    assert_eq!(e.state.rows[0].expires_at, T0 + 100.0);
    // Through a folder: an expiring editor grant on folder 0 bounds what eddie shares on 1.
    e.state.rows.push(Row {
        doc: 0,
        subject: eddie,
        kind: GRANT_DIRECT,
        level: 3,
        expires_at: T0 + 50.0,
    });
    assert_eq!(e.apply(share(1, Target::User(3))), Outcome::Done);
    assert_eq!(e.state.rows[2].expires_at, T0 + 50.0);
    e.apply(Step::Tick(100.0));
    for doc in 0..DOCS as u32 {
        assert_eq!(e.level(eddie, doc), 0);
        assert_eq!(e.level(3, doc), 0);
    }
    // And a refusal stays a refusal.
    assert_eq!(
        levels.share_verdict(e.level(eddie, 2), 3),
        Some(Err(Denial::BelowShareLevel))
    );
}
