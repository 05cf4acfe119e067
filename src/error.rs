//! The one error type of the crate.
//!
//! Denials are not errors: a check that says "no" returns a value. An [`Error`] means the
//! input itself was unusable (a malformed configuration, a NaN timestamp, an over-long name),
//! and it always carries a stable [`Error::code`] that the TypeScript layer maps to
//! `ConvexError` data.
//!
//! Messages are lowercase, name the offending input, and are built by concatenation
//! (see [`msg`]) rather than `format!`, which keeps the formatting machinery out of the wasm.

use alloc::string::String;

/// Something the caller passed could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The configuration given to `defineGuard` (roles, permissions, limits, levels, ...) is
    /// invalid. Raised once, when the configuration is compiled.
    Config(String),
    /// An argument to a decision is malformed or out of range (NaN, negative, too long, ...).
    Argument(String),
    /// The platform could not supply what a call needs (secure random bytes).
    Unavailable(String),
}

impl Error {
    /// The stable machine-readable code: `INVALID_CONFIG`, `INVALID_ARGUMENT` or `UNAVAILABLE`.
    ///
    /// ```
    /// use convex_guard::Error;
    /// assert_eq!(Error::Config("x".into()).code(), "INVALID_CONFIG");
    /// assert_eq!(Error::Argument("x".into()).code(), "INVALID_ARGUMENT");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) => "INVALID_CONFIG",
            Error::Argument(_) => "INVALID_ARGUMENT",
            Error::Unavailable(_) => "UNAVAILABLE",
        }
    }

    /// The human-readable message, naming the offending input.
    pub fn message(&self) -> &str {
        match self {
            Error::Config(m) | Error::Argument(m) | Error::Unavailable(m) => m,
        }
    }

    /// A configuration error whose message is the concatenation of `parts`.
    pub fn config(parts: &[&str]) -> Self {
        Error::Config(msg(parts))
    }

    /// An argument error whose message is the concatenation of `parts`.
    pub fn argument(parts: &[&str]) -> Self {
        Error::Argument(msg(parts))
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())?;
        f.write_str(": ")?;
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}

/// Concatenates message parts without `format!` (no formatting machinery in the wasm).
///
/// ```
/// assert_eq!(convex_guard::error::msg(&["duplicate role '", "admin", "'"]), "duplicate role 'admin'");
/// ```
pub fn msg(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Writes `n` in decimal without `format!` (integers only: no float formatting is linked).
///
/// ```
/// assert_eq!(convex_guard::error::int(0), "0");
/// assert_eq!(convex_guard::error::int(4096), "4096");
/// ```
pub fn int(mut n: u64) -> String {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..)
        .map(|digits| digits.iter().map(|&b| b as char).collect())
        .unwrap_or_default()
}

/// The first bytes of an over-long name, for messages (cut on a character boundary).
pub(crate) fn truncated(name: &str) -> &str {
    let mut end = name.len().min(32);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or_default()
}
