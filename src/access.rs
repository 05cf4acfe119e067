//! Data access boundaries: ordered access levels, and the resolution of a caller's effective
//! level on many documents in one call.
//!
//! # Levels
//! A configuration lists access levels lowest first (by default `viewer < commenter < editor <
//! owner`, see [`STANDARD_LEVELS`]). They compile to small integers: level `i` (1-based) is the
//! `i`-th name, `0` ([`NONE`]) is "no access", and the top level is the owner's. Two more levels
//! are chosen in the configuration (see [`AccessLevelsBuilder`]): the level that public
//! visibility gives, and the lowest level allowed to share.
//!
//! # Resolution rules
//! The TypeScript layer reads the documents, their ancestors and the grants, interns every user
//! and group id into a `u32` (any numbering, as long as one id always gets the same number) and
//! hands flat arrays to [`Levels::resolve`]. For each document the caller gets the highest of:
//! - **owner**: the document's owner is the caller: the top level;
//! - **direct**: a live grant on the document to the caller;
//! - **group**: a live grant on the document to a group the caller belongs to;
//! - **inherited**: the caller's owner, direct or group level on one of the document's
//!   ancestors (parent, grandparent, ...), at most [`MAX_PARENT_DEPTH`] steps up. Owning a
//!   folder gives the owner level on what it contains (with source `inherited`), but a
//!   folder's *public visibility is not inherited*: a document marked private stays private to
//!   strangers even inside a public folder;
//! - **public**: the document itself is public: the configured public level.
//!
//! Ties between rules giving the same level are reported by the most specific rule first:
//! owner > direct > group > inherited > public (and the nearest ancestor among ancestors), so
//! an audit log or a UI explains access by what would survive the document being made private.
//!
//! A grant is live while `now < expires_at`: a grant expiring exactly at `now` is expired and
//! counts for nothing. [`NO_EXPIRY`] (`Infinity`) means it never expires.
//!
//! A document whose chain of parents loops (a cycle anywhere in the chain, among the documents
//! passed in) is denied outright, even to its owner, with source [`Source::Cycle`]: the
//! hierarchy is corrupt and the resolver will not guess. A parent that is not in the batch (a
//! deleted folder) is passed as [`NO_PARENT`] and gives nothing.
//!
//! An anonymous caller ([`NO_SUBJECT`]) owns nothing and holds no grants: it gets public access
//! only. [`NO_SUBJECT`] as an owner or a grant subject matches nobody. An id that is not a
//! non-empty string (`null`, or `""`, as a browser's `user?._id ?? ""` gives) is interned as
//! [`NO_SUBJECT`] by the boundary (`tests/vectors/access.json` holds the layer to it): `""` is
//! no one, so a caller `""` never owns a document whose owner is `""` (attack46).
//!
//! ```
//! use convex_guard::access::{Caller, Documents, Grants, Levels, Source, GRANT_DIRECT, NO_EXPIRY, NO_PARENT};
//! let levels = Levels::standard();
//! let editor = levels.level("editor")?;
//! // Two documents: 0 is a folder owned by user 7, 1 is a private note inside it.
//! let docs = Documents { owner: &[7, 9], public: &[0, 0], parent: &[NO_PARENT, 0] };
//! // User 5 holds an editor grant on the folder.
//! let grants = Grants {
//!     doc: &[0], subject: &[5], kind: &[GRANT_DIRECT], level: &[editor], expires_at: &[NO_EXPIRY],
//! };
//! let out = levels.resolve(1_700_000_000_000.0, Caller { id: 5, groups: &[] }, docs, grants)?;
//! assert_eq!((out[0].level, out[0].source), (editor, Source::Direct));
//! assert_eq!((out[1].level, out[1].source, out[1].via), (editor, Source::Inherited, Some(0)));
//! # Ok::<(), convex_guard::Error>(())
//! ```
//!
//! # Sharing
//! [`Levels::can_share`] and [`can_transfer`] decide who may hand access on; a "no" is a
//! [`Denial`] value, bad input an [`Error`]. [`Levels::share_grant`] decides a share request
//! on a resolved batch and caps the new grant's expiry to the sharer's own access at the level
//! sharing it takes: nobody makes a grant that outlives their own access.

use crate::error::{truncated, Error, Msg};
// The kinds of error the docs name (no code path here builds one by kind any more).
#[cfg(doc)]
use crate::error::Kind;
use crate::time::{self, is_time};
use crate::unicode::{in_ranges, BLANK, BLANK_DETACHED};
use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Fewest access levels a configuration may declare: the owner's and at least one below it
/// (public visibility and grants must give a level below the owner's).
pub const MIN_LEVELS: usize = 2;
/// Most access levels a configuration may declare.
pub const MAX_LEVELS: usize = 16;
/// Longest access level name, in bytes.
pub const MAX_LEVEL_NAME_LEN: usize = 64;
/// The levels used when a configuration declares none, lowest first.
pub const STANDARD_LEVELS: [&str; 4] = ["viewer", "commenter", "editor", "owner"];
/// Most documents (the documents asked about plus their ancestors) in one [`Levels::resolve`].
pub const MAX_BATCH_DOCUMENTS: usize = 1000;
/// Most grants in one [`Levels::resolve`].
pub const MAX_BATCH_GRANTS: usize = 8192;
/// Most groups a caller may be passed as belonging to. The TypeScript layer refuses, to the
/// user who accepts (or the manager who adds them directly), a membership past this bound, so
/// nobody else can push a user over it.
pub const MAX_CALLER_GROUPS: usize = 256;
/// Most grants the TypeScript layer's `deleteDocument` removes with their document, in the one
/// mutation: a document holding more is refused before anything is deleted (revoke some first).
/// Convex allows a transaction 16,000 documents written and 32,000 scanned: this bound takes a
/// sixteenth of the writes and reads (`MAX_DELETE_GRANTS + 1` rows), leaving the rest of the
/// mutation's budget to the app's own writes in it. Not used by the engine itself.
pub const MAX_DELETE_GRANTS: usize = 1000;
/// Longest group name, in UTF-16 code units (JavaScript's `length`).
pub const MAX_GROUP_NAME_LEN: usize = 200;
/// Code points a group name may not hold, as inclusive ranges: the controls (C0, DEL and C1),
/// every bidirectional control (the marks, embeddings, overrides and isolates), the line and
/// paragraph separators, and the default-ignorable code points (shown as nothing: the soft
/// hyphen, the zero-width space, the word joiner and invisible operators, the Hangul fillers,
/// variation selectors, the byte-order mark, the interlinear annotation marks, tags). A group's
/// name is shown to the people it invites, and these would let it hide or reorder what they
/// read (an invitation to "Admins" that is not). Kept, because text needs them: the joiners
/// (U+200C, U+200D: emoji sequences, Persian, Indic scripts) and the emoji variation selectors
/// (U+FE0E, U+FE0F); and the tags that spell a subdivision flag, inside one only
/// ([`subdivision_flag_len`]): anywhere else they are hidden text ("Admins" followed by tags
/// reads "Admins").
pub const GROUP_NAME_FORBIDDEN: &[(u32, u32)] = &[
    (0x00, 0x1f),
    (0x7f, 0x9f),
    (0xad, 0xad),
    (0x34f, 0x34f),
    (0x61c, 0x61c),
    (0x115f, 0x1160),
    (0x17b4, 0x17b5),
    (0x180b, 0x180f),
    (0x200b, 0x200b),
    (0x200e, 0x200f),
    (0x2028, 0x202e),
    (0x2060, 0x206f),
    (0x3164, 0x3164),
    (0xfe00, 0xfe0d),
    (0xfeff, 0xfeff),
    (0xffa0, 0xffa0),
    (0xfff0, 0xfffb),
    (0x1bca0, 0x1bca3),
    (0x1d173, 0x1d17a),
    (0xe0000, 0xe0fff),
];

/// Whether a group name may hold `c` outside a subdivision flag (see
/// [`GROUP_NAME_FORBIDDEN`]).
pub fn group_name_char_allowed(c: char) -> bool {
    !in_ranges(GROUP_NAME_FORBIDDEN, c)
}

/// U+1F3F4 WAVING BLACK FLAG: a subdivision flag's first character (UTS #51, an emoji tag
/// sequence).
pub const FLAG_BASE: char = '\u{1F3F4}';
/// U+E007F CANCEL TAG: a subdivision flag's last character.
pub const CANCEL_TAG: char = '\u{E007F}';
/// The tag character of ASCII 0 is this far above it (U+E0030 is tag digit zero, U+E0061 tag
/// small letter a).
pub const TAG_OFFSET: u32 = 0xE0000;

/// The length in bytes of the subdivision flag `s` starts with, if it starts with one:
/// [`FLAG_BASE`], then a subdivision code in tag characters (CLDR's `unicode_subdivision_id`:
/// two tag letters or three tag digits, then one to four tag letters or digits, all
/// lowercase), then [`CANCEL_TAG`]. Scotland's flag is the black flag, the tags spelling
/// "gbsct" and the cancel tag.
///
/// ```
/// use convex_guard::access::subdivision_flag_len;
/// let scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
/// assert_eq!(subdivision_flag_len(&format!("{scotland} rugby")), Some(scotland.len()));
/// // Tags spelling "ADMIN" (capitals), or without the flag before them, are no flag.
/// assert_eq!(subdivision_flag_len("\u{1F3F4}\u{E0041}\u{E0044}\u{E004D}\u{E007F}"), None);
/// assert_eq!(subdivision_flag_len("\u{E0067}\u{E0062}\u{E0073}\u{E007F}"), None);
/// ```
pub fn subdivision_flag_len(s: &str) -> Option<usize> {
    let mut chars = s.chars();
    if chars.next()? != FLAG_BASE {
        return None;
    }
    // The code the tags spell, as the ASCII they stand for: at most 3 + 4 characters.
    let mut code = [0u8; 7];
    for (n, c) in chars.enumerate() {
        if c == CANCEL_TAG {
            let code = code.get(..n)?;
            let region = |len: usize, of: fn(&u8) -> bool| {
                code.get(..len).is_some_and(|r| r.iter().all(of))
                    && (len + 1..=len + 4).contains(&n)
            };
            let valid = region(2, u8::is_ascii_lowercase) || region(3, u8::is_ascii_digit);
            // Each tag character is 4 bytes of UTF-8.
            return valid.then_some(FLAG_BASE.len_utf8() + 4 * (n + 1));
        }
        let a = u32::from(c)
            .checked_sub(TAG_OFFSET)
            .and_then(|a| u8::try_from(a).ok());
        match (a, code.get_mut(n)) {
            (Some(a), Some(slot)) if a.is_ascii_lowercase() || a.is_ascii_digit() => *slot = a,
            _ => return None,
        }
    }
    None
}

