//! How errors quote what they were given, found by mutation testing (`make mutants`): an
//! over-long name is quoted by its first 32 bytes, cut back to a character boundary, never
//! dropped whole and never cut inside a character.
#![allow(clippy::unwrap_used)]

use convex_guard::access::Levels;

fn unknown_level(name: &str) -> String {
    Levels::standard()
        .level(name)
        .unwrap_err()
        .message()
        .to_owned()
}

#[test]
fn long_names_are_quoted_by_their_first_32_bytes() {
    let quoted = |q: &str| ["unknown access level '", q, "'"].concat();
    assert_eq!(unknown_level(&"x".repeat(40)), quoted(&"x".repeat(32)));
    // Byte 32 starts a character: the cut is there.
    assert_eq!(unknown_level(&"é".repeat(40)), quoted(&"é".repeat(16)));
    // Byte 32 is inside a character: the cut moves back to the character's start.
    let odd = ["a", &"é".repeat(40)].concat();
    assert_eq!(
        unknown_level(&odd),
        quoted(&["a", &"é".repeat(15)].concat())
    );
    let three = ["ab", &"€".repeat(20)].concat(); // '€' is 3 bytes: 2 + 30 = 32, a boundary
    assert_eq!(
        unknown_level(&three),
        quoted(&["ab", &"€".repeat(10)].concat())
    );
    let four = ["abc", &"€".repeat(20)].concat(); // 3 + 30 = 33: cut back to 30 + 3 - 3
    assert_eq!(
        unknown_level(&four),
        quoted(&["abc", &"€".repeat(9)].concat())
    );
    // Short names are quoted whole.
    assert_eq!(unknown_level("root"), quoted("root"));
}

#[test]
fn an_error_displays_as_its_code_then_its_message() {
    // What `?` into a `Box<dyn Error>` or a log line shows; found by `make mutants`.
    let e = Levels::standard().level("nope").unwrap_err();
    assert_eq!(e.to_string(), [e.code(), ": ", &e.message()].concat());
    assert_eq!(
        e.to_string(),
        "INVALID_ARGUMENT: unknown access level 'nope'"
    );
}

#[test]
fn an_error_debugs_as_its_fields() {
    // What `unwrap_err` and `assert!` print; the contents are boxed since the size work, so
    // `Debug` is written by hand (found by `make mutants`).
    let e = Levels::standard().level("nope").unwrap_err();
    let shown = format!("{e:?}");
    assert!(shown.starts_with("Error { kind: "), "{shown}");
    for field in ["parts: ", "texts: ", "nums: ", "\"nope\""] {
        assert!(shown.contains(field), "{field} in {shown}");
    }
}
