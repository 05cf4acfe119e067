//! Roles and permissions across the boundary: a builder (`create(KIND_POLICY)`) takes roles and
//! grants as strings, compiles once, then the compiled policy answers whole tables.

use super::{call, Answer, Fail, Object, Table};

/// The builder `handle` addresses.
fn builder(table: &mut Table, handle: u32) -> Result<&mut crate::policy::PolicyBuilder, Fail> {
    match table.get(handle)? {
        Object::PolicyBuilder(b) => Ok(b),
        _ => Err(Fail::Invalid),
    }
}

/// The compiled policy `handle` addresses.
fn compiled(table: &mut Table, handle: u32) -> Result<&crate::policy::Policy, Fail> {
    match table.get(handle)? {
        Object::Policy(p) => Ok(p),
        _ => Err(Fail::Invalid),
    }
}

/// Declares the next role (`len` bytes of input), above all earlier ones.
#[no_mangle]
pub extern "C" fn policy_role(handle: u32, len: u32) -> i32 {
    call(|table, input| {
        let name = input.text(len)?;
        builder(table, handle)?.role(name)?;
        Ok(Answer::Int(0))
    })
}

/// Grants a permission to a role and every role above it (two strings of input).
#[no_mangle]
pub extern "C" fn policy_grant(handle: u32, role_len: u32, permission_len: u32) -> i32 {
    call(|table, input| {
        let (role, permission) = (input.text(role_len)?, input.text(permission_len)?);
        builder(table, handle)?.grant(role, permission)?;
        Ok(Answer::Int(0))
    })
}

/// Validates and compiles the policy; the builder is consumed either way. Answers the
/// compiled policy's handle.
#[no_mangle]
pub extern "C" fn policy_build(handle: u32) -> i32 {
    call(|table, _| match table.take(handle)? {
        Object::PolicyBuilder(b) => table.insert(Object::Policy(b.build()?)),
        _ => Err(Fail::Invalid),
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

/// Every "at least" decision: `(n + 1) * n` bytes for `n` roles, the byte at
/// `role * n + min_role` is 1 when role id `role` is `min_role` or higher; row `n` stands for
/// any role not in the policy and is all 0.
#[no_mangle]
pub extern "C" fn policy_at_least(handle: u32) -> i32 {
    call(|table, _| Ok(Answer::Bytes(compiled(table, handle)?.at_least_table())))
}
