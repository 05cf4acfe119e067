//! The one door to JavaScript. Every `#[wasm_bindgen]` item lives under this module; the
//! decision modules never see a JavaScript type.
//!
//! Shape of the ABI: configuration crosses once, as strings, into builder objects that
//! validate and compile it; decisions then cross as small integers and return booleans or
//! numbers. Errors are JavaScript `Error`s with a stable `code` property (`INVALID_CONFIG`,
//! `INVALID_ARGUMENT`) that the TypeScript layer turns into `ConvexError` data.
//!
//! `unsafe_code` is allowed here only because `#[wasm_bindgen]` expands to unsafe glue; no
//! hand-written unsafe code exists in this module or anywhere else in the crate.
#![allow(unsafe_code)]

#[cfg(feature = "access")]
mod access;
#[cfg(feature = "codes")]
mod codes;
mod policy;
#[cfg(feature = "ratelimit")]
mod ratelimit;

use crate::Error;
use wasm_bindgen::JsValue;

/// The allocator: talc's WebAssembly configuration, which grows the wasm memory as needed.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A panic cannot happen by design (the crate denies `unwrap`, `expect`, `panic!` and slice
/// indexing), but if one did, trap at once: no message is formatted, so no formatting code is
/// linked, and the instance is abandoned exactly as `panic = "abort"` would.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// Converts a crate error into a JavaScript `Error` with `code` set.
pub(crate) fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    // Setting a property on a fresh Error object cannot fail; ignore the Result to stay panic-free.
    let _ = js_sys::Reflect::set(
        &err,
        &JsValue::from_str("code"),
        &JsValue::from_str(e.code()),
    );
    err.into()
}

/// `v` as an index or id (a whole number from 0 to `u32::MAX`), or `None`.
///
/// Ids cross the boundary as `f64`, never as `u32`: JavaScript converts a number to `u32`
/// modulo 2^32 (NaN and `undefined` become 0, fractions are cut), which would turn garbage into
/// a valid id, i.e. the lowest role. As `f64`, anything that is not a whole number in range is
/// recognized here and denied. A `u32` always fits in a `usize` on wasm32.
pub(crate) fn index(v: f64) -> Option<u32> {
    // NaN fails the comparisons; in range, `as u32` truncates and the round trip tells
    // whether `v` was whole.
    if v >= 0.0 && v <= f64::from(u32::MAX) {
        let n = v as u32;
        (f64::from(n) == v).then_some(n)
    } else {
        None
    }
}
