//! What the fuzz targets share: the byte format a fuzz input is read in ([`Input`], written by
//! [`Output`] for the seed corpus), and the input decoding of `src/bindings/` that the targets
//! apply before calling the pure Rust functions the bindings call.
//!
//! The bindings compile for wasm32 only (their types are JavaScript's), but the decoding they
//! do (numbers to ids and codes, a flat access batch split into slices, a rate-limit request
//! record read) lives in `convex_guard::wire`, which the bindings and these targets both call:
//! nothing of it is copied here.

use convex_guard::access::{self, Access, Levels};
use convex_guard::ratelimit::{Limit, State};
use convex_guard::wire;
use convex_guard::Error;

pub use convex_guard::wire::access::{byte, code};
pub use convex_guard::wire::index;
pub use convex_guard::wire::ratelimit::{IN, LOG};

/// Reads typed values off the front of a fuzz input. Past the end every read gives zero (or
/// empty), so any byte string is a complete input.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// An input over `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next `n` bytes (fewer at the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    /// The next byte.
    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    /// The next byte's low bit.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    fn le<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        for (o, b) in out.iter_mut().zip(self.bytes(N)) {
            *o = *b;
        }
        out
    }

    /// A `u32`: one byte below `0xFE` is itself, `0xFE` is `u32::MAX` (the "nobody" id), `0xFF`
    /// is followed by 4 bytes little-endian.
    pub fn u32(&mut self) -> u32 {
        match self.u8() {
            0xFE => u32::MAX,
            0xFF => u32::from_le_bytes(self.le()),
            b => u32::from(b),
        }
    }

    /// An `f64` a JavaScript caller could pass: one tag byte, then: `0` 8 raw bytes (any bit
    /// pattern), `1` NaN, `2` +Infinity, `3` -Infinity, `4` -0, `5` a `u64` (8 bytes) as a
    /// number, `6` a [`Input::u32`] plus one half, `7` minus a [`Input::u32`], `8` 2^32; tags
    /// from `9` are the whole numbers `tag - 9`.
    pub fn f64(&mut self) -> f64 {
        match self.u8() {
            0 => f64::from_le_bytes(self.le()),
            1 => f64::NAN,
            2 => f64::INFINITY,
            3 => f64::NEG_INFINITY,
            4 => -0.0,
            5 => u64::from_le_bytes(self.le()) as f64,
            6 => f64::from(self.u32()) + 0.5,
            7 => -f64::from(self.u32()),
            8 => 4_294_967_296.0,
            t => f64::from(t - 9),
        }
    }

    /// `Some` of the next value when a flag byte says so.
    pub fn option<T>(&mut self, read: impl FnOnce(&mut Self) -> T) -> Option<T> {
        self.bool().then(|| read(self))
    }

    /// A length: one byte below `0xFF`, or `0xFF` and 2 bytes little-endian.
    pub fn len(&mut self) -> usize {
        match self.u8() {
            0xFF => usize::from(u16::from_le_bytes(self.le())),
            b => usize::from(b),
        }
    }

    /// A string as JavaScript hands it to a binding: [`Input::len`] bytes, as UTF-8 (invalid
    /// sequences replaced, as a JavaScript string always is valid).
    pub fn string(&mut self) -> String {
        let n = self.len();
        String::from_utf8_lossy(self.bytes(n)).into_owned()
    }

    /// A byte array of [`Input::len`] bytes.
    pub fn byte_array(&mut self) -> Vec<u8> {
        let n = self.len();
        self.bytes(n).to_vec()
    }
}

/// Writes values in the format [`Input`] reads (for the seed corpus).
#[derive(Default)]
pub struct Output(pub Vec<u8>);

impl Output {
    /// Appends one byte.
    pub fn u8(&mut self, b: u8) -> &mut Self {
        self.0.push(b);
        self
    }

