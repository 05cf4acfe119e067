//! Roles in an ordered hierarchy and the permissions they hold.
//!
//! A policy lists roles lowest first. A permission granted to a role is held by that role and
//! by every role above it, so a whole policy compiles to one number per permission: the lowest
//! role that holds it. A decision is then one comparison of two small integers.
//!
//! Permission names are `segment:segment...` (for example `delete:users`). A grant of the form
//! `prefix:*` is a wildcard: it holds every permission whose name starts with `prefix:`.
//!
//! Deny by default: an unknown role index ([`NO_ROLE`]) holds nothing, a permission no role
//! was granted is held by nobody, and a malformed name is an [`Error`], never an allow.
//!
//! ```
//! use convex_guard::policy::PolicyBuilder;
//! let mut b = PolicyBuilder::default();
//! for r in ["user", "moderator", "admin"] { b.role(r)?; }
//! b.grant("user", "read:users")?;
//! b.grant("admin", "users:*")?;
//! let mut p = b.build()?;
//! let read = p.intern("read:users")?;
//! let ban = p.intern("users:ban")?;
//! let (user, admin) = (p.role_index("user").unwrap(), p.role_index("admin").unwrap());
//! assert!(p.can(user, read) && p.can(admin, read));
//! assert!(!p.can(user, ban) && p.can(admin, ban));
//! # Ok::<(), convex_guard::Error>(())
//! ```

use crate::error::{truncated, Error, Kind, Msg};
use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

/// Most roles a policy may declare.
pub const MAX_ROLES: usize = 64;
/// Most permission grants (role, permission) a policy may declare.
pub const MAX_GRANTS: usize = 1024;
/// Longest role name, in bytes.
pub const MAX_ROLE_LEN: usize = 64;
/// Longest permission name, in bytes (wildcards included).
pub const MAX_PERMISSION_LEN: usize = 128;
/// Most distinct permission names one compiled policy will intern for fast checks.
pub const MAX_INTERNED: usize = 4096;
/// The role index that stands for "no role": unknown, missing or not a string.
pub const NO_ROLE: u32 = u32::MAX;
/// Stored for a permission no role holds.
const NOBODY: u8 = u8::MAX;

/// Collects roles and grants, then validates them all at once in [`PolicyBuilder::build`].
#[derive(Debug, Default, Clone)]
pub struct PolicyBuilder {
    roles: Vec<String>,
    grants: Vec<(u8, String)>,
}

/// A validated policy: roles, and for each permission the lowest role that holds it.
#[derive(Debug, Clone)]
pub struct Policy {
    roles: Vec<String>,
    /// Exact grants in configuration order: (permission, lowest role holding it). Searched
    /// linearly, and only when a name is interned, never on the decision path.
    exact: Vec<(String, u8)>,
    /// Wildcard grants: (prefix ending in ':', lowest role holding it).
    wildcards: Vec<(String, u8)>,
    /// Interned permission ids: the lowest role holding each, or [`NOBODY`].
    interned: Vec<u8>,
    /// Names of interned permissions, sorted, with their ids.
    interned_names: Vec<(String, u32)>,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Checks a configured name (a role, an access level, ...): 1 to `max` bytes of
/// `A-Z a-z 0-9 _ - .` and the byte `also` (`:` for a role; `.` again, so nothing more, for an
/// access level), refused with `chars`, the message naming them. `what` names the kind of name
/// in messages ("role", "access level"). One checker for every such name, so the rules and the
/// messages cannot drift apart.
///
/// A role may hold `:` because auth providers name roles so (Clerk Organizations' `org:admin`,
/// `org:member`), and `users.roleClaim` compares the claim with the role names as they are. No
/// role name is ever joined with another name or split: roles cross the boundary one string
/// each, and permissions (`resource:action`) are names of their own. An access level keeps the
/// stricter rule (no provider names levels).
///
/// # Errors
/// A [`Kind::Config`] error naming the name when it is empty, too long or has another
/// character.
pub(crate) fn check_name(
    what: Msg,
    name: &str,
    max: usize,
    also: u8,
    chars: Msg,
) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::config(&[what, Msg::NamesEmpty], &[], &[]));
    }
    if name.len() > max {
        return Err(Error::config(
            &[what, Msg::NameTooLong],
            &[truncated(name)],
            &[max as u64],
        ));
    }
    if !name.bytes().all(|b| is_name_byte(b) || b == also) {
        return Err(Error::config(&[what, chars], &[name], &[]));
    }
    Ok(())
}

