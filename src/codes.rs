//! One-time confirmation codes: generation without bias, and verification as a pure state
//! machine.
//!
//! A code confirms one destructive action: it is bound to an (actor, action, target), expires
//! ([`DEFAULT_TTL_MS`]), can be used once, and survives a limited number of wrong attempts
//! ([`DEFAULT_MAX_ATTEMPTS`]). Only a keyed hash of it is stored; every failure gives the client
//! the same error ([`CLIENT_ERROR_CODE`]) while [`Outcome::reason`] tells the audit log why.
//!
//! # The flow (the TypeScript layer owns storage and the secret)
//! Issue:
//! 1. `code = config.generate()?` ([`CodeConfig::generate`]: random bytes drawn in this call);
//! 2. `msg = binding_message(actor, action, target, &code)?` ([`binding_message`]);
//! 3. `digest = HMAC-SHA-256(secret, msg)` with `crypto.subtle.sign` (see below);
//! 4. `record = config.reissue(digest, now, failures)?` ([`CodeConfig::reissue`], with the
//!    [`Failures`] of the row it replaces, if any); upsert it in the row for this binding,
//!    which replaces any pending code but keeps its failure count; send `code` out of band,
//!    never store it.
//!
//! Verify:
//! 1. read the row (or none);
//! 2. `canon = config.format().canonical(presented)` ([`CodeFormat::canonical`]);
//! 3. if `canon` is `Some(c)`: `digest = HMAC-SHA-256(secret, binding_message(actor, action,
//!    target, c))`, else no digest (a malformed code);
//! 4. `v = config.consume(row, &actor, digest, now)?` ([`CodeConfig::consume`], with the
//!    actor's [`Failures`] from its own row); write `v.record` back (and `v.actor`, when
//!    `Some`, to the actor's row), log `v.outcome.reason()`, and unless
//!    `v.outcome.is_accepted()` answer with [`Outcome::client_code`], which is the same for
//!    every failure (returned, not thrown, so that the writes commit).
//!
//! # The keyed hash: `crypto.subtle`, not Rust
//! Measured (wasm32-unknown-unknown, opt-level "z", lto, one codegen unit, panic "abort",
//! then `wasm-opt -Oz`; probe crate in the project notes): exporting an HMAC-SHA-256 adds
//! 4,580 bytes (2,227 gzipped) with RustCrypto `hmac` 0.12 + `sha2` 0.10, and 2,373 bytes
//! (1,556 gzipped) with a hand-written SHA-256. `crypto.subtle` adds nothing to the module.
//! The budget for the whole library is 40 KB, of which roles and permissions may take 24 KB,
//! and browsers (which only pre-check) would download the hash for nothing; the platform HMAC also keeps the secret
//! in a non-extractable `CryptoKey` instead of copying it into wasm memory, and it is not
//! hand-written crypto. So the TypeScript layer imports the secret (read from an environment
//! variable) with `crypto.subtle.importKey("raw", ..., {name: "HMAC", hash: "SHA-256"},
//! false, ["sign"])` and signs the bytes [`binding_message`] returns; Rust receives the
//! 32-byte digest. The message layout lives here only, so the two layers cannot disagree on it.
//!
//! # Security
//! - Randomness comes from [`crate::random::fill`] inside [`generate`], never at import and
//!   never from a pool.
//! - Symbols are drawn by rejection sampling: no symbol is likelier than another (maths at
//!   [`code_from_bytes`]).
//! - A format must have at least [`MIN_CODE_SPACE`] possible codes and a code at most
//!   [`MAX_ATTEMPTS`] tries, so one issued code is guessed with probability at most 10^-5.
//! - Re-issuing does not buy more guesses: two failure budgets ([`Lockout`]) bound the wrong
//!   attempts per binding (across re-issues) and per actor (across every action and target),
//!   whatever the app does about issuing. While either is spent, [`CodeConfig::consume`]
//!   refuses without comparing anything ([`Outcome::Locked`]).
//! - Digests are compared in constant time ([`Digest::ct_eq`] says exactly what that covers).
//! - The server secret should be at least 32 random bytes; rotating it voids pending codes.
//!
//! ```
//! use convex_guard::codes::{binding_message, verify, CodeConfig, Digest, Outcome};
//! let config = CodeConfig::default(); // 8 digits, 5 minutes, 5 attempts
//! let code = config.generate()?;
//! assert_eq!(code.len(), 8);
//! let msg = binding_message("user|42", "delete:account", "accounts/7", &code)?;
//! assert!(msg.starts_with(b"convex-guard/code/v1"));
//! // The TypeScript layer HMACs `msg`; a fixed digest stands in for it here.
//! let digest = Digest::from_bytes([7; 32]);
//! let record = config.issue(digest, 1_000.0)?;
//! let wrong = verify(Some(&record), Some(&Digest::from_bytes([8; 32])), 2_000.0)?;
//! assert_eq!(wrong.outcome, Outcome::Wrong);
//! let record = wrong.record.unwrap();
//! let right = verify(Some(&record), Some(&digest), 3_000.0)?;
//! assert_eq!(right.outcome, Outcome::Accepted);
//! let again = verify(right.record.as_ref(), Some(&digest), 4_000.0)?;
//! assert_eq!(again.outcome, Outcome::Used);
//! assert_eq!(again.outcome.client_code(), wrong.outcome.client_code());
//! # Ok::<(), convex_guard::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, Kind, Msg};
use crate::random;
use crate::time;

/// The built-in decimal alphabet: `0123456789`.
pub const DIGITS: &str = "0123456789";
/// The built-in Crockford base32 alphabet: digits and upper-case letters without I, L, O, U.
pub const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The name of [`DIGITS`] in [`Alphabet::from_spec`].
pub const DIGITS_NAME: &str = "digits";
/// The name of [`CROCKFORD`] in [`Alphabet::from_spec`].
pub const CROCKFORD_NAME: &str = "crockford";
/// The alphabet of a code by default, as [`Alphabet::from_spec`] reads it: the decimal digits
/// (the alphabet of [`CodeFormat::default`]).
///
/// ```
/// use convex_guard::codes::{Alphabet, CodeFormat, DEFAULT_ALPHABET};
/// assert_eq!(&Alphabet::from_spec(DEFAULT_ALPHABET)?, CodeFormat::default().alphabet());
/// # Ok::<(), convex_guard::Error>(())
/// ```
pub const DEFAULT_ALPHABET: &str = DIGITS_NAME;
/// Fewest symbols an alphabet may have.
pub const MIN_ALPHABET: usize = 2;
/// Most symbols an alphabet may have (so one random byte, masked, can pick any symbol).
pub const MAX_ALPHABET: usize = 64;
/// Shortest code, in symbols.
pub const MIN_LENGTH: u32 = 4;
/// Longest code, in symbols.
pub const MAX_LENGTH: u32 = 32;
/// Default code length: 8 symbols (8 digits: 10^8 codes, about 26.6 bits).
pub const DEFAULT_LENGTH: u32 = 8;
/// Fewest possible codes a format may have (alphabet size to the power of the length): a
/// six-digit code's space. With at most [`MAX_ATTEMPTS`] tries, a guess succeeds with
/// probability at most 10/10^6 per issued code.
pub const MIN_CODE_SPACE: u64 = 1_000_000;
/// Default lifetime of a code: 5 minutes, in ms.
pub const DEFAULT_TTL_MS: f64 = 300_000.0;
/// Shortest lifetime a configuration may give a code: 1 second, in ms.
pub const MIN_TTL_MS: f64 = 1_000.0;
/// Longest lifetime a configuration may give a code: 1 day, in ms.
pub const MAX_TTL_MS: f64 = 86_400_000.0;
/// Default number of wrong attempts after which a code is void.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Most wrong attempts a configuration may allow (at least 1 is required).
pub const MAX_ATTEMPTS: u32 = 10;
/// Largest `now` accepted, in ms since the epoch ([`crate::time::MAX_TIME_MS`]).
pub use crate::time::MAX_TIME_MS;
/// Longest actor (user key, e.g. a `tokenIdentifier`) in a binding, in UTF-8 bytes.
pub const MAX_ACTOR_LEN: usize = 256;
/// Longest action name in a binding, in UTF-8 bytes.
pub const MAX_ACTION_LEN: usize = 128;
/// Longest target (e.g. a document id; may be empty) in a binding, in UTF-8 bytes.
pub const MAX_TARGET_LEN: usize = 256;
/// Longest presented text [`CodeFormat::canonical`] looks at, in bytes; longer is malformed.
pub const MAX_PRESENTED_LEN: usize = 128;
/// Length of a keyed hash (HMAC-SHA-256 output), in bytes.
pub const DIGEST_LEN: usize = 32;
/// The first bytes of every [`binding_message`]: separates this use of the server secret from
/// any other, and versions the layout.
pub const BINDING_TAG: &[u8] = b"convex-guard/code/v1";
/// The one error code a client sees for every failed verification.
pub const CLIENT_ERROR_CODE: &str = "INVALID_CONFIRMATION";
/// The message the client sees with [`CLIENT_ERROR_CODE`], the same for every failure.
pub const CLIENT_ERROR_MESSAGE: &str = "Invalid or expired confirmation code";
/// Most batches of random bytes [`generate_with`] asks for before giving up (see there why
/// that never happens with a working generator).
pub const MAX_BATCHES: usize = 8;
/// Fewest random bytes asked for in one batch.
pub const MIN_BATCH: usize = 64;
/// Most random bytes asked for in one batch (far below the 65,536-byte platform cap).
pub const MAX_BATCH: usize = 128;

