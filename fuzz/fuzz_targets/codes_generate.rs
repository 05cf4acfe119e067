//! `CodeEngine.message(.., GENERATE)` (src/bindings/codes.rs): `generate` with the random
//! bytes taken from the fuzz input instead of the platform. A code always has the requested
//! length, only symbols of the alphabet, is its own canonical form and is exactly what the
//! bytes drawn map to; a source that gives no whole code within `MAX_BATCHES` batches (here:
//! the input's end, read as a stuck generator) is `UNAVAILABLE`, never a short code.
#![no_main]

use convex_guard::codes::{code_from_bytes, generate_with, CodeConfig, MAX_BATCHES};
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
    // The bytes `generate_with` may draw: MAX_BATCHES batches from the input, then a dry
    // source stuck on 0xFF (rejected by every alphabet whose size is not a power of two).
    let rest = input.bytes(usize::MAX);
    let drawn: Vec<u8> = rest
        .iter()
        .copied()
        .chain(std::iter::repeat(0xFF))
        .take(MAX_BATCHES * f.batch_size())
        .collect();
    // The same bytes mapped in one go: the reference for what `generate_with` must produce.
    let mut expected = String::new();
    let complete = code_from_bytes(&drawn, f, &mut expected).is_some();
    let mut source = drawn.iter();
    let code = generate_with(f, |buf| {
        for b in buf.iter_mut() {
            *b = source.next().copied().unwrap_or(0xFF);
        }
        Ok(())
    });
    match code {
        Ok(code) => {
            assert_eq!(code.len(), f.length(), "{code}");
            assert!(code.bytes().all(|b| symbols.contains(&b)), "{code}");
            assert_eq!(f.canonical(&code).as_deref(), Some(code.as_str()));
            assert!(
                complete && code == expected,
                "the same bytes gave another code"
            );
        }
        Err(e) => {
            assert_eq!(e.code(), "UNAVAILABLE", "{e}");
            assert!(!complete, "the bytes drawn held a whole code");
        }
    }
});