/// Where `name` is in `names`: one loop for every such search, so that the module holds one.
#[inline(never)]
pub(crate) fn position(names: &[String], name: &[u8]) -> Option<usize> {
    names.iter().position(|n| n.as_bytes() == name)
}

/// Checks a role name: 1 to [`MAX_ROLE_LEN`] bytes of `A-Z a-z 0-9 _ - . :` (`org:admin`).
///
/// # Errors
/// A [`Kind::Config`] error naming the role when it is empty, too long or has another
/// character.
pub fn check_role_name(name: &str) -> Result<(), Error> {
    check_name(Msg::Role, name, MAX_ROLE_LEN, b':', Msg::RoleNameChars)
}

/// What a permission name turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionKind {
    /// A plain name such as `delete:users`.
    Exact,
    /// A wildcard `prefix:*`.
    Wildcard,
}

/// Checks a permission name: segments of `A-Z a-z 0-9 _ - .` joined by `:`, at most
/// [`MAX_PERMISSION_LEN`] bytes, optionally ending in `:*` (a wildcard). `*` may appear nowhere
/// else, and no segment may be empty.
///
/// # Errors
/// A [`Kind::Argument`] error naming the permission when it is malformed (the caller
/// re-labels it as a configuration error when it came from the configuration).
// `iter().any` rather than `contains`: `memchr`, see below.
#[allow(clippy::manual_contains)]
pub fn check_permission_name(name: &str) -> Result<PermissionKind, Error> {
    if name.is_empty() {
        return Err(Error::argument(&[Msg::PermissionEmpty], &[], &[]));
    }
    if name.len() > MAX_PERMISSION_LEN {
        return Err(Error::argument(
            &[Msg::PermissionTooLong],
            &[truncated(name)],
            &[MAX_PERMISSION_LEN as u64],
        ));
    }
    let (body, kind) = match name.strip_suffix(":*") {
        Some(prefix) => (prefix, PermissionKind::Wildcard),
        None => (name, PermissionKind::Exact),
    };
    // Byte by byte rather than `str::contains` and `str::split`: those link `memchr` (0.4 KB
    // of wasm) for names of at most 128 bytes. Both characters are ASCII, so it is the same.
    let body = body.as_bytes();
    if body.iter().any(|&b| b == b'*') {
        return Err(Error::argument(&[Msg::MalformedWildcard], &[name], &[]));
    }
    let segments_ok = body
        .split(|&b| b == b':')
        .all(|seg| !seg.is_empty() && seg.iter().all(|&b| is_name_byte(b)));
    if !segments_ok {
        return Err(Error::argument(&[Msg::PermissionSegments], &[name], &[]));
    }
    Ok(kind)
}

impl PolicyBuilder {
    /// A builder with room for `roles` roles and `grants` grants (each bounded by its limit,
    /// [`MAX_ROLES`] and [`MAX_GRANTS`]), so that declaring them never grows a vector. The
    /// same builder as [`PolicyBuilder::default`] otherwise: the engine's binding declares a
    /// whole configuration it has counted, and V8 compiles a WebAssembly function at its first
    /// call, so a first request that never grows a vector never compiles vector growth.
    pub fn with_capacity(roles: usize, grants: usize) -> PolicyBuilder {
        PolicyBuilder {
            roles: Vec::with_capacity(roles.min(MAX_ROLES)),
            grants: Vec::with_capacity(grants.min(MAX_GRANTS)),
        }
    }