/// Most failures a [`Lockout`] may allow per window: the limit NIST SP 800-63B section 5.2.2
/// sets on failed authentication attempts per account.
pub const MAX_LOCKOUT_FAILURES: u32 = 100;
/// Shortest window a [`Lockout`] may have: 1 minute, in ms.
pub const MIN_LOCKOUT_WINDOW_MS: f64 = 60_000.0;
/// Longest window a [`Lockout`] may have: 30 days, in ms.
pub const MAX_LOCKOUT_WINDOW_MS: f64 = 2_592_000_000.0;
/// Default failures per binding and window: two default codes' worth of attempts, so one
/// re-issue after a run of typos still works, and a second does not buy more.
pub const DEFAULT_BINDING_FAILURES: u32 = 10;
/// Default window of the per-binding budget: 15 minutes (three default code lifetimes, so
/// re-issuing within it cannot outrun it), in ms.
pub const DEFAULT_BINDING_WINDOW_MS: f64 = 900_000.0;
/// Default failures per actor and window, across all actions and targets:
/// [`MAX_LOCKOUT_FAILURES`].
pub const DEFAULT_ACTOR_FAILURES: u32 = MAX_LOCKOUT_FAILURES;
/// Default window of the per-actor budget: 24 hours, in ms.
pub const DEFAULT_ACTOR_WINDOW_MS: f64 = 86_400_000.0;

/// A validated alphabet: 2 to 64 distinct printable ASCII symbols (`!` to `~`, no space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alphabet {
    symbols: [u8; MAX_ALPHABET],
    /// Number of symbols, `MIN_ALPHABET..=MAX_ALPHABET`.
    size: u8,
    /// `size.next_power_of_two() - 1`: the low bits of a byte that index a symbol.
    mask: u8,
}

const DIGITS_ALPHABET: Alphabet = Alphabet::builtin(DIGITS.as_bytes());
const CROCKFORD_ALPHABET: Alphabet = Alphabet::builtin(CROCKFORD.as_bytes());

impl Alphabet {
    /// Builds a built-in alphabet at compile time. Only used for constants, so an
    /// out-of-range index would be a compile error, not a run-time panic; the unit tests check
    /// that the result equals [`Alphabet::new`] on the same text.
    #[allow(clippy::indexing_slicing)]
    const fn builtin(text: &[u8]) -> Alphabet {
        let mut symbols = [0u8; MAX_ALPHABET];
        let mut i = 0;
        while i < text.len() {
            symbols[i] = text[i];
            i += 1;
        }
        // Built-ins have 10 and 32 symbols: the casts cannot truncate.
        let size = text.len() as u8;
        Alphabet {
            symbols,
            size,
            mask: size.next_power_of_two() - 1,
        }
    }

    /// The decimal digits ([`DIGITS`]).
    pub const fn digits() -> Alphabet {
        DIGITS_ALPHABET
    }

    /// Crockford base32 ([`CROCKFORD`]).
    pub const fn crockford() -> Alphabet {
        CROCKFORD_ALPHABET
    }

    /// Validates a custom alphabet: 2 to 64 distinct symbols from `!` to `~`.
    ///
    /// ```
    /// use convex_guard::codes::Alphabet;
    /// assert_eq!(Alphabet::new("0123456789ABCDEF")?.size(), 16);
    /// assert!(Alphabet::new("aa").is_err());
    /// assert!(Alphabet::new("a b").is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Config`] error when a character is not printable ASCII (space, control or
    /// non-ASCII), when there are fewer than [`MIN_ALPHABET`] or more than [`MAX_ALPHABET`]
    /// symbols, or when a symbol repeats (the message names it).
    // `iter().any` rather than `contains`: see `Alphabet::contains`.
    #[allow(clippy::manual_contains)]
    pub fn new(text: &str) -> Result<Alphabet, Error> {
        let bytes = text.as_bytes();
        if let Some(pos) = bytes.iter().position(|b| !is_symbol(*b)) {
            return Err(Error::config(&[Msg::AlphabetChar], &[], &[pos as u64]));
        }
        if bytes.len() < MIN_ALPHABET {
            return Err(Error::config(
                &[Msg::AlphabetShort],
                &[text],
                &[MIN_ALPHABET as u64],
            ));
        }
        if bytes.len() > MAX_ALPHABET {
            return Err(Error::config(
                &[Msg::AlphabetLong],
                &[],
                &[bytes.len() as u64, MAX_ALPHABET as u64],
            ));
        }
        let mut symbols = [0u8; MAX_ALPHABET];
        for (i, (slot, &b)) in symbols.iter_mut().zip(bytes).enumerate() {
            // At most 64 * 63 / 2 comparisons; smaller in the wasm than a 128-bit set.
            if bytes
                .get(..i)
                .is_some_and(|before| before.iter().any(|&c| c == b))
            {
                return Err(Error::config(
                    &[Msg::AlphabetRepeats],
                    // Every byte is ASCII (checked above), so `i..i + 1` is one character.
                    &[text, text.get(i..i + 1).unwrap_or_default()],
                    &[],
                ));
            }
            *slot = b;
        }
        // 2 <= len <= 64, checked above: fits in a u8, and the next power of two is <= 64.
        let size = bytes.len() as u8;
        Ok(Alphabet {
            symbols,
            size,
            mask: size.next_power_of_two() - 1,
        })
    }

    /// `"digits"` or `"crockford"` for a built-in alphabet, anything else as a custom alphabet
    /// ([`Alphabet::new`]). No valid custom alphabet is spelled like a built-in name: both
    /// names repeat a letter.
    ///
    /// ```
    /// use convex_guard::codes::Alphabet;
    /// assert_eq!(Alphabet::from_spec("crockford")?, Alphabet::crockford());
    /// assert_eq!(Alphabet::from_spec("01")?.size(), 2);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Alphabet::new`].
    pub fn from_spec(spec: &str) -> Result<Alphabet, Error> {
        match spec {
            DIGITS_NAME => Ok(Alphabet::digits()),
            CROCKFORD_NAME => Ok(Alphabet::crockford()),
            custom => Alphabet::new(custom),
        }
    }

    /// Number of symbols, 2 to 64.
    pub fn size(&self) -> usize {
        usize::from(self.size)
    }

    /// The symbols, in order: symbol `i` is what a masked byte of value `i` maps to.
    pub fn symbols(&self) -> &str {
        core::str::from_utf8(self.bytes()).unwrap_or_default()
    }

    /// The symbols as bytes (all ASCII).
    fn bytes(&self) -> &[u8] {
        self.symbols.get(..self.size()).unwrap_or_default()
    }

    /// The mask applied to each random byte: the next power of two at or above
    /// [`Alphabet::size`], minus one.
    pub fn mask(&self) -> u8 {
        self.mask
    }

    // Not `<[u8]>::contains`, which links `memchr` (0.4 KB of wasm) for 64 bytes at most.
    #[allow(clippy::manual_contains)]
    fn contains(&self, b: u8) -> bool {
        self.bytes().iter().any(|&c| c == b)
    }

    fn is_crockford(&self) -> bool {
        self.bytes() == CROCKFORD.as_bytes()
    }
}

fn is_symbol(b: u8) -> bool {
    (b'!'..=b'~').contains(&b)
}

/// A validated code format: an alphabet and a length with at least [`MIN_CODE_SPACE`]
/// possible codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeFormat {
    alphabet: Alphabet,
    length: u8,
}

impl Default for CodeFormat {
    /// [`DEFAULT_LENGTH`] (8) decimal digits.
    fn default() -> Self {
        CodeFormat {
            alphabet: Alphabet::digits(),
            // DEFAULT_LENGTH is 8.
            length: DEFAULT_LENGTH as u8,
        }
    }
}

