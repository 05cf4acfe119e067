//! Roles and permissions across the boundary.

use super::{index, js_error};
use crate::policy;
use wasm_bindgen::prelude::*;

/// Collects roles (lowest first) and grants, then compiles them into a [`CompiledPolicy`].
#[wasm_bindgen]
#[derive(Default)]
pub struct PolicyBuilder {
    inner: policy::PolicyBuilder,
}

#[wasm_bindgen]
impl PolicyBuilder {
    /// An empty builder.
    #[wasm_bindgen(constructor)]
    pub fn new() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Declares the next role, above all earlier ones.
    pub fn role(&mut self, name: &str) -> Result<(), JsValue> {
        self.inner.role(name).map_err(js_error)
    }

    /// Grants `permission` to `role` and every role above it.
    pub fn grant(&mut self, role: &str, permission: &str) -> Result<(), JsValue> {
        self.inner.grant(role, permission).map_err(js_error)
    }

    /// Validates and compiles the policy (consumes the builder).
    pub fn build(self) -> Result<CompiledPolicy, JsValue> {
        self.inner
            .build()
            .map(|inner| CompiledPolicy { inner })
            .map_err(js_error)
    }
}

/// A compiled policy: role and permission decisions over small integers.
#[wasm_bindgen]
pub struct CompiledPolicy {
    inner: policy::Policy,
}

#[wasm_bindgen]
impl CompiledPolicy {
    /// The id of a permission name for [`CompiledPolicy::can`]; the same name always gets the
    /// same id. Throws `INVALID_ARGUMENT` for a malformed name.
    pub fn intern(&mut self, permission: &str) -> Result<u32, JsValue> {
        self.inner.intern(permission).map_err(js_error)
    }

    /// Whether role id `role` holds interned permission `permission`. Any unknown id
    /// (including `0xFFFFFFFF`, "no role") and anything that is not a whole number in range
    /// (NaN, `undefined`, fractions, 2^32) is denied.
    pub fn can(&self, role: f64, permission: f64) -> bool {
        match (index(role), index(permission)) {
            (Some(role), Some(permission)) => self.inner.can(role, permission),
            _ => false,
        }
    }

    /// Whether role id `role` is `min_role` or higher. Unknown ids, and anything that is not a
    /// whole number in range, are denied.
    #[wasm_bindgen(js_name = roleAtLeast)]
    pub fn role_at_least(&self, role: f64, min_role: f64) -> bool {
        match (index(role), index(min_role)) {
            (Some(role), Some(min_role)) => self.inner.role_at_least(role, min_role),
            _ => false,
        }
    }
}
