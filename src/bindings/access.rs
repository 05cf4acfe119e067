//! Access levels and shared-access resolution across the boundary.
//!
//! Few entry points on purpose (each costs glue and, when it returns a `Result`, a multivalue
//! shim): the levels cross once as strings into [`AccessLevelsBuilder`]; a whole batch then
//! crosses as one `Uint32Array` and one `Float64Array`, and its answer comes back as one
//! `Uint32Array` (see [`AccessEngine::resolve`] for the layouts).

use super::{index, js_error};
use crate::access::{self, ShareRequest, Source};
use crate::wire::access::{code, pack, split, truncated, ALLOWED, NOT_A_CODE};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// Collects level names (lowest first), then compiles them into an [`AccessEngine`].
#[wasm_bindgen]
#[derive(Default)]
pub struct AccessLevelsBuilder {
    names: Vec<String>,
}

#[wasm_bindgen]
impl AccessLevelsBuilder {
    /// An empty builder (no levels: the standard ones).
    #[wasm_bindgen(constructor)]
    pub fn new() -> AccessLevelsBuilder {
        AccessLevelsBuilder::default()
    }

    /// Declares the next level. Checked by [`AccessLevelsBuilder::build`]; at most one name
    /// past the limit is kept, so a huge configuration cannot grow memory.
    pub fn level(&mut self, name: &str) {
        if self.names.len() <= access::MAX_LEVELS {
            self.names.push(name.into());
        }
    }

    /// Validates and compiles the levels (consumes the builder). `public` and `share` name the
    /// public and share levels; `None` takes the defaults. Throws `INVALID_CONFIG`.
    pub fn build(
        self,
        public: Option<String>,
        share: Option<String>,
    ) -> Result<AccessEngine, JsValue> {
        let built = crate::wire::access::levels(&self.names, public.as_deref(), share.as_deref());
        built.map(|inner| AccessEngine { inner }).map_err(js_error)
    }
}

/// Compiled levels: resolution and sharing decisions over small integers.
#[wasm_bindgen]
pub struct AccessEngine {
    inner: access::Levels,
}

#[wasm_bindgen]
impl AccessEngine {
    /// The level names, lowest first, separated by single spaces (a validated name has no
    /// space): level `i` (1-based) is the `i`-th. One string rather than a `Vec<String>`,
    /// whose array glue costs over 1 KB.
    pub fn levels(&self) -> String {
        let mut out = String::new();
        for name in self.inner.names() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(name);
        }
        out
    }

    /// `[public level, share level, max parent depth, max caller groups, max documents per
    /// batch, max group name length, max page items]`: what the TypeScript layer needs to read
    /// just enough rows, to size batches by what was asked (never by what was found, which
    /// would reveal existence), and to bound what users write and ask for.
    pub fn info(&self) -> Vec<u32> {
        [
            u32::from(self.inner.public()),
            u32::from(self.inner.share()),
            access::MAX_PARENT_DEPTH as u32,
            access::MAX_CALLER_GROUPS as u32,
            access::MAX_BATCH_DOCUMENTS as u32,
            access::MAX_GROUP_NAME_LEN as u32,
            access::MAX_PAGE_ITEMS as u32,
        ]
        .to_vec()
    }

    /// Resolves a batch in one call, or decides a share request on it (one entry point for
    /// both: each costs glue). `ints` is, in order: the caller id (`0xFFFFFFFF` when
    /// anonymous), the group count `g` and `g` group ids; the document count `n`; the grant
    /// count `m`; `n` owner ids, `n` parent indexes; `m` grant document indexes, `m` subject
    /// ids; then the byte-sized columns: `n` public flags, `m` kinds, `m` levels. `times` is
    /// `now` followed by the `m` expiry times (`Infinity`: never), then, for a share request,
    /// the document's index, the level to grant and the requested expiry (`Infinity`: none).
    ///
    /// Returns, to resolve, one number per document: `level | source << 8 | via << 16`, `via`
    /// `0xFFFF` when there is no access. To share, one number: the grant's expiry (the one
    /// requested, capped to the caller's own access at the level sharing takes, see
    /// `Levels::share_grant`; `Infinity`: never) when allowed, else minus the denial code (-1
    /// below share level, -2 above own level, -3 owner level). Throws `INVALID_ARGUMENT`.
    pub fn resolve(&self, ints: &[u32], times: &[f64]) -> Result<Vec<f64>, JsValue> {
        self.run(ints, times).map_err(js_error)
    }

    /// Whether a caller at `caller_level` may grant `granted_level`: `0` yes, else the denial
    /// code (1 below share level, 2 above own level, 3 owner level), `255` when either is not
    /// a level (a bug in the caller: the TypeScript layer passes only levels it looked up).
    #[wasm_bindgen(js_name = canShare)]
    pub fn can_share(&self, caller_level: f64, granted_level: f64) -> u32 {
        match self
            .inner
            .share_verdict(code(caller_level), code(granted_level))
        {
            Some(Ok(())) => ALLOWED.into(),
            Some(Err(d)) => u32::from(d.code()),
            None => NOT_A_CODE.into(),
        }
    }

    /// Whether a caller whose access came from source code `source` may transfer ownership:
    /// `0` yes, else the denial code (4, not the owner).
    #[wasm_bindgen(js_name = canTransfer)]
    pub fn can_transfer(&self, source: f64) -> u32 {
        let source = Source::from_code(code(source)).unwrap_or(Source::None);
        match access::can_transfer(source) {
            Ok(()) => ALLOWED.into(),
            Err(d) => u32::from(d.code()),
        }
    }
}

impl AccessEngine {
    /// [`AccessEngine::resolve`] with a crate error.
    fn run(&self, ints: &[u32], times: &[f64]) -> Result<Vec<f64>, crate::Error> {
        let mut small = Vec::new();
        let b = split(ints, times, &mut small)?;
        match *b.request {
            // `pass` is `Levels::resolve` with the expiries share requests need, dropped here
            // (one function in the wasm rather than two).
            [] => Ok(self
                .inner
                .pass(b.now, b.caller, b.docs, b.grants, access::NONE)?
                .0
                .iter()
                .map(|a| f64::from(pack(a)))
                .collect()),
            [doc, granted, requested] => {
                let request = ShareRequest {
                    doc: index(doc).unwrap_or(access::NO_PARENT),
                    level: code(granted),
                    expires_at: requested,
                };
                let decided = self
                    .inner
                    .share_grant(b.now, b.caller, b.docs, b.grants, request)?;
                Ok([decided.unwrap_or_else(|denial| -f64::from(denial.code()))].to_vec())
            }
            _ => Err(truncated()),
        }
    }
}