impl CodeFormat {
    /// Validates a length for `alphabet`: [`MIN_LENGTH`] to [`MAX_LENGTH`] symbols, and at
    /// least [`MIN_CODE_SPACE`] possible codes (for digits: 6 or more; Crockford: 4 or more).
    ///
    /// ```
    /// use convex_guard::codes::{Alphabet, CodeFormat};
    /// assert!(CodeFormat::new(Alphabet::digits(), 6).is_ok());
    /// assert!(CodeFormat::new(Alphabet::digits(), 5).is_err()); // 10^5 codes: too few
    /// assert!(CodeFormat::new(Alphabet::crockford(), 4).is_ok()); // 32^4 > 10^6
    /// assert!(CodeFormat::new(Alphabet::crockford(), 33).is_err());
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Config`] error naming the length when it is out of range or leaves too few
    /// codes.
    pub fn new(alphabet: Alphabet, length: u32) -> Result<CodeFormat, Error> {
        if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
            return Err(Error::config(
                &[Msg::CodeLength],
                &[],
                &[MIN_LENGTH.into(), MAX_LENGTH.into()],
            ));
        }
        let n = alphabet.size() as u64;
        let mut space: u64 = 1;
        for _ in 0..length {
            // Stops at MIN_CODE_SPACE: never above 64 * 10^6, so no overflow.
            if space >= MIN_CODE_SPACE {
                break;
            }
            space *= n;
        }
        if space < MIN_CODE_SPACE {
            return Err(Error::config(
                &[Msg::CodeSpace],
                &[],
                &[length.into(), n, MIN_CODE_SPACE],
            ));
        }
        // length <= MAX_LENGTH (32), checked above.
        Ok(CodeFormat {
            alphabet,
            length: length as u8,
        })
    }

    /// The alphabet.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// The number of symbols in a code.
    pub fn length(&self) -> usize {
        usize::from(self.length)
    }

    /// How many random bytes [`generate_with`] asks for per batch: 1.6 times the expected
    /// need, `length * (mask + 1) / size` (see [`code_from_bytes`]), and at least
    /// [`MIN_BATCH`], at most [`MAX_BATCH`] (the largest need, 32 symbols of a 33-symbol
    /// alphabet, is 100 bytes).
    pub fn batch_size(&self) -> usize {
        let range = usize::from(self.alphabet.mask) + 1;
        let need = (16 * self.length() * range).div_ceil(10 * self.alphabet.size().max(1));
        need.clamp(MIN_BATCH, MAX_BATCH)
    }

    /// The canonical form of a code a person typed, or `None` when it cannot be a code of
    /// this format (wrong length, a character outside the alphabet, longer than
    /// [`MAX_PRESENTED_LEN`] bytes).
    ///
    /// Forgiving where it cannot merge two codes: ASCII whitespace (spaces, tabs, line ends) and
    /// every character outside ASCII but the fullwidth forms are dropped (no symbol is outside
    /// ASCII), the fullwidth forms read as the ASCII they show, and `-` separators are dropped
    /// unless `-` is a symbol; when the alphabet has letters of one case only,
    /// the other case is folded to it; for Crockford base32, `I` and `L` read as `1` and `O` as
    /// `0` (Crockford's decoding rules).
    ///
    /// ```
    /// use convex_guard::codes::{Alphabet, CodeFormat};
    /// let f = CodeFormat::new(Alphabet::crockford(), 8)?;
    /// assert_eq!(f.canonical("abcd-efgo").as_deref(), Some("ABCDEFG0"));
    /// assert_eq!(f.canonical("ABCDEFGU"), None); // U is not a Crockford symbol
    /// let d = CodeFormat::default();
    /// assert_eq!(d.canonical(" 1234 5678 ").as_deref(), Some("12345678"));
    /// assert_eq!(d.canonical("1234\u{a0}5678\n").as_deref(), Some("12345678")); // pasted
    /// assert_eq!(d.canonical("１２３４５６７８").as_deref(), Some("12345678")); // fullwidth
    /// assert_eq!(d.canonical("1234567"), None);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    pub fn canonical(&self, presented: &str) -> Option<String> {
        if presented.len() > MAX_PRESENTED_LEN {
            return None;
        }
        let symbols = self.alphabet.bytes();
        let has_upper = symbols.iter().any(u8::is_ascii_uppercase);
        let has_lower = symbols.iter().any(u8::is_ascii_lowercase);
        let keep_dash = self.alphabet.contains(b'-');
        let crockford = self.alphabet.is_crockford();
        let mut out = String::with_capacity(self.length());
        // The last three bytes read, for the fullwidth forms below.
        let mut window = 0u32;
        for &byte in presented.as_bytes() {
            window = ((window << 8) | u32::from(byte)) & 0xFF_FFFF;
            // Outside ASCII, in UTF-8: the fullwidth `!` to `~` (U+FF01 to U+FF5E, EF BC 81 to
            // EF BD 9E, what an East Asian keyboard types) read as the ASCII they show, at their
            // last byte; every other byte is dropped (a no-break space, a zero-width space, a
            // line separator: what a copy from an e-mail or a chat brings), since no symbol is
            // outside ASCII.
            let raw = if byte < 0x80 {
                byte
            } else if (0xEF_BC81..=0xEF_BD9E).contains(&window) {
                // EF BC 81 to BF are `!` to `_`; EF BD 80 to 9E, `` ` `` to `~` (BD's low bit, 0x40 up).
                byte - 0x60 + (((window >> 2) & 0x40) as u8)
            } else {
                b' '
            };
            if matches!(raw, b' ' | b'\t'..=b'\r') || (raw == b'-' && !keep_dash) {
                continue;
            }
            let mut b = raw;
            if has_upper && !has_lower {
                b = b.to_ascii_uppercase();
            } else if has_lower && !has_upper {
                b = b.to_ascii_lowercase();
            }
            if crockford {
                b = match b {
                    b'I' | b'L' => b'1',
                    b'O' => b'0',
                    other => other,
                };
            }
            if !self.alphabet.contains(b) || out.len() >= self.length() {
                return None;
            }
            push_ascii(&mut out, b);
        }
        (out.len() == self.length()).then_some(out)
    }
}

/// Appends `b` to `out`: a symbol of an alphabet, so printable ASCII ([`Alphabet::new`]).
/// `String::push` of any `char` links UTF-8 encoding (0.3 KB of wasm) for what is one byte.
fn push_ascii(out: &mut String, b: u8) {
    out.push(char::from(b & 0x7F));
}

