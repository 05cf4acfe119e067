//! Access levels and shared-access resolution across the boundary.
//!
//! Few entry points on purpose: the levels cross once as strings into a builder
//! (`create(KIND_LEVELS)`); a whole batch then crosses as one array of `u32` and one of `f64`,
//! and its answer comes back as `f64`s (see [`access_resolve`] for the layouts).

use super::{call, Answer, Fail, Object, Table};
use crate::access::{self, Source};
use crate::wire::access::{code, mislength, pack, share_request, split, ALLOWED, NOT_A_CODE};
use alloc::string::String;
use alloc::vec::Vec;

/// The compiled levels `handle` addresses.
fn levels(table: &mut Table, handle: u32) -> Result<&access::Levels, Fail> {
    match table.get(handle)? {
        Object::Levels(l) => Ok(l),
        _ => Err(Fail::Invalid),
    }
}

/// Declares the next level (`len` bytes of input). Checked when built; at most one name past
/// the limit is kept, so a huge configuration cannot grow memory.
#[inline(never)]
pub(super) fn levels_level(handle: u32, len: u32) -> i32 {
    call(|table, input| {
        let name = input.text(len)?;
        match table.get(handle)? {
            Object::LevelsBuilder(names) => {
                if names.len() <= access::MAX_LEVELS {
                    names.push(name.into());
                }
                Ok(Answer::Int(0))
            }
            _ => Err(Fail::Invalid),
        }
    })
}

/// Validates and compiles the levels; the builder is consumed either way. The input holds the
/// public and share level names (a length of `ABSENT`: the default). Answers the compiled
/// levels' handle; refuses with `INVALID_CONFIG`.
#[inline(never)]
pub(super) fn levels_build(handle: u32, public_len: u32, share_len: u32) -> i32 {
    call(|table, input| {
        let (public, share) = (input.optional(public_len)?, input.optional(share_len)?);
        // Only a levels builder is taken: a handle of another kind is refused and its object
        // left as it is (taken first, it would have been freed).
        if !matches!(table.get(handle)?, Object::LevelsBuilder(_)) {
            return Err(Fail::Invalid);
        }
        let Object::LevelsBuilder(names) = table.take(handle)? else {
            return Err(Fail::Invalid);
        };
        table
            .insert(Object::Levels(crate::wire::access::levels(
                &names, public, share,
            )?))
            .map(Answer::Int)
    })
}

/// The level names, lowest first, separated by single spaces (a validated name has no space):
/// level `i` (1-based) is the `i`-th.
#[inline(never)]
pub(super) fn access_levels(handle: u32) -> i32 {
    call(|table, _| {
        let mut out = String::new();
        for name in levels(table, handle)?.names() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(name);
        }
        Ok(Answer::Bytes(out.into_bytes()))
    })
}

/// `[public level, share level, max parent depth, max caller groups, max documents per batch,
/// max group name length, max page items]`: what the TypeScript layer needs to read just enough
/// rows, to size batches by what was asked (never by what was found, which would reveal
/// existence), and to bound what users write and ask for.
#[inline(never)]
pub(super) fn access_info(handle: u32) -> i32 {
    call(|table, _| {
        let l = levels(table, handle)?;
        let info = [
            u32::from(l.public()),
            u32::from(l.share()),
            access::MAX_PARENT_DEPTH as u32,
            access::MAX_CALLER_GROUPS as u32,
            access::MAX_BATCH_DOCUMENTS as u32,
            access::MAX_GROUP_NAME_LEN as u32,
            access::MAX_PAGE_ITEMS as u32,
        ];
        Ok(Answer::Floats(info.iter().map(|&n| f64::from(n)).collect()))
    })
}

/// Resolves a batch in one call, or decides a share request on it. The input holds `ints`
/// `u32`s then, from the next multiple of 8 bytes, `times` `f64`s. `ints` is its head (the
/// caller id, `0xFFFFFFFF` when anonymous; the group count `g` and `g` group ids; the document
/// count `n`; the grant count `m`), then the columns, `n` or `m` numbers each, and nothing
/// after them. `times` holds `now` and the `m` expiry times (`Infinity`: never), then, for a
/// share request, the document's index, the level to grant and the requested expiry
/// (`Infinity`: none). Where each goes is `wire::access`'s (see `split` and `share_request`).
///
/// Answers, to resolve, one number per document: `level | source << 8 | via << 16`, `via`
/// `0xFFFF` when there is no access. To share, one number: the grant's expiry (the one
/// requested, capped to the caller's own access at the level sharing takes, see
/// `Levels::share_grant`; `Infinity`: never) when allowed, else minus the denial code (-1
/// below share level, -2 above own level, -3 owner level). Refuses with `INVALID_ARGUMENT`.
#[inline(never)]
pub(super) fn access_resolve(handle: u32, ints: u32, times: u32) -> i32 {
    call(|table, input| {
        let (ints, times) = (input.u32s(ints)?, input.f64s(times)?);
        let engine = levels(table, handle)?;
        Ok(Answer::Floats(run(engine, ints, times)?))
    })
}

/// Whether a caller at `caller_level` may grant `granted_level`: `0` yes, else the denial code
/// (1 below share level, 2 above own level, 3 owner level), `255` when either is not a level (a
/// bug in the caller: the TypeScript layer passes only levels it looked up).
#[inline(never)]
pub(super) fn access_can_share(handle: u32, caller_level: f64, granted_level: f64) -> i32 {
    call(|table, _| {
        let verdict = levels(table, handle)?.share_verdict(code(caller_level), code(granted_level));
        Ok(Answer::Int(match verdict {
            Some(Ok(())) => ALLOWED.into(),
            Some(Err(d)) => u32::from(d.code()),
            None => NOT_A_CODE.into(),
        }))
    })
}

/// Whether a caller whose access came from source code `source` may transfer ownership: `0`
/// yes, else the denial code (4, not the owner).
#[inline(never)]
pub(super) fn access_can_transfer(handle: u32, source: f64) -> i32 {
    call(|table, _| {
        levels(table, handle)?;
        let source = Source::from_code(code(source)).unwrap_or(Source::None);
        Ok(Answer::Int(match access::can_transfer(source) {
            Ok(()) => ALLOWED.into(),
            Err(d) => u32::from(d.code()),
        }))
    })
}

/// [`access_resolve`] with a crate error.
fn run(engine: &access::Levels, ints: &[u32], times: &[f64]) -> Result<Vec<f64>, crate::Error> {
    let mut small = Vec::new();
    let b = split(ints, times, &mut small)?;
    if b.request.is_empty() {
        // `pass` is `Levels::resolve` with the expiries share requests need, dropped here
        // (one function in the wasm rather than two).
        return Ok(engine
            .pass(b.now, b.caller, b.docs, b.grants, access::NONE)?
            .0
            .iter()
            .map(|a| f64::from(pack(a)))
            .collect());
    }
    let request = share_request(b.request).ok_or_else(mislength)?;
    let decided = engine.share_grant(b.now, b.caller, b.docs, b.grants, request)?;
    Ok([decided.unwrap_or_else(|denial| -f64::from(denial.code()))].to_vec())
}