/// Why a group name is refused, in the order the checks run (the TypeScript layer's
/// `createGroup` runs them in the same order; `tests/vectors/group-names.json` holds both to
/// it). Each is `INVALID_ARGUMENT` with a message of [`crate::wire::client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupNameRefusal {
    /// Longer than [`MAX_GROUP_NAME_LEN`] UTF-16 code units (`GROUP_NAME_TOO_LONG`).
    TooLong,
    /// Blank: no character that shows of its own, every one in [`crate::unicode::BLANK`]
    /// (`GROUP_NAME_MISSING`).
    Blank,
    /// A character of [`GROUP_NAME_FORBIDDEN`] outside a subdivision flag
    /// (`GROUP_NAME_CHARACTERS`).
    Characters,
    /// The first character a combining mark or a joiner, which would mark or join onto the
    /// text shown before the name ([`crate::unicode::BLANK_DETACHED`]; `GROUP_NAME_LEADING_MARK`).
    LeadingMark,
}

/// Why `name` may not name a group, or `None` when it may: at most [`MAX_GROUP_NAME_LEN`]
/// UTF-16 code units; at least one character that shows of its own (one outside
/// [`crate::unicode::BLANK`]: not whitespace, not drawn as nothing, not a combining mark, not
/// U+2800); no character of [`GROUP_NAME_FORBIDDEN`], but for the tags of a subdivision
/// flag ([`subdivision_flag_len`]); and a first character that does not attach to the text
/// before it (no combining mark, no joiner: [`crate::unicode::BLANK_DETACHED`]).
///
/// A JavaScript string may also hold a lone surrogate, half of a character, which a `&str`
/// cannot: the TypeScript layer refuses it (`GROUP_NAME_SURROGATE`) after the length and
/// before the other checks.
///
/// ```
/// use convex_guard::access::{group_name_refusal, GroupNameRefusal};
/// assert_eq!(group_name_refusal("Équipe 東京"), None);
/// assert_eq!(group_name_refusal("\u{2800}"), Some(GroupNameRefusal::Blank));
/// assert_eq!(group_name_refusal("\u{200D}\u{200D}"), Some(GroupNameRefusal::Blank));
/// assert_eq!(group_name_refusal("Admins\u{E0041}"), Some(GroupNameRefusal::Characters));
/// assert_eq!(group_name_refusal(&"x".repeat(201)), Some(GroupNameRefusal::TooLong));
/// assert_eq!(group_name_refusal("\u{301}Admins"), Some(GroupNameRefusal::LeadingMark));
/// ```
pub fn group_name_refusal(name: &str) -> Option<GroupNameRefusal> {
    if name.encode_utf16().count() > MAX_GROUP_NAME_LEN {
        return Some(GroupNameRefusal::TooLong);
    }
    if name.chars().all(|c| in_ranges(BLANK, c)) {
        return Some(GroupNameRefusal::Blank);
    }
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        let skip = match subdivision_flag_len(rest) {
            Some(flag) => flag,
            None if group_name_char_allowed(c) => c.len_utf8(),
            None => return Some(GroupNameRefusal::Characters),
        };
        rest = rest.get(skip..).unwrap_or_default();
    }
    let attaches = |c| in_ranges(BLANK, c) && !in_ranges(BLANK_DETACHED, c);
    if name.chars().next().is_some_and(attaches) {
        return Some(GroupNameRefusal::LeadingMark);
    }
    None
}
/// Largest page a listing of the TypeScript layer returns (`numItems` from 1 to this): each
/// listed document costs index ranges per group of the caller.
pub const MAX_PAGE_ITEMS: usize = 100;
/// How many steps up the parent chain inheritance reaches: the parent is step 1, so a document
/// inherits from at most this many ancestors. Ancestors further up give nothing, and the
/// TypeScript layer need not read them.
pub const MAX_PARENT_DEPTH: usize = 8;
/// Documents read plus index ranges one `listAccessible` page may cost, of the 4,096 index
/// ranges Convex allows a function (the rest is the app's). What others shared with the caller
/// must not decide whether the caller's listing fits in a function: documents shared deep in
/// folders with someone in a few groups made every page of 100 fail.
pub const LISTING_READ_BUDGET: usize = 2048;
/// The most documents one `listAccessible` page lists for a caller in `groups` groups. Each
/// costs at most, for itself and each of its [`MAX_PARENT_DEPTH`] ancestors, one document read,
/// one range of the caller's grants and one per group; so a page stays within
/// [`LISTING_READ_BUDGET`], whoever shared what. At least one: a single document costs under
/// Convex's limit even with [`MAX_CALLER_GROUPS`] groups.
///
/// ```
/// use convex_guard::access::{listing_page_items, MAX_PAGE_ITEMS};
/// assert_eq!(listing_page_items(0), MAX_PAGE_ITEMS);
/// assert_eq!(listing_page_items(3), 45);
/// assert_eq!(listing_page_items(256), 1);
/// ```
pub fn listing_page_items(groups: usize) -> usize {
    let per_document = (MAX_PARENT_DEPTH + 1) * (2 + groups);
    (LISTING_READ_BUDGET / per_document).clamp(1, MAX_PAGE_ITEMS)
}
/// Largest timestamp accepted, in ms since the epoch ([`crate::time::MAX_TIME_MS`]).
pub use crate::time::MAX_TIME_MS;
/// `expires_at` of a grant that never expires (JavaScript `Infinity`). It is the only
/// non-finite number accepted.
pub const NO_EXPIRY: f64 = f64::INFINITY;
/// The level "no access".
pub const NONE: u8 = 0;
/// A stored grant's (or membership's) level whose name is no longer configured (a level
/// renamed or removed since the row was written): the row is checked like any other but gives
/// nothing, so the grantee keeps every other path to the document (fail closed for that row
/// only, not an error for the whole batch). A stored grant at the owner's (top) level (a row
/// written around the guard, or one whose level became the top one when the levels changed)
/// is read the same way: no grant carries the owner level, so it gives nothing, and one bad
/// row never refuses a user's reads. [`Levels::stored`] makes it of a name. Above
/// every level ([`MAX_LEVELS`]) and distinct from the wire's never-valid code.
pub const STALE: u8 = 0xFE;
/// `parent` of a document that has no parent, or whose parent is not in the batch.
pub const NO_PARENT: u32 = u32::MAX;
/// The subject that matches nobody: an anonymous caller, an ownerless document, an id `""`.
pub const NO_SUBJECT: u32 = u32::MAX;
/// `public` of a document that is not public.
pub const PRIVATE: u8 = 0;
/// `public` of a public document (any value above it is refused).
pub const PUBLIC: u8 = 1;
/// Grant kind: a grant to one user (the same code as [`Source::Direct`]).
pub const GRANT_DIRECT: u8 = 3;
/// Grant kind: a grant to a group (the same code as [`Source::Group`]).
pub const GRANT_GROUP: u8 = 4;

/// Which rule gave a caller their level on a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Source {
    /// No rule gave any access.
    None = 0,
    /// The caller owns the document.
    Owner = 1,
    /// The document is public.
    Public = 2,
    /// A grant on the document to the caller.
    Direct = 3,
    /// A grant on the document to a group the caller belongs to.
    Group = 4,
    /// The caller's level on an ancestor.
    Inherited = 5,
    /// Denied: the document's parent chain loops.
    Cycle = 6,
}

/// Every source, in code order (`SOURCES[i].code() == i`).
pub const SOURCES: [Source; 7] = [
    Source::None,
    Source::Owner,
    Source::Public,
    Source::Direct,
    Source::Group,
    Source::Inherited,
    Source::Cycle,
];

impl Source {
    /// The stable numeric code (the binding passes it to JavaScript).
    ///
    /// ```
    /// use convex_guard::access::Source;
    /// assert_eq!(Source::from_code(Source::Group.code()), Some(Source::Group));
    /// ```
    pub fn code(self) -> u8 {
        // A fieldless `repr(u8)` enum: the cast is the discriminant, it cannot wrap.
        self as u8
    }

    /// The source with code `code`, or `None` for an unknown code.
    pub fn from_code(code: u8) -> Option<Source> {
        SOURCES.get(usize::from(code)).copied()
    }

    /// The stable name used in JavaScript and audit logs: `none`, `owner`, `public`, `direct`,
    /// `group`, `inherited` or `cycle`.
    ///
    /// ```
    /// use convex_guard::access::Source;
    /// assert_eq!(Source::Inherited.name(), "inherited");
    /// assert_eq!(Source::from_name("inherited"), Some(Source::Inherited));
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Source::None => "none",
            Source::Owner => "owner",
            Source::Public => "public",
            Source::Direct => "direct",
            Source::Group => "group",
            Source::Inherited => "inherited",
            Source::Cycle => "cycle",
        }
    }

    /// The source named `name`, or `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Source> {
        SOURCES.iter().copied().find(|s| s.name() == name)
    }

    /// Precedence between rules giving the same level (higher wins).
    fn rank(self) -> u8 {
        match self {
            Source::Owner => 5,
            Source::Direct => 4,
            Source::Group => 3,
            Source::Inherited => 2,
            Source::Public => 1,
            Source::None | Source::Cycle => 0,
        }
    }
}

/// The caller's effective access to one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The level, `0` ([`NONE`]) for no access.
    pub level: u8,
    /// The rule that gave it ([`Source::None`] or [`Source::Cycle`] when `level` is `0`).
    pub source: Source,
    /// The index of the document whose rule gave the level: the document itself, or the
    /// ancestor for [`Source::Inherited`]; `None` when there is no access.
    pub via: Option<u32>,
}

