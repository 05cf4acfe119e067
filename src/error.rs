//! The one error type of the crate.
//!
//! Denials are not errors: a check that says "no" returns a value. An [`Error`] means the
//! input itself was unusable (a malformed configuration, a NaN timestamp, an over-long name),
//! and it always carries a stable [`Error::code`] that the TypeScript layer maps to
//! `ConvexError` data.
//!
//! Messages are lowercase and name the offending input. Their texts are [`Msg`] templates,
//! filled natively by [`Error::message`] and, for the wasm build, in TypeScript: the module
//! carries template ids, texts and numbers, never the texts of the templates.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

/// What kind of input could not be used: the error's stable [`Error::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The configuration given to `defineGuard` (roles, permissions, limits, levels, ...) is
    /// invalid. Raised once, when the configuration is compiled.
    Config,
    /// An argument to a decision is malformed or out of range (NaN, negative, too long, ...).
    Argument,
    /// The platform could not supply what a call needs (secure random bytes).
    Unavailable,
}

impl Kind {
    /// Every kind, in the order of `ENGINE_ERROR_CODES` in `js/generated/wire.ts`.
    pub const ALL: [Kind; 3] = [Kind::Config, Kind::Argument, Kind::Unavailable];

    /// The stable machine-readable code: `INVALID_CONFIG`, `INVALID_ARGUMENT` or `UNAVAILABLE`.
    pub const fn code(self) -> &'static str {
        match self {
            Kind::Config => "INVALID_CONFIG",
            Kind::Argument => "INVALID_ARGUMENT",
            Kind::Unavailable => "UNAVAILABLE",
        }
    }
}

/// Something the caller passed could not be used: a [`Kind`] and a message made of [`Msg`]
/// templates filled with texts and numbers ([`fill_msg`]).
///
/// The wasm build never builds the message's text: the binding hands JavaScript the template
/// ids, texts and numbers, and `js/generated/wire.ts` (rendered from [`Msg`]) fills them, so no
/// message text is linked into the module. Native code reads it with [`Error::message`].
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

/// What an [`Error`] holds, boxed: a `Result<T, Error>` is then one pointer wider than `T`
/// instead of 40 bytes wider, and every `?` in the engine moves it (measured: 3.1 KB less
/// wasm than the unboxed error).
#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: Kind,
    parts: Vec<Msg>,
    texts: Vec<String>,
    nums: Vec<u64>,
}

impl Error {
    /// An error of `kind` whose message is `parts`' templates, one after the other, filled
    /// with `texts` (each `{s}`, in order) and `nums` (each `{n}`, in order).
    ///
    /// ```
    /// use convex_guard::error::{Error, Kind, Msg};
    /// let e = Error::new(Kind::Config, &[Msg::DuplicateRole], &["admin"], &[]);
    /// assert_eq!((e.code(), e.message().as_str()), ("INVALID_CONFIG", "duplicate role 'admin'"));
    /// ```
    #[cold]
    #[inline(never)]
    pub fn new(kind: Kind, parts: &[Msg], texts: &[&str], nums: &[u64]) -> Self {
        Error(Box::new(Inner {
            kind,
            parts: parts.to_vec(),
            texts: owned(texts),
            nums: nums.to_vec(),
        }))
    }

    /// A configuration error (see [`Error::new`]).
    #[cold]
    #[inline(never)]
    pub fn config(parts: &[Msg], texts: &[&str], nums: &[u64]) -> Self {
        Error::new(Kind::Config, parts, texts, nums)
    }

    /// An argument error (see [`Error::new`]).
    #[cold]
    #[inline(never)]
    pub fn argument(parts: &[Msg], texts: &[&str], nums: &[u64]) -> Self {
        Error::new(Kind::Argument, parts, texts, nums)
    }

