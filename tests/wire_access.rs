//! `wire::access`, the reader of `AccessEngine.resolve`'s flat arrays, tested natively: the
//! bindings are its only caller and the native suite never builds them, so mutation testing
//! (`make mutants`) found `split`, `byte` and `code` unread. Every count and column holds
//! distinct numbers, so a column read from the wrong place shows.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use convex_guard::wire::access::{
    byte, code, share_request, split, ByteColumn, IntColumn, Per, BYTE_COLUMNS, EXPIRY_ASKED,
    EXPIRY_NONE, INT_COLUMNS, NOT_A_CODE, NO_PARENT,
};

/// The values of each column of the batch of [`ints`]: 2 documents, 3 grants.
fn int_column(c: IntColumn) -> [u32; 3] {
    match c {
        IntColumn::Owner => [30, 31, 0],
        IntColumn::Parent => [40, 41, 0],
        IntColumn::Doc => [50, 51, 52],
        IntColumn::Subject => [60, 61, 62],
    }
}

fn byte_column(c: ByteColumn) -> [u32; 3] {
    match c {
        ByteColumn::Public => [1, 0, 0],
        ByteColumn::Kind => [1, 2, 300],
        ByteColumn::Level => [3, 4, 5],
    }
}

/// Its first 2 (per document) or 3 (per grant) values.
fn values(per: Per, column: [u32; 3]) -> Vec<u32> {
    column[..if per == Per::Document { 2 } else { 3 }].to_vec()
}

/// Caller 9 in groups 20 and 21; 2 documents (owners 30, 31; parents 40, 41); 3 grants (on
/// documents 50, 51, 52, to subjects 60, 61, 62); public flags 1, 0; kinds 1, 2, 300; levels
/// 3, 4, 5: each column placed where the tables put it. `times`: now, 3 expiries, then a share
/// request.
fn ints() -> Vec<u32> {
    let mut ints = vec![9, 2, 20, 21, 2, 3];
    for (c, per) in INT_COLUMNS {
        ints.extend(values(per, int_column(c)));
    }
    for (c, per) in BYTE_COLUMNS {
        ints.extend(values(per, byte_column(c)));
    }
    ints
}

/// The layout today, written out: what the tables say (a change of the wire shows here).
#[test]
fn the_tables_give_the_layout_of_today() {
    assert_eq!(
        ints(),
        [9, 2, 20, 21, 2, 3, 30, 31, 40, 41, 50, 51, 52, 60, 61, 62, 1, 0, 1, 2, 300, 3, 4, 5]
    );
}

fn times() -> Vec<f64> {
    vec![1_000.0, 11.0, 12.0, 13.0, 0.0, 2.0, 99.0]
}

#[test]
fn every_column_is_read_from_its_place() {
    let (ints, times) = (ints(), times());
    let mut small = Vec::new();
    let b = split(&ints, &times, &mut small).unwrap();
    assert_eq!(b.now, 1_000.0);
    assert_eq!(b.caller.id, 9);
    assert_eq!(b.caller.groups, &[20, 21]);
    assert_eq!(b.docs.owner, &[30, 31]);
    assert_eq!(b.docs.parent, &[40, 41]);
    assert_eq!(b.docs.public, &[1, 0]);
    assert_eq!(b.grants.doc, &[50, 51, 52]);
    assert_eq!(b.grants.subject, &[60, 61, 62]);
    // A byte-sized column's value out of a byte's range is a code the core refuses, not 300
    // wrapped to 44.
    assert_eq!(b.grants.kind, &[1, 2, NOT_A_CODE]);
    assert_eq!(b.grants.level, &[3, 4, 5]);
    assert_eq!(b.grants.expires_at, &[11.0, 12.0, 13.0]);
    assert_eq!(b.request, &[0.0, 2.0, 99.0]);
}

#[test]
fn a_batch_without_groups_documents_or_request_splits() {
    let ints = [7, 0, 0, 0];
    let times = [5.0];
    let mut small = Vec::new();
    let b = split(&ints, &times, &mut small).unwrap();
    assert_eq!((b.now, b.caller.id), (5.0, 7));
    assert!(b.caller.groups.is_empty() && b.docs.owner.is_empty() && b.grants.doc.is_empty());
    assert!(b.request.is_empty());
}

#[test]
fn every_truncation_is_refused() {
    let (ints, times) = (ints(), times());
    // The byte-sized columns end the array, so any shorter array lacks some column.
    for len in 0..ints.len() {
        let mut small = Vec::new();
        let e = split(&ints[..len], &times, &mut small).err();
        assert_eq!(
            e.map(|e| e.code()),
            Some("INVALID_ARGUMENT"),
            "ints cut to {len}"
        );
    }
    // Fewer expiry times than grants (the share request then counts as missing too).
    for len in 0..4 {
        let mut small = Vec::new();
        assert!(
            split(&ints, &times[..len], &mut small).is_err(),
            "times cut to {len}"
        );
    }
    // A count larger than what follows.
    let mut too_many = ints.clone();
    too_many[1] = u32::MAX;
    assert!(split(&too_many, &times, &mut Vec::new()).is_err());
}

