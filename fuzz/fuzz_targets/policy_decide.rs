//! `CompiledPolicy.intern/can/roleAtLeast` (src/bindings/policy.rs), with ids decoded from
//! JavaScript numbers as the binding does: anything that is not a known id is denied, a role
//! holds what every role below it holds, and interning is stable.
#![no_main]

use convex_guard::policy::PolicyBuilder;
use convex_guard_fuzz::{index, Input};
use libfuzzer_sys::fuzz_target;

/// `CompiledPolicy::can` of the binding.
fn can(p: &convex_guard::policy::Policy, role: f64, permission: f64) -> bool {
    match (index(role), index(permission)) {
        (Some(role), Some(permission)) => p.can(role, permission),
        _ => false,
    }
}

/// `CompiledPolicy::role_at_least` of the binding.
fn at_least(p: &convex_guard::policy::Policy, role: f64, min: f64) -> bool {
    match (index(role), index(min)) {
        (Some(role), Some(min)) => p.role_at_least(role, min),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    // A small policy: up to 8 roles, each granted the permissions named in the input.
    let mut b = PolicyBuilder::default();
    let n_roles = 1 + usize::from(input.u8() % 8);
    for i in 0..n_roles {
        let _ = b.role(&["r", &i.to_string()].concat());
    }
    for _ in 0..input.u8() % 16 {
        let role = ["r", &(input.u8() % 8).to_string()].concat();
        let _ = b.grant(&role, &input.string());
    }
    let Ok(mut p) = b.build() else {
        panic!("a policy with roles did not build");
    };
    let n = p.roles().len();
    let mut interned: Vec<(String, u32)> = Vec::new();
    while !input.is_empty() {
        match input.u8() % 3 {
            0 => {
                let name = input.string();
                match p.intern(&name) {
                    Ok(id) => {
                        assert!((id as usize) <= interned.len());
                        if let Some((_, old)) = interned.iter().find(|(n, _)| *n == name) {
                            assert_eq!(*old, id, "interning {name} twice gave two ids");
                        }
                        assert_eq!(p.intern(&name).ok(), Some(id));
                        let lowest = p.lowest_role_for(&name).ok().flatten();
                        for r in 0..n as u32 {
                            assert_eq!(p.can(r, id), lowest.is_some_and(|l| r >= l), "{name}");
                        }
                        interned.push((name, id));
                    }
                    Err(e) => assert_eq!(e.code(), "INVALID_ARGUMENT"),
                }
            }
            1 => {
                let (role, permission) = (input.f64(), input.f64());
                let yes = can(&p, role, permission);
                if yes {
                    let (r, id) = (index(role).unwrap_or(0), index(permission).unwrap_or(0));
                    assert!((r as usize) < n && (id as usize) < interned.len().max(1) + 4096);
                    // Every role above holds it too.
                    for above in r..n as u32 {
                        assert!(p.can(above, id));
                    }
                }
            }
            _ => {
                let (role, min) = (input.f64(), input.f64());
                let expected = match (index(role), index(min)) {
                    (Some(r), Some(m)) => (r as usize) < n && (m as usize) < n && r >= m,
                    _ => false,
                };
                assert_eq!(at_least(&p, role, min), expected);
            }
        }
    }
});
