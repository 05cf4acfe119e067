//! The only caller of `getrandom` in the crate.
//!
//! On `wasm32-unknown-unknown`, `getrandom` 0.3 with its `custom` backend (selected in
//! `.cargo/config.toml`) calls `env.random` (the shipped module reaches it through slot 0 of
//! its `random` table, see scripts/build-pkg.mjs `randomThroughTable`), which the loader
//! (`js/engine.ts`) implements with `crypto.getRandomValues`: in Convex that is a ChaCha12 generator
//! seeded with fresh system entropy for each execution, in browsers and Node the platform's
//! CSPRNG. Natively (tests, tools) it is the operating system's generator.
//!
//! Nothing here runs at import and no bytes are kept between calls: Convex fixes the random
//! seed of module evaluation per deploy, so bytes drawn at import, or pooled from an earlier
//! call, would repeat across requests. Every caller asks for exactly the bytes it needs, inside
//! the call that needs them.

use crate::error::{Error, Kind, Msg};

/// Most bytes requested from the platform in one underlying call: the cap of
/// `crypto.getRandomValues` (65,536). Longer buffers are filled in pieces of this size.
pub const MAX_REQUEST: usize = 65_536;

/// Fills `buf` with bytes from the platform's cryptographically secure generator.
///
/// Each underlying request is at most [`MAX_REQUEST`] bytes. An empty `buf` is left alone.
///
/// ```
/// let mut a = [0u8; 32];
/// let mut b = [0u8; 32];
/// convex_guard::random::fill(&mut a)?;
/// convex_guard::random::fill(&mut b)?;
/// assert_ne!(a, b, "two draws of 256 bits do not repeat");
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// A [`Kind::Unavailable`] error when the platform refuses to produce random bytes (no
/// `crypto.getRandomValues` in the JavaScript host, or an operating-system failure), or when a
/// request of 16 bytes or more comes back all zeros (a source that wrote nothing). The
/// buffer's contents are then unspecified and must not be used.
pub fn fill(buf: &mut [u8]) -> Result<(), Error> {
    for chunk in buf.chunks_mut(MAX_REQUEST) {
        if let Err(e) = getrandom::fill(chunk) {
            let template = match e.raw_os_error() {
                Some(_) => Msg::RandomOs,
                None => Msg::RandomNone,
            };
            let code = e.raw_os_error().unwrap_or_default().unsigned_abs();
            return Err(Error::new(
                Kind::Unavailable,
                &[template],
                &[],
                &[code.into()],
            ));
        }
        // A source that wrote nothing (a stubbed `getRandomValues`, such as a test's no-op
        // mock) leaves zeros: every code would be the same. Refused as no usable source; a real
        // one answers 16 zero bytes with probability 2^-128.
        if chunk.len() >= MIN_CHECKED && chunk.iter().all(|&b| b == 0) {
            return Err(Error::new(Kind::Unavailable, &[Msg::RandomNone], &[], &[]));
        }
    }
    Ok(())
}

/// Shortest request whose bytes are checked for a source that wrote nothing (all zeros).
const MIN_CHECKED: usize = 16;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn fills_buffers_longer_than_one_request() {
        let mut buf = vec![0u8; MAX_REQUEST * 2 + 17];
        fill(&mut buf).unwrap();
        // Each piece was filled: no 4 KiB run of zeros survives anywhere.
        for window in buf.chunks(4096) {
            assert!(window.iter().any(|&b| b != 0));
        }
    }

    #[test]
    fn empty_buffer_is_fine() {
        fill(&mut []).unwrap();
    }
}