    /// This error as a `kind` error whose message starts with `part` filled with `texts` and
    /// `nums` (e.g. a malformed permission name, reported as the configuration of a role).
    #[cold]
    #[inline(never)]
    pub fn within(mut self, kind: Kind, part: Msg, texts: &[&str], nums: &[u64]) -> Self {
        // The new error, then this one's parts after its own (appended: no `Vec::insert`).
        let mut e = Error::new(kind, &[part], texts, nums);
        e.0.parts.append(&mut self.0.parts);
        e.0.texts.append(&mut self.0.texts);
        e.0.nums.append(&mut self.0.nums);
        e
    }

    /// The kind of input that could not be used.
    pub fn kind(&self) -> Kind {
        self.0.kind
    }

    /// The stable machine-readable code: `INVALID_CONFIG`, `INVALID_ARGUMENT` or `UNAVAILABLE`.
    ///
    /// ```
    /// use convex_guard::error::{Error, Msg};
    /// assert_eq!(Error::config(&[Msg::NoRoles], &[], &[]).code(), "INVALID_CONFIG");
    /// assert_eq!(Error::argument(&[Msg::NoSuchRequest], &[], &[]).code(), "INVALID_ARGUMENT");
    /// ```
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// The message's templates, in order.
    pub fn parts(&self) -> &[Msg] {
        &self.0.parts
    }

    /// The texts the templates' `{s}` take, in order.
    pub fn texts(&self) -> &[String] {
        &self.0.texts
    }

    /// The numbers the templates' `{n}` take, in order.
    pub fn nums(&self) -> &[u64] {
        &self.0.nums
    }

    /// The human-readable message, naming the offending input: the templates filled in order
    /// ([`fill_msg`]). The wasm build never calls it: it hands the parts to JavaScript, which
    /// fills the same templates (`fillEngineMessage` in `js/generated/wire.ts`).
    pub fn message(&self) -> String {
        let texts: Vec<&str> = self.0.texts.iter().map(String::as_str).collect();
        let (mut texts, mut nums) = (texts.as_slice(), self.0.nums.as_slice());
        let mut out = String::new();
        for part in &self.0.parts {
            let template = part.template();
            let (t, n) = placeholders(template);
            let (these, rest) = texts.split_at(t.min(texts.len()));
            let (numbers, more) = nums.split_at(n.min(nums.len()));
            out.push_str(&fill_msg(template, these, numbers));
            (texts, nums) = (rest, more);
        }
        out
    }
}

/// `texts` as owned strings. A loop of pushes: `collect` over a mapped slice iterator is
/// a generic of its own in the wasm (0.3 KB), `push` is linked anyway.
pub(crate) fn owned(texts: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(texts.len());
    for &t in texts {
        out.push(String::from(t));
    }
    out
}

/// How many `{s}` and `{n}` placeholders `template` has.
fn placeholders(template: &str) -> (usize, usize) {
    (
        template.matches("{s}").count(),
        template.matches("{n}").count(),
    )
}

/// As the unboxed error printed: `Error { kind, parts, texts, nums }`.
impl core::fmt::Debug for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("parts", &self.0.parts)
            .field("texts", &self.0.texts)
            .field("nums", &self.0.nums)
            .finish()
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())?;
        f.write_str(": ")?;
        f.write_str(&self.message())
    }
}

impl core::error::Error for Error {}

/// Declares the message templates: the [`Msg`] enum, its ids and texts.
macro_rules! messages {
    ($($name:ident = $text:expr,)*) => {
        /// A message template (or a fragment of one): `{s}` takes a text, `{n}` a number. Its
        /// id (`as u8`) is what crosses to JavaScript; `js/generated/wire.ts` holds the texts
        /// as `ENGINE_MESSAGES`, by id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Msg {
            $(#[doc = $text] $name,)*
        }

        impl Msg {
            /// Every template, in id order.
            pub const ALL: &'static [Msg] = &[$(Msg::$name,)*];

            /// The template's text.
            pub fn template(self) -> &'static str {
                match self {
                    $(Msg::$name => $text,)*
                }
            }
        }
    };
}

