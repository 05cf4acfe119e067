//! Roles and permissions across the boundary.

use super::js_error;
use crate::policy;
use alloc::vec::Vec;
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
    /// Decides `permission` for every role: for `n` roles, `n + 1` bytes by role id, 1 where
    /// that role holds it; byte `n` stands for any role not in the policy and is 0 (see
    /// `policy::Policy::holders`). Nothing is interned, so it answers however many names were
    /// checked before. Throws `INVALID_ARGUMENT` for a malformed name.
    pub fn holders(&self, permission: &str) -> Result<Vec<u8>, JsValue> {
        self.inner.holders(permission).map_err(js_error)
    }

    /// Every "at least" decision: `(n + 1) * n` bytes for `n` roles, the byte at
    /// `role * n + min_role` is 1 when role id `role` is `min_role` or higher; row `n` stands
    /// for any role not in the policy and is all 0.
    #[wasm_bindgen(js_name = atLeastTable)]
    pub fn at_least_table(&self) -> Vec<u8> {
        self.inner.at_least_table()
    }
}
