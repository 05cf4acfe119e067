//! Group names: every case of `tests/vectors/group-names.json` through `group_name_refusal`
//! (the package's `createGroup` answers the same file in tests/node/group-names.test.mjs), and
//! the rule's Unicode data checked against Unicode's own property tables (`regex-syntax`'s,
//! Unicode 16.0), so that what `src/unicode.rs` and `src/access.rs` say they hold is what they
//! hold.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use convex_guard::access::{
    group_name_refusal, GroupNameRefusal, GROUP_NAME_FORBIDDEN, MAX_GROUP_NAME_LEN,
};
use convex_guard::error::fill_msg;
use convex_guard::unicode::{in_ranges, BLANK, BLANK_DETACHED};
use convex_guard::wire::client;
use regex_syntax::hir::{Class, HirKind};
use serde_json::{json, Value};

/// The answer the package gives for `name`: `{ ok: true }`, or the `ConvexError` data.
fn answer(name: &str) -> Value {
    let message = match group_name_refusal(name) {
        None => return json!({ "ok": true }),
        Some(GroupNameRefusal::TooLong) => fill_msg(
            client::GROUP_NAME_TOO_LONG,
            &[],
            &[MAX_GROUP_NAME_LEN as u64],
        ),
        Some(GroupNameRefusal::Blank) => client::GROUP_NAME_MISSING.to_owned(),
        Some(GroupNameRefusal::Characters) => client::GROUP_NAME_CHARACTERS.to_owned(),
        Some(GroupNameRefusal::LeadingMark) => client::GROUP_NAME_LEADING_MARK.to_owned(),
    };
    json!({ "error": client::INVALID_ARGUMENT, "message": message })
}

