//! `CodeEngine.message(.., GENERATE)` (src/bindings/codes.rs): `generate` with the random
//! bytes taken from the fuzz input instead of the platform. A code always has the requested
//! length, only symbols of the alphabet, and is its own canonical form; a source that runs
//! dry (here: the input's end, read as a stuck generator) is `UNAVAILABLE`, never a short code.
#![no_main]

use convex_guard::codes::{code_from_bytes, generate_with, CodeConfig};
use convex_guard_fuzz::{alphabet_spec, Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let alphabet = alphabet_spec(&mut input);
    let length = u32::from(input.u8());
    let Ok(config) = CodeConfig::new(&alphabet, length, 60_000.0, 5) else {
        return;
    };
    let f = config.format();
    let symbols = f.alphabet().symbols().as_bytes();
    // The same bytes, mapped in one go: the reference for what `generate_with` must produce.
    let rest = input.bytes(usize::MAX);
    let mut expected = String::new();
    let used = code_from_bytes(rest, f, &mut expected);
    let mut source = Input::new(rest);
    let code = generate_with(f, |buf| {
        for b in buf.iter_mut() {
            // A dry source is stuck on a byte no alphabet accepts (0xFF & mask >= size
            // unless the size is a power of two; then every byte is accepted anyway).
            *b = if source.is_empty() { 0xFF } else { source.u8() };
        }
        Ok(())
    });
    match code {
        Ok(code) => {
            assert_eq!(code.len(), f.length(), "{code}");
            assert!(code.bytes().all(|b| symbols.contains(&b)), "{code}");
            assert_eq!(f.canonical(&code).as_deref(), Some(code.as_str()));
            if used.is_some() {
                assert_eq!(code, expected, "the same bytes gave another code");
            }
        }
        Err(e) => {
            assert_eq!(e.code(), "UNAVAILABLE", "{e}");
            assert!(used.is_none(), "the input held a whole code");
            assert!(!symbols.len().is_power_of_two());
        }
    }
});
