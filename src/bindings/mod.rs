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
use wasm_bindgen::prelude::*;

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

#[wasm_bindgen]
extern "C" {
    /// A JavaScript `Error`, with the two properties an engine error carries.
    #[wasm_bindgen(js_name = Error)]
    type EngineError;
    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new(message: &str) -> EngineError;
    #[wasm_bindgen(method, setter = code)]
    fn set_code(this: &EngineError, code: &str);
    #[wasm_bindgen(method, setter = parts)]
    fn set_parts(this: &EngineError, parts: &Parts);

    /// A JavaScript `Array`, filled with numbers and strings.
    #[wasm_bindgen(js_name = Array)]
    type Parts;
    #[wasm_bindgen(constructor, js_class = "Array")]
    fn new() -> Parts;
    #[wasm_bindgen(method, js_name = push)]
    fn push_num(this: &Parts, n: f64);
    #[wasm_bindgen(method, js_name = push)]
    fn push_text(this: &Parts, t: &str);
}

/// Converts a crate error into a JavaScript `Error` with `code` set and an empty message:
/// the message's parts cross as `parts` ([`crate::wire::error_parts`]), and the TypeScript layer fills the message from the generated templates
/// (`fillEngineMessage`, called by `discardUnlessOwn` in js/engine.ts). No message text is
/// linked into the module, and no number is formatted here.
///
/// Built with imports of its own rather than `js_sys` (`Reflect.set`, `Array.push` of
/// `JsValue`s): a property set and a push each cross as one call taking a number or a
/// string, with no `JsValue` made for a key or an element and no exception to catch.
pub(crate) fn js_error(e: Error) -> JsValue {
    let err = EngineError::new("");
    let parts = Parts::new();
    crate::wire::error_parts(&e, |part| match part {
        crate::wire::Part::Num(n) => parts.push_num(n),
        crate::wire::Part::Text(t) => parts.push_text(t),
    });
    err.set_code(e.code());
    err.set_parts(&parts);
    err.into()
}

/// `v` as an index or id, or `None` (see [`crate::wire::index`]).
#[cfg(feature = "access")]
pub(crate) use crate::wire::index;
