//! `CodeEngine.message(actor, action, target, code, 0 | TYPED)` (src/bindings/codes.rs): the
//! bytes signed for a code. A typed code is put in canonical form first (malformed: empty
//! answer); a message is the tag then four length-prefixed fields, so it decodes back to
//! exactly its fields, and over-long or empty required fields are `INVALID_ARGUMENT`.
#![no_main]

use convex_guard::codes::{binding_message, CodeConfig, BINDING_TAG};
use convex_guard_fuzz::Input;
use libfuzzer_sys::fuzz_target;

/// Mode `TYPED` of the binding (0: an exact code).
const TYPED: u8 = 1;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let alphabet = match input.u8() % 4 {
        0 => "digits",
        1 => "crockford",
        2 => "abcdefghijklmnopqrstuvwxyz-",
        _ => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    };
    let length = 4 + u32::from(input.u8() % 29);
    let Ok(config) = CodeConfig::new(alphabet, length, 60_000.0, 5) else {
        return;
    };
    let mode = input.u8() % 2;
    let (actor, action, target, code) = (
        input.string(),
        input.string(),
        input.string(),
        input.string(),
    );
    // `message` of the binding, for modes 0 and TYPED.
    let canonical = config.format().canonical(&code);
    if mode == TYPED {
        match &canonical {
            None => return, // the binding answers an empty array: malformed
            Some(c) => {
                assert_eq!(c.len(), config.format().length());
                assert_eq!(
                    config.format().canonical(c).as_deref(),
                    Some(c.as_str()),
                    "not idempotent"
                );
            }
        }
    }
    let code = if mode == TYPED {
        canonical.unwrap_or_default()
    } else {
        code
    };
    let m = match binding_message(&actor, &action, &target, &code) {
        Ok(m) => m,
        Err(e) => {
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
            return;
        }
    };
    assert!(!actor.is_empty() && !action.is_empty() && !code.is_empty());
    let mut rest = m
        .strip_prefix(BINDING_TAG)
        .unwrap_or_else(|| panic!("no tag"));
    for field in [&actor, &action, &target, &code] {
        let (len, tail) = rest.split_at(2);
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        assert_eq!(&tail[..len], field.as_bytes());
        rest = &tail[len..];
    }
    assert!(rest.is_empty(), "trailing bytes");
});