#[test]
fn every_group_name_vector_passes() {
    let mut failures = Vec::new();
    for case in common::vector_cases("group-names", 40) {
        // A lone surrogate, as UTF-16 code units: no Rust string can hold it, so only the
        // package answers it (tests/node/group-names.test.mjs); here, its units are no string.
        if let Some(units) = case.get("utf16") {
            let units: Vec<u16> = serde_json::from_value(units.clone()).expect("code units");
            assert!(
                String::from_utf16(&units).is_err(),
                "{}",
                case["description"]
            );
            let refused = json!({ "error": client::INVALID_ARGUMENT, "message": client::GROUP_NAME_SURROGATE });
            assert_eq!(case["expected"], refused, "{}", case["description"]);
            continue;
        }
        let name = case["name"].as_str().expect("a name");
        let actual = answer(name);
        if actual != case["expected"] {
            failures.push(format!(
                "{}\n  expected {}\n  actual   {actual}",
                case["description"], case["expected"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The names of the file's `random` section, drawn as its description says.
fn random_names(random: &Value) -> Vec<String> {
    let pool: Vec<&str> = random["pool"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let max = random["maxLength"].as_u64().unwrap() as u32;
    let mut x = random["seed"].as_u64().unwrap() as u32;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    (0..random["count"].as_u64().unwrap())
        .map(|_| {
            let len = 1 + next() % max;
            (0..len)
                .map(|_| pool[(next() % pool.len() as u32) as usize])
                .collect()
        })
        .collect()
}

/// Past the hand-written cases: random names from a pool of the characters the rule is about,
/// answered here as the file says, and by the package as well (tests/node/group-names.test.mjs),
/// so the two implementations agree on each.
#[test]
fn random_names_are_answered_as_the_file_says() {
    let file: Value = serde_json::from_str(&common::vector_text("group-names")).unwrap();
    let random = &file["random"];
    let letters: String = random_names(random)
        .iter()
        .map(|name| match group_name_refusal(name) {
            None => 'o',
            Some(GroupNameRefusal::TooLong) => 'l',
            Some(GroupNameRefusal::Blank) => 'b',
            Some(GroupNameRefusal::Characters) => 'c',
            Some(GroupNameRefusal::LeadingMark) => 'm',
        })
        .collect();
    // Every answer is drawn often enough to be compared.
    for answer in ['o', 'b', 'c', 'm'] {
        let n = letters.chars().filter(|&c| c == answer).count();
        assert!(n >= 100, "only {n} names answered {answer}");
    }
    assert_eq!(
        random["answers"].as_str().unwrap(),
        letters,
        "random.answers of tests/vectors/group-names.json: the Rust core answers the second"
    );
}

#[test]
fn vectors_cover_the_attacks_and_the_names_that_must_pass() {
    let text = common::vector_text("group-names");
    for needle in [
        "U+2800",
        "zero-width joiners",
        "U+FE0F",
        "hidden tag text",
        "Scotland",
        "family emoji",
        "Arabic",
        "Hebrew",
        "Devanagari",
        "Chinese",
        "inner and outer spaces",
        "combining mark alone",
        "combining acute accent first",
        "zero-width joiner first",
        "lone high surrogate",
    ] {
        assert!(text.contains(needle), "no vector mentions {needle}");
    }
}

/// The code point ranges of a character class, as `regex-syntax` reads it.
fn class(pattern: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::Parser::new().parse(pattern).unwrap();
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        other => panic!("{pattern} is no class: {other:?}"),
    }
}

#[test]
fn blank_is_whitespace_default_ignorables_marks_and_the_braille_blank() {
    let unicode = class(r"[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\x{2800}]");
    assert_eq!(BLANK, unicode.as_slice());
    // `White_Space` is what Rust's `char::is_whitespace` reads.
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        if c.is_whitespace() {
            assert!(in_ranges(BLANK, c), "{c:?}");
        }
    }
}

#[test]
fn the_only_default_ignorables_a_name_may_hold_are_the_joiners_and_emoji_selectors() {
    // Outside a subdivision flag; ZWNJ, ZWJ, VS15 and VS16 are what emoji sequences, Persian
    // and the Indic scripts need.
    let kept = ['\u{200C}', '\u{200D}', '\u{FE0E}', '\u{FE0F}'];
    for (lo, hi) in class(r"[\p{Default_Ignorable_Code_Point}]") {
        for c in (lo..=hi).filter_map(char::from_u32) {
            assert_eq!(
                in_ranges(GROUP_NAME_FORBIDDEN, c),
                !kept.contains(&c),
                "{c:?}"
            );
        }
    }
    // Every tag character is forbidden outside a flag.
    for c in (0xE0000..=0xE007F).filter_map(char::from_u32) {
        assert!(in_ranges(GROUP_NAME_FORBIDDEN, c), "{c:?}");
    }
    // The controls and every bidirectional control are forbidden too.
    for (lo, hi) in class(r"[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}]") {
        for c in (lo..=hi).filter_map(char::from_u32) {
            assert!(in_ranges(GROUP_NAME_FORBIDDEN, c), "{c:?}");
        }
    }
}

#[test]
fn what_attaches_to_the_character_before_is_the_marks_and_the_joiners() {
    // BLANK but BLANK_DETACHED: exactly the combining marks and Join_Control, every one of
    // them in BLANK.
    let attaching = class(r"[\p{M}\p{Join_Control}]");
    let mut left = Vec::new();
    for (lo, hi) in BLANK.iter().copied() {
        for c in (lo..=hi).filter_map(char::from_u32) {
            if !in_ranges(BLANK_DETACHED, c) {
                left.push(c);
            }
        }
    }
    let expected: Vec<char> = attaching
        .iter()
        .flat_map(|&(lo, hi)| (lo..=hi).filter_map(char::from_u32))
        .collect();
    assert_eq!(left, expected);
    for (lo, hi) in BLANK_DETACHED.iter().copied() {
        for c in (lo..=hi).filter_map(char::from_u32) {
            assert!(in_ranges(BLANK, c), "{c:?}");
        }
    }
}

#[test]
fn unicode_tables_are_sorted_and_disjoint() {
    for table in [BLANK, BLANK_DETACHED, GROUP_NAME_FORBIDDEN] {
        for w in table.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:?}");
        }
    }
}