impl Access {
    /// No access from any rule.
    pub const DENIED: Access = Access {
        level: NONE,
        source: Source::None,
        via: None,
    };

    /// Whether this access is at least `required`. Requiring [`NONE`] is refused (fail closed:
    /// a caller asking for "no level" has a bug).
    ///
    /// ```
    /// use convex_guard::access::{Access, Source};
    /// let a = Access { level: 2, source: Source::Direct, via: Some(0) };
    /// assert!(a.allows(1) && a.allows(2) && !a.allows(3) && !a.allows(0));
    /// ```
    pub fn allows(&self, required: u8) -> bool {
        required != NONE && self.level >= required
    }

    fn beats(&self, other: &Access) -> bool {
        (self.level, self.source.rank()) > (other.level, other.source.rank())
    }
}

/// Why a sharing or transfer request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Denial {
    /// The caller's level is below the configured share level.
    BelowShareLevel = 1,
    /// The level to grant is above the caller's own.
    AboveOwnLevel = 2,
    /// The level to grant is the owner level, which only ownership gives (use a transfer).
    OwnerLevel = 3,
    /// Only the document's owner may transfer its ownership.
    NotOwner = 4,
}

/// Every denial, in code order (`DENIALS[i].code() == i + 1`).
pub const DENIALS: [Denial; 4] = [
    Denial::BelowShareLevel,
    Denial::AboveOwnLevel,
    Denial::OwnerLevel,
    Denial::NotOwner,
];

impl Denial {
    /// The stable numeric code (never 0).
    pub fn code(self) -> u8 {
        // A fieldless `repr(u8)` enum: the cast is the discriminant, it cannot wrap.
        self as u8
    }

    /// What the client is told (the TypeScript layer's `FORBIDDEN` message).
    ///
    /// ```
    /// use convex_guard::access::Denial;
    /// assert_eq!(Denial::NotOwner.message(), "Only the owner can transfer ownership");
    /// ```
    pub fn message(self) -> &'static str {
        match self {
            Denial::BelowShareLevel => "Your access level does not allow sharing",
            Denial::AboveOwnLevel => "You cannot grant a level above your own",
            Denial::OwnerLevel => "The owner level is given only by transferring ownership",
            Denial::NotOwner => "Only the owner can transfer ownership",
        }
    }

    /// What the client is told when the same decision refuses managing a group's members
    /// (the group calls apply the sharing rules to the caller's level on the group).
    ///
    /// ```
    /// use convex_guard::access::Denial;
    /// assert_eq!(
    ///     Denial::BelowShareLevel.group_message(),
    ///     "Your level on this group does not allow managing its members"
    /// );
    /// ```
    pub fn group_message(self) -> &'static str {
        match self {
            Denial::BelowShareLevel => {
                "Your level on this group does not allow managing its members"
            }
            Denial::AboveOwnLevel => "You cannot give a member a level above your own",
            Denial::OwnerLevel => "The owner level is not given to a group's members",
            Denial::NotOwner => "Only the group's owner can do this",
        }
    }

    /// The stable name used in JavaScript: `below_share_level`, `above_own_level`,
    /// `owner_level` or `not_owner`.
    ///
    /// ```
    /// use convex_guard::access::Denial;
    /// assert_eq!(Denial::NotOwner.name(), "not_owner");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Denial::BelowShareLevel => "below_share_level",
            Denial::AboveOwnLevel => "above_own_level",
            Denial::OwnerLevel => "owner_level",
            Denial::NotOwner => "not_owner",
        }
    }
}

/// Whether a caller whose access to a document came from `source` may transfer its
/// ownership: only the owner of the document itself may (owning a parent folder is not enough).
///
/// ```
/// use convex_guard::access::{can_transfer, Denial, Source};
/// assert_eq!(can_transfer(Source::Owner), Ok(()));
/// assert_eq!(can_transfer(Source::Inherited), Err(Denial::NotOwner));
/// ```
///
/// # Errors
/// [`Denial::NotOwner`] for every source but [`Source::Owner`].
pub fn can_transfer(source: Source) -> Result<(), Denial> {
    match source {
        Source::Owner => Ok(()),
        _ => Err(Denial::NotOwner),
    }
}

/// Collects the access level configuration, then validates it in [`AccessLevelsBuilder::build`].
///
/// ```
/// use convex_guard::access::AccessLevelsBuilder;
/// let mut b = AccessLevelsBuilder::default();
/// for l in ["reader", "writer", "admin", "owner"] { b.level(l)?; }
/// b.share_level("admin");
/// let levels = b.build()?;
/// assert_eq!(levels.owner(), 4);
/// assert_eq!(levels.public(), levels.level("reader")?);
/// assert_eq!(levels.share(), 3);
/// # Ok::<(), convex_guard::Error>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct AccessLevelsBuilder {
    names: Vec<String>,
    public: Option<String>,
    share: Option<String>,
}

/// A validated access level configuration. Levels are `1..=owner()`, lowest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levels {
    names: Vec<String>,
    public: u8,
    share: u8,
}

/// Checks an access level name: 1 to [`MAX_LEVEL_NAME_LEN`] bytes of `A-Z a-z 0-9 _ - .` (the
/// rules of role names but for `:`, checked by the same code).
///
/// # Errors
/// A [`Kind::Config`] error naming the level when it is empty, too long or has another
/// character.
pub fn check_level_name(name: &str) -> Result<(), Error> {
    crate::policy::check_name(
        Msg::AccessLevelName,
        name,
        MAX_LEVEL_NAME_LEN,
        b'.',
        Msg::NameChars,
    )
}

impl AccessLevelsBuilder {
    /// Declares the next level, above every level declared before it. The last one declared is
    /// the owner's. Declaring none at all means [`STANDARD_LEVELS`].
    ///
    /// # Errors
    /// A [`Kind::Config`] error for a malformed or duplicate name, or more than [`MAX_LEVELS`]
    /// levels.
    pub fn level(&mut self, name: &str) -> Result<(), Error> {
        check_level_name(name)?;
        if crate::policy::position(&self.names, name.as_bytes()).is_some() {
            return Err(Error::config(&[Msg::DuplicateLevel], &[name], &[]));
        }
        if self.names.len() >= MAX_LEVELS {
            return Err(Error::config(
                &[Msg::TooManyLevels],
                &[],
                &[MAX_LEVELS as u64],
            ));
        }
        self.names.push(name.to_owned());
        Ok(())
    }

    /// Sets the level public visibility gives (default: the lowest level). It must be below
    /// the share level. Checked by [`AccessLevelsBuilder::build`].
    pub fn public_level(&mut self, name: &str) {
        self.public = Some(name.to_owned());
    }

    /// Sets the lowest level allowed to share (default: the level just below the owner's, or
    /// the owner's when that would not be above the public level). It must be above the public
    /// level, so access that comes only from public visibility never lets a stranger share.
    /// Checked by [`AccessLevelsBuilder::build`].
    pub fn share_level(&mut self, name: &str) {
        self.share = Some(name.to_owned());
    }

    /// Validates the configuration and compiles it.
    ///
    /// # Errors
    /// A [`Kind::Config`] error when some but fewer than [`MIN_LEVELS`] levels were declared
    /// (none at all means [`STANDARD_LEVELS`]), when the public or share level is not a
    /// declared level, when the public level is not below the owner level or the share
    /// level, or when the levels were listed highest first: a level named `owner` that is not
    /// the last, or a well-known top name before a well-known bottom one
    /// (`crate::ladder::check_order`).
    pub fn build(self) -> Result<Levels, Error> {
        let names = if self.names.is_empty() {
            crate::error::owned(&STANDARD_LEVELS)
        } else {
            self.names
        };
        if names.len() < MIN_LEVELS {
            return Err(Error::config(
                &[Msg::TooFewLevels],
                &[],
                &[MIN_LEVELS as u64],
            ));
        }
        let find = |what: Msg, name: &str| -> Result<u8, Error> {
            match crate::policy::position(&names, name.as_bytes()) {
                // `position < names.len() <= MAX_LEVELS = 16`, so `+ 1` fits in a u8.
                Some(i) => Ok((i + 1) as u8),
                None => Err(Error::config(
                    &[what, Msg::UndeclaredLevel],
                    &[truncated(name)],
                    &[],
                )),
            }
        };
        // Written highest first, the level named "owner" would be the public one, given to
        // every visitor of a public document (attack46).
        crate::ladder::check_order(Msg::AccessLevelName, &names, Some(Msg::OwnerNotLast))?;
        // `MIN_LEVELS <= names.len() <= MAX_LEVELS = 16`: fits in a u8.
        let owner = names.len() as u8;
        let public = match &self.public {
            Some(name) => find(Msg::Public, name)?,
            None => 1,
        };
        if public >= owner {
            return Err(Error::config(
                &[Msg::PublicNotBelowOwner],
                &[level_name(&names, public)],
                &[],
            ));
        }
        let share = match &self.share {
            Some(name) => find(Msg::Share, name)?,
            // The level just below the owner's; the owner's itself when the public level is
            // already that one (sharing must need more than public visibility gives).
            None => (owner - 1).max(public + 1),
        };
        if public >= share {
            return Err(Error::config(
                &[Msg::PublicNotBelowShare],
                &[level_name(&names, public), level_name(&names, share)],
                &[],
            ));
        }
        Ok(Levels {
            names,
            public,
            share,
        })
    }
}

fn level_name(names: &[String], level: u8) -> &str {
    usize::from(level)
        .checked_sub(1)
        .and_then(|i| names.get(i))
        .map_or("", String::as_str)
}

/// The documents of one [`Levels::resolve`] batch, as parallel arrays indexed by document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Documents<'a> {
    /// The interned owner id of each document ([`NO_SUBJECT`] for none).
    pub owner: &'a [u32],
    /// `1` for a public document, `0` for a private one.
    pub public: &'a [u8],
    /// The index of each document's parent in this batch, or [`NO_PARENT`].
    pub parent: &'a [u32],
}