/// Maps random bytes to symbols by rejection sampling, appending to `out` until it holds
/// [`CodeFormat::length`] symbols. Returns `Some(bytes consumed)` once `out` is complete
/// (`Some(0)` if it already was), or `None` when every byte was used and `out` is still short:
/// call again with fresh bytes to continue the same code. `out` should start empty.
///
/// # Why there is no bias
/// Let `n` be the alphabet size and `2^k` the next power of two at or above it (`k <= 6`),
/// `mask = 2^k - 1`. Each byte `b` gives `v = b & mask`, its low `k` bits; `v` is accepted
/// when `v < n` and then picks symbol `v`; otherwise the byte is dropped. Because `2^k`
/// divides 256, each of the `2^k` values of `v` comes from exactly `256 / 2^k` bytes, so for a
/// uniform byte `v` is exactly uniform, and conditioned on acceptance each symbol has
/// probability exactly `1/n`: zero bias. (`b % n` instead gives the first `256 % n` symbols one
/// extra byte each: for digits, 0-5 come from 26 bytes and 6-9 from 25, 4% more likely.)
///
/// A byte is accepted with probability `p = n / 2^k`, which is above 1/2, so a symbol costs
/// `2^k / n` bytes on average, always under 2: 1.6 for digits, exactly 1 for Crockford
/// (no rejection at all), 64/36 = 1.78 for 36 symbols.
///
/// ```
/// use convex_guard::codes::{code_from_bytes, Alphabet, CodeFormat};
/// let f = CodeFormat::new(Alphabet::digits(), 6)?;
/// let mut code = String::new();
/// // 0x0F & 15 = 15 >= 10 and 0xFA & 15 = 10 >= 10 are rejected; 0x13 & 15 = 3 gives '3'.
/// let used = code_from_bytes(&[0x0F, 0x01, 0x02, 0xFA, 0x13, 0x04, 0x05, 0x06, 0x99], &f, &mut code);
/// assert_eq!((code.as_str(), used), ("123456", Some(8)));
/// # Ok::<(), convex_guard::Error>(())
/// ```
pub fn code_from_bytes(bytes: &[u8], format: &CodeFormat, out: &mut String) -> Option<usize> {
    let want = format.length();
    if out.len() >= want {
        return Some(0);
    }
    let alphabet = &format.alphabet;
    for (i, &b) in bytes.iter().enumerate() {
        let v = b & alphabet.mask;
        if v < alphabet.size {
            if let Some(&symbol) = alphabet.symbols.get(usize::from(v)) {
                push_ascii(out, symbol);
                if out.len() >= want {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

/// Generates a code from the platform's secure generator ([`crate::random::fill`]), drawing
/// the bytes inside this call.
///
/// ```
/// use convex_guard::codes::{generate, Alphabet, CodeFormat};
/// let f = CodeFormat::new(Alphabet::crockford(), 10)?;
/// let code = generate(&f)?;
/// assert_eq!(code.len(), 10);
/// assert!(code.bytes().all(|b| convex_guard::codes::CROCKFORD.as_bytes().contains(&b)));
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// A [`Kind::Unavailable`] error when the platform has no secure generator, or when its bytes
/// complete no code in [`MAX_BATCHES`] batches (see [`generate_with`]).
pub fn generate(format: &CodeFormat) -> Result<String, Error> {
    generate_with(format, random::fill)
}

/// Generates a code from bytes supplied by `fill` (nanoid's `customRandom`): asks for
/// [`CodeFormat::batch_size`] bytes at a time, at most [`MAX_BATCHES`] times.
///
/// # Why the bound is never reached
/// The bytes of all batches are one sequence of `T = MAX_BATCHES * batch_size` independent
/// draws, each accepted with probability `p > 1/2` ([`code_from_bytes`]); the code is short
/// only if fewer than `length` of the `T` draws are accepted. `T` is at least 512 and at least
/// 12.8 times the expected need, so that binomial tail is below 2^-128 for every valid
/// format: the worst is 20 symbols of a 33-symbol alphabet, about 2^-420 (the unit test
/// `batch_bound_is_negligible_for_every_format` computes it for each). Reaching the bound
/// means the source is broken (stuck or constant), and it is an error instead of a hang.
///
/// ```
/// use convex_guard::codes::{generate_with, CodeFormat};
/// let stuck = |buf: &mut [u8]| { buf.fill(0xFF); Ok(()) }; // 0xFF & 15 = 15: always rejected
/// assert!(generate_with(&CodeFormat::default(), stuck).is_err());
/// ```
///
/// # Errors
/// Whatever `fill` returns, or a [`Kind::Unavailable`] error after [`MAX_BATCHES`] batches
/// without a complete code (the random source is broken).
pub fn generate_with<F>(format: &CodeFormat, mut fill: F) -> Result<String, Error>
where
    F: FnMut(&mut [u8]) -> Result<(), Error>,
{
    let mut buf = [0u8; MAX_BATCH];
    let batch = buf
        .get_mut(..format.batch_size())
        .ok_or_else(|| Error::argument(&[Msg::CodeBatch], &[], &[]))?;
    let mut out = String::with_capacity(format.length());
    for _ in 0..MAX_BATCHES {
        fill(batch)?;
        if code_from_bytes(batch, format, &mut out).is_some() {
            return Ok(out);
        }
    }
    Err(Error::new(
        Kind::Unavailable,
        &[Msg::RandomBroken],
        &[],
        &[MAX_BATCHES as u64],
    ))
}

/// The exact bytes the TypeScript layer HMACs (HMAC-SHA-256 under the server secret) to store
/// or check a code, so that a code only verifies for the same actor, action and target.
///
/// Layout: [`BINDING_TAG`] (20 bytes, `convex-guard/code/v1`), then for each of `actor`,
/// `action`, `target`, `code` in that order: its UTF-8 length as 2 bytes big-endian, then its
/// bytes. The tag has a fixed length and each field carries its length, so two different
/// bindings never produce the same bytes (`("ab", "c")` and `("a", "bc")` differ in the length
/// bytes), and no other use of the secret can produce a message starting with the tag.
///
/// ```
/// use convex_guard::codes::binding_message;
/// let m = binding_message("u", "delete", "", "1234")?;
/// let mut expected = b"convex-guard/code/v1".to_vec();
/// expected.extend_from_slice(b"\x00\x01u\x00\x06delete\x00\x00\x00\x041234");
/// assert_eq!(m, expected);
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// A [`Kind::Argument`] error naming the field when `actor` or `action` is empty, `code` is
/// empty or longer than [`MAX_LENGTH`] bytes, or a field is longer than its bound
/// ([`MAX_ACTOR_LEN`], [`MAX_ACTION_LEN`], [`MAX_TARGET_LEN`]).
pub fn binding_message(
    actor: &str,
    action: &str,
    target: &str,
    code: &str,
) -> Result<Vec<u8>, Error> {
    let fields: [(Msg, &str, usize, usize); 4] = [
        (Msg::Actor, actor, 1, MAX_ACTOR_LEN),
        (Msg::Action, action, 1, MAX_ACTION_LEN),
        (Msg::Target, target, 0, MAX_TARGET_LEN),
        (Msg::Code, code, 1, MAX_LENGTH as usize),
    ];
    for (name, value, min, max) in fields {
        if value.len() < min || value.len() > max {
            return Err(Error::argument(
                &[Msg::Confirmation, name, Msg::FieldLength],
                &[],
                &[min as u64, max as u64, value.len() as u64],
            ));
        }
    }
    // No capacity hint: it would be arithmetic no test can observe (cargo-mutants reports its
    // mutants as survivors), for a message of at most a few hundred bytes.
    let mut msg = Vec::new();
    msg.extend_from_slice(BINDING_TAG);
    for (_, value, _, _) in fields {
        // Every bound is below 65,536, checked above: the length fits in two bytes.
        msg.extend_from_slice(&(value.len() as u16).to_be_bytes());
        msg.extend_from_slice(value.as_bytes());
    }
    Ok(msg)
}

/// A keyed hash of a bound code (the 32-byte HMAC-SHA-256 output), compared in constant time.
///
/// `==` on digests is [`Digest::ct_eq`]. `Debug` does not print the bytes.
#[derive(Clone, Copy)]
pub struct Digest([u8; DIGEST_LEN]);

impl Digest {
    /// Wraps 32 bytes.
    pub const fn from_bytes(bytes: [u8; DIGEST_LEN]) -> Digest {
        Digest(bytes)
    }

    /// Wraps a slice that must be exactly [`DIGEST_LEN`] bytes long (what `crypto.subtle.sign`
    /// returns for HMAC-SHA-256).
    ///
    /// ```
    /// use convex_guard::codes::Digest;
    /// assert!(Digest::from_slice(&[0; 32]).is_ok());
    /// assert!(Digest::from_slice(&[0; 31]).is_err());
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error naming the length when it is not [`DIGEST_LEN`] (32).
    pub fn from_slice(bytes: &[u8]) -> Result<Digest, Error> {
        match <[u8; DIGEST_LEN]>::try_from(bytes) {
            Ok(array) => Ok(Digest(array)),
            Err(_) => Err(Error::argument(
                &[Msg::DigestLength],
                &[],
                &[DIGEST_LEN as u64, bytes.len() as u64],
            )),
        }
    }

    /// The bytes, to store.
    pub fn as_bytes(&self) -> &[u8; DIGEST_LEN] {
        &self.0
    }

    /// Whether two digests are equal, in constant time.
    ///
    /// # Security
    /// What is constant time: the loop reads all 32 bytes of both digests and ORs their XOR
    /// into one accumulator, with no branch or early exit that depends on the bytes; the
    /// accumulator passes through [`core::hint::black_box`] before the single comparison, so
    /// the optimizer is discouraged from adding one. What is not: the length is public (always
    /// 32); the result itself (equal or not) is of course visible, and so is what callers do
    /// with it; and `black_box` is a best effort in Rust, while the wasm engine's compiler
    /// makes no timing promise at all. The bytes compared are HMAC outputs under a secret key,
    /// so even a leak of where two digests first differ would tell an attacker nothing about
    /// the code.
    ///
    /// ```
    /// use convex_guard::codes::Digest;
    /// let a = Digest::from_bytes([1; 32]);
    /// let mut b = [1; 32];
    /// assert!(a.ct_eq(&Digest::from_bytes(b)));
    /// b[31] = 0;
    /// assert!(!a.ct_eq(&Digest::from_bytes(b)));
    /// ```
    pub fn ct_eq(&self, other: &Digest) -> bool {
        let mut diff = 0u8;
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            diff |= a ^ b;
        }
        core::hint::black_box(diff) == 0
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Digest) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for Digest {}

impl core::fmt::Debug for Digest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Digest(..)")
    }
}

/// The stored state of one pending code: its keyed hash, when it expires, how many wrong
/// attempts it has left, and whether it was used. The TypeScript layer keeps it in one row per
/// binding and passes it back on each verification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    hash: Digest,
    expires_at: f64,
    attempts_left: u8,
    used: bool,
    /// The binding's failure count: outlives the code (carried over by
    /// [`CodeConfig::reissue`]).
    failures: Failures,
}

impl Record {
    /// Validates a stored record.
    ///
    /// ```
    /// use convex_guard::codes::{Digest, Record};
    /// assert!(Record::new(Digest::from_bytes([0; 32]), 60_000.0, 5, false).is_ok());
    /// assert!(Record::new(Digest::from_bytes([0; 32]), f64::NAN, 5, false).is_err());
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when `expires_at` is not a finite time from 0 to
    /// [`MAX_TIME_MS`] + [`MAX_TTL_MS`], or `attempts_left` is above [`MAX_ATTEMPTS`].
    pub fn new(
        hash: Digest,
        expires_at: f64,
        attempts_left: u32,
        used: bool,
    ) -> Result<Record, Error> {
        time::check_up_to(Msg::ExpiresAt, expires_at, MAX_TIME_MS + MAX_TTL_MS)?;
        if attempts_left > MAX_ATTEMPTS {
            return Err(Error::argument(
                &[Msg::AttemptsLeft],
                &[],
                &[attempts_left.into(), MAX_ATTEMPTS.into()],
            ));
        }
        Ok(Record {
            hash,
            expires_at,
            // attempts_left <= MAX_ATTEMPTS (10), checked above.
            attempts_left: attempts_left as u8,
            used,
            failures: Failures::NONE,
        })
    }

    /// The same record with the binding's failure count set to `failures` (a stored row's, or
    /// the count of the record a new code replaces).
    ///
    /// ```
    /// use convex_guard::codes::{Digest, Failures, Record};
    /// let f = Failures::new(3.0, 9_000.0)?;
    /// let r = Record::new(Digest::from_bytes([0; 32]), 60_000.0, 5, false)?.with_failures(f);
    /// assert_eq!(r.failures(), f);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    pub fn with_failures(self, failures: Failures) -> Record {
        Record { failures, ..self }
    }

    /// The binding's failure count (none for a record built by [`Record::new`] alone).
    pub fn failures(&self) -> Failures {
        self.failures
    }

    /// The keyed hash of the bound code.
    pub fn hash(&self) -> &Digest {
        &self.hash
    }

    /// When the code expires, in ms since the epoch: at this instant it is already expired.
    pub fn expires_at(&self) -> f64 {
        self.expires_at
    }

    /// Wrong attempts left; at 0 the code is void.
    pub fn attempts_left(&self) -> u32 {
        u32::from(self.attempts_left)
    }

    /// Whether the code was accepted once already.
    pub fn used(&self) -> bool {
        self.used
    }
}

/// A failure count: how many failures a [`Lockout`] counted and when the last one was. The
/// TypeScript layer stores it in the binding's row (with the [`Record`]) and in one row per
/// actor. `Failures::default()` (no failure) is what a missing row reads as.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Failures {
    /// A whole number from 0 to [`MAX_LOCKOUT_FAILURES`] (an `f64`: it crosses to JavaScript
    /// as one, and the budget arithmetic stays in one type).
    count: f64,
    last: f64,
}

impl Failures {
    /// No failure yet.
    pub const NONE: Failures = Failures {
        count: 0.0,
        last: 0.0,
    };

    /// Validates a stored count: `count` a whole number from 0 to [`MAX_LOCKOUT_FAILURES`]
    /// (a budget never counts past its maximum), `last` a time from 0 to [`MAX_TIME_MS`].
    ///
    /// ```
    /// use convex_guard::codes::Failures;
    /// assert_eq!(Failures::new(2.0, 1_000.0)?.count(), 2);
    /// assert!(Failures::new(1.5, 1_000.0).is_err());
    /// assert!(Failures::new(101.0, 1_000.0).is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when `count` is not a whole number from 0 to
    /// [`MAX_LOCKOUT_FAILURES`] (out of range, fractional or NaN), or when `last` is not a time
    /// (NaN, infinite, negative or above [`MAX_TIME_MS`]; a fractional time is accepted).
    pub fn new(count: f64, last: f64) -> Result<Failures, Error> {
        time::check(Msg::LastFailure, last)?;
        if !whole_in(count, 0.0, f64::from(MAX_LOCKOUT_FAILURES)) {
            return Err(Error::argument(
                &[Msg::Failures],
                &[],
                &[MAX_LOCKOUT_FAILURES.into()],
            ));
        }
        Ok(Failures { count, last })
    }

    /// Failures counted (whether they still count depends on the time: see
    /// [`Lockout::counted`]).
    pub fn count(&self) -> u32 {
        // A whole number from 0 to 100 (checked when built).
        self.count as u32
    }

    /// When the last counted failure happened, in ms since the epoch (0 when none).
    pub fn last(&self) -> f64 {
        self.last
    }
}

