//! Roles and permissions across the boundary.

use super::js_error;
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
    /// (including `0xFFFFFFFF`, "no role") is denied.
    pub fn can(&self, role: u32, permission: u32) -> bool {
        self.inner.can(role, permission)
    }

    /// Whether role id `role` is `min_role` or higher. Unknown ids are denied.
    #[wasm_bindgen(js_name = roleAtLeast)]
    pub fn role_at_least(&self, role: u32, min_role: u32) -> bool {
        self.inner.role_at_least(role, min_role)
    }
}