    /// Declares the next role, above every role declared before it.
    ///
    /// # Errors
    /// A [`Kind::Config`] error for a malformed or duplicate name, or more than [`MAX_ROLES`]
    /// roles.
    pub fn role(&mut self, name: &str) -> Result<(), Error> {
        check_role_name(name)?;
        if position(&self.roles, name.as_bytes()).is_some() {
            return Err(Error::config(&[Msg::DuplicateRole], &[name], &[]));
        }
        if self.roles.len() >= MAX_ROLES {
            return Err(Error::config(
                &[Msg::TooManyRoles],
                &[],
                &[MAX_ROLES as u64],
            ));
        }
        self.roles.push(name.to_owned());
        Ok(())
    }

    /// Grants `permission` to `role` (and so to every role above it).
    ///
    /// # Errors
    /// A [`Kind::Config`] error when the role was not declared, the permission is malformed,
    /// or the policy already has [`MAX_GRANTS`] grants.
    pub fn grant(&mut self, role: &str, permission: &str) -> Result<(), Error> {
        let Some(index) = position(&self.roles, role.as_bytes()) else {
            return Err(Error::config(&[Msg::UnknownRole], &[role], &[]));
        };
        if let Err(e) = check_permission_name(permission) {
            return Err(e.within(Kind::Config, Msg::InRole, &[role], &[]));
        }
        if self.grants.len() >= MAX_GRANTS {
            return Err(Error::config(
                &[Msg::TooManyGrants],
                &[],
                &[MAX_GRANTS as u64],
            ));
        }
        // `index < MAX_ROLES <= 64`, so it fits in a u8.
        self.grants.push((index as u8, permission.to_owned()));
        Ok(())
    }

    /// Validates the whole policy and compiles it.
    ///
    /// # Errors
    /// A [`Kind::Config`] error when no role was declared, or when the roles were listed
    /// highest first (`ladder::check_order`).
    pub fn build(self) -> Result<Policy, Error> {
        if self.roles.is_empty() {
            return Err(Error::config(&[Msg::NoRoles], &[], &[]));
        }
        // Not in the roles-only module (the `ladder` feature: its budget); the server's refuses.
        if cfg!(feature = "ladder") {
            crate::ladder::check_order(Msg::Role, &self.roles, None)?;
        }
        // Room for every grant in each list, so that neither grows (see `with_capacity`): at
        // most MAX_GRANTS entries of 16 bytes each, for the policy's life.
        let mut exact: Vec<(String, u8)> = Vec::with_capacity(self.grants.len());
        let mut wildcards: Vec<(String, u8)> = Vec::with_capacity(self.grants.len());
        for (role, name) in self.grants {
            let (list, key) = match name.strip_suffix("*") {
                // `check_permission_name` guarantees a wildcard ends in ":*": keep "prefix:".
                Some(prefix) => (&mut wildcards, prefix.to_owned()),
                None => (&mut exact, name),
            };
            match list.iter_mut().find(|(n, _)| *n == key) {
                Some(entry) => entry.1 = entry.1.min(role),
                None => list.push((key, role)),
            }
        }
        Ok(Policy {
            roles: self.roles,
            exact,
            wildcards,
            interned: Vec::new(),
            interned_names: Vec::new(),
        })
    }
}

impl Policy {
    /// The declared roles, lowest first.
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// The index of a role name, or `None` when it is not declared.
    pub fn role_index(&self, name: &str) -> Option<u32> {
        position(&self.roles, name.as_bytes()).map(|i| i as u32)
    }

    /// The lowest role that holds `permission`, or `None` when no role holds it.
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when `permission` is malformed.
    pub fn lowest_role_for(&self, permission: &str) -> Result<Option<u32>, Error> {
        check_permission_name(permission)?;
        let lowest = self.lowest(permission);
        Ok((lowest != NOBODY).then_some(u32::from(lowest)))
    }