/// The grants of one [`Levels::resolve`] batch, as parallel arrays indexed by grant.
#[derive(Debug, Clone, Copy, Default)]
pub struct Grants<'a> {
    /// The index of the document each grant is on.
    pub doc: &'a [u32],
    /// The interned id of the user or group each grant is to.
    pub subject: &'a [u32],
    /// [`GRANT_DIRECT`] or [`GRANT_GROUP`].
    pub kind: &'a [u8],
    /// The level each grant gives: `1` to just below the owner level. The owner level and
    /// [`STALE`] are a stored row's that gives nothing (see [`STALE`]).
    pub level: &'a [u8],
    /// When each grant expires, in ms since the epoch, or [`NO_EXPIRY`].
    pub expires_at: &'a [f64],
}

/// A grant someone asks to make, for [`Levels::share_grant`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareRequest {
    /// The index, in the batch, of the document to share.
    pub doc: u32,
    /// The level to grant.
    pub level: u8,
    /// When the grant should expire, in ms since the epoch; `None` for a grant that never
    /// expires. An asked-for expiry must be a time ([`crate::time::is_time`]): `Infinity` is
    /// refused like NaN, never read as "never".
    pub expires_at: Option<f64>,
}

/// Who is asking.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caller<'a> {
    /// The caller's interned user id, or [`NO_SUBJECT`] when anonymous.
    pub id: u32,
    /// The interned ids of the groups the caller belongs to (ignored when anonymous).
    pub groups: &'a [u32],
}

/// Converts an index that came in as a u32 (`u32` fits in `usize` on the 32- and 64-bit
/// targets this crate builds for, so the conversion never fails there).
fn index(i: u32) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

const UNSEEN: u8 = 0;
const WALKING: u8 = 1;
const ENDS: u8 = 2;
const LOOPS: u8 = 3;

/// For each document, [`LOOPS`] when its parent chain loops (at any depth), else [`ENDS`].
fn loops(parent: &[u32]) -> Vec<u8> {
    let mut state = vec![UNSEEN; parent.len()];
    for start in 0..parent.len() {
        let mut cur = start;
        // Each turn marks one unseen document or stops, so this ends within `len` turns.
        let verdict = loop {
            match state.get_mut(cur) {
                Some(s) if *s == UNSEEN => {
                    *s = WALKING;
                    match parent.get(cur) {
                        Some(&p) if p != NO_PARENT => cur = index(p),
                        _ => break ENDS,
                    }
                }
                Some(s) if *s == WALKING => break LOOPS,
                Some(done) => break *done,
                // Parents were checked to be in range; fail closed anyway.
                None => break LOOPS,
            }
        };
        // Walk the same path again (exactly the documents marked WALKING) to record the
        // verdict: no path vector to allocate and grow.
        let mut cur = start;
        while let Some(s) = state.get_mut(cur) {
            if *s != WALKING {
                break;
            }
            *s = verdict;
            cur = parent.get(cur).map_or(usize::MAX, |&p| index(p));
        }
    }
    state
}

/// Whether the caller is the owner `doc_owner` (an anonymous caller owns nothing).
fn owns(caller: Caller<'_>, doc_owner: u32) -> bool {
    caller.id != NO_SUBJECT && doc_owner == caller.id
}

/// Whether a grant of `kind` to `subject` is to the caller: to them, or to one of their groups.
/// An anonymous caller holds no grants, and a grant to [`NO_SUBJECT`] is to nobody.
fn applies(caller: Caller<'_>, subject: u32, kind: u8) -> bool {
    caller.id != NO_SUBJECT
        && subject != NO_SUBJECT
        && if kind == GRANT_DIRECT {
            subject == caller.id
        } else {
            // A linear scan (at most MAX_CALLER_GROUPS): sorting would link a sort routine
            // into the wasm for no gain at these sizes. `subject` is not NO_SUBJECT here, so a
            // NO_SUBJECT among the groups matches nothing.
            caller.groups.contains(&subject)
        }
}

