//! `AccessEngine.resolve` (src/bindings/access.rs): one batch as the binding's flat `u32` and
//! `f64` arrays. A malformed batch is an `INVALID_ARGUMENT` error, never a partial answer; an
//! answer has one access per document, never above the owner level, with a source that
//! explains it (only the caller's own documents give the owner level directly, an anonymous
//! caller gets public access at most, a cycle gives nothing).
#![no_main]

use convex_guard::access::{Levels, Source, MAX_PARENT_DEPTH, NONE, NO_SUBJECT};
use convex_guard_fuzz::{build_levels, resolve_flat, Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    // The standard levels, or 2 to 6 levels of our own with a chosen public level.
    let levels = match input.u8() % 4 {
        0 => {
            let names: Vec<String> = (0..2 + input.u8() % 5)
                .map(|i| ["l", &i.to_string()].concat())
                .collect();
            let public = ["l", &(input.u8() % 2).to_string()].concat();
            build_levels(&names, Some(&public), None).unwrap_or_else(|_| Levels::standard())
        }
        _ => Levels::standard(),
    };
    let n_ints = input.len();
    let ints: Vec<u32> = (0..n_ints).map(|_| input.u32()).collect();
    let mut times = Vec::new();
    while !input.is_empty() {
        times.push(input.f64());
    }
    let out = match resolve_flat(&levels, &ints, &times) {
        Ok(out) => out,
        Err(e) => {
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
            return;
        }
    };
    // The layout was complete: read back what it said (the binding's order of columns).
    let (caller, g) = (ints[0], ints[1] as usize);
    let (n, m) = (ints[2 + g] as usize, ints[3 + g] as usize);
    let base = 4 + g;
    let owners = &ints[base..base + n];
    let parents = &ints[base + n..base + 2 * n];
    let public = &ints[base + 2 * n + 2 * m..base + 3 * n + 2 * m];
    assert_eq!(out.len(), n, "one access per document");
    let owner = levels.owner();
    for (i, a) in out.iter().enumerate() {
        assert!(a.level <= owner, "level {} above the owner level", a.level);
        match a.source {
            Source::None | Source::Cycle => assert!(a.level == NONE && a.via.is_none()),
            Source::Owner => {
                assert_eq!(a.level, owner);
                assert_eq!(
                    owners[i], caller,
                    "owner level on a document of someone else"
                );
            }
            Source::Public => {
                assert_eq!(a.level, levels.public());
                assert_eq!(public[i], 1, "public access to a private document");
            }
            Source::Direct | Source::Group => {
                assert!(
                    a.level != NONE && a.level < owner,
                    "a grant gave {}",
                    a.level
                );
            }
            Source::Inherited => {
                assert!(a.level != NONE);
                // `via` is an ancestor within reach.
                let via = a.via.map(|v| v as usize);
                let mut at = i;
                let mut found = false;
                for _ in 0..MAX_PARENT_DEPTH {
                    match parents.get(at) {
                        Some(&p) if (p as usize) < n => at = p as usize,
                        _ => break,
                    }
                    if Some(at) == via {
                        found = true;
                        break;
                    }
                }
                assert!(
                    found,
                    "document {i} inherited via {:?}, not an ancestor",
                    a.via
                );
            }
        }
        if !matches!(a.source, Source::Inherited | Source::None | Source::Cycle) {
            assert_eq!(a.via, Some(i as u32), "{:?} via another document", a.source);
        }
        if public[i] == 1 && a.source != Source::Cycle {
            assert!(
                a.level >= levels.public(),
                "a public document gave {}",
                a.level
            );
        }
        if caller == NO_SUBJECT {
            assert!(
                a.level <= levels.public(),
                "an anonymous caller got {}",
                a.level
            );
            assert!(matches!(
                a.source,
                Source::None | Source::Public | Source::Cycle
            ));
        }
        // What a caller has, it is allowed; nothing allows "no level".
        assert!(!a.allows(NONE));
        assert_eq!(a.allows(owner), a.level == owner);
    }
});
