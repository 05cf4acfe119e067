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

/// Converts a crate error into a JavaScript `Error` with `code` set and an empty message:
/// the message's parts cross as `parts` ([`crate::wire::error_parts`]), and the TypeScript layer fills the message from the generated templates
/// (`fillEngineMessage`, called by `discardUnlessOwn` in js/engine.ts). No message text is
/// linked into the module, and no number is formatted here.
pub(crate) fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new("");
    let parts = js_sys::Array::new();
    crate::wire::error_parts(&e, |part| {
        parts.push(&match part {
            crate::wire::Part::Num(n) => JsValue::from(n),
            crate::wire::Part::Text(t) => JsValue::from_str(t),
        });
    });
    // Setting a property on a fresh Error object cannot fail; ignore the Result to stay panic-free.
    let _ = js_sys::Reflect::set(
        &err,
        &JsValue::from_str("code"),
        &JsValue::from_str(e.code()),
    );
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("parts"), &parts);
    err.into()
}

/// `v` as an index or id, or `None` (see [`crate::wire::index`]).
#[cfg(feature = "access")]
pub(crate) use crate::wire::index;