/// Numbers after the last column: the batch is not the one its counts describe (the TypeScript
/// codec always packs exactly; an internal caller that does not is refused, not half read).
#[test]
fn a_batch_longer_than_its_counts_is_refused() {
    let times = times();
    for extra in 1..=4 {
        let mut long = ints();
        long.extend(std::iter::repeat_n(1, extra));
        let e = split(&long, &times, &mut Vec::new()).err();
        assert_eq!(
            e.map(|e| (e.code(), e.message())),
            Some((
                "INVALID_ARGUMENT",
                "access batch is not the length its counts state".to_owned()
            )),
            "{extra} more"
        );
    }
    // Also with no documents nor grants: one number after the counts is too many.
    assert!(split(&[7, 0, 0, 0, 0], &[5.0], &mut Vec::new()).is_err());
    assert!(split(&[7, 0, 0, 0], &[5.0], &mut Vec::new()).is_ok());
}

/// The head and `times` constants, written out: the layout of today (a change of the wire
/// shows here).
#[test]
fn the_head_and_times_constants_give_the_layout_of_today() {
    use convex_guard::wire::access::*;
    assert_eq!(
        [
            CALLER,
            GROUP_COUNT,
            GROUPS,
            DOCUMENT_COUNT,
            GRANT_COUNT,
            HEAD
        ],
        [0, 1, 2, 2, 3, 4]
    );
    assert_eq!([NOW, EXPIRIES], [0, 1]);
    assert_eq!(
        [
            REQUEST_DOC,
            REQUEST_LEVEL,
            REQUEST_EXPIRES_AT,
            REQUEST_EXPIRY,
            REQUEST_LEN
        ],
        [0, 1, 2, 3, 4]
    );
    assert_eq!([EXPIRY_NONE, EXPIRY_ASKED], [0, 1]);
}

/// A share request's fields, each read from its place; a document index or level that is
/// not one is passed on as what the core refuses; any other length is no request.
#[test]
fn a_share_request_reads_each_field_from_its_place() {
    let asked = f64::from(EXPIRY_ASKED);
    let r = share_request(&[1.0, 2.0, 99.0, asked]).unwrap();
    assert_eq!((r.doc, r.level, r.expires_at), (1, 2, Some(99.0)));
    let r = share_request(&[-1.0, 0.5, f64::NAN, asked]).unwrap();
    assert_eq!((r.doc, r.level), (NO_PARENT, NOT_A_CODE));
    assert!(r.expires_at.is_some_and(f64::is_nan));
    for len in [0, 1, 2, 3, 5] {
        assert!(share_request(&[1.0; 5][..len]).is_none(), "{len} numbers");
    }
}

/// An attacker's review: `Infinity` was both "no expiry asked for" and an expiry a caller could
/// ask for, so `expiresAt: Infinity` became a permanent grant. The flag says which; an
/// asked-for `Infinity` reaches the core as asked (which refuses it), and only
/// [`EXPIRY_NONE`] is "never": any other flag asks for the expiry (fail closed).
#[test]
fn a_share_request_says_whether_an_expiry_is_asked_for() {
    let (asked, none) = (f64::from(EXPIRY_ASKED), f64::from(EXPIRY_NONE));
    let r = share_request(&[0.0, 1.0, f64::INFINITY, asked]).unwrap();
    assert_eq!(r.expires_at, Some(f64::INFINITY));
    let r = share_request(&[0.0, 1.0, f64::INFINITY, none]).unwrap();
    assert_eq!(r.expires_at, None);
    for flag in [2.0, -1.0, 0.5, f64::NAN, f64::INFINITY] {
        let r = share_request(&[0.0, 1.0, 5.0, flag]).unwrap();
        assert_eq!(r.expires_at, Some(5.0), "flag {flag}");
    }
}

#[test]
fn codes_outside_a_byte_or_not_whole_are_not_codes() {
    assert_eq!((byte(0), byte(1), byte(254), byte(255)), (0, 1, 254, 255));
    assert_eq!((byte(256), byte(u32::MAX)), (NOT_A_CODE, NOT_A_CODE));
    assert_eq!((code(0.0), code(1.0), code(7.0)), (0, 1, 7));
    for v in [-1.0, 0.5, 256.0, f64::NAN, f64::INFINITY] {
        assert_eq!(code(v), NOT_A_CODE, "{v}");
    }
}

/// `levels`, the boundary's compiler of access levels: every name in order, then the public
/// and share levels when named (defaults otherwise), and an error for what the core refuses.
#[test]
fn levels_compiles_names_in_order_with_the_named_public_and_share_levels() {
    use convex_guard::wire::access::levels;
    let names = ["reader", "commenter", "editor", "admin", "owner"];
    let defaults = levels(&names, None, None).unwrap();
    assert_eq!(defaults.names(), names);
    assert_eq!((defaults.public(), defaults.share()), (1, 4));
    let named = levels(&names, Some("commenter"), Some("editor")).unwrap();
    assert_eq!(named.names(), names);
    assert_eq!((named.public(), named.share()), (2, 3));
    // A level named as public or share must be declared; a declared level is checked.
    assert_eq!(
        levels(&names, Some("nobody"), None).unwrap_err().code(),
        "INVALID_CONFIG"
    );
    assert_eq!(
        levels(&names, None, Some("nobody")).unwrap_err().code(),
        "INVALID_CONFIG"
    );
    assert_eq!(
        levels(&["a", "a"], None, None).unwrap_err().code(),
        "INVALID_CONFIG"
    );
    // No names: the standard levels.
    let none: [&str; 0] = [];
    assert_eq!(
        levels(&none, None, None).unwrap().names(),
        convex_guard::access::Levels::standard().names()
    );
}