/// A failure budget: at most `max_failures` failures in any `window` ms.
///
/// Each failure adds one to a count and moves its time ([`Failures::last`]) to now; the count
/// starts again from zero once `window` ms have passed without a failure. When the count is
/// `max_failures`, the budget is spent ([`Lockout::is_locked`]) and [`CodeConfig::consume`]
/// refuses without comparing anything, until `window` ms after the last failure
/// ([`Lockout::opens_at`]). Refusals are not failures: they neither count nor extend the lock.
///
/// # Why this and not a rate limit
/// The guarantee is exact with two numbers of state: two failures less than `window` apart
/// never start a new count, so all the failures inside any span of `window` ms belong to one
/// count, which stops at `max_failures`. Times are the budget's own: a failure at a `now`
/// before the last one counts at the last one (a clock that goes back grants nothing, as in
/// `ratelimit`). The rate-limit kinds with O(1) state (sliding and fixed window, token bucket)
/// admit up to about twice their rate across a window boundary (see
/// `ratelimit::Limit::max_per_period`), and the exact `sliding log` keeps a timestamp per unit.
/// A success does not reset the count: a code an attacker can obtain for one action must not
/// buy guesses at another.
///
/// ```
/// use convex_guard::codes::{Failures, Lockout};
/// let l = Lockout::binding(Some(2.0), Some(60_000.0))?;
/// let f = l.fail(&Failures::NONE, 1_000.0);
/// let f = l.fail(&f, 2_000.0);
/// assert!(l.is_locked(&f, 61_999.0));
/// assert_eq!(l.opens_at(&f), 62_000.0);
/// assert!(!l.is_locked(&f, 62_000.0));
/// # Ok::<(), convex_guard::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lockout {
    /// A whole number from 1 to [`MAX_LOCKOUT_FAILURES`].
    max_failures: f64,
    window_ms: f64,
}

impl Lockout {
    /// The default per-binding budget: [`DEFAULT_BINDING_FAILURES`] per
    /// [`DEFAULT_BINDING_WINDOW_MS`] (10 per 15 minutes).
    pub const BINDING: Lockout = Lockout {
        max_failures: DEFAULT_BINDING_FAILURES as f64,
        window_ms: DEFAULT_BINDING_WINDOW_MS,
    };

    /// The default per-actor budget: [`DEFAULT_ACTOR_FAILURES`] per
    /// [`DEFAULT_ACTOR_WINDOW_MS`] (100 per 24 hours).
    pub const ACTOR: Lockout = Lockout {
        max_failures: DEFAULT_ACTOR_FAILURES as f64,
        window_ms: DEFAULT_ACTOR_WINDOW_MS,
    };

    /// Validates the per-binding budget (`lockout.binding` in the configuration); `None`
    /// takes the default ([`Lockout::BINDING`]).
    ///
    /// # Errors
    /// As [`Lockout::actor`], naming `lockout.binding.maxFailures` or `lockout.binding.window`.
    pub fn binding(max_failures: Option<f64>, window_ms: Option<f64>) -> Result<Lockout, Error> {
        Lockout::parse("binding", max_failures, window_ms, Lockout::BINDING)
    }

    /// Validates the per-actor budget (`lockout.actor` in the configuration); `None` takes the
    /// default ([`Lockout::ACTOR`]).
    ///
    /// ```
    /// use convex_guard::codes::Lockout;
    /// assert_eq!(Lockout::actor(None, None)?, Lockout::ACTOR);
    /// let e = Lockout::actor(Some(101.0), None).unwrap_err();
    /// assert_eq!(e.message(), "lockout.actor.maxFailures must be a whole number from 1 to 100");
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Config`] error naming the entry when `max_failures` is not a whole number
    /// from 1 to [`MAX_LOCKOUT_FAILURES`] or `window_ms` is not a whole number of ms from
    /// [`MIN_LOCKOUT_WINDOW_MS`] to [`MAX_LOCKOUT_WINDOW_MS`].
    pub fn actor(max_failures: Option<f64>, window_ms: Option<f64>) -> Result<Lockout, Error> {
        Lockout::parse("actor", max_failures, window_ms, Lockout::ACTOR)
    }

    fn parse(
        entry: &str,
        max_failures: Option<f64>,
        window_ms: Option<f64>,
        default: Lockout,
    ) -> Result<Lockout, Error> {
        let n = max_failures.unwrap_or(default.max_failures);
        if !whole_in(n, 1.0, f64::from(MAX_LOCKOUT_FAILURES)) {
            return Err(Error::config(
                &[Msg::LockoutFailures],
                &[entry],
                &[MAX_LOCKOUT_FAILURES.into()],
            ));
        }
        let window_ms = window_ms.unwrap_or(default.window_ms);
        // Whole, as the code's ttl: a fractional window made a fractional reopening time.
        if !whole_in(window_ms, MIN_LOCKOUT_WINDOW_MS, MAX_LOCKOUT_WINDOW_MS) {
            return Err(Error::config(
                &[Msg::LockoutWindow],
                &[entry],
                &[MIN_LOCKOUT_WINDOW_MS as u64, MAX_LOCKOUT_WINDOW_MS as u64],
            ));
        }
        Ok(Lockout {
            max_failures: n,
            window_ms,
        })
    }

    /// Failures allowed per window.
    pub fn max_failures(&self) -> u32 {
        // A whole number from 1 to 100 (checked when built).
        self.max_failures as u32
    }

    /// The window, in ms.
    pub fn window_ms(&self) -> f64 {
        self.window_ms
    }

    /// The failures of `f` that still count at `now`: all of them until `window` ms have
    /// passed since the last one, then none. A `now` before the last failure (a clock that
    /// went back) counts them all.
    ///
    /// ```
    /// use convex_guard::codes::{Failures, Lockout};
    /// let budget = Lockout::binding(Some(10.0), Some(60_000.0)).unwrap();
    /// let three = Failures::new(3.0, 1_000.0).unwrap();
    /// assert_eq!(budget.counted(&three, 1_000.0), 3);
    /// assert_eq!(budget.counted(&three, 60_999.0), 3);
    /// assert_eq!(budget.counted(&three, 61_000.0), 0); // the window passed
    /// assert_eq!(budget.counted(&three, 0.0), 3); // a clock that went back
    /// ```
    pub fn counted(&self, f: &Failures, now: f64) -> u32 {
        // A whole number from 0 to 100.
        self.count_at(f, now) as u32
    }

    fn count_at(&self, f: &Failures, now: f64) -> f64 {
        if now >= f.last + self.window_ms {
            0.0
        } else {
            f.count
        }
    }

    /// Whether the budget is spent at `now`: every failure it allows is counted.
    pub fn is_locked(&self, f: &Failures, now: f64) -> bool {
        self.count_at(f, now) >= self.max_failures
    }

    /// When a spent budget opens again: `window` ms after the last failure.
    pub fn opens_at(&self, f: &Failures) -> f64 {
        f.last + self.window_ms
    }

    /// The count after one more failure at `now` (only ever called on a budget that is not
    /// spent, so it never passes `max_failures`). The time never moves back.
    pub fn fail(&self, f: &Failures, now: f64) -> Failures {
        Failures {
            count: (self.count_at(f, now) + 1.0).min(self.max_failures),
            last: now.max(f.last),
        }
    }
}

/// What a verification found. The client sees only [`Outcome::client_code`], the same for
/// every failure; the audit log gets [`Outcome::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// The code matches, is unused, unexpired and has attempts left: the action may proceed.
    Accepted,
    /// The code does not match (a wrong code, or one bound to another actor, action or
    /// target): one attempt is spent.
    Wrong,
    /// The presented text cannot be a code of the format (no digest was computed): one
    /// attempt is spent, as for a wrong code.
    Malformed,
    /// The code expired; it stays expired.
    Expired,
    /// The code was accepted before; a code works once.
    Used,
    /// No attempts are left; the code is void.
    Exhausted,
    /// There is no pending code for this binding.
    Missing,
    /// A failure budget ([`Lockout`]) of the binding or of the actor is spent: refused
    /// without comparing the code, so the right code is refused too.
    Locked,
}

/// Every outcome, in code order (`OUTCOMES[i].code() == i`).
pub const OUTCOMES: [Outcome; 8] = [
    Outcome::Accepted,
    Outcome::Wrong,
    Outcome::Malformed,
    Outcome::Expired,
    Outcome::Used,
    Outcome::Exhausted,
    Outcome::Missing,
    Outcome::Locked,
];

impl Outcome {
    /// The stable numeric code the binding answers with (its place in [`OUTCOMES`]).
    ///
    /// ```
    /// use convex_guard::codes::{Outcome, OUTCOMES};
    /// assert_eq!(OUTCOMES[usize::from(Outcome::Locked.code())], Outcome::Locked);
    /// ```
    pub fn code(self) -> u8 {
        // A fieldless `repr(u8)` enum: the cast is the discriminant, it cannot wrap.
        self as u8
    }

    /// Whether the action may proceed.
    pub fn is_accepted(self) -> bool {
        self == Outcome::Accepted
    }

    /// The reason for the audit log: `accepted`, `wrong`, `malformed`, `expired`, `used`,
    /// `exhausted`, `missing` or `locked`. Never send it to the client.
    pub fn reason(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Wrong => "wrong",
            Outcome::Malformed => "malformed",
            Outcome::Expired => "expired",
            Outcome::Used => "used",
            Outcome::Exhausted => "exhausted",
            Outcome::Missing => "missing",
            Outcome::Locked => "locked",
        }
    }

    /// What the client may see: `None` when accepted, otherwise [`CLIENT_ERROR_CODE`], the
    /// same for every failure.
    ///
    /// ```
    /// use convex_guard::codes::Outcome;
    /// assert_eq!(Outcome::Expired.client_code(), Outcome::Wrong.client_code());
    /// assert_eq!(Outcome::Accepted.client_code(), None);
    /// ```
    pub fn client_code(self) -> Option<&'static str> {
        (!self.is_accepted()).then_some(CLIENT_ERROR_CODE)
    }
}

/// The result of [`verify`]: the outcome and the record to store back (`None` only when there
/// was no record).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verification {
    /// What happened.
    pub outcome: Outcome,
    /// The new state to store in place of the old one.
    pub record: Option<Record>,
}

