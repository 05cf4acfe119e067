//! Details of the access contract that the vectors and property tests do not pin, found by
//! mutation testing (`make mutants`): the numeric denial codes the binding hands to JavaScript,
//! which level an error names, and every single length mismatch of a batch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use convex_guard::access::{
    can_transfer, Caller, Denial, Documents, Grants, Levels, Source, GRANT_DIRECT, NO_EXPIRY,
    NO_PARENT,
};
use convex_guard::Error;

const NOW: f64 = 1_700_000_000_000.0;

/// The codes are wire constants: the TypeScript layer maps 1..=4 back to these denials.
#[test]
fn denial_codes_are_the_wire_codes() {
    assert_eq!(Denial::BelowShareLevel.code(), 1);
    assert_eq!(Denial::AboveOwnLevel.code(), 2);
    assert_eq!(Denial::OwnerLevel.code(), 3);
    assert_eq!(Denial::NotOwner.code(), 4);
    // And the code of what the deciding functions return is the one of the denial they name.
    let l = Levels::standard();
    assert_eq!(l.can_share(2, 1).unwrap().unwrap_err().code(), 1);
    assert_eq!(l.can_share(3, 4).unwrap().unwrap_err().code(), 3);
    assert_eq!(can_transfer(Source::Direct).unwrap_err().code(), 4);
}

fn message(r: Result<Result<(), Denial>, Error>) -> String {
    r.unwrap_err().message().to_owned()
}

/// A bad level is reported by name of the argument that holds it, with its value.
#[test]
fn can_share_names_the_bad_level() {
    let l = Levels::standard();
    assert_eq!(
        message(l.can_share(5, 1)),
        "caller level 5 is not an access level"
    );
    assert_eq!(
        message(l.can_share(3, 0)),
        "granted level 0 is not an access level"
    );
    assert_eq!(
        message(l.can_share(3, 9)),
        "granted level 9 is not an access level"
    );
    // A caller at the owner level is a valid caller: the bad one is the granted level.
    assert_eq!(
        message(l.can_share(4, 0)),
        "granted level 0 is not an access level"
    );
    assert_eq!(
        message(l.can_share(4, 5)),
        "granted level 5 is not an access level"
    );
    // Both bad: the caller's is named first.
    assert_eq!(
        message(l.can_share(7, 9)),
        "caller level 7 is not an access level"
    );
    // The owner level itself is a level, for either argument.
    assert!(l.can_share(4, 3).unwrap().is_ok());
}

/// One valid document and one valid grant, as owned vectors to shorten one at a time.
struct Batch {
    owner: Vec<u32>,
    public: Vec<u8>,
    parent: Vec<u32>,
    doc: Vec<u32>,
    subject: Vec<u32>,
    kind: Vec<u8>,
    level: Vec<u8>,
    expires_at: Vec<f64>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            owner: vec![7],
            public: vec![0],
            parent: vec![NO_PARENT],
            doc: vec![0],
            subject: vec![5],
            kind: vec![GRANT_DIRECT],
            level: vec![2],
            expires_at: vec![NO_EXPIRY],
        }
    }

    fn resolve(&self) -> Result<Vec<convex_guard::access::Access>, Error> {
        Levels::standard().resolve(
            NOW,
            Caller { id: 5, groups: &[] },
            Documents {
                owner: &self.owner,
                public: &self.public,
                parent: &self.parent,
            },
            Grants {
                doc: &self.doc,
                subject: &self.subject,
                kind: &self.kind,
                level: &self.level,
                expires_at: &self.expires_at,
            },
        )
    }
}

/// Every parallel array, alone one element short, makes the whole batch an error (never a
/// decision over the rows that happen to line up).
#[test]
fn each_single_length_mismatch_is_an_error() {
    let ok = Batch::new().resolve().unwrap();
    assert_eq!((ok[0].level, ok[0].source), (2, Source::Direct));
    let shorten: [fn(&mut Batch); 8] = [
        |b| b.owner.clear(),
        |b| b.public.clear(),
        |b| b.parent.clear(),
        |b| b.doc.clear(),
        |b| b.subject.clear(),
        |b| b.kind.clear(),
        |b| b.level.clear(),
        |b| b.expires_at.clear(),
    ];
    for (i, f) in shorten.iter().enumerate() {
        let mut b = Batch::new();
        f(&mut b);
        let e = b.resolve().expect_err(&format!("array {i} shortened"));
        assert_eq!(e.code(), "INVALID_ARGUMENT", "array {i}");
        assert!(e.message().contains("same length"), "array {i}: {e}");
    }
}