    fn lowest(&self, permission: &str) -> u8 {
        let exact = self
            .exact
            .iter()
            .find(|(n, _)| n == permission)
            .map_or(NOBODY, |e| e.1);
        self.wildcards
            .iter()
            .filter(|(prefix, _)| permission.starts_with(prefix.as_str()))
            .fold(exact, |acc, (_, role)| acc.min(*role))
    }

    /// Interns `permission` and returns a small id for [`Policy::can`]. Interning the same name
    /// again returns the same id.
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when the name is malformed, or when [`MAX_INTERNED`] distinct
    /// names were interned already (names checked at run time should come from code, not from
    /// users).
    pub fn intern(&mut self, permission: &str) -> Result<u32, Error> {
        check_permission_name(permission)?;
        let slot = self
            .interned_names
            .binary_search_by(|(n, _)| n.as_str().cmp(permission));
        match slot {
            Ok(i) => Ok(self.interned_names.get(i).map_or(0, |e| e.1)),
            Err(i) => {
                if self.interned.len() >= MAX_INTERNED {
                    return Err(Error::argument(
                        &[Msg::TooManyInterned],
                        &[],
                        &[MAX_INTERNED as u64],
                    ));
                }
                let id = self.interned.len() as u32;
                self.interned.push(self.lowest(permission));
                self.interned_names.insert(i, (permission.to_owned(), id));
                Ok(id)
            }
        }
    }

    /// Whether the role at index `role` holds the interned permission `permission`.
    /// [`NO_ROLE`], any other out-of-range role and any unknown id are denied.
    #[inline]
    pub fn can(&self, role: u32, permission: u32) -> bool {
        let Some(&lowest) = self.interned.get(permission as usize) else {
            return false;
        };
        self.holds(role, lowest)
    }

    /// The one rule: role `role` holds a permission whose lowest holder is `lowest`.
    #[inline]
    fn holds(&self, role: u32, lowest: u8) -> bool {
        (role as usize) < self.roles.len() && lowest != NOBODY && role >= u32::from(lowest)
    }

    /// Decides `permission` for every role at once, without interning it: `n + 1` bytes for
    /// `n` roles, the byte at role index `r` is 1 where that role holds it (the rule of
    /// [`Policy::can`]), else 0; the last one, at index `n`, stands for every role the policy
    /// does not have ([`NO_ROLE`] included) and is 0. Keeps no state, so it answers however
    /// many names were checked before.
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when `permission` is malformed.
    pub fn holders(&self, permission: &str) -> Result<Vec<u8>, Error> {
        check_permission_name(permission)?;
        let lowest = self.lowest(permission);
        Ok((0..self.roles.len() + 1)
            .map(|r| u8::from(self.holds(r as u32, lowest)))
            .collect())
    }

    /// "At least" for every pair of roles: `(n + 1) * n` bytes for `n` roles, the byte at
    /// `role * n + min_role` is 1 when [`Policy::role_at_least`] holds, else 0. Row `n` stands
    /// for every role the policy does not have ([`NO_ROLE`] included) and is all 0.
    pub fn at_least_table(&self) -> Vec<u8> {
        // Divided by a `NonZeroU32`: no division-by-zero panic path (and its message) is linked
        // into the module. With no role the table is empty, as the range below would be.
        let Some(d) = core::num::NonZeroU32::new(self.roles.len() as u32) else {
            return Vec::new();
        };
        let n = d.get();
        (0..(n + 1) * n)
            .map(|i| u8::from(self.role_at_least(i / d, i % d)))
            .collect()
    }

    /// Whether `role` is `min_role` or above it. Out-of-range indices are denied.
    #[inline]
    pub fn role_at_least(&self, role: u32, min_role: u32) -> bool {
        let n = self.roles.len();
        (role as usize) < n && (min_role as usize) < n && role >= min_role
    }