/// Checks a presented code against the stored record, purely: record, digest of the presented
/// code (`None` when [`CodeFormat::canonical`] rejected it) and `now` in; outcome and new
/// record out.
///
/// Checked in this order, the first that applies wins: no record ([`Outcome::Missing`]),
/// already used ([`Outcome::Used`]), no attempts left ([`Outcome::Exhausted`]), `now` at or
/// after `expires_at` ([`Outcome::Expired`]), then the digest: equal is [`Outcome::Accepted`]
/// (the record becomes used), unequal is [`Outcome::Wrong`] and a missing digest is
/// [`Outcome::Malformed`] (both spend one attempt; after the last one the code is void). Used,
/// exhausted and expired records come back unchanged.
///
/// # Security
/// The digests are compared ([`Digest::ct_eq`]) before any branch on the record's state, so
/// the comparison is done whatever the state. The branches after it depend on the state (used,
/// exhausted, expired), which the client cannot tell apart anyway: all failures share one
/// client code.
///
/// ```
/// use convex_guard::codes::{verify, Digest, Outcome, Record};
/// let d = Digest::from_bytes([3; 32]);
/// let r = Record::new(d, 10_000.0, 1, false)?;
/// let v = verify(Some(&r), Some(&Digest::from_bytes([4; 32])), 5_000.0)?;
/// assert_eq!(v.outcome, Outcome::Wrong);
/// let v = verify(v.record.as_ref(), Some(&d), 5_001.0)?;
/// assert_eq!(v.outcome, Outcome::Exhausted, "the right code is refused after the last wrong one");
/// assert_eq!(verify(None, Some(&d), 5_002.0)?.outcome, Outcome::Missing);
/// # Ok::<(), convex_guard::Error>(())
/// ```
///
/// # Errors
/// A [`Kind::Argument`] error when `now` is NaN, infinite, negative or above
/// [`MAX_TIME_MS`].
pub fn verify(
    record: Option<&Record>,
    presented: Option<&Digest>,
    now: f64,
) -> Result<Verification, Error> {
    time::check(Msg::Now, now)?;
    let Some(stored) = record else {
        return Ok(Verification {
            outcome: Outcome::Missing,
            record: None,
        });
    };
    let matches = match presented {
        Some(digest) => stored.hash.ct_eq(digest),
        None => false,
    };
    let outcome = if stored.used {
        Outcome::Used
    } else if stored.attempts_left == 0 {
        Outcome::Exhausted
    } else if now >= stored.expires_at {
        Outcome::Expired
    } else if matches {
        Outcome::Accepted
    } else if presented.is_none() {
        Outcome::Malformed
    } else {
        Outcome::Wrong
    };
    let mut next = *stored;
    match outcome {
        Outcome::Accepted => next.used = true,
        Outcome::Wrong | Outcome::Malformed => {
            next.attempts_left = next.attempts_left.saturating_sub(1);
        }
        _ => {}
    }
    Ok(Verification {
        outcome,
        record: Some(next),
    })
}

/// Validated code settings, compiled once from the configuration: format, lifetime and
/// attempt limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeConfig {
    format: CodeFormat,
    ttl_ms: f64,
    max_attempts: u8,
    binding: Lockout,
    actor: Lockout,
}

impl Default for CodeConfig {
    /// 8 digits, 5 minutes, 5 attempts; at most 10 failures per binding in 15 minutes and 100
    /// per actor in 24 hours.
    fn default() -> Self {
        CodeConfig {
            format: CodeFormat::default(),
            ttl_ms: DEFAULT_TTL_MS,
            // DEFAULT_MAX_ATTEMPTS is 5.
            max_attempts: DEFAULT_MAX_ATTEMPTS as u8,
            binding: Lockout::BINDING,
            actor: Lockout::ACTOR,
        }
    }
}

/// The result of [`CodeConfig::consume`]: the outcome, the binding's record to store back
/// (`None` only when there was none) and the actor's failure count to store (`None`: leave
/// the actor's row as it is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Consumption {
    /// What happened.
    pub outcome: Outcome,
    /// The new state of the binding's row.
    pub record: Option<Record>,
    /// The actor's new failure count, when a failure was counted.
    pub actor: Option<Failures>,
}

/// Whether `ttl_ms` is a code lifetime: a whole number of ms from [`MIN_TTL_MS`] to
/// [`MAX_TTL_MS`], as `length` and `maxAttempts` are whole (a fractional one gave a fractional
/// `expiresAt`).
fn ttl_in_range(ttl_ms: f64) -> bool {
    whole_in(ttl_ms, MIN_TTL_MS, MAX_TTL_MS)
}

/// Whether `v` is a whole number from `min` to `max` (`max` at most `u32::MAX`): a count of
/// failures, or a duration of the configuration in ms (a code's lifetime, a lockout's window).
/// NaN fails `contains`, as do the infinities; in range, the cast truncates and the round trip
/// tells whether `v` was whole.
fn whole_in(v: f64, min: f64, max: f64) -> bool {
    (min..=max).contains(&v) && f64::from(v as u32) == v
}

/// The numbers of [`Msg::CodeTtl`].
const TTL_RANGE: [u64; 2] = [MIN_TTL_MS as u64, MAX_TTL_MS as u64];

impl CodeConfig {
    /// Validates code settings: `alphabet` as in [`Alphabet::from_spec`] (`"digits"`,
    /// `"crockford"` or the symbols), `length` as in [`CodeFormat::new`], `ttl_ms` a whole
    /// number from [`MIN_TTL_MS`] to [`MAX_TTL_MS`], `max_attempts` from 1 to [`MAX_ATTEMPTS`].
    ///
    /// ```
    /// use convex_guard::codes::CodeConfig;
    /// let c = CodeConfig::new("crockford", 6, 600_000.0, 3)?;
    /// assert_eq!((c.format().length(), c.max_attempts()), (6, 3));
    /// assert!(CodeConfig::new("digits", 8, 0.0, 5).is_err());
    /// assert!(CodeConfig::new("digits", 8, 1_000.5, 5).is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Config`] error naming the first setting that is invalid.
    pub fn new(
        alphabet: &str,
        length: u32,
        ttl_ms: f64,
        max_attempts: u32,
    ) -> Result<CodeConfig, Error> {
        let format = CodeFormat::new(Alphabet::from_spec(alphabet)?, length)?;
        if !ttl_in_range(ttl_ms) {
            return Err(Error::config(&[Msg::CodeTtl], &[], &TTL_RANGE));
        }
        if !(1..=MAX_ATTEMPTS).contains(&max_attempts) {
            return Err(Error::config(
                &[Msg::CodeMaxAttempts],
                &[],
                &[MAX_ATTEMPTS.into()],
            ));
        }
        Ok(CodeConfig {
            format,
            ttl_ms,
            // max_attempts <= MAX_ATTEMPTS (10), checked above.
            max_attempts: max_attempts as u8,
            binding: Lockout::BINDING,
            actor: Lockout::ACTOR,
        })
    }

