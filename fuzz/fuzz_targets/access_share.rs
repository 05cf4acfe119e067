//! `AccessEngine.canShare/canTransfer` (src/bindings/access.rs), levels and sources given as
//! JavaScript numbers: a yes needs the share level, never hands out the owner level or more
//! than the caller's own, and anything that is not a level is refused (code 255), never
//! allowed; only an owner may transfer.
#![no_main]

use convex_guard::access::{can_transfer, Denial, Levels, Source};
use convex_guard_fuzz::{build_levels, code, Input};
use libfuzzer_sys::fuzz_target;

/// `AccessEngine::can_share` of the binding.
fn can_share(l: &Levels, caller: f64, granted: f64) -> u32 {
    match l.share_verdict(code(caller), code(granted)) {
        Some(Ok(())) => 0,
        Some(Err(d)) => u32::from(d.code()),
        None => 255,
    }
}

/// `AccessEngine::can_transfer` of the binding.
fn transfer(source: f64) -> u32 {
    let source = Source::from_code(code(source)).unwrap_or(Source::None);
    match can_transfer(source) {
        Ok(()) => 0,
        Err(d) => u32::from(d.code()),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let levels = if input.bool() {
        let names: Vec<String> = (0..2 + input.u8() % 15)
            .map(|i| ["l", &i.to_string()].concat())
            .collect();
        let public = ["l", &(input.u8() % 16).to_string()].concat();
        let share = ["l", &(input.u8() % 16).to_string()].concat();
        build_levels(&names, Some(&public), Some(&share)).unwrap_or_else(|_| Levels::standard())
    } else {
        Levels::standard()
    };
    let owner = levels.owner();
    while !input.is_empty() {
        let (caller, granted) = (input.f64(), input.f64());
        let answer = can_share(&levels, caller, granted);
        let (c, g) = (code(caller), code(granted));
        let core = levels.can_share(c, g);
        match answer {
            0 => {
                assert!(c >= levels.share() && c <= owner, "caller {c} may share");
                assert!(g >= 1 && g < owner && g <= c, "{c} may grant {g}");
                assert_eq!(core, Ok(Ok(())));
            }
            255 => {
                assert!(c > owner || g == 0 || g > owner);
                assert_eq!(core.map_err(|e| e.code()), Err("INVALID_ARGUMENT"));
            }
            d => {
                assert!((1..=3).contains(&d), "denial code {d}");
                assert_eq!(
                    core.ok().and_then(Result::err).map(Denial::code),
                    Some(d as u8)
                );
            }
        }
        let t = transfer(caller);
        assert!(t == 0 || t == u32::from(Denial::NotOwner.code()));
        assert_eq!(t == 0, c == Source::Owner.code());
    }
});
