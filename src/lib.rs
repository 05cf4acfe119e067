//! convex-guard: the security decisions of a Convex app as pure functions.
//!
//! Each concern is a plain Rust module with no JavaScript types in it, so `cargo test`
//! exercises all of it natively:
//! - [`policy`]: roles in a hierarchy and the permissions they hold;
//! - [`access`]: ownership and shared-access resolution over ordered access levels;
//! - [`ratelimit`]: sliding window, sliding log, token bucket and fixed window limits;
//! - [`codes`]: one-time confirmation codes (generation without bias, verification);
//! - [`audit`]: which field names an audit row must never store;
//! - [`random`]: the only caller of `getrandom`;
//! - [`time`]: the largest time and the one validator of a time;
//! - [`unicode`]: the Unicode data a rule reads (which characters show nothing of their own);
//! - [`wire`]: what crosses between the TypeScript layer and the engine (layouts, codes,
//!   sentinels, defaults), defined once; `js/generated/wire.ts` is rendered from it.
//!
//! The only module that knows about JavaScript is `bindings` (compiled for `wasm32` only).
//! Decisions take the current time as an argument and never read a clock; randomness is
//! drawn only by [`random`], inside the call that needs it.

// The wasm build is `no_std`: with std linked, its panic machinery drags `core::fmt` into the
// module (several KB) even with `panic = "abort"`. Native builds keep std for the tests.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

pub mod access;
pub mod audit;
pub mod codes;
pub mod error;
pub(crate) mod ladder;
pub mod policy;
pub mod random;
pub mod ratelimit;
pub mod time;
pub mod unicode;
pub mod wire;

#[cfg(target_arch = "wasm32")]
mod bindings;

pub use error::Error;
