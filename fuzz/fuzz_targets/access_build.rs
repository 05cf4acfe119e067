//! `AccessLevelsBuilder.level/build` (src/bindings/access.rs): any names compile or fail with
//! `INVALID_CONFIG`; compiled levels keep public < share <= owner and name each level once.
#![no_main]

use convex_guard::access::{MAX_LEVELS, MIN_LEVELS, STANDARD_LEVELS};
use convex_guard_fuzz::{build_levels, Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mut names = Vec::new();
    for _ in 0..input.u8() % 20 {
        names.push(input.string());
    }
    let public = input.option(Input::string);
    let share = input.option(Input::string);
    match build_levels(&names, public.as_deref(), share.as_deref()) {
        Ok(l) => {
            let declared: Vec<&str> = if names.is_empty() {
                STANDARD_LEVELS.to_vec()
            } else {
                names.iter().map(String::as_str).collect()
            };
            assert_eq!(l.names(), declared.as_slice());
            let owner = l.owner();
            assert!((MIN_LEVELS..=MAX_LEVELS).contains(&usize::from(owner)));
            assert!(l.public() >= 1 && l.public() < l.share() && l.share() <= owner);
            for (i, name) in declared.iter().enumerate() {
                assert_eq!(l.level(name).ok(), Some(i as u8 + 1));
                assert_eq!(l.name(i as u8 + 1), Some(*name));
            }
            assert_eq!(l.name(0), None);
            assert_eq!(l.name(owner + 1), None);
            if let Some(p) = &public {
                assert_eq!(l.level(p).ok(), Some(l.public()));
            }
            if let Some(s) = &share {
                assert_eq!(l.level(s).ok(), Some(l.share()));
            }
        }
        Err(e) => assert_eq!(e.code(), "INVALID_CONFIG", "{e}"),
    }
});
