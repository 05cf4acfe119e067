//! Roles and permissions across the boundary: the whole configuration (roles, then grants)
//! crosses in one call that compiles it; the compiled policy then answers whole tables.

use super::{call, Answer, Fail, Object, Table};

/// The compiled policy `handle` addresses.
// In the roles-only module a compiled policy is the only kind of object there is.
#[allow(unreachable_patterns)]
fn compiled(table: &mut Table, handle: u32) -> Result<&crate::policy::Policy, Fail> {
    match table.get(handle)? {
        Object::Policy(p) => Ok(p),
        _ => Err(Fail::Invalid),
    }
}

/// Declares `roles` roles (lowest first), then makes `grants` grants, in order, exactly as
/// [`crate::policy::PolicyBuilder`]'s `role` and `grant` one by one, and stops at the first
/// one it refuses. With `build` 1 it then validates and compiles the policy; with 0 it only
/// checks the entries (the TypeScript layer met an entry it refuses itself, after these).
///
/// Input: `roles + 2 * grants` lengths (`u32`), then the strings those lengths measure, one
/// after the other: the role names, then each grant's role and permission. Answers 0 when
/// `build` is 0; else the compiled policy's handle, with its "at least" table in the I/O
/// area: `(n + 1) * n` bytes for `n` roles, the byte at `role * n + min_role` is 1 when role
/// id `role` is `min_role` or higher; row `n` stands for any role not in the policy and is
/// all 0. One call rather than one per entry: each export the first request of a context runs
/// is compiled then (V8 compiles WebAssembly functions lazily, at their first call).
#[no_mangle]
pub extern "C" fn policy_compile(roles: u32, grants: u32, build: u32) -> i32 {
    call(|table, input| {
        // The lengths, read in place (no copy of them is made): role names first.
        let count = grants.checked_mul(2).and_then(|g| g.checked_add(roles));
        let count = count.ok_or(Fail::Invalid)?;
        input.skip(count.checked_mul(4).ok_or(Fail::Invalid)?)?;
        let mut builder =
            crate::policy::PolicyBuilder::with_capacity(roles as usize, grants as usize);
        for i in 0..roles {
            let len = input.u32_at(i)?;
            builder.role(input.text(len)?)?;
        }
        for i in (roles..count).step_by(2) {
            let role = input.text(input.u32_at(i)?)?;
            builder.grant(role, input.text(input.u32_at(i + 1)?)?)?;
        }
        if build == 0 {
            return Ok(Answer::Int(0));
        }
        let policy = builder.build()?;
        let at_least = policy.at_least_table();
        let handle = table.insert(Object::Policy(policy))?;
        Ok(Answer::Handle(handle, at_least))
    })
}

/// Decides a permission (`len` bytes of input) for every role: for `n` roles, `n + 1` bytes
/// by role id, 1 where that role holds it; byte `n` stands for any role not in the policy and
/// is 0 (see `policy::Policy::holders`). Refuses a malformed name (`INVALID_ARGUMENT`).
#[no_mangle]
pub extern "C" fn policy_holders(handle: u32, len: u32) -> i32 {
    call(|table, input| {
        let permission = input.text(len)?;
        Ok(Answer::Bytes(compiled(table, handle)?.holders(permission)?))
    })
}
