//! `new CodeEngine(alphabet, length, ttl, maxAttempts)` (src/bindings/codes.rs): settings are
//! valid or `INVALID_CONFIG`; valid ones keep every bound (a code space of at least
//! `MIN_CODE_SPACE`, distinct printable symbols, ttl and attempts in range).
#![no_main]

use convex_guard::codes::{
    CodeConfig, MAX_ALPHABET, MAX_ATTEMPTS, MAX_LENGTH, MAX_TTL_MS, MIN_ALPHABET, MIN_CODE_SPACE,
    MIN_LENGTH, MIN_TTL_MS,
};
use convex_guard_fuzz::{alphabet_spec, Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let alphabet = alphabet_spec(&mut input);
    let (length, ttl, attempts) = (input.u32(), input.f64(), input.u32());
    let c = match CodeConfig::new(&alphabet, length, ttl, attempts) {
        Ok(c) => c,
        Err(e) => {
            assert_eq!(e.code(), "INVALID_CONFIG", "{e}");
            return;
        }
    };
    let f = c.format();
    let symbols = f.alphabet().symbols().as_bytes();
    assert!((MIN_ALPHABET..=MAX_ALPHABET).contains(&symbols.len()));
    assert!(symbols.iter().all(|b| (b'!'..=b'~').contains(b)));
    for (i, b) in symbols.iter().enumerate() {
        assert!(!symbols[..i].contains(b), "repeated symbol");
    }
    if alphabet != "digits" && alphabet != "crockford" {
        assert_eq!(f.alphabet().symbols(), alphabet);
    }
    let mask = usize::from(f.alphabet().mask());
    assert!((mask + 1).is_power_of_two() && mask + 1 >= symbols.len() && mask < 2 * symbols.len());
    assert_eq!(f.length(), length as usize);
    assert!((MIN_LENGTH..=MAX_LENGTH).contains(&length));
    let space = (symbols.len() as f64).powi(length as i32);
    assert!(
        space >= MIN_CODE_SPACE as f64,
        "{} symbols ^ {length}",
        symbols.len()
    );
    assert!((MIN_TTL_MS..=MAX_TTL_MS).contains(&c.ttl_ms()) && c.ttl_ms() == ttl);
    assert!((1..=MAX_ATTEMPTS).contains(&c.max_attempts()) && c.max_attempts() == attempts);
});