impl Levels {
    /// The standard levels `viewer < commenter < editor < owner`, public visibility giving
    /// `viewer`, sharing allowed from `editor` up (the same as an empty builder).
    ///
    /// ```
    /// use convex_guard::access::{AccessLevelsBuilder, Levels};
    /// assert_eq!(Levels::standard(), AccessLevelsBuilder::default().build()?);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    pub fn standard() -> Levels {
        Levels {
            names: crate::error::owned(&STANDARD_LEVELS),
            public: 1,
            share: 3,
        }
    }

    /// The level names, lowest first: level `i` is `names()[i - 1]`.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The owner's level: the top one.
    pub fn owner(&self) -> u8 {
        // `names.len() <= MAX_LEVELS = 16` (checked at build): fits in a u8.
        self.names.len() as u8
    }

    /// The level public visibility gives.
    pub fn public(&self) -> u8 {
        self.public
    }

    /// The lowest level allowed to share.
    pub fn share(&self) -> u8 {
        self.share
    }

    /// The level named `name`.
    ///
    /// ```
    /// let levels = convex_guard::access::Levels::standard();
    /// assert_eq!(levels.level("viewer")?, 1);
    /// assert_eq!(levels.level("owner")?, 4);
    /// assert!(levels.level("root").is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when no level has that name.
    pub fn level(&self, name: &str) -> Result<u8, Error> {
        match crate::policy::position(&self.names, name.as_bytes()) {
            // `position < MAX_LEVELS = 16`: `+ 1` fits in a u8.
            Some(i) => Ok((i + 1) as u8),
            None => Err(Error::argument(
                &[Msg::UnknownLevel],
                &[truncated(name)],
                &[],
            )),
        }
    }

    /// The level a stored grant's level name gives: [`Levels::level`], or [`STALE`] for a
    /// name no level has (any more). [`Levels::resolve`] reads [`STALE`], and the owner's
    /// level (which no grant carries), as giving nothing.
    ///
    /// ```
    /// use convex_guard::access::{Caller, Documents, Grants, Levels, GRANT_DIRECT, NO_EXPIRY, NO_PARENT, STALE};
    /// let levels = Levels::standard();
    /// assert_eq!((levels.stored("editor"), levels.stored("reviewer")), (3, STALE));
    /// // A grant stored at "owner" (written around the guard) gives nothing, and is no error.
    /// let docs = Documents { owner: &[9], public: &[0], parent: &[NO_PARENT] };
    /// let grants = Grants {
    ///     doc: &[0], subject: &[5], kind: &[GRANT_DIRECT], level: &[levels.stored("owner")],
    ///     expires_at: &[NO_EXPIRY],
    /// };
    /// let out = levels.resolve(0.0, Caller { id: 5, groups: &[] }, docs, grants)?;
    /// assert_eq!(out[0].level, 0);
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    pub fn stored(&self, name: &str) -> u8 {
        self.level(name).unwrap_or(STALE)
    }

    /// The name of `level`, or `None` for [`NONE`] and out-of-range levels.
    pub fn name(&self, level: u8) -> Option<&str> {
        usize::from(level)
            .checked_sub(1)
            .and_then(|i| self.names.get(i))
            .map(String::as_str)
    }

    /// Whether a caller at `caller_level` on a document may grant `granted_level` on it.
    /// The checks, in order: the caller must be at or above the share level
    /// ([`Denial::BelowShareLevel`]); the owner level is never granted, ownership moves only by
    /// transfer ([`Denial::OwnerLevel`]); no one grants above their own level
    /// ([`Denial::AboveOwnLevel`]).
    ///
    /// ```
    /// use convex_guard::access::{Denial, Levels};
    /// let l = Levels::standard();
    /// let (viewer, commenter, editor, owner) = (1, 2, 3, 4);
    /// assert_eq!(l.can_share(editor, viewer)?, Ok(()));
    /// assert_eq!(l.can_share(commenter, viewer)?, Err(Denial::BelowShareLevel));
    /// assert_eq!(l.can_share(owner, owner)?, Err(Denial::OwnerLevel));
    /// assert!(l.can_share(editor, 0).is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error when `caller_level` is above the owner level, or
    /// `granted_level` is not a level (`0` or above the owner level).
    pub fn can_share(
        &self,
        caller_level: u8,
        granted_level: u8,
    ) -> Result<Result<(), Denial>, Error> {
        self.share_verdict(caller_level, granted_level)
            .ok_or_else(|| {
                let (what, level) = if caller_level > self.owner() {
                    (Msg::CallerLevel, caller_level)
                } else {
                    (Msg::GrantedLevel, granted_level)
                };
                Error::argument(&[what], &[], &[u64::from(level)])
            })
    }

    /// [`Levels::can_share`] without building a message: `None` when `caller_level` is above
    /// the owner level or `granted_level` is not a level (the binding reports a code, so the
    /// wasm needs no message for it).
    pub fn share_verdict(&self, caller_level: u8, granted_level: u8) -> Option<Result<(), Denial>> {
        let owner = self.owner();
        if caller_level > owner || granted_level == NONE || granted_level > owner {
            return None;
        }
        Some(if caller_level < self.share {
            Err(Denial::BelowShareLevel)
        } else if granted_level == owner {
            Err(Denial::OwnerLevel)
        } else if granted_level > caller_level {
            Err(Denial::AboveOwnLevel)
        } else {
            Ok(())
        })
    }

    /// Decides a share request and bounds its expiry, in one call: whether the caller may
    /// grant `request.level` (`granted`) on document `request.doc` of the batch (the [`Levels::can_share`] rules, on
    /// the caller's level resolved as [`Levels::resolve`] does), and, when they may, the
    /// expiry the grant gets: `request.expires_at` (`requested`, `None` for none), capped to the moment the
    /// caller's own right to make it ends.
    ///
    /// That right is the caller's access to `doc` at level `max(share level, granted)`, and it
    /// lasts as long as the longest-lived live rule giving them that level: owning the
    /// document or an ancestor, or a grant with no expiry, never ends; a direct or group grant
    /// on the document or an ancestor (at most [`MAX_PARENT_DEPTH`] steps up) ends at its
    /// `expires_at`. Public visibility never counts: the public level is below the share
    /// level. So nobody makes a grant that outlives their own access, whatever the path
    /// (a group they belong to, a grant they replace, a folder above the document).
    ///
    /// Returns `Ok(expires_at)` (never later than `requested`; [`NO_EXPIRY`]: never), or the
    /// [`Denial`].
    ///
    /// ```
    /// use convex_guard::access::{Caller, Documents, Grants, Levels, ShareRequest, GRANT_DIRECT, NO_EXPIRY, NO_PARENT};
    /// let levels = Levels::standard();
    /// let (now, until) = (1_000.0, 5_000.0);
    /// // User 1 holds an editor grant until `until`; group 2 (theirs) holds nothing yet.
    /// let docs = Documents { owner: &[9], public: &[0], parent: &[NO_PARENT] };
    /// let grants = Grants { doc: &[0], subject: &[1], kind: &[GRANT_DIRECT], level: &[3], expires_at: &[until] };
    /// let me = Caller { id: 1, groups: &[2] };
    /// // Sharing editor with no expiry (to anyone, their own group included) is capped.
    /// let editor = ShareRequest { doc: 0, level: 3, expires_at: None };
    /// assert_eq!(levels.share_grant(now, me, docs, grants, editor)?, Ok(until));
    /// let viewer = ShareRequest { doc: 0, level: 1, expires_at: Some(2_000.0) };
    /// assert_eq!(levels.share_grant(now, me, docs, grants, viewer)?, Ok(2_000.0));
    /// // An expiry asked for must be a time: `Infinity` is not "never".
    /// let forever = ShareRequest { doc: 0, level: 1, expires_at: Some(NO_EXPIRY) };
    /// assert!(levels.share_grant(now, me, docs, grants, forever).is_err());
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`Kind::Argument`] error as [`Levels::resolve`] for the batch, when `doc` is not a
    /// document of the batch or `granted` is not a level; and, for a request the caller may
    /// make, when `requested` is not a time (`Infinity` included), or is not later than `now`
    /// (a grant that expires at or before `now` would give nothing; a refused caller learns
    /// nothing more).
    pub fn share_grant(
        &self,
        now: f64,
        caller: Caller<'_>,
        docs: Documents<'_>,
        grants: Grants<'_>,
        request: ShareRequest,
    ) -> Result<Result<f64, Denial>, Error> {
        let ShareRequest {
            doc,
            level: granted,
            expires_at: asked,
        } = request;
        // No expiry asked for: never, capped below like any other.
        let requested = asked.unwrap_or(NO_EXPIRY);
        let need = granted.max(self.share);
        let (access, until) = self.pass(now, caller, docs, grants, need)?;
        let (own, until) = match (access.get(index(doc)), until.get(index(doc))) {
            (Some(a), Some(&u)) => (a.level, u),
            _ => return Err(Error::argument(&[Msg::DocNotInBatch], &[], &[])),
        };
        match self.share_verdict(own, granted) {
            None => Err(Error::argument(&[Msg::GrantedNotALevel], &[], &[])),
            Some(Err(denial)) => Ok(Err(denial)),
            // An expiry asked for must be a time: `Infinity` is none, as NaN is, and never
            // a permanent grant.
            Some(Ok(())) if asked.is_some_and(|t| !is_time(t)) => {
                Err(time::error(Msg::ExpiresAt, MAX_TIME_MS))
            }
            // A grant dead on arrival is a mistake, not a share: refused, never stored.
            Some(Ok(())) if requested <= now => {
                Err(Error::argument(&[Msg::ExpiresAtPast], &[], &[]))
            }
            // Allowed: the caller holds `need` through at least one live rule, so `until` is
            // a time after `now` or never.
            Some(Ok(())) => Ok(Ok(requested.min(until))),
        }
    }

    /// Resolves the caller's access to every document of a batch, in one call (see the
    /// [module documentation](self) for the rules). The result has one [`Access`] per document,
    /// ancestors included. Pure: `now` (ms since the epoch) is the only notion of time.
    ///
    /// # Errors
    /// A [`Kind::Argument`] error, for the whole batch, when `now` is NaN, negative or above
    /// [`MAX_TIME_MS`]; when
    /// parallel arrays differ in length; when a batch exceeds [`MAX_BATCH_DOCUMENTS`],
    /// [`MAX_BATCH_GRANTS`] or [`MAX_CALLER_GROUPS`]; when a `public` flag is not 0 or 1; when a
    /// parent or a grant's document is not an index of the batch; when a grant's kind is
    /// unknown; or when a grant's level is [`NONE`] or above the owner level, but for
    /// [`STALE`]. A grant at [`STALE`] (a level no longer configured) or at the owner level
    /// (which only ownership gives), or whose `expires_at` is neither a time (0 to
    /// [`MAX_TIME_MS`]) nor [`NO_EXPIRY`], is checked like any row and gives nothing.
    pub fn resolve(
        &self,
        now: f64,
        caller: Caller<'_>,
        docs: Documents<'_>,
        grants: Grants<'_>,
    ) -> Result<Vec<Access>, Error> {
        Ok(self.pass(now, caller, docs, grants, NONE)?.0)
    }

    /// The one resolution pass: [`Levels::resolve`]'s answers, and for each document the
    /// moment the caller's access at `need` or above ends, over the rules [`Levels::share_grant`]
    /// counts (`-Infinity`: no such rule; meaningless for a document in a cycle, which gives
    /// no level at all).
    pub(crate) fn pass(
        &self,
        now: f64,
        caller: Caller<'_>,
        docs: Documents<'_>,
        grants: Grants<'_>,
        need: u8,
    ) -> Result<(Vec<Access>, Vec<f64>), Error> {
        self.check_batch(now, caller, docs, grants)?;
        let n = docs.owner.len();

        // Owner, direct and group access on each document itself; rows checked on the way.
        let mut own = vec![Access::DENIED; n];
        let mut own_until = vec![f64::NEG_INFINITY; n];
        self.fill_own(now, caller, docs, grants, need, &mut own, &mut own_until)?;

        // Inheritance, public visibility and cycles.
        let looping = loops(docs.parent);
        let mut out = Vec::with_capacity(n);
        let mut until = Vec::with_capacity(n);
        for (i, (&public, &first_parent)) in docs.public.iter().zip(docs.parent).enumerate() {
            if looping.get(i) != Some(&ENDS) {
                out.push(Access {
                    level: NONE,
                    source: Source::Cycle,
                    via: None,
                });
                until.push(f64::NEG_INFINITY);
                continue;
            }
            let mut best = own.get(i).copied().unwrap_or(Access::DENIED);
            let mut last = own_until.get(i).copied().unwrap_or(f64::NEG_INFINITY);
            let mut cur = first_parent;
            for _ in 0..MAX_PARENT_DEPTH {
                if cur == NO_PARENT {
                    break;
                }
                last = last.max(
                    own_until
                        .get(index(cur))
                        .copied()
                        .unwrap_or(f64::NEG_INFINITY),
                );
                let ancestor = own.get(index(cur)).copied().unwrap_or(Access::DENIED);
                let candidate = Access {
                    level: ancestor.level,
                    source: Source::Inherited,
                    via: Some(cur),
                };
                // Strictly better only, so the nearest ancestor wins a tie.
                if candidate.level != NONE && candidate.beats(&best) {
                    best = candidate;
                }
                cur = docs.parent.get(index(cur)).copied().unwrap_or(NO_PARENT);
            }
            if public == PUBLIC {
                // `i < n <= MAX_BATCH_DOCUMENTS`: fits in a u32.
                let candidate = Access {
                    level: self.public,
                    source: Source::Public,
                    via: Some(i as u32),
                };
                if candidate.beats(&best) {
                    best = candidate;
                }
            }
            out.push(best);
            until.push(last);
        }
        Ok((out, until))
    }

    /// Checks every row of a batch and records, in `own`, the caller's owner, direct and
    /// group access on each document itself (one pass over the rows, one error exit).
    #[allow(clippy::too_many_arguments)]
    fn fill_own(
        &self,
        now: f64,
        caller: Caller<'_>,
        docs: Documents<'_>,
        grants: Grants<'_>,
        need: u8,
        own: &mut [Access],
        until: &mut [f64],
    ) -> Result<(), Error> {
        let n = own.len();
        let owner = self.owner();
        let doc_rows = own
            .iter_mut()
            .zip(until.iter_mut())
            .zip(docs.owner)
            .zip(docs.public)
            .zip(docs.parent);
        for (i, ((((slot, last), &doc_owner), &public), &parent)) in doc_rows.enumerate() {
            if public > PUBLIC {
                return Err(Error::argument(&[Msg::DocumentPublic], &[], &[i as u64]));
            }
            if parent != NO_PARENT && index(parent) >= n {
                let nums = [i as u64, u64::from(parent)];
                return Err(Error::argument(&[Msg::DocumentParent], &[], &nums));
            }
            if owns(caller, doc_owner) {
                // `i < n <= MAX_BATCH_DOCUMENTS`: fits in a u32.
                *slot = Access {
                    level: owner,
                    source: Source::Owner,
                    via: Some(i as u32),
                };
                *last = NO_EXPIRY;
            }
        }
        let grant_rows = grants
            .doc
            .iter()
            .zip(grants.subject)
            .zip(grants.kind)
            .zip(grants.level)
            .zip(grants.expires_at);
        for (j, ((((&doc, &subject), &kind), &level), &expires_at)) in grant_rows.enumerate() {
            let problem = if index(doc) >= n {
                Some(Msg::GrantDoc)
            } else if kind != GRANT_DIRECT && kind != GRANT_GROUP {
                Some(Msg::GrantKind)
            } else if level == NONE || (level > owner && level != STALE) {
                Some(Msg::GrantLevel)
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(Error::argument(&[problem], &[], &[j as u64]));
            }
            let direct = kind == GRANT_DIRECT;
            // A stale or owner level gives nothing (checked like any row, counted for no one):
            // only ownership gives the owner level. Nor does an expiry that is no time (NaN,
            // negative, beyond MAX_TIME_MS: a row written around the guard): one bad row never
            // refuses its grantees' reads, and `1e300` is not "never" (only NO_EXPIRY is).
            let expiry = expires_at == NO_EXPIRY || is_time(expires_at);
            if level < owner && expiry && now < expires_at && applies(caller, subject, kind) {
                let candidate = Access {
                    level,
                    source: if direct {
                        Source::Direct
                    } else {
                        Source::Group
                    },
                    via: Some(doc),
                };
                if let Some(slot) = own.get_mut(index(doc)) {
                    if candidate.beats(slot) {
                        *slot = candidate;
                    }
                }
                if let Some(last) = until.get_mut(index(doc)).filter(|_| level >= need) {
                    *last = last.max(expires_at);
                }
            }
        }
        Ok(())
    }

    /// The batch-wide checks of [`Levels::resolve`] (times, lengths, sizes), before anything
    /// is allocated; [`Levels::fill_own`] checks the rows. The whole batch is refused on the
    /// first problem, never half-answered.
    fn check_batch(
        &self,
        now: f64,
        caller: Caller<'_>,
        docs: Documents<'_>,
        grants: Grants<'_>,
    ) -> Result<(), Error> {
        time::check(Msg::Now, now)?;
        let n = docs.owner.len();
        if docs.public.len() != n || docs.parent.len() != n {
            return Err(Error::argument(&[Msg::DocumentLengths], &[], &[]));
        }
        let m = grants.doc.len();
        if grants.subject.len() != m
            || grants.kind.len() != m
            || grants.level.len() != m
            || grants.expires_at.len() != m
        {
            return Err(Error::argument(&[Msg::GrantLengths], &[], &[]));
        }
        let bounds = [
            (n, MAX_BATCH_DOCUMENTS, Msg::TooManyDocuments),
            (m, MAX_BATCH_GRANTS, Msg::TooManyBatchGrants),
            (caller.groups.len(), MAX_CALLER_GROUPS, Msg::TooManyGroups),
        ];
        for (len, max, what) in bounds {
            if len > max {
                return Err(Error::argument(&[what], &[], &[max as u64]));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const NOW: f64 = 1_700_000_000_000.0;

    /// One batch, written row by row.
    #[derive(Default)]
    struct Batch {
        owner: Vec<u32>,
        public: Vec<u8>,
        parent: Vec<u32>,
        g_doc: Vec<u32>,
        g_subject: Vec<u32>,
        g_kind: Vec<u8>,
        g_level: Vec<u8>,
        g_expires: Vec<f64>,
    }

    impl Batch {
        fn doc(&mut self, owner: u32, public: bool, parent: u32) -> u32 {
            self.owner.push(owner);
            self.public.push(u8::from(public));
            self.parent.push(parent);
            (self.owner.len() - 1) as u32
        }
        fn grant(&mut self, doc: u32, subject: u32, kind: u8, level: u8, expires: f64) {
            self.g_doc.push(doc);
            self.g_subject.push(subject);
            self.g_kind.push(kind);
            self.g_level.push(level);
            self.g_expires.push(expires);
        }
        fn docs(&self) -> Documents<'_> {
            Documents {
                owner: &self.owner,
                public: &self.public,
                parent: &self.parent,
            }
        }
        fn grants(&self) -> Grants<'_> {
            Grants {
                doc: &self.g_doc,
                subject: &self.g_subject,
                kind: &self.g_kind,
                level: &self.g_level,
                expires_at: &self.g_expires,
            }
        }
        fn run(&self, caller: u32, groups: &[u32]) -> Result<Vec<Access>, Error> {
            let caller = Caller { id: caller, groups };
            Levels::standard().resolve(NOW, caller, self.docs(), self.grants())
        }
        fn share(
            &self,
            caller: u32,
            groups: &[u32],
            doc: u32,
            level: u8,
            expires: f64,
        ) -> Result<f64, Denial> {
            let caller = Caller { id: caller, groups };
            let req = ShareRequest {
                doc,
                level,
                // The helper's NO_EXPIRY asks for none; any other number is asked for.
                expires_at: (expires != NO_EXPIRY).then_some(expires),
            };
            Levels::standard()
                .share_grant(NOW, caller, self.docs(), self.grants(), req)
                .unwrap()
        }
    }

    const ME: u32 = 1;
    const OTHER: u32 = 2;
    const TEAM: u32 = 10;

    #[test]
    fn owner_wins_and_transfer_needs_ownership() {
        let mut b = Batch::default();
        let d = b.doc(ME, true, NO_PARENT);
        b.grant(d, ME, GRANT_DIRECT, 3, NO_EXPIRY);
        let a = b.run(ME, &[]).unwrap()[0];
        assert_eq!((a.level, a.source, a.via), (4, Source::Owner, Some(0)));
        assert_eq!(can_transfer(a.source), Ok(()));
        let a = b.run(OTHER, &[]).unwrap()[0];
        assert_eq!((a.level, a.source), (1, Source::Public));
        assert_eq!(can_transfer(a.source), Err(Denial::NotOwner));
    }

    #[test]
    fn ties_prefer_the_most_specific_rule() {
        let mut b = Batch::default();
        let folder = b.doc(OTHER, false, NO_PARENT);
        let d = b.doc(OTHER, true, folder);
        b.grant(folder, ME, GRANT_DIRECT, 1, NO_EXPIRY);
        assert_eq!(b.run(ME, &[TEAM]).unwrap()[1].source, Source::Inherited);
        b.grant(d, TEAM, GRANT_GROUP, 1, NO_EXPIRY);
        assert_eq!(b.run(ME, &[TEAM]).unwrap()[1].source, Source::Group);
        b.grant(d, ME, GRANT_DIRECT, 1, NO_EXPIRY);
        assert_eq!(b.run(ME, &[TEAM]).unwrap()[1].source, Source::Direct);
        assert_eq!(b.run(OTHER + 5, &[]).unwrap()[1].source, Source::Public);
    }

    #[test]
    fn expiry_boundary_is_exclusive() {
        let mut b = Batch::default();
        let d = b.doc(OTHER, false, NO_PARENT);
        b.grant(d, ME, GRANT_DIRECT, 2, NOW);
        assert_eq!(b.run(ME, &[]).unwrap()[0], Access::DENIED);
        b.g_expires[0] = NOW + 1.0;
        assert_eq!(b.run(ME, &[]).unwrap()[0].level, 2);
    }

    #[test]
    fn cycles_deny_the_whole_chain_even_to_the_owner() {
        let mut b = Batch::default();
        let a = b.doc(ME, false, 1);
        let _ = b.doc(ME, false, a);
        let c = b.doc(ME, false, 1); // leads into the cycle
        let d = b.doc(ME, false, NO_PARENT);
        let _self_loop = b.doc(ME, false, 4);
        let _ = (c, d);
        let out = b.run(ME, &[]).unwrap();
        let sources: Vec<Source> = out.iter().map(|a| a.source).collect();
        assert_eq!(
            sources,
            [
                Source::Cycle,
                Source::Cycle,
                Source::Cycle,
                Source::Owner,
                Source::Cycle
            ]
        );
        assert!(out
            .iter()
            .filter(|a| a.source == Source::Cycle)
            .all(|a| a.level == 0));
    }

    /// The batch `moveDocument` (js/access-documents.ts) asks about: the document first, its
    /// parent set to the destination, then the destination and its ancestors, as many as a
    /// read gathers. The document is in a cycle exactly when it is among them, at any of
    /// those depths (the whole batch is walked, not only `MAX_PARENT_DEPTH` steps).
    #[test]
    fn a_move_batch_is_a_cycle_exactly_when_the_destination_is_at_or_below_the_document() {
        for depth in 0..=MAX_PARENT_DEPTH {
            for own_ancestor in [true, false] {
                let mut b = Batch::default();
                let moved = b.doc(ME, false, 1);
                // The destination (index 1) and `depth` ancestors above it, each the next's parent.
                for i in 0..=depth {
                    let above = i as u32 + 2;
                    let top = i == depth;
                    let parent = match (top, own_ancestor) {
                        (true, true) => moved,
                        (true, false) => NO_PARENT,
                        (false, _) => above,
                    };
                    b.doc(OTHER, false, parent);
                }
                let out = b.run(ME, &[]).unwrap();
                let expected = if own_ancestor {
                    Source::Cycle
                } else {
                    Source::Owner
                };
                assert_eq!(out[0].source, expected, "depth {depth}");
            }
        }
        // Into itself.
        let mut b = Batch::default();
        b.doc(ME, false, 0);
        assert_eq!(b.run(ME, &[]).unwrap()[0].source, Source::Cycle);
    }

    #[test]
    fn inheritance_reaches_max_parent_depth_and_no_further() {
        let mut b = Batch::default();
        let mut prev = NO_PARENT;
        for _ in 0..MAX_PARENT_DEPTH + 2 {
            prev = b.doc(OTHER, false, prev);
        }
        // Document 0 is one step beyond the bound above the last one; document 1 at the bound.
        let leaf = prev as usize;
        b.grant(0, ME, GRANT_DIRECT, 1, NO_EXPIRY);
        b.grant(1, ME, GRANT_DIRECT, 2, NO_EXPIRY);
        let out = b.run(ME, &[]).unwrap();
        assert_eq!((out[leaf].level, out[leaf].via), (2, Some(1)));
        b.g_level[0] = 3;
        let out = b.run(ME, &[]).unwrap();
        assert_eq!(
            out[leaf].level, 2,
            "grants further up than the bound give nothing"
        );
        assert_eq!(out[leaf - 1].level, 3);
    }

    fn levels(names: &[&str]) -> Result<Levels, Error> {
        let mut b = AccessLevelsBuilder::default();
        for n in names {
            b.level(n)?;
        }
        b.build()
    }

    #[test]
    fn levels_written_highest_first_are_refused() {
        // attack46: "owner" first made it the public level, given to every visitor.
        let e = levels(&["owner", "editor", "viewer"]).unwrap_err();
        assert_eq!(e.code(), "INVALID_CONFIG");
        assert!(
            e.message().starts_with(
                "access level 'owner' must be the last: levels are listed lowest first"
            ),
            "{}",
            e.message()
        );
        assert!(levels(&["viewer", "owner", "editor"]).is_err());
        assert!(levels(&["viewer", "owner", "editor", "admin"]).is_err());
        // No "owner" at all, a top name before a bottom one.
        let e = levels(&["editor", "viewer", "admin"]).unwrap_err();
        assert_eq!(
            e.message(),
            "access level 'editor' is listed before 'viewer', but the list is lowest first (the last is the highest): reverse it"
        );
        assert!(levels(&["writer", "reader", "boss"]).is_err());
        // attack49 F1: the public level would be "admin", held by every visitor.
        assert!(levels(&["admin", "write", "read"]).is_err());
        // Lowest first, or names that are not well known: accepted, "owner" last.
        for names in [
            &["viewer", "commenter", "editor", "owner"][..],
            &["reader", "writer", "admin", "owner"],
            &["read", "write", "own"],
            &["viewer", "editor", "admin"],
            &["b", "a", "owner"],
            &["owners", "x"],
        ] {
            assert!(levels(names).is_ok(), "{names:?}");
        }
    }

    #[test]
    fn parent_public_visibility_is_not_inherited_but_ownership_is() {
        let mut b = Batch::default();
        let folder = b.doc(ME, true, NO_PARENT);
        let _ = b.doc(OTHER, false, folder);
        let out = b.run(ME, &[]).unwrap();
        assert_eq!((out[1].level, out[1].source), (4, Source::Inherited));
        assert_eq!(can_transfer(out[1].source), Err(Denial::NotOwner));
        assert_eq!(b.run(99, &[]).unwrap()[1], Access::DENIED);
    }

    #[test]
    fn nobody_matches_no_subject() {
        let mut b = Batch::default();
        let d = b.doc(NO_SUBJECT, false, NO_PARENT);
        b.grant(d, NO_SUBJECT, GRANT_DIRECT, 3, NO_EXPIRY);
        b.grant(d, NO_SUBJECT, GRANT_GROUP, 3, NO_EXPIRY);
        b.grant(d, TEAM, GRANT_GROUP, 3, NO_EXPIRY);
        assert_eq!(
            b.run(NO_SUBJECT, &[NO_SUBJECT, TEAM]).unwrap()[0],
            Access::DENIED
        );
        assert_eq!(b.run(ME, &[NO_SUBJECT]).unwrap()[0], Access::DENIED);
        // A group grant does not match a user id, nor a direct grant a group id.
        let mut b = Batch::default();
        let d = b.doc(OTHER, false, NO_PARENT);
        b.grant(d, ME, GRANT_GROUP, 3, NO_EXPIRY);
        b.grant(d, TEAM, GRANT_DIRECT, 3, NO_EXPIRY);
        assert_eq!(b.run(ME, &[TEAM]).unwrap()[0], Access::DENIED);
    }

    #[test]
    fn malformed_batches_are_argument_errors() {
        let base = || {
            let mut b = Batch::default();
            let d = b.doc(OTHER, false, NO_PARENT);
            b.grant(d, ME, GRANT_DIRECT, 1, NO_EXPIRY);
            b
        };
        assert!(base().run(ME, &[]).is_ok());
        // An expiry that is no time gives nothing (a stored row's), and refuses nothing.
        for expires in [f64::NAN, -1.0, f64::NEG_INFINITY, 1e300, MAX_TIME_MS + 1.0] {
            let mut b = base();
            b.g_expires[0] = expires;
            let out = b.run(ME, &[]).unwrap();
            assert_eq!(out[0].level, NONE, "{expires}");
        }
        let bad: [fn(&mut Batch); 11] = [
            |b| b.g_level[0] = 0,
            |b| b.g_level[0] = 5,
            |b| b.g_level[0] = 200,
            |b| b.g_kind[0] = 0,
            |b| b.g_kind[0] = 5,
            |b| b.g_doc[0] = 1,
            |b| b.g_doc[0] = NO_PARENT,
            |b| b.public[0] = 2,
            |b| b.parent[0] = 1,
            |b| {
                b.g_subject.pop();
            },
            |b| {
                b.parent.pop();
            },
        ];
        for (k, f) in bad.iter().enumerate() {
            let mut b = base();
            f(&mut b);
            let e = b.run(ME, &[]).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "case {k}");
        }
        let b = base();
        for now in [f64::NAN, -1.0, f64::INFINITY, MAX_TIME_MS * 2.0] {
            let e = Levels::standard()
                .resolve(
                    now,
                    Caller {
                        id: ME,
                        groups: &[],
                    },
                    Documents {
                        owner: &b.owner,
                        public: &b.public,
                        parent: &b.parent,
                    },
                    Grants::default(),
                )
                .unwrap_err();
            assert_eq!(
                e.message(),
                "now must be a finite number of milliseconds from 0 to 8640000000000000"
            );
        }
        assert_eq!(
            {
                let mut b = base();
                b.g_level[0] = 5;
                b.run(ME, &[]).unwrap_err().message().to_owned()
            },
            "grant 0: level must be an access level"
        );
    }

    /// An attacker's review: one grant row stored at the owner level (written around the
    /// guard, or left there by a change of levels) refused the whole batch, so every read of
    /// the grantee's that touched the document failed: it gives nothing now, like a stale one.
    #[test]
    fn an_owner_level_grant_gives_nothing_and_refuses_nothing() {
        let owner = Levels::standard().owner();
        let mut b = Batch::default();
        let doc = b.doc(OTHER, false, NO_PARENT);
        let folder = b.doc(OTHER, false, NO_PARENT);
        let inside = b.doc(OTHER, false, folder);
        b.grant(doc, ME, GRANT_DIRECT, owner, NO_EXPIRY);
        b.grant(folder, ME, GRANT_DIRECT, 2, NO_EXPIRY);
        b.grant(inside, TEAM, GRANT_GROUP, owner, NO_EXPIRY);
        let out = b.run(ME, &[TEAM]).unwrap();
        assert_eq!(out[0], Access::DENIED);
        // Every other path still gives its level: the folder above reaches the document inside.
        assert_eq!(
            (out[2].level, out[2].source, out[2].via),
            (2, Source::Inherited, Some(folder))
        );
        // Nor does it count towards what a share may give, or for how long.
        assert_eq!(
            b.share(ME, &[TEAM], doc, 1, NO_EXPIRY),
            Err(Denial::BelowShareLevel)
        );
    }

    #[test]
    fn batch_bounds_are_enforced() {
        let mut b = Batch::default();
        for _ in 0..MAX_BATCH_DOCUMENTS {
            b.doc(OTHER, false, NO_PARENT);
        }
        assert_eq!(b.run(ME, &[]).unwrap().len(), MAX_BATCH_DOCUMENTS);
        b.doc(OTHER, false, NO_PARENT);
        assert!(b.run(ME, &[]).is_err());
        let groups = vec![TEAM; MAX_CALLER_GROUPS + 1];
        let b = Batch::default();
        assert!(b.run(ME, &groups[..MAX_CALLER_GROUPS]).is_ok());
        assert!(b.run(ME, &groups).is_err());
        let mut b = Batch::default();
        b.doc(OTHER, false, NO_PARENT);
        for _ in 0..MAX_BATCH_GRANTS {
            b.grant(0, ME, GRANT_DIRECT, 1, NO_EXPIRY);
        }
        assert!(b.run(ME, &[]).is_ok());
        b.grant(0, ME, GRANT_DIRECT, 1, NO_EXPIRY);
        assert!(b.run(ME, &[]).is_err());
    }

    #[test]
    fn long_cycles_are_found_beyond_the_depth_bound() {
        let mut b = Batch::default();
        let len = 3 * MAX_PARENT_DEPTH as u32;
        for i in 0..len {
            b.doc(ME, false, (i + 1) % len);
        }
        assert!(b
            .run(ME, &[])
            .unwrap()
            .iter()
            .all(|a| a.source == Source::Cycle));
    }

    #[test]
    fn level_configuration() {
        let l = Levels::standard();
        assert_eq!((l.public(), l.share(), l.owner()), (1, 3, 4));
        assert_eq!(l.name(0), None);
        assert_eq!(l.name(4), Some("owner"));
        assert_eq!(l.name(5), None);
        let build = |names: &[&str], public: Option<&str>, share: Option<&str>| {
            let mut b = AccessLevelsBuilder::default();
            for n in names {
                b.level(n)?;
            }
            if let Some(p) = public {
                b.public_level(p);
            }
            if let Some(s) = share {
                b.share_level(s);
            }
            b.build()
        };
        let two = build(&["reader", "owner"], None, None).unwrap();
        assert_eq!(
            (two.public(), two.share()),
            (1, 2),
            "default share above public"
        );
        let e = build(&["owner"], None, None).unwrap_err();
        assert_eq!(e.code(), "INVALID_CONFIG");
        let e = build(&["a", "b", "c"], Some("b"), Some("b")).unwrap_err();
        assert_eq!(
            e.message(),
            "public level 'b' must be below the share level 'b', or strangers could share public documents"
        );
        let e = build(&["a", "b"], Some("zz"), None).unwrap_err();
        assert_eq!(
            e.message(),
            "public level 'zz' is not a declared access level"
        );
        let e = build(&["a", "a"], None, None).unwrap_err();
        assert_eq!(e.message(), "duplicate access level 'a'");
        assert!(build(&["a b", "c"], None, None).is_err());
        assert!(build(&["", "c"], None, None).is_err());
        let long = "x".repeat(MAX_LEVEL_NAME_LEN + 1);
        assert!(build(&[&long, "c"], None, None).is_err());
        let many: Vec<String> = (0..=MAX_LEVELS)
            .map(|i| crate::error::int(i as u64))
            .collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(build(&refs[..MAX_LEVELS], None, None).is_ok());
        assert!(build(&refs, None, None).is_err());
        let custom = build(&[], Some("commenter"), None).unwrap();
        assert_eq!((custom.public(), custom.share()), (2, 3));
        let high = build(&[], Some("editor"), None).unwrap();
        assert_eq!(
            high.share(),
            4,
            "only owners share when the public level is editor"
        );
        assert_eq!(
            l.level(&"é".repeat(40)).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn sharing_rules() {
        let l = Levels::standard();
        assert_eq!(l.can_share(0, 1).unwrap(), Err(Denial::BelowShareLevel));
        assert_eq!(l.can_share(2, 1).unwrap(), Err(Denial::BelowShareLevel));
        assert_eq!(l.can_share(3, 3).unwrap(), Ok(()));
        assert_eq!(l.can_share(3, 4).unwrap(), Err(Denial::OwnerLevel));
        assert_eq!(l.can_share(4, 3).unwrap(), Ok(()));
        let mut b = AccessLevelsBuilder::default();
        b.share_level("commenter");
        let low = b.build().unwrap();
        assert_eq!(low.can_share(2, 3).unwrap(), Err(Denial::AboveOwnLevel));
        assert!(l.can_share(5, 1).is_err());
        assert!(l.can_share(4, 5).is_err());
        assert!(l.can_share(4, 0).is_err());
    }

    #[test]
    fn shared_grants_never_outlive_the_sharers_access() {
        let later = NOW + 1000.0;
        let mut b = Batch::default();
        let folder = b.doc(OTHER, false, NO_PARENT);
        let d = b.doc(OTHER, true, folder);
        // Owners (of the document or a folder above it) share for as long as they like.
        assert_eq!(b.share(OTHER, &[], d, 3, NO_EXPIRY), Ok(NO_EXPIRY));
        b.owner[folder as usize] = ME;
        assert_eq!(b.share(ME, &[], d, 3, NO_EXPIRY), Ok(NO_EXPIRY));
        b.owner[folder as usize] = OTHER;
        // Public visibility never lets anyone share.
        assert_eq!(
            b.share(ME, &[], d, 1, NO_EXPIRY),
            Err(Denial::BelowShareLevel)
        );
        // An expiring editor grant on the folder, through a group: capped to it.
        b.grant(folder, TEAM, GRANT_GROUP, 3, later);
        assert_eq!(b.share(ME, &[TEAM], d, 3, NO_EXPIRY), Ok(later));
        assert_eq!(b.share(ME, &[TEAM], d, 1, NOW + 5.0), Ok(NOW + 5.0));
        assert_eq!(b.share(ME, &[TEAM], folder, 1, later + 1.0), Ok(later));
        // A permanent viewer grant does not extend the right to share (it needs editor).
        b.grant(d, ME, GRANT_DIRECT, 1, NO_EXPIRY);
        assert_eq!(b.share(ME, &[TEAM], d, 1, NO_EXPIRY), Ok(later));
        // The longest-lived rule at the needed level counts; an expired one never does.
        b.grant(d, ME, GRANT_DIRECT, 3, later + 50.0);
        b.grant(d, ME, GRANT_DIRECT, 3, NOW);
        assert_eq!(b.share(ME, &[TEAM], d, 2, NO_EXPIRY), Ok(later + 50.0));
        // A permanent editor grant: no cap.
        b.grant(folder, ME, GRANT_DIRECT, 3, NO_EXPIRY);
        assert_eq!(b.share(ME, &[TEAM], d, 3, NO_EXPIRY), Ok(NO_EXPIRY));
        // Refusals come first, whatever the requested expiry.
        assert_eq!(
            b.share(99, &[], d, 1, f64::NAN),
            Err(Denial::BelowShareLevel)
        );
        assert_eq!(b.share(ME, &[], d, 4, f64::NAN), Err(Denial::OwnerLevel));
    }

    #[test]
    fn share_requests_are_checked() {
        let mut b = Batch::default();
        let d = b.doc(ME, false, NO_PARENT);
        b.grant(d, OTHER, GRANT_DIRECT, 1, NO_EXPIRY);
        let run = |doc, level, expires_at| {
            let caller = Caller {
                id: ME,
                groups: &[],
            };
            let req = ShareRequest {
                doc,
                level,
                expires_at,
            };
            Levels::standard().share_grant(NOW, caller, b.docs(), b.grants(), req)
        };
        assert_eq!(run(d, 3, Some(NOW + 1.0)).unwrap(), Ok(NOW + 1.0));
        assert_eq!(run(d, 3, None).unwrap(), Ok(NO_EXPIRY));
        // A grant that expires at or before now would be dead on arrival: refused.
        for past in [NOW, NOW - 1.0, 0.0] {
            assert_eq!(
                run(d, 3, Some(past)).unwrap_err().message(),
                "expiresAt must be later than now: a grant or invitation that expires at or before now gives nothing"
            );
        }
        for (doc, level, expires) in [
            (1, 3, None),
            (NO_PARENT, 3, None),
            (d, 0, None),
            (d, 5, None),
            (d, 3, Some(f64::NAN)),
            (d, 3, Some(-1.0)),
            (d, 3, Some(f64::NEG_INFINITY)),
            (d, 3, Some(MAX_TIME_MS * 2.0)),
        ] {
            assert_eq!(
                run(doc, level, expires).unwrap_err().code(),
                "INVALID_ARGUMENT"
            );
        }
    }

    /// An attacker's review: `expiresAt: Infinity` asked for was stored as a permanent grant,
    /// while NaN and -Infinity were refused as "not a finite number".
    #[test]
    fn an_infinite_expiry_asked_for_is_refused_like_nan() {
        let mut b = Batch::default();
        let d = b.doc(ME, false, NO_PARENT);
        let caller = Caller {
            id: ME,
            groups: &[],
        };
        let ask = |expires_at| {
            let req = ShareRequest {
                doc: d,
                level: 3,
                expires_at,
            };
            Levels::standard().share_grant(NOW, caller, b.docs(), b.grants(), req)
        };
        let nan = ask(Some(f64::NAN)).unwrap_err();
        assert_eq!(
            nan.message(),
            "expiresAt must be a finite number of milliseconds from 0 to 8640000000000000"
        );
        assert_eq!(ask(Some(f64::INFINITY)).unwrap_err(), nan);
        // Asking for none is what gives a grant that never expires.
        assert_eq!(ask(None).unwrap(), Ok(NO_EXPIRY));
    }

    #[test]
    fn group_names_refuse_hidden_and_reordering_characters() {
        for c in [
            '\0',
            '\n',
            '\u{7f}',
            '\u{85}',
            '\u{ad}',
            '\u{61c}',
            '\u{200b}',
            '\u{200e}',
            '\u{200f}',
            '\u{2028}',
            '\u{202e}',
            '\u{2060}',
            '\u{2066}',
            '\u{2069}',
            '\u{206f}',
            '\u{3164}',
            '\u{fe00}',
            '\u{feff}',
            '\u{fffb}',
            '\u{1d173}',
            '\u{e0001}',
            '\u{e0067}',
            '\u{e007f}',
            '\u{e0100}',
        ] {
            assert!(!group_name_char_allowed(c), "{c:?} allowed");
        }
        // Kept: text needs them (joiners, emoji presentation). A flag's tags: see below.
        for c in [
            'a',
            ' ',
            '~',
            '\u{a0}',
            '\u{e9}',
            '\u{200c}',
            '\u{200d}',
            '\u{202f}',
            '\u{fe0f}',
            '\u{1f468}',
            '\u{1f3f4}',
        ] {
            assert!(group_name_char_allowed(c), "{c:?} refused");
        }
        // Ranges sorted and disjoint: the rendered character class reads as written, and
        // `in_ranges` may search them.
        for w in GROUP_NAME_FORBIDDEN.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0);
        }
    }

    /// `FLAG_BASE`, the tags spelling `code`, then `CANCEL_TAG`.
    fn flag(code: &str) -> String {
        let tags = code
            .bytes()
            .map(|b| char::from_u32(TAG_OFFSET + u32::from(b)).unwrap());
        core::iter::once(FLAG_BASE)
            .chain(tags)
            .chain([CANCEL_TAG])
            .collect()
    }

    #[test]
    fn subdivision_flags_are_the_only_place_for_tags() {
        // CLDR's shape: 2 letters or 3 digits, then 1 to 4 letters or digits.
        for code in [
            "gbsct", "gbeng", "gbwls", "usca", "fr75", "ab1", "abcdef", "123a", "1234567",
        ] {
            let f = flag(code);
            assert_eq!(subdivision_flag_len(&f), Some(f.len()), "{code}");
            assert_eq!(
                subdivision_flag_len(&format!("{f}x")),
                Some(f.len()),
                "{code}"
            );
            assert_eq!(group_name_refusal(&format!("Rugby {f}")), None, "{code}");
        }
        for code in [
            "", "g", "gb", "gbabcde", "12a", "12", "1234abcd", "GBSCT", "gb sct", "gb-sc",
        ] {
            assert_eq!(subdivision_flag_len(&flag(code)), None, "{code}");
            let refused = group_name_refusal(&format!("Rugby {}", flag(code)));
            assert_eq!(refused, Some(GroupNameRefusal::Characters), "{code}");
        }
        let f = flag("gbsct");
        // Cut short, or not after the flag: hidden text.
        assert_eq!(subdivision_flag_len(&f[..f.len() - 4]), None);
        assert_eq!(subdivision_flag_len(&f[4..]), None);
        assert_eq!(group_name_refusal(&f[4..]), Some(GroupNameRefusal::Blank));
        assert_eq!(
            group_name_refusal(&format!("a{}", &f[4..])),
            Some(GroupNameRefusal::Characters)
        );
        // Tags after a valid flag, or a second cancel tag, are refused.
        let extra = format!("{f}\u{E0041}");
        assert_eq!(
            group_name_refusal(&extra),
            Some(GroupNameRefusal::Characters)
        );
        assert_eq!(
            group_name_refusal(&format!("{f}{CANCEL_TAG}")),
            Some(GroupNameRefusal::Characters)
        );
        // Two flags in a row, and the flag alone (it shows: the black flag).
        assert_eq!(group_name_refusal(&format!("{f}{}", flag("gbwls"))), None);
        assert_eq!(group_name_refusal(&f), None);
        assert_eq!(group_name_refusal("\u{1F3F4}"), None);
    }

    #[test]
    fn codes_and_names_round_trip() {
        for s in SOURCES {
            assert_eq!(Source::from_code(s.code()), Some(s));
            assert_eq!(Source::from_name(s.name()), Some(s));
        }
        assert_eq!(Source::from_code(7), None);
        assert_eq!(Source::from_name("admin"), None);
        assert_eq!(Source::Direct.code(), GRANT_DIRECT);
        assert_eq!(Source::Group.code(), GRANT_GROUP);
    }
}