    /// Appends a flag.
    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.u8(u8::from(b))
    }

    /// Appends a `u32` as [`Input::u32`] reads it.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        match v {
            u32::MAX => self.u8(0xFE),
            0..=0xFD => self.u8(v as u8),
            _ => {
                self.u8(0xFF);
                self.0.extend_from_slice(&v.to_le_bytes());
                self
            }
        }
    }

    /// Appends an `f64` as [`Input::f64`] reads it.
    pub fn f64(&mut self, v: f64) -> &mut Self {
        if v.is_nan() {
            self.u8(1)
        } else if v == f64::INFINITY {
            self.u8(2)
        } else if v == f64::NEG_INFINITY {
            self.u8(3)
        } else if (0.0..=246.0).contains(&v) && v.fract() == 0.0 && v.is_sign_positive() {
            self.u8(v as u8 + 9)
        } else if (0.0..1.8e19).contains(&v) && v.fract() == 0.0 && v.is_sign_positive() {
            self.u8(5);
            self.0.extend_from_slice(&(v as u64).to_le_bytes());
            self
        } else {
            self.u8(0);
            self.0.extend_from_slice(&v.to_le_bytes());
            self
        }
    }

    /// Appends `Some`'s flag and value, or `None`'s flag.
    pub fn option<T>(&mut self, v: Option<T>, write: impl FnOnce(&mut Self, T)) -> &mut Self {
        self.bool(v.is_some());
        if let Some(v) = v {
            write(self, v);
        }
        self
    }

    /// Appends a length as [`Input::len`] reads it.
    pub fn len(&mut self, n: usize) -> &mut Self {
        match u8::try_from(n) {
            Ok(b) if b < 0xFF => self.u8(b),
            _ => {
                self.u8(0xFF);
                let n = u16::try_from(n).unwrap_or(u16::MAX);
                self.0.extend_from_slice(&n.to_le_bytes());
                self
            }
        }
    }

    /// Appends a string as [`Input::string`] reads it.
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.byte_array(s.as_bytes())
    }

    /// Appends bytes as [`Input::byte_array`] reads them.
    pub fn byte_array(&mut self, b: &[u8]) -> &mut Self {
        let b = b.get(..usize::from(u16::MAX)).unwrap_or(b);
        self.len(b.len());
        self.0.extend_from_slice(b);
        self
    }
}

/// An alphabet setting as JavaScript passes it: `digits`, `crockford` (one byte `0` or `1`)
/// or any string (a byte `2` or `3`, then the string).
pub fn alphabet_spec(input: &mut Input<'_>) -> String {
    match input.u8() % 4 {
        0 => "digits".to_owned(),
        1 => "crockford".to_owned(),
        _ => input.string(),
    }
}

/// `AccessLevelsBuilder::build` of the binding: the collected names (at most one past
/// [`access::MAX_LEVELS`], as the binding keeps), then the optional public and share level
/// names, compiled by the boundary's own [`wire::access::levels`].
pub fn build_levels(
    names: &[String],
    public: Option<&str>,
    share: Option<&str>,
) -> Result<Levels, Error> {
    let kept = names.get(..access::MAX_LEVELS + 1).unwrap_or(names);
    wire::access::levels(kept, public, share)
}

/// `AccessEngine::resolve` of the binding (without a share request): splits `ints` and
/// `times` as it does ([`wire::access::split`]) and resolves; `Err` for a truncated layout as
/// for any other malformed batch.
pub fn resolve_flat(levels: &Levels, ints: &[u32], times: &[f64]) -> Result<Vec<Access>, Error> {
    let mut small = Vec::new();
    let b = wire::access::split(ints, times, &mut small)?;
    // The binding resolves when nothing follows the expiry times (three numbers are a share
    // request, which `resolve` never makes).
    if !b.request.is_empty() {
        return Err(wire::access::mislength());
    }
    levels.resolve(b.now, b.caller, b.docs, b.grants)
}

/// One request as `RateLimiter::run` of the binding reads it ([`wire::ratelimit::request`]),
/// its state (borrowed from the log slots there) as an owned [`State`].
pub fn read_request(
    limits: &[Limit],
    records: &[f64],
    logs: &[f64],
    i: usize,
) -> Result<(Limit, Option<State>, f64), Error> {
    wire::ratelimit::request(limits, records, logs, i)
        .map(|(limit, state, count)| (limit, state.map(|s| s.to_state()), count))
}

/// The most requests one call decides (`ratelimit::MAX_BATCH`), re-exported for the targets.
pub const MAX_REQUESTS: usize = wire::ratelimit::MAX_BATCH;
