//! Name bounds and read-backs of the policy that the vectors and property tests do not pin,
//! found by mutation testing (`make mutants`): a name of exactly the maximum length is a name,
//! one byte more is refused; `roles()` reads back the declared roles in order.
#![allow(clippy::unwrap_used)]

use convex_guard::access::{check_level_name, MAX_LEVEL_NAME_LEN};
use convex_guard::policy::{
    check_permission_name, check_role_name, PolicyBuilder, MAX_PERMISSION_LEN, MAX_ROLE_LEN,
};

#[test]
fn names_at_the_length_bound_are_accepted_and_one_byte_more_refused() {
    assert!(check_role_name(&"r".repeat(MAX_ROLE_LEN)).is_ok());
    assert!(check_role_name(&"r".repeat(MAX_ROLE_LEN + 1)).is_err());
    assert!(check_permission_name(&"p".repeat(MAX_PERMISSION_LEN)).is_ok());
    assert!(check_permission_name(&"p".repeat(MAX_PERMISSION_LEN + 1)).is_err());
    // Access levels share the checker with their own bound.
    assert!(check_level_name(&"l".repeat(MAX_LEVEL_NAME_LEN)).is_ok());
    assert!(check_level_name(&"l".repeat(MAX_LEVEL_NAME_LEN + 1)).is_err());
}

/// Every ASCII byte inside a name: a role takes exactly `A-Z a-z 0-9 _ - . :`, an access level
/// the same but for `:` (a role may be Clerk Organizations' `org:admin`; no provider names
/// levels). Each refusal names the characters its kind of name allows.
#[test]
fn role_names_take_a_colon_and_level_names_do_not() {
    for b in 0u8..128 {
        let name = ["a", &(b as char).to_string(), "b"].concat();
        let base = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
        assert_eq!(
            check_role_name(&name).is_ok(),
            base || b == b':',
            "role {name:?}"
        );
        assert_eq!(check_level_name(&name).is_ok(), base, "level {name:?}");
    }
    for name in [
        "org:admin",
        ":admin",
        "org:",
        "org::admin",
        "org:billing.manager",
    ] {
        assert!(check_role_name(name).is_ok(), "{name}");
    }
    assert_eq!(
        check_role_name("org:*").unwrap_err().message(),
        "role name 'org:*' may only contain letters, digits, '_', '-', '.' and ':'"
    );
    assert_eq!(
        check_level_name("org:viewer").unwrap_err().message(),
        "access level name 'org:viewer' may only contain letters, digits, '_', '-' and '.'"
    );
}

#[test]
fn roles_read_back_lowest_first() {
    let mut b = PolicyBuilder::default();
    for r in ["user", "moderator", "admin"] {
        b.role(r).unwrap();
    }
    let p = b.build().unwrap();
    assert_eq!(p.roles(), ["user", "moderator", "admin"]);
}

#[test]
fn the_lowest_role_for_a_permission_is_named_by_its_index() {
    let mut b = PolicyBuilder::default();
    for r in ["user", "moderator", "admin"] {
        b.role(r).unwrap();
    }
    b.grant("moderator", "posts:hide").unwrap();
    b.grant("admin", "posts:*").unwrap();
    let p = b.build().unwrap();
    assert_eq!(p.lowest_role_for("posts:hide").unwrap(), Some(1));
    assert_eq!(p.lowest_role_for("posts:delete").unwrap(), Some(2)); // through the wildcard
    assert_eq!(p.lowest_role_for("users:ban").unwrap(), None);
    assert!(p.lowest_role_for("not a name").is_err());
}

#[test]
fn the_first_index_past_the_roles_is_no_role() {
    // Off-by-one at the end of the role list: index `n` is as unknown as `u32::MAX`.
    let mut b = PolicyBuilder::default();
    for r in ["user", "admin"] {
        b.role(r).unwrap();
    }
    b.grant("user", "posts:read").unwrap();
    let mut p = b.build().unwrap();
    let read = p.intern("posts:read").unwrap();
    assert!(p.role_at_least(1, 0) && p.role_at_least(1, 1));
    assert!(!p.role_at_least(2, 0), "role index 2 of 2 roles");
    assert!(!p.role_at_least(2, 2));
    assert!(!p.role_at_least(1, 2), "minimum role index 2 of 2 roles");
    assert!(p.can(1, read));
    assert!(!p.can(2, read), "role index 2 of 2 roles");
}