    /// The permissions the role at `role` holds: exact names, then `prefix:*` wildcards, each
    /// in configuration order. Empty for an out-of-range role.
    pub fn permissions_of(&self, role: u32) -> Vec<String> {
        if role as usize >= self.roles.len() {
            return Vec::new();
        }
        self.exact
            .iter()
            .filter(|(_, r)| u32::from(*r) <= role)
            .map(|(n, _)| n.clone())
            .chain(
                self.wildcards
                    .iter()
                    .filter(|(_, r)| u32::from(*r) <= role)
                    .map(|(p, _)| {
                        let mut w = p.clone();
                        w.push('*');
                        w
                    }),
            )
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::error::int;

    fn policy() -> Policy {
        let mut b = PolicyBuilder::default();
        for r in ["user", "moderator", "admin", "superadmin"] {
            b.role(r).unwrap();
        }
        b.grant("user", "read:users").unwrap();
        b.grant("moderator", "write:users").unwrap();
        b.grant("admin", "delete:users").unwrap();
        b.grant("superadmin", "admin:*").unwrap();
        b.build().unwrap()
    }

    fn roles(names: &[&str]) -> Result<Policy, Error> {
        let mut b = PolicyBuilder::default();
        for r in names {
            b.role(r)?;
        }
        b.build()
    }

    #[test]
    fn roles_written_highest_first_are_refused() {
        // attack46: every "user" passed a check of "admin".
        let e = roles(&["admin", "moderator", "user"]).unwrap_err();
        assert_eq!(e.code(), "INVALID_CONFIG");
        assert_eq!(
            e.message(),
            "role 'admin' is listed before 'user', but the list is lowest first (the last is the highest): reverse it"
        );
        // The first top name is named, with the first bottom name after it.
        let e = roles(&["owner", "x", "superadmin", "org:member", "guest"]).unwrap_err();
        assert_eq!(e.texts(), ["owner", "org:member"]);
        for names in [
            &["root", "member"][..],
            &["org:admin", "org:member"],
            &["editor", "viewer"],
            &["writer", "reader"],
            &["superadmin", "user", "admin"],
            // attack49 F1: WordPress's roles, a shop's, as written highest first.
            &[
                "administrator",
                "editor",
                "author",
                "contributor",
                "subscriber",
            ],
            &["superadmin", "staff", "customer"],
            &["moderator", "member"],
        ] {
            assert!(roles(names).is_err(), "{names:?}");
        }
    }

    #[test]
    fn only_well_known_names_are_judged_for_order() {
        // Lowest first, and names that are not well known in any order: accepted.
        for names in [
            &["user", "moderator", "admin", "superadmin"][..],
            &["guest", "member", "owner"],
            &["org:member", "org:admin"],
            &["admin", "zebra", "moderator"],
            &["admins", "users"],
            &["Admin", "User"],
            &["adm", "use"],
            &["admin"],
            &["owner", "admin", "root"],
            &["user", "viewer", "guest"],
        ] {
            assert!(roles(names).is_ok(), "{names:?}");
        }
    }

    #[test]
    fn inheritance_goes_up_only() {
        let mut p = policy();
        let write = p.intern("write:users").unwrap();
        assert!(!p.can(0, write));
        assert!(p.can(1, write) && p.can(2, write) && p.can(3, write));
    }

    #[test]
    fn wildcard_matches_whole_segments_only() {
        let mut p = policy();
        let sys = p.intern("admin:system").unwrap();
        let deep = p.intern("admin:system:reboot").unwrap();
        let lookalike = p.intern("administrator:x").unwrap();
        assert!(p.can(3, sys) && p.can(3, deep));
        assert!(!p.can(2, sys));
        assert!(
            !p.can(3, lookalike),
            "'admin:*' must not match 'administrator:x'"
        );
    }

    #[test]
    fn unknown_things_are_denied() {
        let mut p = policy();
        let nobody = p.intern("fly:plane").unwrap();
        assert!(!p.can(3, nobody));
        let read = p.intern("read:users").unwrap();
        assert!(!p.can(NO_ROLE, read));
        assert!(!p.can(4, read));
        assert!(!p.can(0, 9999));
        assert!(!p.role_at_least(NO_ROLE, 0));
        assert!(!p.role_at_least(3, 4));
    }

    #[test]
    fn interning_is_stable_and_bounded() {
        let mut p = policy();
        let a = p.intern("read:users").unwrap();
        assert_eq!(p.intern("read:users").unwrap(), a);
        for i in 1..MAX_INTERNED {
            p.intern(&["x:", &int(i as u64)].concat()).unwrap();
        }
        let e = p.intern("one:more").unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        assert_eq!(
            p.intern("read:users").unwrap(),
            a,
            "known names still resolve"
        );
    }

    #[test]
    fn holders_and_tables_agree_with_single_decisions() {
        let mut p = policy();
        for name in [
            "read:users",
            "write:users",
            "admin:x:y",
            "administrator:x",
            "fly:plane",
        ] {
            let id = p.intern(name).unwrap();
            let row = p.holders(name).unwrap();
            assert_eq!(row.len(), 5);
            assert_eq!(row[4], 0, "no role holds {name}");
            for (r, &b) in row.iter().enumerate() {
                assert_eq!(b == 1, p.can(r as u32, id), "{name} for role {r}");
            }
        }
        assert_eq!(p.holders("a::b").unwrap_err().code(), "INVALID_ARGUMENT");
        let t = p.at_least_table();
        assert_eq!(t.len(), 20);
        for role in 0..5u32 {
            for min in 0..4u32 {
                assert_eq!(t[(role * 4 + min) as usize] == 1, role < 4 && role >= min);
            }
        }
    }

    #[test]
    fn holders_answer_after_the_interning_bound() {
        let mut p = policy();
        for i in 0..MAX_INTERNED {
            p.intern(&["x:", &int(i as u64)].concat()).unwrap();
        }
        assert!(p.intern("write:users").is_err());
        assert_eq!(p.holders("write:users").unwrap(), vec![0, 1, 1, 1, 0]);
        assert_eq!(p.holders("admin:reboot").unwrap(), vec![0, 0, 0, 1, 0]);
    }

    #[test]
    fn configuration_errors_name_the_entry() {
        let mut b = PolicyBuilder::default();
        b.role("admin").unwrap();
        assert_eq!(
            b.role("admin").unwrap_err().message(),
            "duplicate role 'admin'"
        );
        assert_eq!(
            b.grant("root", "x:y").unwrap_err().message(),
            "permissions are listed for unknown role 'root'"
        );
        let e = b.grant("admin", "users:*:x").unwrap_err();
        assert_eq!(e.code(), "INVALID_CONFIG");
        assert!(e.message().contains("'users:*:x'"), "{}", e.message());
        assert!(b.role("").is_err());
        assert!(b.role(&"r".repeat(MAX_ROLE_LEN + 1)).is_err());
        assert!(b.role("a b").is_err());
        assert!(b.grant("admin", "*").is_err());
        assert!(b.grant("admin", "a::b").is_err());
        assert!(b.grant("admin", "").is_err());
        assert!(PolicyBuilder::default().build().is_err());
    }

    #[test]
    fn bounds_are_enforced() {
        let mut b = PolicyBuilder::default();
        for i in 0..MAX_ROLES {
            b.role(&["r", &int(i as u64)].concat()).unwrap();
        }
        assert!(b.role("extra").is_err());
        for i in 0..MAX_GRANTS {
            b.grant("r0", &["p:", &int(i as u64)].concat()).unwrap();
        }
        assert!(b.grant("r0", "p:extra").is_err());
    }

    #[test]
    fn permissions_of_lists_inherited_grants() {
        let p = policy();
        assert_eq!(p.permissions_of(0), vec!["read:users"]);
        assert_eq!(
            p.permissions_of(3),
            vec!["read:users", "write:users", "delete:users", "admin:*"]
        );
        assert!(p.permissions_of(NO_ROLE).is_empty());
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let name = "é".repeat(100);
        assert!(check_permission_name(&name).is_err());
        assert!(truncated(&name).len() <= 32);
    }
}
