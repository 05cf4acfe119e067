//! Lists meant lowest first that were written highest first (attack46): roles and access
//! levels. Its own module so that the roles-only module (convex-guard/client/roles, a browser
//! pre-check held to 15 KB) can leave the roles' check out (the `ladder` feature) and its
//! message table need not hold the template; the server's module refuses such roles at the
//! first use, and access levels are checked wherever `access` is.

use crate::error::{Error, Msg};
use alloc::string::String;

/// Names well known as the top of a ladder of roles or access levels (`owner` first, then
/// after `|` the others), then (after a second `|`) as its bottom, each followed by a space
/// ([`check_order`]). One string read byte by byte: a table
/// of `&str`s, `split`, or the names as numbers were each more wasm.
const LADDER: &[u8] =
    b"owner | admin administrator superadmin root org:admin moderator editor writer write | user member viewer guest org:member reader read subscriber customer ";

/// Checks that `names`, a list of `what` ("role", "access level") meant lowest first, was not
/// written highest first, as many RBAC configurations are (attack46): a well-known top name
/// listed before a well-known bottom one ([`LADDER`]) would make the bottom name the higher
/// one, so that every `user` passes a check of `admin`. Only such pairs are judged: the order
/// of names that are not well known is never guessed at. With `owner_last` (access levels: the
/// error to give), a name `owner` must also be the last: the last level is the one a document's
/// owner holds. Passed in, so that the roles-only module, which never sends it, names no
/// access-level message.
///
/// # Errors
/// A [`crate::error::Kind::Config`] error naming the first top name and the bottom name listed after it, or
/// saying `owner` must be the last.
#[inline(never)]
pub(crate) fn check_order(
    what: Msg,
    names: &[String],
    owner_last: Option<Msg>,
) -> Result<(), Error> {
    let mut top = "";
    for (i, name) in names.iter().enumerate() {
        let rung = rung(name.as_bytes());
        if let Some(error) = owner_last.filter(|_| rung == 3 && i + 1 != names.len()) {
            return Err(Error::config(&[error], &[], &[]));
        }
        if rung >= 2 && top.is_empty() {
            top = name;
        } else if rung == 1 && !top.is_empty() {
            return Err(Error::config(&[what, Msg::ListedBefore], &[top, name], &[]));
        }
    }
    Ok(())
}

/// 3 for `owner`, 2 for another well-known top name, 1 for a well-known bottom one, 0 for any
/// other ([`LADDER`]).
fn rung(name: &[u8]) -> u8 {
    let mut rung = 3;
    // How many bytes of `name` the current word matched so far; `usize::MAX` once it differs.
    let mut at = 0;
    for &b in LADDER {
        if b == b' ' {
            if at == name.len() {
                return rung;
            }
            at = 0;
        } else if b == b'|' {
            rung -= 1;
        } else if at != usize::MAX && name.get(at) == Some(&b) {
            at += 1;
        } else {
            at = usize::MAX;
        }
    }
    0
}
