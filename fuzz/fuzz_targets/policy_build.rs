//! `PolicyBuilder.role/grant/build` (src/bindings/policy.rs): any sequence of declarations
//! either compiles or fails with `INVALID_CONFIG`, and a compiled policy grants exactly what
//! was declared, to the declared role and every role above it.
#![no_main]

use convex_guard::policy::{PolicyBuilder, NO_ROLE};
use convex_guard_fuzz::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mut b = PolicyBuilder::default();
    let mut roles: Vec<String> = Vec::new();
    let mut grants: Vec<(usize, String)> = Vec::new();
    while !input.is_empty() {
        let r = match input.u8() % 3 {
            0 => {
                let name = input.string();
                b.role(&name).map(|()| roles.push(name))
            }
            1 => {
                let (role, permission) = (input.string(), input.string());
                b.grant(&role, &permission).map(|()| {
                    let i = roles.iter().position(|r| *r == role);
                    grants.push((i.unwrap_or(usize::MAX), permission));
                })
            }
            _ => {
                // A declared role by position, so that grants are reached often.
                let role = roles
                    .get(usize::from(input.u8()) % roles.len().max(1))
                    .cloned()
                    .unwrap_or_default();
                let permission = input.string();
                b.grant(&role, &permission).map(|()| {
                    let i = roles.iter().position(|r| *r == role);
                    grants.push((i.unwrap_or(usize::MAX), permission));
                })
            }
        };
        if let Err(e) = r {
            assert_eq!(e.code(), "INVALID_CONFIG", "{e}");
        }
    }
    let mut policy = match b.build() {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(e.code(), "INVALID_CONFIG");
            assert!(roles.is_empty(), "a policy with roles failed: {e}");
            return;
        }
    };
    assert_eq!(policy.roles(), roles.as_slice());
    for (role, permission) in &grants {
        assert!(
            *role < roles.len(),
            "a grant to an undeclared role was accepted"
        );
        let lowest = policy.lowest_role_for(permission);
        let id = policy.intern(permission);
        if permission.ends_with('*') {
            continue;
        }
        let lowest = lowest.ok().flatten();
        assert!(lowest.is_some_and(|l| l as usize <= *role), "{permission}");
        let Ok(id) = id else {
            // Only the interning bound can refuse a declared permission.
            continue;
        };
        for r in 0..roles.len() {
            let yes = policy.can(r as u32, id);
            assert_eq!(yes, lowest.is_some_and(|l| r as u32 >= l), "{permission}");
            assert!(
                yes || r < *role,
                "role {r} lacks {permission}, granted to role {role}"
            );
        }
        assert!(!policy.can(NO_ROLE, id));
        assert!(!policy.can(roles.len() as u32, id));
    }
});
