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

    /// A configuration error whose message is `template` filled with `texts` and `nums`
    /// ([`fill_msg`]).
    pub fn config_fill(template: &str, texts: &[&str], nums: &[u64]) -> Self {
        Error::Config(fill_msg(template, texts, nums))
    }

    /// An argument error whose message is `template` filled with `texts` and `nums`
    /// ([`fill_msg`]).
    pub fn argument_fill(template: &str, texts: &[&str], nums: &[u64]) -> Self {
        Error::Argument(fill_msg(template, texts, nums))
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

/// Fills a message template without `format!`: each `{s}` in `template` is replaced by the
/// next of `texts` and each `{n}` by the next of `nums` in decimal (a placeholder with no value
/// left becomes nothing; any other `{` is kept).
///
/// Smaller in the wasm than [`msg`] with [`int`] parts when a message names numbers: one call
/// with the numbers in an array, instead of a call, a string and a drop for each number (the
/// constructor of the code settings alone names fourteen).
///
/// ```
/// use convex_guard::error::fill_msg;
/// assert_eq!(fill_msg("code length {n} must be {n} to {n}", &[], &[3, 4, 32]), "code length 3 must be 4 to 32");
/// assert_eq!(fill_msg("alphabet '{s}' has {n} symbols", &["ab"], &[2]), "alphabet 'ab' has 2 symbols");
/// assert_eq!(fill_msg("{x} {n}{s} {", &[], &[]), "{x}  {");
/// ```
pub fn fill_msg(template: &str, texts: &[&str], nums: &[u64]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let (mut texts, mut nums) = (texts.iter(), nums.iter());
    let bytes = template.as_bytes();
    // Byte offsets: `{` and `}` are ASCII, so every cut below is on a character boundary.
    let (mut start, mut i) = (0, 0);
    while let Some(&b) = bytes.get(i) {
        let kind = match (b, bytes.get(i + 2)) {
            (b'{', Some(b'}')) => bytes.get(i + 1).copied(),
            _ => None,
        };
        if kind == Some(b'n') || kind == Some(b's') {
            out.push_str(template.get(start..i).unwrap_or_default());
            if kind == Some(b'n') {
                if let Some(&n) = nums.next() {
                    push_int(&mut out, n);
                }
            } else {
                out.push_str(texts.next().copied().unwrap_or_default());
            }
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(template.get(start..).unwrap_or_default());
    out
}

/// Writes `n` in decimal without `format!` (integers only: no float formatting is linked).
///
/// ```
/// assert_eq!(convex_guard::error::int(0), "0");
/// assert_eq!(convex_guard::error::int(4096), "4096");
/// ```
pub fn int(n: u64) -> String {
    let mut s = String::new();
    push_int(&mut s, n);
    s
}

/// Appends `n` in decimal to `out`.
fn push_int(out: &mut String, mut n: u64) {
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
    for &digit in buf.get(i..).unwrap_or_default() {
        out.push(char::from(digit));
    }
}

/// The first bytes of an over-long name, for messages (cut on a character boundary).
pub(crate) fn truncated(name: &str) -> &str {
    let mut end = name.len().min(32);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or_default()
}