messages! {
    // names (roles, access levels)
    Role = "role",
    NamesEmpty = " names must not be empty",
    NameTooLong = " name '{s}...' is longer than {n} bytes",
    RoleNameChars = " name '{s}' may only contain letters, digits, '_', '-', '.' and ':'",
    // roles and permissions
    PermissionEmpty = "permission names must not be empty",
    PermissionTooLong = "permission name '{s}...' is longer than {n} bytes",
    MalformedWildcard = "malformed wildcard '{s}': a wildcard is written 'resource:*', with '*' only as the last segment",
    PermissionSegments = "permission name '{s}' must be non-empty segments of letters, digits, '_', '-' or '.' joined by ':'",
    DuplicateRole = "duplicate role '{s}'",
    TooManyRoles = "too many roles: at most {n} are allowed",
    UnknownRole = "permissions are listed for unknown role '{s}'",
    InRole = "role '{s}': ",
    TooManyGrants = "too many permissions: at most {n} grants are allowed",
    NoRoles = "a policy needs at least one role",
    TooManyInterned = "too many distinct permission names checked: at most {n}",
    // roles or access levels written highest first (policy::check_order): past the roles-only
    // module's table, which leaves the check out (the `ladder` feature)
    ListedBefore = " '{s}' is listed before '{s}', but the list is lowest first (the last is the highest): reverse it",
    // access levels (their names' own templates here, past the roles-only module's table: it
    // never sends them)
    AccessLevelName = "access level",
    NameChars = " name '{s}' may only contain letters, digits, '_', '-' and '.'",
    DuplicateLevel = "duplicate access level '{s}'",
    TooManyLevels = "too many access levels: at most {n} are allowed",
    TooFewLevels = "at least {n} access levels are needed: the owner's and one below it",
    Public = "public",
    Share = "share",
    UndeclaredLevel = " level '{s}' is not a declared access level",
    OwnerNotLast = "access level 'owner' must be the last: levels are listed lowest first, and the last is the level a document's owner holds (reverse a list written highest first)",
    PublicNotBelowOwner = "public level '{s}' must be below the owner level, or every visitor would own public documents",
    PublicNotBelowShare = "public level '{s}' must be below the share level '{s}', or strangers could share public documents",
    UnknownLevel = "unknown access level '{s}'",
    CallerLevel = "caller level {n} is not an access level",
    GrantedLevel = "granted level {n} is not an access level",
    GrantedNotALevel = "granted level is not an access level",
    DocNotInBatch = "doc is not a document of the batch",
    DocumentPublic = "document {n}: visibility must be 'public' or 'private'",
    DocumentParent = "document {n}: parent {n} is not a document of the batch",
    GrantDoc = "grant {n}: doc is not a document of the batch",
    GrantKind = "grant {n}: kind must be direct (3) or group (4)",
    GrantLevel = "grant {n}: level must be an access level",
    GrantRow = "grant {n}: ",
    DocumentLengths = "documents: owner, public and parent must have the same length",
    GrantLengths = "grants: doc, subject, kind, level and expiresAt must have the same length",
    TooManyDocuments = "too many documents in one batch: at most {n}",
    TooManyBatchGrants = "too many grants in one batch: at most {n}",
    TooManyGroups = "too many groups for one caller: at most {n}",
    BatchLength = "access batch is not the length its counts state",
    // times
    Now = "now",
    ExpiresAt = "expiresAt",
    LastFailure = "lastFailure",
    BadTime = " must be a finite number of milliseconds from 0 to {n}",
    ExpiresAtPast = "expiresAt must be later than now: a grant or invitation that expires at or before now gives nothing",
    // rate limits
    UnknownKind = "unknown rate limit kind '{s}': expected 'sliding window', 'sliding log', 'token bucket' or 'fixed window'",
    Rate = "rate",
    Period = "period",
    Capacity = "capacity",
    Shards = "shards",
    WholeFrom1 = " must be a whole number from 1 to {n}",
    PeriodInMs = "period must be a whole number of milliseconds from {n} to {n}: a minute is 60 * SECOND or MINUTE, not 60",
    SlidingLogRate = "a 'sliding log' keeps one timestamp per unit in its row: rate must be at most {n} (use a 'sliding window' for larger limits)",
    CapacityNotBucket = "capacity applies only to 'token bucket' limits, not to '{s}'",
    TooManyShards = "shards ({n}) must not exceed rate or capacity: every shard needs room for at least 1",
    SlowRefill = "a 'token bucket' must refill from empty within {n} ms: capacity * period / rate is too large",
    NoSuchShard = "shard {n} does not exist: pick a shard index below {n}",
    BadCount = "count must be a whole number from {n} to {n}, the most this limit can ever admit at once",
    Corrupt = "stored rate limit state does not fit this limit: ",
    LogNotSlidingLog = "only a 'sliding log' keeps a log",
    WindowStart = "window start",
    CurrentCount = "current count",
    PreviousCount = "previous count",
    LogNoCounters = "a 'sliding log' keeps no counters",
    LogTime = "log time",
    LogTooLong = "log is longer than the rate",
    LogEntries = "log entries must be times up to the log time",
    LogOrder = "log entries must be oldest first",
    RefillTime = "refill time",
    TokenCount = "token count",
    TokenFraction = "token fraction",
    TooManyTokens = "more tokens than the capacity",
    Sharded = "a sharded limit is decided one shard at a time: pick a shard index below {n}",
    NoSuchRequest = "no such request",
    BatchSize = "an all-or-nothing rate limit takes 1 to {n} limits",
    MalformedRequest = "malformed rate limit request",
    // confirmation codes
    AlphabetChar = "alphabet character at byte offset {n} is not printable ASCII: symbols must be distinct characters from '!' to '~'",
    AlphabetShort = "alphabet '{s}' has fewer than {n} symbols",
    AlphabetLong = "alphabet has {n} symbols: at most {n} are allowed",
    AlphabetRepeats = "alphabet '{s}' repeats the symbol '{s}'",
    CodeLength = "code length must be a whole number from {n} to {n}",
    CodeSpace = "a code of {n} symbols from an alphabet of {n} has fewer than {n} possible values: use a longer code or a larger alphabet",
    CodeBatch = "code batch size out of range",
    RandomBroken = "the random source produced no unbiased code in {n} batches: it is broken",
    Actor = "actor",
    Action = "action",
    Target = "target",
    Code = "code",
    Confirmation = "confirmation ",
    FieldLength = " must be {n} to {n} bytes long, got {n}",
    DigestLength = "a confirmation digest must be {n} bytes, got {n}",
    AttemptsLeft = "attemptsLeft {n} is out of range: it must be 0 to {n}",
    UsedFlag = "used must be true or false",
    Failures = "failures must be a whole number from 0 to {n}",
    LockoutFailures = "lockout.{s}.maxFailures must be a whole number from 1 to {n}",
    LockoutWindow = "lockout.{s}.window must be a whole number of milliseconds from {n} to {n}",
    CodeTtl = "code ttl must be a whole number of milliseconds from {n} to {n}",
    CodeMaxAttempts = "code maxAttempts must be a whole number from 1 to {n}",
    // randomness
    RandomOs = "secure random bytes are unavailable on this platform (os error {n})",
    RandomNone = "secure random bytes are unavailable on this platform (no usable crypto.getRandomValues)",
}

/// Fills a message template without `format!`: each `{s}` in `template` is replaced by the
/// next of `texts` and each `{n}` by the next of `nums` in decimal (a placeholder with no value
/// left becomes nothing; any other `{` is kept).
///
/// The rule `fillEngineMessage` in `js/generated/wire.ts` follows for the wasm build's errors
/// (rendered from here; `tests/node/engine-messages.test.mjs` checks both agree on every
/// template).
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