    /// The same settings with these failure budgets (per binding, per actor) instead of the
    /// defaults.
    ///
    /// ```
    /// use convex_guard::codes::{CodeConfig, Lockout};
    /// let c = CodeConfig::default().with_lockout(Lockout::binding(Some(3.0), None)?, Lockout::ACTOR);
    /// assert_eq!(c.binding_lockout().max_failures(), 3);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    pub fn with_lockout(self, binding: Lockout, actor: Lockout) -> CodeConfig {
        CodeConfig {
            binding,
            actor,
            ..self
        }
    }

    /// The per-binding failure budget.
    pub fn binding_lockout(&self) -> &Lockout {
        &self.binding
    }

    /// The per-actor failure budget.
    pub fn actor_lockout(&self) -> &Lockout {
        &self.actor
    }

    /// The code format.
    pub fn format(&self) -> &CodeFormat {
        &self.format
    }

    /// How long a code lives, in ms.
    pub fn ttl_ms(&self) -> f64 {
        self.ttl_ms
    }

    /// Wrong attempts a new code allows.
    pub fn max_attempts(&self) -> u32 {
        u32::from(self.max_attempts)
    }

    /// A new code from the platform's secure generator ([`generate`]).
    ///
    /// # Errors
    /// As [`generate`].
    pub fn generate(&self) -> Result<String, Error> {
        generate(&self.format)
    }

    /// The record for a freshly issued code whose keyed hash is `hash`: expires at
    /// `now + ttl`, all attempts left, unused. Storing it in the binding's row replaces any
    /// pending code.
    ///
    /// ```
    /// use convex_guard::codes::{CodeConfig, Digest};
    /// let r = CodeConfig::default().issue(Digest::from_bytes([0; 32]), 1_000.0)?;
    /// assert_eq!((r.expires_at(), r.attempts_left(), r.used()), (301_000.0, 5, false));
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when `now` is NaN, infinite, negative or above
    /// [`MAX_TIME_MS`].
    pub fn issue(&self, hash: Digest, now: f64) -> Result<Record, Error> {
        time::check(Msg::Now, now)?;
        Record::new(hash, now + self.ttl_ms, u32::from(self.max_attempts), false)
    }

    /// [`CodeConfig::reissue`] for a code with a lifetime of its own, `ttl_ms` (a whole
    /// number in the range of the setting: [`MIN_TTL_MS`] to [`MAX_TTL_MS`]), instead of the
    /// configured one.
    ///
    /// ```
    /// use convex_guard::codes::{CodeConfig, Digest, Failures};
    /// let c = CodeConfig::default();
    /// let r = c.reissue_within(Digest::from_bytes([0; 32]), 1_000.0, Failures::NONE, 60_000.0)?;
    /// assert_eq!(r.expires_at(), 61_000.0);
    /// assert!(c.reissue_within(Digest::from_bytes([0; 32]), 1_000.0, Failures::NONE, 0.0).is_err());
    /// assert!(c.reissue_within(Digest::from_bytes([0; 32]), 1_000.0, Failures::NONE, 1_000.5).is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when `ttl_ms` is out of that range or fractional (NaN and
    /// the infinities too), and as [`CodeConfig::issue`].
    pub fn reissue_within(
        &self,
        hash: Digest,
        now: f64,
        failures: Failures,
        ttl_ms: f64,
    ) -> Result<Record, Error> {
        if !ttl_in_range(ttl_ms) {
            return Err(Error::argument(&[Msg::CodeTtl], &[], &TTL_RANGE));
        }
        CodeConfig { ttl_ms, ..*self }.reissue(hash, now, failures)
    }

    /// [`CodeConfig::issue`] for a binding whose row already counts `failures` (those of the
    /// record the new code replaces): the new code gets every attempt, the binding keeps its
    /// count. Issuing works while the binding's budget is spent, but the new code cannot be
    /// used until the budget opens again; so re-issuing never buys more guesses.
    ///
    /// ```
    /// use convex_guard::codes::{CodeConfig, Digest, Failures};
    /// let f = Failures::new(10.0, 5_000.0)?;
    /// let r = CodeConfig::default().reissue(Digest::from_bytes([0; 32]), 6_000.0, f)?;
    /// assert_eq!((r.attempts_left(), r.failures()), (5, f));
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`CodeConfig::issue`].
    pub fn reissue(&self, hash: Digest, now: f64, failures: Failures) -> Result<Record, Error> {
        Ok(self.issue(hash, now)?.with_failures(failures))
    }

    /// Checks a presented code under both failure budgets: the binding's record (its count in
    /// [`Record::failures`]), the actor's count `actor` ([`Failures::NONE`] when the actor has
    /// no row), the presented digest (`None`: malformed) and `now` in; a [`Consumption`] out.
    ///
    /// When the binding's or the actor's budget is spent ([`Lockout::is_locked`]) the answer is
    /// [`Outcome::Locked`] and nothing changes: no digest is compared, no attempt is spent, so
    /// the right code is refused too. Otherwise it is [`verify`]; a [`Outcome::Wrong`] or
    /// [`Outcome::Malformed`] answer (a spent attempt) also counts one failure in both budgets.
    /// Other failures (expired, used, exhausted, missing) compare nothing that could succeed,
    /// so they count nothing.
    ///
    /// # Security
    /// Within any span of a budget's window, at most its `max_failures` wrong or malformed
    /// codes are compared per binding, and per actor across all bindings, however often codes
    /// are issued (see [`Lockout`]).
    ///
    /// ```
    /// use convex_guard::codes::{CodeConfig, Digest, Failures, Lockout, Outcome};
    /// let config = CodeConfig::default().with_lockout(Lockout::BINDING, Lockout::actor(Some(1.0), None)?);
    /// let right = Digest::from_bytes([1; 32]);
    /// let record = config.issue(right, 0.0)?;
    /// let c = config.consume(Some(&record), &Failures::NONE, Some(&Digest::from_bytes([2; 32])), 1.0)?;
    /// assert_eq!(c.outcome, Outcome::Wrong);
    /// let actor = c.actor.unwrap();
    /// let c = config.consume(c.record.as_ref(), &actor, Some(&right), 2.0)?;
    /// assert_eq!(c.outcome, Outcome::Locked, "the actor's one failure is spent");
    /// let c = config.consume(c.record.as_ref(), &actor, Some(&right), 86_400_001.0)?;
    /// assert_eq!(c.outcome, Outcome::Expired, "a day later the budget is back; the code is not");
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`verify`].
    pub fn consume(
        &self,
        record: Option<&Record>,
        actor: &Failures,
        presented: Option<&Digest>,
        now: f64,
    ) -> Result<Consumption, Error> {
        time::check(Msg::Now, now)?;
        let binding_locked = record.is_some_and(|r| self.binding.is_locked(&r.failures, now));
        if binding_locked || self.actor.is_locked(actor, now) {
            return Ok(Consumption {
                outcome: Outcome::Locked,
                record: record.copied(),
                actor: None,
            });
        }
        let v = verify(record, presented, now)?;
        let mut next = v.record;
        let mut counted = None;
        if matches!(v.outcome, Outcome::Wrong | Outcome::Malformed) {
            if let Some(r) = next.as_mut() {
                r.failures = self.binding.fail(&r.failures, now);
            }
            counted = Some(self.actor.fail(actor, now));
        }
        Ok(Consumption {
            outcome: v.outcome,
            record: next,
            actor: counted,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn builtins_equal_their_validated_form() {
        assert_eq!(Alphabet::new(DIGITS).unwrap(), Alphabet::digits());
        assert_eq!(Alphabet::new(CROCKFORD).unwrap(), Alphabet::crockford());
        assert_eq!(Alphabet::digits().mask(), 15);
        assert_eq!(Alphabet::crockford().mask(), 31);
        assert_eq!(Alphabet::crockford().symbols(), CROCKFORD);
        // The built-in names can never be valid custom alphabets (both repeat a letter).
        assert!(Alphabet::new("digits").is_err());
        assert!(Alphabet::new("crockford").is_err());
    }

    #[test]
    fn alphabet_errors_name_the_problem() {
        let e = Alphabet::new("abca").unwrap_err();
        assert_eq!(e.code(), "INVALID_CONFIG");
        assert_eq!(e.message(), "alphabet 'abca' repeats the symbol 'a'");
        assert!(Alphabet::new("").is_err());
        assert!(Alphabet::new("x").is_err());
        assert!(Alphabet::new("ab\u{e9}")
            .unwrap_err()
            .message()
            .contains("byte offset 2"));
        assert!(Alphabet::new("ab\n").is_err());
        let all: String = (b'!'..=b'~').map(char::from).collect();
        assert!(Alphabet::new(&all[..64]).is_ok());
        assert!(Alphabet::new(&all[..65])
            .unwrap_err()
            .message()
            .contains("at most 64"));
    }

    #[test]
    fn masks_cover_every_size() {
        for n in MIN_ALPHABET..=MAX_ALPHABET {
            let text: String = (b'!'..).take(n).map(char::from).collect();
            let a = Alphabet::new(&text).unwrap();
            let range = usize::from(a.mask()) + 1;
            assert!(
                range.is_power_of_two() && range >= n && range < 2 * n,
                "n = {n}"
            );
        }
    }

    /// log2 of P(Binomial(t, p) < k), by summing the terms in log space.
    fn log2_tail(t: usize, p: f64, k: usize) -> f64 {
        let q = 1.0 - p;
        if q == 0.0 {
            return f64::NEG_INFINITY;
        }
        let mut ln_choose = 0.0f64; // ln C(t, 0)
        let mut terms = Vec::new();
        for j in 0..k {
            if j > 0 {
                ln_choose += ((t - j + 1) as f64).ln() - (j as f64).ln();
            }
            terms.push(ln_choose + j as f64 * p.ln() + (t - j) as f64 * q.ln());
        }
        let max = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = terms.iter().map(|x| (x - max).exp()).sum();
        (max + sum.ln()) / std::f64::consts::LN_2
    }

    #[test]
    fn batch_bound_is_negligible_for_every_format() {
        let mut worst = f64::NEG_INFINITY;
        for n in MIN_ALPHABET..=MAX_ALPHABET {
            let text: String = (b'!'..).take(n).map(char::from).collect();
            let a = Alphabet::new(&text).unwrap();
            let p = n as f64 / (f64::from(a.mask()) + 1.0);
            for len in MIN_LENGTH..=MAX_LENGTH {
                let Ok(f) = CodeFormat::new(a, len) else {
                    continue;
                };
                let b = f.batch_size();
                assert!((MIN_BATCH..=MAX_BATCH).contains(&b));
                let t = MAX_BATCHES * b;
                let log2p = log2_tail(t, p, len as usize);
                assert!(log2p < -128.0, "n = {n}, len = {len}: 2^{log2p}");
                worst = worst.max(log2p);
            }
        }
        eprintln!("worst case 2^{worst}");
        assert!(worst < -400.0, "worst case 2^{worst}");
    }

    #[test]
    fn code_from_bytes_resumes_across_calls() {
        let f = CodeFormat::new(Alphabet::digits(), 6).unwrap();
        let mut out = String::new();
        assert_eq!(code_from_bytes(&[0xFF, 1, 2], &f, &mut out), None);
        assert_eq!(out, "12");
        assert_eq!(
            code_from_bytes(&[3, 4, 0x0E, 5, 6, 7], &f, &mut out),
            Some(5)
        );
        assert_eq!(out, "123456");
        assert_eq!(code_from_bytes(&[8], &f, &mut out), Some(0));
    }

    #[test]
    fn generate_gives_valid_distinct_codes() {
        let f = CodeFormat::new(Alphabet::crockford(), 16).unwrap();
        let a = generate(&f).unwrap();
        let b = generate(&f).unwrap();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b, "80 random bits do not repeat");
        assert!(a.bytes().all(|c| CROCKFORD.as_bytes().contains(&c)));
    }

    #[test]
    fn generate_with_stops_on_a_stuck_source_and_passes_errors_through() {
        let mut calls = 0;
        let e = generate_with(&CodeFormat::default(), |buf| {
            calls += 1;
            buf.fill(0xFF);
            Ok(())
        })
        .unwrap_err();
        assert_eq!(calls, MAX_BATCHES);
        assert!(e.message().contains("broken"));
        let e = generate_with(&CodeFormat::default(), |_| {
            Err(Error::argument(&[Msg::Code], &[], &[]))
        });
        assert_eq!(e.unwrap_err().message(), "code");
    }

    #[test]
    fn canonical_forms() {
        let c = CodeFormat::new(Alphabet::crockford(), 6).unwrap();
        assert_eq!(
            c.canonical("il-o ab"),
            None,
            "5 symbols once separators are dropped"
        );
        assert_eq!(c.canonical("il-oab9").as_deref(), Some("110AB9"));
        let lower = CodeFormat::new(Alphabet::new("abcdefghij").unwrap(), 6).unwrap();
        assert_eq!(lower.canonical("ABC-DEF").as_deref(), Some("abcdef"));
        let dashed = CodeFormat::new(Alphabet::new("0123456789-").unwrap(), 6).unwrap();
        assert_eq!(dashed.canonical("12-345").as_deref(), Some("12-345"));
        let mixed = CodeFormat::new(Alphabet::new("aA0123456789").unwrap(), 6).unwrap();
        assert_eq!(mixed.canonical("aA0000").as_deref(), Some("aA0000"));
        assert_eq!(mixed.canonical("AA0000").as_deref(), Some("AA0000"));
        assert_eq!(mixed.canonical("bA0000"), None);
        assert_eq!(CodeFormat::default().canonical(&"1".repeat(200)), None);
        assert_eq!(CodeFormat::default().canonical("1234567\u{e9}"), None);
    }

    #[test]
    fn canonical_reads_pasted_and_fullwidth_codes() {
        let d = CodeFormat::default();
        // What a copy carries around a code: dropped.
        for pasted in [
            "12345678\n",
            "\r\n1234 5678",
            "1234\u{a0}5678",
            "\u{200b}12345678",
            "1234\u{3000}5678\u{feff}",
        ] {
            assert_eq!(
                d.canonical(pasted).as_deref(),
                Some("12345678"),
                "{pasted:?}"
            );
        }
        // A character outside ASCII is dropped, never read as a symbol: a digit of another
        // script, an accent, an emoji leave the code short.
        for short in [
            "1234567\u{661}",
            "1234567\u{967}",
            "1234567\u{e9}",
            "1234567\u{1f600}",
            "1234567\u{301}",
        ] {
            assert_eq!(d.canonical(short), None, "{short:?}");
        }
        // Every fullwidth form reads as the ASCII it shows, and only those: U+FF00 and U+FF5F
        // on either side are no symbol.
        let mut checked = 0;
        for ascii in b'!'..=b'~' {
            let pair: String = [ascii, if ascii == b'0' { b'1' } else { b'0' }]
                .iter()
                .map(|&b| char::from(b))
                .collect();
            let format = CodeFormat::new(Alphabet::new(&pair).unwrap(), 20).unwrap();
            let wide = char::from_u32(0xFF01 + u32::from(ascii - b'!')).unwrap();
            let typed: String = core::iter::repeat_n(wide, 20).collect();
            let want: String = core::iter::repeat_n(char::from(ascii), 20).collect();
            let read = format.canonical(&typed);
            // `-` is a separator unless the alphabet holds it (it does here); case folds apply.
            assert_eq!(
                read.as_deref().map(str::to_ascii_lowercase),
                Some(want.to_ascii_lowercase()),
                "{wide}"
            );
            checked += 1;
        }
        assert_eq!(checked, 94, "every printable ASCII symbol");
        for edge in ["\u{ff00}", "\u{ff5f}"] {
            assert_eq!(d.canonical(&format!("1234567{edge}")), None);
        }
    }

    #[test]
    fn verify_rejects_bad_times() {
        let r = Record::new(Digest::from_bytes([0; 32]), 10.0, 1, false).unwrap();
        for now in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 9e15] {
            let e = verify(Some(&r), None, now).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT");
            assert!(CodeConfig::default()
                .issue(Digest::from_bytes([0; 32]), now)
                .is_err());
        }
        assert!(Record::new(Digest::from_bytes([0; 32]), 1.0, 11, false).is_err());
        assert!(Record::new(Digest::from_bytes([0; 32]), -1.0, 1, false).is_err());
    }

    #[test]
    fn config_errors() {
        let e = CodeConfig::new("digits", 8, f64::NAN, 5).unwrap_err();
        assert_eq!(e.code(), "INVALID_CONFIG");
        assert!(CodeConfig::new("digits", 8, 300_000.0, 0).is_err());
        assert!(CodeConfig::new("digits", 8, 300_000.0, 11).is_err());
        assert!(CodeConfig::new("digits", 3, 300_000.0, 5).is_err());
        assert!(CodeConfig::new("aa", 8, 300_000.0, 5).is_err());
        assert_eq!(
            CodeConfig::new("digits", 8, DEFAULT_TTL_MS, 5).unwrap(),
            CodeConfig::default()
        );
    }

    #[test]
    fn lockout_config_errors_name_the_entry() {
        let e = Lockout::binding(Some(0.0), None).unwrap_err();
        assert_eq!(e.code(), "INVALID_CONFIG");
        assert_eq!(
            e.message(),
            "lockout.binding.maxFailures must be a whole number from 1 to 100"
        );
        for bad in [f64::NAN, 101.0, 2.5, -1.0, f64::INFINITY] {
            assert!(Lockout::actor(Some(bad), None).is_err(), "{bad}");
        }
        let e = Lockout::actor(None, Some(59_999.0)).unwrap_err();
        assert_eq!(
            e.message(),
            "lockout.actor.window must be a whole number of milliseconds from 60000 to 2592000000"
        );
        // Whole ms, as the code's ttl, at both ends of the range and between.
        for bad in [60_000.5, 900_000.25, 2_591_999_999.5] {
            assert!(Lockout::binding(None, Some(bad)).is_err(), "{bad}");
        }
        assert!(Lockout::actor(None, Some(2_592_000_000.0)).is_ok());
        assert!(Lockout::binding(None, Some(f64::NAN)).is_err());
        assert!(Lockout::binding(None, Some(2_592_000_001.0)).is_err());
        assert_eq!(Lockout::binding(None, None).unwrap(), Lockout::BINDING);
        assert_eq!(
            Lockout::actor(Some(100.0), Some(86_400_000.0)).unwrap(),
            Lockout::ACTOR
        );
        assert_eq!(
            (
                Lockout::BINDING.max_failures(),
                Lockout::BINDING.window_ms()
            ),
            (10, 900_000.0)
        );
    }

    #[test]
    fn stored_failures_are_validated() {
        for (count, last) in [
            (-1.0, 0.0),
            (0.5, 0.0),
            (101.0, 0.0),
            (f64::NAN, 0.0),
            (1.0, -1.0),
            (1.0, f64::NAN),
            (1.0, 9e15),
        ] {
            assert_eq!(
                Failures::new(count, last).unwrap_err().code(),
                "INVALID_ARGUMENT"
            );
        }
        assert_eq!(Failures::new(0.0, 0.0).unwrap(), Failures::NONE);
    }

    /// The attack the per-binding budget exists for: re-issuing to get fresh attempts.
    #[test]
    fn reissuing_does_not_reset_the_binding_budget() {
        let config = CodeConfig::default(); // 5 attempts a code, 10 failures a binding
        let wrong = Digest::from_bytes([0xEE; 32]);
        let mut actor = Failures::NONE;
        let mut record = config.issue(Digest::from_bytes([1; 32]), 0.0).unwrap();
        let mut wrongs = 0;
        for i in 1..=30u8 {
            let now = f64::from(i) * 1_000.0;
            if record.attempts_left() == 0 {
                record = config
                    .reissue(Digest::from_bytes([i; 32]), now, record.failures())
                    .unwrap();
            }
            let c = config
                .consume(Some(&record), &actor, Some(&wrong), now)
                .unwrap();
            if c.outcome == Outcome::Wrong {
                wrongs += 1;
            }
            record = c.record.unwrap();
            actor = c.actor.unwrap_or(actor);
        }
        assert_eq!(wrongs, 10);
        // Locked: the right code of the pending record is refused, and nothing changes.
        let right = record.hash;
        let c = config
            .consume(Some(&record), &actor, Some(&right), 31_000.0)
            .unwrap();
        assert_eq!(
            (c.outcome, c.record, c.actor),
            (Outcome::Locked, Some(record), None)
        );
        // 15 minutes after the last failure the budget is back (the code itself has expired,
        // so a new one is issued, still carrying the old count, which no longer counts).
        let opens = config.binding_lockout().opens_at(&record.failures());
        let fresh = config
            .reissue(Digest::from_bytes([9; 32]), opens, record.failures())
            .unwrap();
        let c = config
            .consume(
                Some(&fresh),
                &actor,
                Some(&Digest::from_bytes([9; 32])),
                opens,
            )
            .unwrap();
        assert_eq!(c.outcome, Outcome::Accepted);
        let c = config
            .consume(
                Some(&fresh),
                &actor,
                Some(&Digest::from_bytes([9; 32])),
                opens - 1.0,
            )
            .unwrap();
        assert_eq!(
            c.outcome,
            Outcome::Locked,
            "one ms earlier it is still locked"
        );
    }

    #[test]
    fn a_clock_that_goes_back_neither_resets_nor_moves_the_count() {
        let l = Lockout::binding(Some(2.0), Some(60_000.0)).unwrap();
        let f = l.fail(&Failures::NONE, 100_000.0);
        let f = l.fail(&f, 5_000.0); // earlier than the last failure
        assert_eq!((f.count(), f.last()), (2, 100_000.0));
        assert!(l.is_locked(&f, 0.0));
        assert!(l.is_locked(&f, 159_999.0));
        assert!(!l.is_locked(&f, 160_000.0));
    }

    #[test]
    fn locked_wins_over_every_other_outcome_and_checks_now() {
        let config = CodeConfig::default()
            .with_lockout(Lockout::BINDING, Lockout::actor(Some(1.0), None).unwrap());
        let spent = Failures::new(1.0, 1_000.0).unwrap();
        assert_eq!(
            config.consume(None, &spent, None, 2_000.0).unwrap().outcome,
            Outcome::Locked
        );
        assert_eq!(
            config
                .consume(None, &Failures::NONE, None, 2_000.0)
                .unwrap()
                .outcome,
            Outcome::Missing
        );
        assert!(config.consume(None, &spent, None, f64::NAN).is_err());
        // Failures other than a compared code count nothing.
        let r = config.issue(Digest::from_bytes([1; 32]), 0.0).unwrap();
        let c = config
            .consume(
                Some(&r),
                &Failures::NONE,
                Some(&Digest::from_bytes([2; 32])),
                400_000.0,
            )
            .unwrap();
        assert_eq!((c.outcome, c.actor), (Outcome::Expired, None));
        assert_eq!(Outcome::Locked.reason(), "locked");
        assert_eq!(Outcome::Locked.client_code(), Some(CLIENT_ERROR_CODE));
    }

    #[test]
    fn digest_debug_hides_bytes() {
        let d = Digest::from_bytes([0xAB; 32]);
        assert_eq!(format!("{d:?}"), "Digest(..)");
        assert_eq!(d, Digest::from_slice(&[0xAB; 32]).unwrap());
    }
}
