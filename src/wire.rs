//! The wire between the TypeScript layer and the engine, with one author: this module.
//!
//! Everything that crosses the boundary as a number or a fixed name (buffer layouts and record
//! offsets, enum codes and their names, sentinels, defaults, limits, client-facing messages) is
//! defined here, or in the decision module that owns it and is re-exported from here. Three
//! readers use these definitions and no other:
//! - `src/bindings/` (the wasm exports) packs and unpacks with them;
//! - the fuzz targets decode their inputs exactly as the bindings do, through the same
//!   functions ([`index`], [`access::split`], [`ratelimit::request`]);
//! - the TypeScript layer imports `js/generated/wire.ts`, rendered from this module by
//!   `typescript()` (native builds only). `make wire` writes it; `cargo test --test wire`
//!   fails when the committed file differs from what this module renders.
//!
//! Where a value is a rule rather than a number (the first level's id, "at least this level"),
//! the renderer asks the decision module and writes down its answers, so the TypeScript never
//! restates the rule.

use crate::error::Error;

/// The id that stands for nobody: an anonymous caller, a user or role that is not known
/// (`u32::MAX`; [`crate::policy::NO_ROLE`] and [`crate::access::NO_SUBJECT`] are this id).
pub const NO_ID: u32 = u32::MAX;

/// `v` as an index or id (a whole number from 0 to `u32::MAX`), or `None`.
///
/// Ids cross the boundary as `f64`, never as `u32`: JavaScript converts a number to `u32`
/// modulo 2^32 (NaN and `undefined` become 0, fractions are cut), which would turn garbage into
/// a valid id, i.e. the lowest role. As `f64`, anything that is not a whole number in range is
/// recognized here and denied.
///
/// ```
/// use convex_guard::wire::index;
/// assert_eq!(index(3.0), Some(3));
/// assert_eq!((index(f64::NAN), index(0.5), index(-1.0), index(4_294_967_296.0)), (None, None, None, None));
/// assert_eq!((index(-0.5), index(f64::INFINITY), index(f64::NEG_INFINITY)), (None, None, None));
/// assert_eq!((index(-0.0), index(4_294_967_295.0)), (Some(0), Some(u32::MAX)));
/// ```
#[inline(always)]
pub fn index(v: f64) -> Option<u32> {
    // `as u32` saturates (NaN becomes 0, anything below 0 becomes 0, anything above becomes
    // `u32::MAX`) and truncates fractions: the round trip gives `v` back exactly when `v` was
    // a whole number in range. (A range test before it would be implied by the round trip.)
    let n = v as u32;
    (f64::from(n) == v).then_some(n)
}

/// Roles and permissions: role ids are positions in the configured list (see
/// [`FIRST_ROLE`](policy::FIRST_ROLE)), [`crate::policy::NO_ROLE`] is "no role".
pub mod policy {
    pub use crate::policy::NO_ROLE;

    /// The id of the first (lowest) role; each next role's id is one more
    /// ([`crate::policy::Policy::role_index`], checked by the wire's tests).
    pub const FIRST_ROLE: u32 = 0;
}

/// Rate limits: the I/O buffer of `RateLimiter` and the defaults of a limit.
///
/// Layout, in `f64`s from the buffer's address (`RateLimiter.io()`):
/// - from 0, `MAX_BATCH` request records of [`IN`] numbers (offsets `IN_*`);
/// - from [`LOGS_AT`], `MAX_BATCH` log slots of [`LOG`] numbers, the log of record `i` in
///   slot `i`: at most `LOG` entries are read, one more than any valid log holds, so a longer
///   log is refused exactly as if it had been read whole;
/// - from [`OUT_AT`], the answer: `[ok, retry after]` (`ANSWER_*`), `MAX_BATCH` records of
///   [`OUT`] numbers (offsets `OUT_*`), then from [`OUT_LOGS_AT`] `MAX_BATCH` slots of
///   [`OUT_LOG`] numbers for the logs to write.
///
/// [`IN`]: ratelimit::IN
/// [`LOGS_AT`]: ratelimit::LOGS_AT
/// [`LOG`]: ratelimit::LOG
/// [`OUT_AT`]: ratelimit::OUT_AT
/// [`OUT`]: ratelimit::OUT
/// [`OUT_LOGS_AT`]: ratelimit::OUT_LOGS_AT
/// [`OUT_LOG`]: ratelimit::OUT_LOG
pub mod ratelimit {
    use crate::error::{Error, Msg};
    use crate::ratelimit::{Limit, Mode, Refusal, StateRef, MAX_LOG_RATE};
    pub use crate::ratelimit::{DEFAULT_SHARDS, MAX_BATCH, MAX_SHARDS};

    /// `mode` of a decision: a [`Mode::Check`] (`checkRateLimit`, `rateLimitStatus`).
    pub const CHECK: u32 = 0;
    /// `mode` of a decision: a [`Mode::Consume`] (`decideRateLimits`).
    pub const CONSUME: u32 = 1;
    /// `mode` of a decision: a [`Mode::Take`] (`rateLimit`, `rateLimitAll`).
    pub const TAKE: u32 = 2;

    /// The [`Mode`] a decision's `mode` number names. Any number other than [`CHECK`] and
    /// [`CONSUME`] is a [`Mode::Take`], the strictest (a cost from 1; refusing an unknown
    /// number instead costs 25 bytes of wasm for a number no caller sends).
    ///
    /// ```
    /// use convex_guard::ratelimit::Mode;
    /// use convex_guard::wire::ratelimit::{mode, CHECK, CONSUME, TAKE};
    /// assert_eq!([mode(CHECK), mode(CONSUME), mode(TAKE)], [Mode::Check, Mode::Consume, Mode::Take]);
    /// assert_eq!(mode(3), Mode::Take);
    /// ```
    #[inline(always)]
    pub fn mode(v: u32) -> Mode {
        match v {
            CHECK => Mode::Check,
            CONSUME => Mode::Consume,
            _ => Mode::Take,
        }
    }

    /// Numbers per request record.
    pub const IN: usize = 8;
    /// Request record: the limit's id (what `RateLimiter.add` returned).
    pub const IN_LIMIT: usize = 0;
    /// Request record: the shard, from 0.
    pub const IN_SHARD: usize = 1;
    /// Request record: the cost.
    pub const IN_COUNT: usize = 2;
    /// Request record: whether a state follows (1) or the key is fresh (0).
    pub const IN_HAS_STATE: usize = 3;
    /// Request record: the state's `t`.
    pub const IN_T: usize = 4;
    /// Request record: the state's `a`.
    pub const IN_A: usize = 5;
    /// Request record: the state's `b`.
    pub const IN_B: usize = 6;
    /// Request record: the length of the state's log (0 without a state).
    pub const IN_LOG_LEN: usize = 7;
    /// Where the request log slots start.
    pub const LOGS_AT: usize = MAX_BATCH * IN;
    /// Numbers per request log slot.
    pub const LOG: usize = MAX_LOG_RATE as usize + 1;
    /// Where the answer starts.
    pub const OUT_AT: usize = LOGS_AT + MAX_BATCH * LOG;
    /// Answer head: whether every request was admitted (1) or not (0).
    pub const ANSWER_OK: usize = 0;
    /// Answer head: the largest `retry after` of the denied requests.
    pub const ANSWER_RETRY_AFTER: usize = 1;
    /// Numbers in the answer head; the decision records follow.
    pub const ANSWER_HEAD: usize = 2;
    /// Numbers per decision record.
    pub const OUT: usize = 8;
    /// Decision record: admitted (1) or not (0).
    pub const OUT_OK: usize = 0;
    /// Decision record: what remains.
    pub const OUT_REMAINING: usize = 1;
    /// Decision record: ms until a retry can pass (0 when admitted).
    pub const OUT_RETRY_AFTER: usize = 2;
    /// Decision record: whether a state must be written (1) or the row left as it is (0).
    pub const OUT_WRITE: usize = 3;
    /// Decision record: the new state's `t`.
    pub const OUT_T: usize = 4;
    /// Decision record: the new state's `a`.
    pub const OUT_A: usize = 5;
    /// Decision record: the new state's `b`.
    pub const OUT_B: usize = 6;
    /// Decision record: the length of the new state's log.
    pub const OUT_LOG_LEN: usize = 7;
    /// Where the answer's log slots start.
    pub const OUT_LOGS_AT: usize = OUT_AT + ANSWER_HEAD + MAX_BATCH * OUT;
    /// Numbers per log slot of the answer: a log written holds at most `rate` entries.
    pub const OUT_LOG: usize = MAX_LOG_RATE as usize;
    /// Numbers in the buffer.
    pub const IO_LEN: usize = OUT_LOGS_AT + MAX_BATCH * OUT_LOG;

    const MALFORMED: Refusal = Refusal::Argument(Msg::MalformedRequest);

    /// Request `i` as the buffer holds it: record `i` of `records` (the request records, `IN`
    /// numbers each) and its log slot in `logs` (`LOG` numbers each), as `(limit of the
    /// shard, state, cost)`.
    ///
    /// # Errors
    /// A [`Kind::Argument`] error for an unknown limit or shard, or a malformed state marker.
    ///
    /// [`Kind::Argument`]: crate::error::Kind::Argument
    #[inline(always)]
    pub fn request<'a>(
        limits: &[Limit],
        records: &[f64],
        logs: &'a [f64],
        i: usize,
    ) -> Result<(Limit, Option<StateRef<'a>>, f64), Error> {
        read(limits, records, logs, i).map_err(Error::from)
    }

    /// [`super::index`], with a shortcut for 0.
    #[inline(always)]
    fn index_or_0(v: f64) -> Option<u32> {
        if v == 0.0 {
            Some(0)
        } else {
            super::index(v)
        }
    }

    /// [`request`], refusing without building the error (the binding's hot path).
    #[inline(always)]
    pub(crate) fn read<'a>(
        limits: &[Limit],
        records: &[f64],
        logs: &'a [f64],
        i: usize,
    ) -> Result<(Limit, Option<StateRef<'a>>, f64), Refusal> {
        let r = records.get(i * IN..i * IN + IN).unwrap_or_default();
        let [id, shard, count, has_state, t, a, b, len] =
            <[f64; IN]>::try_from(r).map_err(|_| MALFORMED)?;
        // The id through an `i32` (a whole number below `limits.len()`, far below 2^31, or
        // malformed, exactly as `index` would have it), and a shard or length of 0 (every
        // unsharded limit, every kind but a sliding log) without `index`: V8 converts to a
        // `u32` with a rounding and two conversions, to an `i32` with one instruction.
        let k = id as i32;
        let limit = limits.get(k as u32 as usize).filter(|_| f64::from(k) == id);
        let shard = index_or_0(shard).ok_or(MALFORMED)?;
        let limit = limit.ok_or(MALFORMED)?.shard_of(shard)?;
        let len = index_or_0(len).ok_or(MALFORMED)? as usize;
        let state = if has_state == 1.0 {
            let log = logs.get(i * LOG..i * LOG + len.min(LOG));
            Some(StateRef {
                t,
                a,
                b,
                log: log.unwrap_or_default(),
            })
        } else if has_state == 0.0 && len == 0 {
            None
        } else {
            return Err(MALFORMED);
        };
        Ok((limit, state, count))
    }
}

/// Access levels: the batch layout of `AccessEngine.resolve`, the packed answer, and the
/// codes of sources, denials and grant kinds.
pub mod access {
    use crate::access::{Access, Caller, Documents, Grants, ShareRequest, NONE};
    pub use crate::access::{
        CANCEL_TAG, FLAG_BASE, GRANT_DIRECT, GRANT_GROUP, GROUP_NAME_FORBIDDEN,
        MAX_BATCH_DOCUMENTS, MAX_CALLER_GROUPS, MAX_DELETE_GRANTS, MAX_GROUP_NAME_LEN, MAX_LEVELS,
        MAX_PAGE_ITEMS, MAX_PARENT_DEPTH, NO_PARENT, NO_SUBJECT, PRIVATE, PUBLIC, STALE,
        TAG_OFFSET,
    };
    use crate::error::{Error, Msg};
    use alloc::vec::Vec;

    /// The level "no access" in answers (`level` 0).
    pub const NO_LEVEL: u8 = NONE;
    /// The id of the first (lowest) configured level; each next level's id is one more.
    pub const FIRST_LEVEL: u8 = 1;
    /// A level, source or kind code that is never valid: what a number out of a byte's range
    /// becomes ([`byte`]), and `canShare`'s answer when either level is not a level.
    pub const NOT_A_CODE: u8 = u8::MAX;
    /// `canShare` and `canTransfer`: allowed (else a [`crate::access::Denial`] code).
    pub const ALLOWED: u8 = 0;
    /// Bits of each field of a packed answer ([`pack`]): the level, then the source.
    pub const FIELD_BITS: u32 = 8;
    /// Where the source starts in a packed answer.
    pub const SOURCE_SHIFT: u32 = FIELD_BITS;
    /// Where `via` starts in a packed answer (the top 16 bits).
    pub const VIA_SHIFT: u32 = 2 * FIELD_BITS;
    /// `via` of a packed answer without access.
    pub const NO_VIA: u32 = 0xFFFF;

    /// One resolved document as the binding answers it: `level | source << 8 | via << 16`,
    /// `via` [`NO_VIA`] when there is no access.
    ///
    /// ```
    /// use convex_guard::access::{Access, Source};
    /// use convex_guard::wire::access::pack;
    /// assert_eq!(pack(&Access { level: 2, source: Source::Direct, via: Some(5) }), 2 | 3 << 8 | 5 << 16);
    /// ```
    pub fn pack(a: &Access) -> u32 {
        u32::from(a.level)
            | u32::from(a.source.code()) << SOURCE_SHIFT
            | a.via.unwrap_or(NO_VIA) << VIA_SHIFT
    }

    /// A `u32` that must be a `u8`; an out-of-range value becomes [`NOT_A_CODE`], which the
    /// resolver refuses wherever a `u8` is read (visibility flag, grant kind, grant level),
    /// never a silent wrap.
    pub fn byte(v: u32) -> u8 {
        u8::try_from(v).unwrap_or(NOT_A_CODE)
    }

    /// A level or source code given as a JavaScript number: [`NOT_A_CODE`] unless it is a
    /// whole number in range (see [`super::index`] for why codes cross as `f64`).
    pub fn code(v: f64) -> u8 {
        super::index(v).map_or(NOT_A_CODE, byte)
    }

    /// Compiles levels as the boundary collects them: the level names in order (the binding
    /// keeps at most one past [`MAX_LEVELS`], so that a huge configuration cannot grow memory
    /// and still fails), then the optional names of the public and share levels (`None`: the
    /// defaults). The binding and the fuzz targets both build through here.
    ///
    /// ```
    /// use convex_guard::wire::access::levels;
    /// let l = levels(&["viewer", "editor", "owner"], Some("viewer"), None).unwrap();
    /// assert_eq!(l.names().len(), 3);
    /// assert!(levels(&["viewer", "viewer"], None, None).is_err());
    /// ```
    ///
    /// # Errors
    /// `INVALID_CONFIG` as [`crate::access::AccessLevelsBuilder::build`] refuses.
    pub fn levels<S: AsRef<str>>(
        names: &[S],
        public: Option<&str>,
        share: Option<&str>,
    ) -> Result<crate::access::Levels, Error> {
        let mut b = crate::access::AccessLevelsBuilder::default();
        for n in names {
            b.level(n.as_ref())?;
        }
        if let Some(p) = public {
            b.public_level(p);
        }
        if let Some(s) = share {
            b.share_level(s);
        }
        b.build()
    }

    /// A batch split out of the boundary's flat arrays.
    pub struct Batch<'a> {
        /// The time of the decision.
        pub now: f64,
        /// What follows the expiry times: nothing, or a share request ([`share_request`]).
        pub request: &'a [f64],
        /// Who is asking.
        pub caller: Caller<'a>,
        /// The documents.
        pub docs: Documents<'a>,
        /// The grants.
        pub grants: Grants<'a>,
    }

    /// The error of a batch whose length is not what the counts it states make it.
    pub fn mislength() -> Error {
        Error::argument(&[Msg::BatchLength], &[], &[])
    }

    /// Which count a column of the batch has: one value per document (`n` of them) or per
    /// grant (`m`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Per {
        /// One value per document.
        Document,
        /// One value per grant.
        Grant,
    }

    impl Per {
        /// The length of a column with this count, in a batch of `n` documents and `m` grants.
        fn of(self, n: u32, m: u32) -> u32 {
            match self {
                Per::Document => n,
                Per::Grant => m,
            }
        }

        /// Its name in `js/generated/wire.ts`.
        pub fn name(self) -> &'static str {
            match self {
                Per::Document => "document",
                Per::Grant => "grant",
            }
        }
    }

    /// A column of `u32`s (ids and indexes). Its discriminant is where [`split`] keeps it
    /// while reading, nothing more: the order of the batch is [`INT_COLUMNS`]'.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum IntColumn {
        /// [`Documents::owner`].
        Owner,
        /// [`Documents::parent`].
        Parent,
        /// [`Grants::doc`].
        Doc,
        /// [`Grants::subject`].
        Subject,
    }

    /// A byte-sized column (flags and codes, narrowed by [`byte`]). As for [`IntColumn`], the
    /// order of the batch is [`BYTE_COLUMNS`]', not the discriminants'.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ByteColumn {
        /// [`Documents::public`].
        Public,
        /// [`Grants::kind`].
        Kind,
        /// [`Grants::level`].
        Level,
    }

    impl IntColumn {
        /// Its name in `js/generated/wire.ts` (the field's).
        pub fn name(self) -> &'static str {
            match self {
                IntColumn::Owner => "owner",
                IntColumn::Parent => "parent",
                IntColumn::Doc => "doc",
                IntColumn::Subject => "subject",
            }
        }
    }

    impl ByteColumn {
        /// Its name in `js/generated/wire.ts` (the field's).
        pub fn name(self) -> &'static str {
            match self {
                ByteColumn::Public => "public",
                ByteColumn::Kind => "kind",
                ByteColumn::Level => "level",
            }
        }
    }

    /// The columns of `u32`s that follow the head of `ints` (the caller, the groups, the
    /// counts `n` and `m`), in order, each with its count: the only statement of that order.
    /// [`split`] reads the batch by walking this table and then [`BYTE_COLUMNS`];
    /// `ACCESS_COLUMNS` in `js/generated/wire.ts` (both tables, in that order, with where each
    /// column starts) is what the TypeScript codec packs by.
    pub const INT_COLUMNS: [(IntColumn, Per); 4] = [
        (IntColumn::Owner, Per::Document),
        (IntColumn::Parent, Per::Document),
        (IntColumn::Doc, Per::Grant),
        (IntColumn::Subject, Per::Grant),
    ];

    /// The byte-sized columns, in order, after [`INT_COLUMNS`]: they end `ints`, so that
    /// [`split`] narrows them in one pass and one allocation.
    pub const BYTE_COLUMNS: [(ByteColumn, Per); 3] = [
        (ByteColumn::Public, Per::Document),
        (ByteColumn::Kind, Per::Grant),
        (ByteColumn::Level, Per::Grant),
    ];

    // Each table names each of its columns once, with discriminants 0 to its length - 1 (where
    // `split` keeps them): the build fails otherwise.
    const _: () = {
        let (mut ints, mut bytes) = (0u32, 0u32);
        let mut i: &[(IntColumn, Per)] = &INT_COLUMNS;
        while let [(c, _), rest @ ..] = i {
            ints |= 1 << *c as u32;
            i = rest;
        }
        let mut b: &[(ByteColumn, Per)] = &BYTE_COLUMNS;
        while let [(c, _), rest @ ..] = b {
            bytes |= 1 << *c as u32;
            b = rest;
        }
        assert!(ints == (1 << INT_COLUMNS.len()) - 1 && bytes == (1 << BYTE_COLUMNS.len()) - 1);
    };

    /// `ints[CALLER]`: the caller's id ([`NO_SUBJECT`] when anonymous, or `""`: every id that
    /// is not a non-empty string is [`NO_SUBJECT`], the caller's, an owner's, a grantee's). The head of `ints` is
    /// its fixed fields and, from [`GROUPS`], the caller's `g` group ids: a field placed at or
    /// after [`GROUPS`] is `g` further on (`ints[g + DOCUMENT_COUNT]`). These numbers are the
    /// only statement of the head's order: [`split`] reads by them, and `ACCESS_HEAD` in
    /// `js/generated/wire.ts` is what the TypeScript codec packs by.
    pub const CALLER: usize = 0;
    /// `ints[GROUP_COUNT]`: the caller's group count `g`.
    pub const GROUP_COUNT: usize = 1;
    /// Where the caller's `g` group ids start.
    pub const GROUPS: usize = 2;
    /// `ints[g + DOCUMENT_COUNT]`: the document count `n`.
    pub const DOCUMENT_COUNT: usize = 2;
    /// `ints[g + GRANT_COUNT]`: the grant count `m`.
    pub const GRANT_COUNT: usize = 3;
    /// The head's fixed fields: the columns ([`INT_COLUMNS`]) start at `g + HEAD`.
    pub const HEAD: usize = 4;

    /// `times[NOW]`: the time of the decision.
    pub const NOW: usize = 0;
    /// Where the `m` expiry times start in `times` (`Infinity`: never); a share request, if
    /// any, follows them ([`Batch::request`]).
    pub const EXPIRIES: usize = 1;
    /// A share request, `request[REQUEST_DOC]`: the index of the document to share.
    pub const REQUEST_DOC: usize = 0;
    /// A share request, `request[REQUEST_LEVEL]`: the level to grant.
    pub const REQUEST_LEVEL: usize = 1;
    /// A share request, `request[REQUEST_EXPIRES_AT]`: the requested expiry, read only when
    /// [`REQUEST_EXPIRY`] says one is asked for.
    pub const REQUEST_EXPIRES_AT: usize = 2;
    /// A share request, `request[REQUEST_EXPIRY]`: [`EXPIRY_ASKED`] when it asks for an expiry
    /// (at [`REQUEST_EXPIRES_AT`]), [`EXPIRY_NONE`] for a grant that never expires. A flag of
    /// its own, not a sentinel time: every number, `Infinity` included, is an expiry a caller
    /// can ask for, and the core refuses one that is not a time.
    pub const REQUEST_EXPIRY: usize = 3;
    /// The numbers of a share request.
    pub const REQUEST_LEN: usize = 4;
    /// `request[REQUEST_EXPIRY]`: no expiry asked for (the grant never expires).
    pub const EXPIRY_NONE: u32 = 0;
    /// `request[REQUEST_EXPIRY]`: the expiry at [`REQUEST_EXPIRES_AT`] is asked for.
    pub const EXPIRY_ASKED: u32 = 1;

    // Each layout places each of its fields once, with no gap, and the head's fields before
    // and after the groups are on their side of [`GROUPS`]: the build fails otherwise.
    const _: () = {
        assert!(
            (1 << CALLER | 1 << GROUP_COUNT | 1 << DOCUMENT_COUNT | 1 << GRANT_COUNT)
                == (1 << HEAD) - 1
        );
        assert!(CALLER < GROUPS && GROUP_COUNT < GROUPS);
        assert!(DOCUMENT_COUNT >= GROUPS && GRANT_COUNT >= GROUPS);
        assert!(1 << NOW == (1 << EXPIRIES) - 1);
        assert!(
            (1 << REQUEST_DOC | 1 << REQUEST_LEVEL | 1 << REQUEST_EXPIRES_AT | 1 << REQUEST_EXPIRY)
                == (1 << REQUEST_LEN) - 1
        );
        assert!(EXPIRY_NONE != EXPIRY_ASKED);
    };

    /// The share request a batch's [`Batch::request`] states, `None` unless it is
    /// [`REQUEST_LEN`] numbers: a document index that is not one becomes [`NO_PARENT`], a
    /// level that is not a code [`NOT_A_CODE`] (both refused by the core), and the expiry is
    /// asked for unless [`REQUEST_EXPIRY`] is [`EXPIRY_NONE`], passed as it is (the core
    /// refuses one that is not a time, `Infinity` included).
    pub fn share_request(request: &[f64]) -> Option<ShareRequest> {
        if request.len() != REQUEST_LEN {
            return None;
        }
        let field = |i: usize| request.get(i).copied();
        // Only EXPIRY_NONE is "never": any other flag asks for the expiry, which the core
        // checks (fail closed: a garbage flag never makes a grant permanent).
        let expires_at = if field(REQUEST_EXPIRY)? == f64::from(EXPIRY_NONE) {
            None
        } else {
            Some(field(REQUEST_EXPIRES_AT)?)
        };
        Some(ShareRequest {
            doc: super::index(field(REQUEST_DOC)?).unwrap_or(NO_PARENT),
            level: code(field(REQUEST_LEVEL)?),
            expires_at,
        })
    }

    /// Splits `n` values off the front of `rest`; `None` when fewer are left.
    fn take<'a, T>(rest: &mut &'a [T], n: u32) -> Option<&'a [T]> {
        let (head, tail) = rest.split_at_checked(usize::try_from(n).ok()?)?;
        *rest = tail;
        Some(head)
    }

    /// Splits a batch. `ints` is its head (the caller id, the group count `g` and `g` group
    /// ids, the document count `n` and the grant count `m`, placed as [`CALLER`] and the next
    /// constants say), then the columns of [`INT_COLUMNS`] and of [`BYTE_COLUMNS`], in their
    /// order, each `n` or `m` long as the tables say, and nothing after them. `times` holds
    /// `now` ([`NOW`]) and the `m` expiry times ([`EXPIRIES`]; `Infinity`: never), then, for a
    /// share request, its [`REQUEST_LEN`] numbers ([`share_request`]).
    ///
    /// The layout is checked here only for its length; every other check is the core's. The
    /// byte-sized columns (the tail) are narrowed into `small`, in one pass and one
    /// allocation.
    ///
    /// # Errors
    /// [`mislength`] when `ints` is shorter or longer than its counts state, or `times` is
    /// shorter (what follows the expiry times is the caller's to check).
    pub fn split<'a>(
        ints: &'a [u32],
        times: &'a [f64],
        small: &'a mut Vec<u8>,
    ) -> Result<Batch<'a>, Error> {
        read(ints, times, small).ok_or_else(mislength)
    }

    /// [`split`], `None` where it answers [`mislength`].
    fn read<'a>(ints: &'a [u32], times: &'a [f64], small: &'a mut Vec<u8>) -> Option<Batch<'a>> {
        let (fixed, rest) = ints.split_at_checked(GROUPS)?;
        let g = usize::try_from(*fixed.get(GROUP_COUNT)?).ok()?;
        let groups = rest.get(..g)?;
        // A field placed after the groups is `g` further on.
        let field = |i: usize| ints.get(i + g).copied();
        let (n, m) = (field(DOCUMENT_COUNT)?, field(GRANT_COUNT)?);
        let mut rest = ints.get(HEAD + g..)?;
        let r = &mut rest;
        let mut wide: [&[u32]; INT_COLUMNS.len()] = Default::default();
        for &(column, per) in &INT_COLUMNS {
            *wide.get_mut(column as usize)? = take(r, per.of(n, m))?;
        }
        small.extend(r.iter().map(|&v| byte(v)));
        let tail = &mut small.as_slice();
        let mut narrow: [&[u8]; BYTE_COLUMNS.len()] = Default::default();
        for &(column, per) in &BYTE_COLUMNS {
            *narrow.get_mut(column as usize)? = take(tail, per.of(n, m))?;
        }
        // Nothing may follow the last column: a longer batch is not the one its counts
        // describe.
        if !tail.is_empty() {
            return None;
        }
        let int = |c: IntColumn| wide.get(c as usize).copied();
        let small = |c: ByteColumn| narrow.get(c as usize).copied();
        let (expires_at, request) = times
            .get(EXPIRIES..)?
            .split_at_checked(usize::try_from(m).ok()?)?;
        Some(Batch {
            now: *times.get(NOW)?,
            request,
            caller: Caller {
                id: *fixed.get(CALLER)?,
                groups,
            },
            docs: Documents {
                owner: int(IntColumn::Owner)?,
                public: small(ByteColumn::Public)?,
                parent: int(IntColumn::Parent)?,
            },
            grants: Grants {
                doc: int(IntColumn::Doc)?,
                subject: int(IntColumn::Subject)?,
                kind: small(ByteColumn::Kind)?,
                level: small(ByteColumn::Level)?,
                expires_at,
            },
        })
    }
}

/// Confirmation codes: the modes of `CodeEngine.message` and the shape of `verify`'s answer.
pub mod codes {
    use crate::codes::CodeConfig;
    pub use crate::codes::{
        CLIENT_ERROR_CODE, CLIENT_ERROR_MESSAGE, DEFAULT_ALPHABET, DEFAULT_LENGTH,
        DEFAULT_MAX_ATTEMPTS, DEFAULT_TTL_MS,
    };
    use crate::error::Error;

    /// Validates code settings as JavaScript gives them, every number an `f64` as the user
    /// wrote it, as [`CodeConfig::new`]: `length` and `max_attempts` that are not whole numbers
    /// below 2^32 are refused as out of range, by the same rule and message ("must be a whole
    /// number from ... to ..."), which names no number the user did not write (a `u32` that
    /// crossed as `x | 0` made -1 into 4294967295 and 8.5 into 8).
    ///
    /// ```
    /// use convex_guard::wire::codes::config;
    /// assert_eq!(config("digits", 6.0, 60_000.0, 3.0)?.max_attempts(), 3);
    /// let e = config("digits", 8.5, 60_000.0, 3.0).unwrap_err();
    /// assert_eq!(e.message(), "code length must be a whole number from 4 to 32");
    /// let e = config("digits", 8.0, 60_000.0, -1.0).unwrap_err();
    /// assert_eq!(e.message(), "code maxAttempts must be a whole number from 1 to 10");
    /// # Ok::<(), convex_guard::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`crate::error::Kind::Config`] error naming the first setting that is invalid.
    pub fn config(
        alphabet: &str,
        length: f64,
        ttl_ms: f64,
        max_attempts: f64,
    ) -> Result<CodeConfig, Error> {
        // `u32::MAX` is out of both ranges, and the messages name none of the number.
        let whole = |v| super::index(v).unwrap_or(u32::MAX);
        let (length, max_attempts) = (whole(length), whole(max_attempts));
        CodeConfig::new(alphabet, length, ttl_ms, max_attempts)
    }

    /// `message` mode: the bytes to sign for an exact code.
    pub const MESSAGE: u32 = 0;
    /// `message` mode: the same for a code a person typed, put in canonical form first.
    pub const TYPED: u32 = 1;
    /// `message` mode: a new code.
    pub const GENERATE: u32 = 2;
    /// `verify` parameter `used`: the stored flag is false (or there is no record).
    pub const USED_NO: u32 = 0;
    /// `verify` parameter `used`: the stored flag is true.
    pub const USED_YES: u32 = 1;
    /// `verify` parameter `used`: the stored flag is not a boolean (a 1 from a SQL column, a
    /// string, a missing field), which the engine refuses: read as false it would be a replay.
    pub const USED_MALFORMED: u32 = 2;
    /// `verify` answer: the outcome's index in [`crate::codes::OUTCOMES`] (0 in an `issue`
    /// answer, which has no outcome). Without a record the answer is this number alone.
    pub const OUTCOME: usize = 0;
    /// `verify` answer, record: its expiry time.
    pub const EXPIRES_AT: usize = 1;
    /// `verify` answer, record: attempts left.
    pub const ATTEMPTS_LEFT: usize = 2;
    /// `verify` answer, record: used (1) or not (0).
    pub const USED: usize = 3;
    /// `verify` answer, record: failures counted on the row.
    pub const FAILURES: usize = 4;
    /// `verify` answer, record: the time of the row's last failure.
    pub const LAST_FAILURE: usize = 5;
    /// `verify` answer, the actor's row: failures counted.
    pub const ACTOR_FAILURES: usize = 6;
    /// `verify` answer, the actor's row: the time of the last failure.
    pub const ACTOR_LAST: usize = 7;
    /// Length of an answer with the record to store back (an `issue` answer is one too).
    pub const WITH_RECORD: usize = LAST_FAILURE + 1;
    /// Length of a `verify` answer that also carries the actor's count to store.
    pub const WITH_ACTOR: usize = ACTOR_LAST + 1;
    /// The offsets by their TypeScript names, for the generated `CODE_ANSWER`.
    pub const ANSWER: [(&str, usize); WITH_ACTOR] = [
        ("outcome", OUTCOME),
        ("expiresAt", EXPIRES_AT),
        ("attemptsLeft", ATTEMPTS_LEFT),
        ("used", USED),
        ("failures", FAILURES),
        ("lastFailure", LAST_FAILURE),
        ("actorFailures", ACTOR_FAILURES),
        ("actorLast", ACTOR_LAST),
    ];
}

/// What a Convex client is told when the TypeScript layer refuses it: the `code` of every
/// `ConvexError` it throws (`data.code`) and every message it sends with them, the engine's own
/// where it has one ([`crate::codes::CLIENT_ERROR_MESSAGE`], [`crate::error::Kind::code`], the
/// access denials' [`crate::access::Denial::message`], an engine error's message).
///
/// A template's `{s}` takes a text (a name, quoted or not as the template says), `{n}` a
/// number, filled in order. In `js/generated/wire.ts` a message is the member of the same name
/// of the `const enum` `CLIENT_MESSAGE`, a template a function of its values (`v`, or `v1`,
/// `v2`, ... in order) named in camelCase (`ROLE_REQUIRED`: `roleRequired`), each of type
/// `ClientMessage`, the only type the TypeScript's `deny` takes for a message.
pub mod client {
    use crate::error::Kind;

    /// No signed-in caller where one is needed.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// The caller lacks a role, a permission or an access level.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// No such document or group (or none the caller may see).
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// A rate limit refused the call.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// A confirmation code failed, whatever the reason.
    pub const INVALID_CONFIRMATION: &str = crate::codes::CLIENT_ERROR_CODE;
    /// A safe action's call failed in a way the caller may not see.
    pub const UPSTREAM_UNAVAILABLE: &str = "UPSTREAM_UNAVAILABLE";
    /// An argument is malformed or out of range.
    pub const INVALID_ARGUMENT: &str = Kind::Argument.code();
    /// Every client-facing code, in the order of the generated `GUARD_ERROR_CODES`.
    pub const CODES: [&str; 7] = [
        UNAUTHENTICATED,
        FORBIDDEN,
        NOT_FOUND,
        RATE_LIMITED,
        INVALID_CONFIRMATION,
        UPSTREAM_UNAVAILABLE,
        INVALID_ARGUMENT,
    ];

    /// [`RATE_LIMITED`]'s message, `{n}` the whole seconds to wait: for 1, then for any other.
    pub const TRY_AGAIN: [&str; 2] = [
        "Too many requests. Try again in {n} second",
        "Too many requests. Try again in {n} seconds",
    ];

    /// A name a caller gave, as a message's `{s}` holds it (the TypeScript's `quoted`): a string
    /// quoted, then anything else by its type alone, so that no caller's `toString` runs.
    pub const QUOTED: [&str; 2] = ["'{s}'", "({s}, not a name)"];

    /// A message of [`MESSAGES`]: a constant of this module, as the generator reads it.
    #[derive(Debug, Clone, Copy)]
    pub struct Message {
        /// The constant's name.
        pub name: &'static str,
        /// Its text: a template when it holds `{s}` or `{n}`.
        pub text: &'static str,
        /// Its doc comment: when it is sent.
        pub doc: &'static str,
    }

    /// Declares each message as a constant with its doc comment, and [`MESSAGES`], all of them
    /// in order: what `js/generated/wire.ts` renders, so none is declared without its twin.
    macro_rules! messages {
        ($($(#[doc = $doc:literal])+ pub const $name:ident: &str = $text:expr;)+) => {
            $($(#[doc = $doc])+ pub const $name: &str = $text;)+
            /// Every message of this module but [`TRY_AGAIN`] and [`QUOTED`], in order, with its doc comment.
            pub const MESSAGES: &[Message] = &[
                $(Message { name: stringify!($name), text: $name, doc: concat!($($doc),+) }),+
            ];
        };
    }

    messages! {
        /// [`UNAUTHENTICATED`]'s message.
        pub const AUTHENTICATION_REQUIRED: &str = "Authentication required";
        /// [`FORBIDDEN`] for a role below `{s}`.
        pub const ROLE_REQUIRED: &str = "Role '{s}' or higher required";
        /// [`FORBIDDEN`] without the permission `{s}`.
        pub const PERMISSION_REQUIRED: &str = "Permission '{s}' required";
        /// [`FORBIDDEN`] for an access level below `{s}` on a document.
        pub const LEVEL_REQUIRED: &str = "Access level '{s}' or higher required";
        /// [`FORBIDDEN`]: a move into a parent the caller holds less than `{s}` on (the table's
        /// `fileLevel`, else the share level).
        pub const MOVE_LEVEL_REQUIRED: &str =
            "Access level '{s}' or higher on the destination required to move a document into it";
        /// [`FORBIDDEN`]: an insert under a parent the caller holds less than `{s}` on (the
        /// table's `fileLevel`, else the share level).
        pub const INSERT_LEVEL_REQUIRED: &str =
            "Access level '{s}' or higher on the parent required to create a document under it";
        /// [`UPSTREAM_UNAVAILABLE`]'s message.
        pub const UPSTREAM_MESSAGE: &str = "External service unavailable";
        /// [`NOT_FOUND`] for a document the caller cannot see, or none.
        pub const DOCUMENT_NOT_FOUND: &str = "Document not found";
        /// [`NOT_FOUND`] for a group the caller holds nothing on, or none.
        pub const GROUP_NOT_FOUND: &str = "Group not found";
        /// [`FORBIDDEN`]: a grant to the caller themselves.
        pub const SELF_SHARE: &str = "You cannot share a document with yourself";
        /// [`FORBIDDEN`]: a move by someone other than the owner.
        pub const NOT_OWNER_MOVE: &str = "Only the owner can move a document";
        /// [`FORBIDDEN`]: a deletion by someone other than the owner.
        pub const NOT_OWNER_DELETE: &str = "Only the owner can delete a document";
        /// [`FORBIDDEN`]: an insert whose owner field names someone other than the caller.
        pub const NOT_OWNER_INSERT: &str = "You can only create a document you own";
        /// [`FORBIDDEN`]: an invitation its sender could no longer make.
        pub const VOID_INVITATION: &str =
            "This invitation is no longer valid: whoever sent it may no longer add members at its level";
        /// [`FORBIDDEN`]: an invitation accepted at or after its `expiresAt`.
        pub const EXPIRED_INVITATION: &str =
            "This invitation has expired: ask whoever sent it for a new one";

        /// [`INVALID_ARGUMENT`]: an engine call's failure with that code that is not an `Error`.
        pub const INVALID_INPUT: &str = "invalid input";
        /// [`INVALID_ARGUMENT`]: a page's `numItems` not a whole number from 1 to `{n}`, the most.
        pub const PAGE_ITEMS: &str = "numItems must be a whole number from 1 to {n}";
        /// [`INVALID_ARGUMENT`]: a page's cursor that its listing (or the database) did not give.
        pub const MALFORMED_CURSOR: &str = "malformed cursor";
        /// [`INVALID_ARGUMENT`]: a role name `{s}` (quoted) that is not configured.
        pub const UNKNOWN_ROLE: &str = "unknown role {s}";
        /// [`INVALID_ARGUMENT`]: a permission asked about that is not a string.
        pub const PERMISSION_NOT_STRING: &str = "a permission name must be a string";

        /// [`INVALID_ARGUMENT`]: an access level name `{s}` (quoted) that is not configured.
        pub const UNKNOWN_LEVEL: &str = "unknown access level {s}";
        /// [`INVALID_ARGUMENT`]: `canShare` given a number that is not a level.
        pub const NOT_A_LEVEL: &str = "not an access level";
        /// [`INVALID_ARGUMENT`]: `canTransfer` given a source `{s}` (quoted) that is not one.
        pub const UNKNOWN_SOURCE: &str = "unknown access source {s}";
        /// [`INVALID_ARGUMENT`]: a table `{s}` (quoted) not under `access.tables`.
        pub const UNCONFIGURED_TABLE: &str = "table {s} is not configured under access.tables";
        /// [`INVALID_ARGUMENT`]: `resolveAccess` or `resolveShare` given facts of another shape.
        pub const MALFORMED_FACTS: &str = "access facts are { now, caller, groups: [ids], documents: [{ id, owner, visibility, parent, grants: [{ to, kind, level, expiresAt? }] }] }";
        /// [`INVALID_ARGUMENT`]: `resolveShare` given a request that is not an object.
        pub const MALFORMED_SHARE_REQUEST: &str = "a share request is { id, level, expiresAt? }";
        /// [`INVALID_ARGUMENT`]: `readableMany` given something else than an array.
        pub const READABLE_MANY_ARRAY: &str = "readableMany takes an array of ids";
        /// [`INVALID_ARGUMENT`]: `insertDocument` given something else than an object.
        pub const INSERT_DOCUMENT_OBJECT: &str = "insertDocument takes the new document as an object";
        /// [`INVALID_ARGUMENT`]: a grant target naming both a user and a group, or neither.
        pub const ONE_TARGET: &str = "give exactly one of userId and groupId";
        /// [`INVALID_ARGUMENT`]: a user id that is malformed or names no user.
        pub const UNKNOWN_USER: &str = "unknown user";
        /// [`INVALID_ARGUMENT`]: a grant's group id that is malformed or names no group.
        pub const UNKNOWN_GROUP: &str = "unknown group";
        /// [`INVALID_ARGUMENT`]: a move of a document of table `{s}`, configured without a parent field.
        pub const NO_PARENT_FIELD: &str =
            "access.tables.{s} has no parent field: its documents cannot be moved";
        /// [`INVALID_ARGUMENT`]: a move into the document itself or one below it.
        pub const MOVE_LOOP: &str =
            "A document cannot be moved into itself or below itself: that would make a loop";
        /// [`INVALID_ARGUMENT`]: `deleteDocument` of a document holding more than `{n}` grants, the most.
        pub const DELETE_GRANTS: &str =
            "This document holds more than {n} grants, the most one deletion removes with it: revoke some first (listGrants, then revoke), then delete it";
        /// [`INVALID_ARGUMENT`]: `forgetUser` given no user's id.
        pub const FORGET_USER_ID: &str = "forgetUser needs a user id";

        /// [`INVALID_ARGUMENT`]: an expiry asked for where `addGroupMember` makes or keeps a membership.
        pub const MEMBER_EXPIRY: &str =
            "expiresAt is for invitations: this call adds a member directly (oneself, a manager, or one already a member), and a membership does not expire";

        /// [`INVALID_ARGUMENT`]: a new group's name missing or blank.
        pub const GROUP_NAME_MISSING: &str = "a group needs a name";
        /// [`INVALID_ARGUMENT`]: a new group's name given as something else than a string (JavaScript only).
        pub const GROUP_NAME_TYPE: &str = "a group name must be a string";
        /// [`INVALID_ARGUMENT`]: a new group's name longer than `{n}`, the most.
        pub const GROUP_NAME_TOO_LONG: &str = "a group name is at most {n} characters";
        /// [`INVALID_ARGUMENT`]: a new group's name holding a character it may not.
        pub const GROUP_NAME_CHARACTERS: &str =
            "a group name may not hold control, invisible or bidirectional formatting characters";
        /// [`INVALID_ARGUMENT`]: a new group's name starting with a combining mark or a joiner.
        pub const GROUP_NAME_LEADING_MARK: &str =
            "a group name may not start with a combining mark or a joiner, which would attach to the text before it: start it with a letter, digit or symbol";
        /// [`INVALID_ARGUMENT`]: a new group's name holding a lone surrogate (JavaScript only).
        pub const GROUP_NAME_SURROGATE: &str =
            "a group name may not hold a lone surrogate (half of a character, as cutting a string inside an emoji leaves): send whole characters";
        /// [`INVALID_ARGUMENT`]: the caller joining a group while in `{n}` groups, the most.
        pub const CALLER_GROUPS_FULL: &str =
            "You are already in {n} groups, the most one user may be in: leave one first";
        /// [`INVALID_ARGUMENT`]: adding a user who is in `{n}` groups, the most.
        pub const USER_GROUPS_FULL: &str =
            "That user is already in {n} groups, the most one user may be in: leave one first";

        /// [`INVALID_ARGUMENT`]: a rate limit name `{s}` (quoted) that is not configured.
        pub const UNKNOWN_RATE_LIMIT: &str = "unknown rate limit {s}";
        /// [`INVALID_ARGUMENT`]: an engine error about rate limits `{s}` (each quoted), then its message `{s}`.
        pub const RATE_LIMIT_NAMED: &str = "rate limit {s}: {s}";
        /// [`INVALID_ARGUMENT`]: a rate limit key not a string of 1 to `{n}` characters, the most.
        pub const RATE_LIMIT_KEY: &str = "a rate limit key must be a string of 1 to {n} characters";
        /// [`INVALID_ARGUMENT`]: a rate limit key holding a lone surrogate (JavaScript only),
        /// which Convex cannot store as UTF-8 text.
        pub const RATE_LIMIT_KEY_SURROGATE: &str =
            "a rate limit key may not hold a lone surrogate (half of a character): send whole characters";
        /// [`INVALID_ARGUMENT`]: an entry of `rateLimitAll` that is not an object.
        pub const RATE_LIMIT_REQUEST: &str = "a rate limit request is { name, key, count? }";
        /// [`INVALID_ARGUMENT`]: `rateLimitAll` given something else than an array.
        pub const RATE_LIMIT_ALL_ARRAY: &str = "rateLimitAll takes an array of limits";
        /// [`INVALID_ARGUMENT`]: `rateLimitAll` listing the limit `{s}` twice for one key.
        pub const RATE_LIMIT_TWICE: &str = "rate limit '{s}' is listed twice for the same key";
        /// [`INVALID_ARGUMENT`]: `decideRateLimits` given something else than an array.
        pub const DECIDE_RATE_LIMITS_ARRAY: &str = "decideRateLimits takes an array";
        /// [`INVALID_ARGUMENT`]: a pure decision's state whose `log` is not an array (no state
        /// a decision answers: every kind's has one, empty but a sliding log's).
        pub const RATE_LIMIT_STATE_LOG: &str = "a rate limit state is { t, a, b, log } as a decision answered it, and this one's log is not an array (pass the state, not the row that holds it)";
        /// [`INVALID_ARGUMENT`]: a pure decision's state that is `undefined` (a `useQuery` still
        /// loading answers it): `null` is a key with no stored state, `undefined` no answer yet.
        pub const RATE_LIMIT_STATE_UNDEFINED: &str = "a rate limit state is undefined: pass null for a key with no stored state, or wait for the state to load (useQuery answers undefined while it loads)";

        /// [`INVALID_ARGUMENT`]: a code's hash that is neither an `ArrayBuffer` nor a `Uint8Array`.
        pub const CONFIRMATION_HASH_BYTES: &str =
            "a confirmation hash must be an ArrayBuffer or a Uint8Array";
        /// [`INVALID_ARGUMENT`]: a stored code record whose hash is empty.
        pub const EMPTY_STORED_HASH: &str = "a stored confirmation hash is empty";
        /// [`INVALID_ARGUMENT`]: a code's binding field (or the code) `{s}` that is not a string.
        pub const CONFIRMATION_NOT_STRING: &str = "the confirmation {s} must be a string";
        /// [`INVALID_ARGUMENT`]: a code's binding field `{s}` holding a lone surrogate.
        pub const CONFIRMATION_SURROGATE: &str = "the confirmation {s} holds a lone surrogate";
        /// [`INVALID_ARGUMENT`]: `signCode` given something else than `codes.message`'s bytes.
        pub const SIGN_CODE_BYTES: &str = "signCode signs the bytes codes.message returns";

        /// [`INVALID_ARGUMENT`]: an audit trail filter that is not an object.
        pub const AUDIT_FILTER_OBJECT: &str = "an audit filter must be an object";
        /// [`INVALID_ARGUMENT`]: an audit trail filter naming a field `{s}` it does not have,
        /// then the ones it has, `{s}` (from the TypeScript's list, which decides).
        pub const UNKNOWN_AUDIT_FILTER: &str = "unknown audit filter '{s}' ({s})";
        /// [`INVALID_ARGUMENT`]: an audit trail filter's field `{s}` that is not a string.
        pub const AUDIT_FILTER_STRING: &str = "audit filter '{s}' must be a string";
        /// [`INVALID_ARGUMENT`]: an audit trail filter's bound `{s}` that is not a finite time.
        pub const AUDIT_FILTER_TIME: &str = "audit filter '{s}' must be a time in ms";
        /// [`INVALID_ARGUMENT`]: an audit event that is not an object.
        pub const AUDIT_EVENT_OBJECT: &str = "an audit event must be an object";
        /// [`INVALID_ARGUMENT`]: an audit event field that is given and not a string (`null`, a
        /// number, a boolean, an object): never stringified, never dropped.
        pub const AUDIT_EVENT_FIELDS: &str = "audit event fields are strings";
        /// [`INVALID_ARGUMENT`]: an audit event whose `action` or `outcome` is `""`.
        pub const AUDIT_EVENT_EMPTY: &str = "an audit event's action and outcome are not empty";
    }
}

/// The engine's exports and how they are called (`src/bindings`): plain functions over
/// numbers, an I/O area the engine owns, and objects addressed by handles.
///
/// - Inputs that are not numbers (strings, byte and number arrays) are written by JavaScript
///   into the I/O area, whose address `buffer(len)` returns after making it at least `len`
///   bytes long (its contents kept): strings as UTF-8 one after the other from byte 0, their
///   lengths passed as arguments; an array of `f64` (or of `u32` followed by one of `f64`)
///   starts at the next multiple of 8 bytes ([`align`]).
/// - Every export returns an `i32`: from 0 up, its answer (a handle, a count, a code, a
///   length, `buffer`'s address); [`ERROR`] when the engine refused the input, its error then
///   in the I/O area (`ERROR_*` layout); [`INVALID`] for a call no TypeScript layer makes (an
///   unknown handle or one of another kind, a length past the I/O area, text that is not
///   UTF-8, a call made while another runs; `buffer` answers that last one with 0, never an
///   address). Answers longer than a number are written into the I/O area from byte 0: bytes
///   (the return value is their count, or the handle of the policy `policy_compile` made, with
///   its "at least" table) or `f64`s (their count).
/// - Objects live in the engine, in a table: a handle is their index. `create(kind)` makes an
///   empty one of a `KIND_*`; `release(handle)` frees any; a builder's `build` consumes it,
///   whether it succeeds or the engine refuses the configuration ([`ERROR`]).
///
/// [`align`]: abi::align
/// [`ERROR`]: abi::ERROR
/// [`INVALID`]: abi::INVALID
pub mod abi {
    /// Returned when the engine refused the input: its error is in the I/O area.
    pub const ERROR: i32 = -1;
    /// Returned for a call the engine cannot make sense of (see the module docs): no engine
    /// error; the TypeScript layer throws a plain `Error`, which discards the instance.
    pub const INVALID: i32 = -2;
    /// A string length meaning "no string" (an omitted optional name).
    pub const ABSENT: u32 = u32::MAX;
    /// The most bytes of input the I/O area is made to hold (`buffer`'s `len`): 16 MiB, above
    /// any input the TypeScript layer makes within the engine's other bounds and Convex's
    /// argument limits. `buffer` refuses a longer one (it answers 0, which the TypeScript
    /// layer treats as a call that makes no sense) instead of growing the memory for it,
    /// which would never shrink again (or trap past 2 GiB); within it, it answers 0 too when
    /// the memory cannot grow to hold the input.
    pub const MAX_IO_BYTES: u32 = 1 << 24;
    /// `create` kind: an access levels builder (`levels_level`, `levels_build`).
    pub const KIND_LEVELS: u32 = 1;
    /// `create` kind: a rate limiter (`limiter_add`, ...).
    pub const KIND_LIMITER: u32 = 2;
    /// Error layout (`f64`s from byte 0): the index of its code in `ENGINE_ERROR_CODES`.
    pub const ERROR_CODE: usize = 0;
    /// Error layout: how many numbers follow the head (the numbers of its parts).
    pub const ERROR_NUMS: usize = 1;
    /// Error layout: how many texts follow them; then one length per text (a number), then
    /// the texts' UTF-8 bytes one after the other, from the next byte on.
    pub const ERROR_TEXTS: usize = 2;
    /// Error layout: numbers in the head; the parts' numbers start here.
    pub const ERROR_HEAD: usize = 3;
    /// `limiter_add` flag: a capacity is given.
    pub const HAS_CAPACITY: u32 = 1;
    /// `limiter_add` flag: shards are given.
    pub const HAS_SHARDS: u32 = 2;
    /// `codes_new` flag: the binding lockout's `maxFailures` is given.
    pub const HAS_BINDING_FAILURES: u32 = 1;
    /// `codes_new` flag: the binding lockout's window is given.
    pub const HAS_BINDING_WINDOW: u32 = 2;
    /// `codes_new` flag: the actor lockout's `maxFailures` is given.
    pub const HAS_ACTOR_FAILURES: u32 = 4;
    /// `codes_new` flag: the actor lockout's window is given.
    pub const HAS_ACTOR_WINDOW: u32 = 8;
    /// `codes_issue` flag: the code's own lifetime is given.
    pub const HAS_TTL: u32 = 1;

    /// Where an array of `f64`s starts after `bytes` bytes of input: the next multiple of 8.
    ///
    /// ```
    /// use convex_guard::wire::abi::align;
    /// assert_eq!((align(0), align(1), align(8), align(12)), (0, 8, 8, 16));
    /// ```
    pub const fn align(bytes: usize) -> usize {
        bytes.div_ceil(8) * 8
    }

    /// How a parameter of an operation crosses: every one crosses as an `f64` argument of the
    /// module's one function export, `run` ([`OPS`]).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Num {
        /// A `u32` (a handle, a length, a flag): JavaScript converts it as a wasm `i32`
        /// parameter always was (`x | 0`, ECMAScript's ToInt32) and the engine reads that
        /// integer back as unsigned: `u32::MAX` crosses as -1 and is read as `u32::MAX`.
        U32,
        /// An `f64` (a time, a rate, a level code): as it is.
        F64,
    }

    /// The most parameters an operation takes: `run` takes as many after the operation's id.
    pub const MAX_PARAMS: usize = 12;

    /// Every operation of the engine with its parameters, each returning an `i32` as the module
    /// docs say. The module exports one function for all of them but [`OWN_EXPORTS`] (besides
    /// its `memory` and its `random` table), `run(op, a0, ..., a11)`: `op` is the operation's
    /// index in this list, then its parameters, each an `f64` ([`Num`]). One export instead of
    /// one per operation: V8 makes a function object and an `exports` property per export at
    /// every instantiation, which every fresh Convex request pays (about 2.5 us each in Node
    /// 20). A test checks the
    /// list against the operations of `src/bindings`; the TypeScript layer calls them through
    /// the functions generated into `js/generated/wire.ts` (`opBuffer`, ...).
    pub const OPS: &[(&str, &[(&str, Num)])] = &[
        ("buffer", &[("len", Num::U32)]),
        ("create", &[("kind", Num::U32)]),
        ("release", &[("handle", Num::U32)]),
        ("is_secret_key", &[("len", Num::U32)]),
        (
            "policy_compile",
            &[
                ("roles", Num::U32),
                ("grants", Num::U32),
                ("build", Num::U32),
            ],
        ),
        ("policy_holders", &[("handle", Num::U32), ("len", Num::U32)]),
        ("levels_level", &[("handle", Num::U32), ("len", Num::U32)]),
        (
            "levels_build",
            &[
                ("handle", Num::U32),
                ("publicLen", Num::U32),
                ("shareLen", Num::U32),
            ],
        ),
        ("access_levels", &[("handle", Num::U32)]),
        ("access_info", &[("handle", Num::U32)]),
        (
            "access_resolve",
            &[
                ("handle", Num::U32),
                ("ints", Num::U32),
                ("times", Num::U32),
            ],
        ),
        (
            "access_can_share",
            &[
                ("handle", Num::U32),
                ("callerLevel", Num::F64),
                ("grantedLevel", Num::F64),
            ],
        ),
        (
            "access_can_transfer",
            &[("handle", Num::U32), ("source", Num::F64)],
        ),
        (
            "limiter_add",
            &[
                ("handle", Num::U32),
                ("kindLen", Num::U32),
                ("rate", Num::F64),
                ("period", Num::F64),
                ("capacity", Num::F64),
                ("shards", Num::F64),
                ("given", Num::U32),
            ],
        ),
        (
            "limiter_capacity",
            &[("handle", Num::U32), ("id", Num::U32)],
        ),
        ("limiter_io", &[("handle", Num::U32)]),
        (
            "limiter_decide",
            &[
                ("handle", Num::U32),
                ("n", Num::U32),
                ("now", Num::F64),
                ("mode", Num::U32),
            ],
        ),
        (
            "codes_new",
            &[
                ("alphabetLen", Num::U32),
                ("length", Num::F64),
                ("ttl", Num::F64),
                ("maxAttempts", Num::F64),
                ("bindingFailures", Num::F64),
                ("bindingWindow", Num::F64),
                ("actorFailures", Num::F64),
                ("actorWindow", Num::F64),
                ("given", Num::U32),
            ],
        ),
        (
            "codes_message",
            &[
                ("handle", Num::U32),
                ("actorLen", Num::U32),
                ("actionLen", Num::U32),
                ("targetLen", Num::U32),
                ("codeLen", Num::U32),
                ("mode", Num::U32),
            ],
        ),
        (
            "codes_verify",
            &[
                ("handle", Num::U32),
                ("hashLen", Num::U32),
                ("expiresAt", Num::F64),
                ("attemptsLeft", Num::U32),
                ("used", Num::U32),
                ("failures", Num::F64),
                ("lastFailure", Num::F64),
                ("actorFailures", Num::F64),
                ("actorLast", Num::F64),
                ("presentedLen", Num::U32),
                ("now", Num::F64),
            ],
        ),
        (
            "codes_issue",
            &[
                ("handle", Num::U32),
                ("hashLen", Num::U32),
                ("failures", Num::F64),
                ("lastFailure", Num::F64),
                ("now", Num::F64),
                ("ttl", Num::F64),
                ("given", Num::U32),
            ],
        ),
    ];

    /// The operations each also a function export of its own (the same name, its parameters as
    /// `i32`s and `f64`s), which the TypeScript layer calls instead of [`OPS`]'s `run`:
    /// - those of a fresh request's first permission check (`buffer`, `policy_compile`,
    ///   `policy_holders`): after a garbage collection V8 compiles each function at its first
    ///   call, and `run`, which passes many arguments, costs that first call about 0.1 ms to
    ///   compile (measured in Node 20), while three more exports cost every instantiation a few
    ///   microseconds;
    /// - a rate limit's decision (`limiter_decide`, modules with rate limits only), the hot call
    ///   of `decideRateLimits` and the builders' limits: through `run` (a call of 13 `f64`
    ///   parameters, their conversions, the dispatch, `finish`) it cost about 11 ns more per
    ///   decision (Node 20, a token bucket's decision alone in a loop: 75 ns, 64 on its own).
    ///   Instantiating the module measured the same with it (about 65 us either way).
    pub const OWN_EXPORTS: &[&str] = &[
        "buffer",
        "policy_compile",
        "policy_holders",
        "limiter_decide",
    ];

    /// The id of operation `name`: its index in [`OPS`], or `u32::MAX` (no operation) for a
    /// name it lacks (tests/wire.rs checks that every name the bindings dispatch is listed).
    pub const fn op(name: &str) -> u32 {
        let mut rest = OPS;
        let mut id = 0;
        while let Some(((listed, _), tail)) = rest.split_first() {
            if same(listed.as_bytes(), name.as_bytes()) {
                return id;
            }
            rest = tail;
            id += 1;
        }
        u32::MAX
    }

    /// `a == b`, in a `const fn`.
    const fn same(mut a: &[u8], mut b: &[u8]) -> bool {
        loop {
            match (a.split_first(), b.split_first()) {
                (Some((x, ra)), Some((y, rb))) if *x == *y => (a, b) = (ra, rb),
                (None, None) => return true,
                _ => return false,
            }
        }
    }
}

/// One value of an engine error as it crosses to JavaScript (see [`error_parts`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Part<'a> {
    /// A number: the count of templates, a template id, or a value for `{n}`.
    Num(f64),
    /// A value for `{s}`.
    Text(&'a str),
}

/// What an engine error carries to JavaScript instead of its message (the `parts` property
/// of the thrown `Error`), given to `each` in order: `[count, ...template ids, ...numbers,
/// ...texts]`, which `fillEngineMessage` in `js/generated/wire.ts` (with the module's table of
/// templates, `js/generated/messages.ts`) turns into exactly
/// [`Error::message`].
///
/// ```
/// use convex_guard::error::{Error, Msg};
/// use convex_guard::wire::{error_parts, Part};
/// let e = Error::argument(&[Msg::NoSuchShard], &[], &[3, 2]);
/// let mut parts = Vec::new();
/// error_parts(&e, |p| parts.push(p));
/// let id = f64::from(Msg::NoSuchShard as u8);
/// assert_eq!(parts, [Part::Num(1.0), Part::Num(id), Part::Num(3.0), Part::Num(2.0)]);
/// ```
pub fn error_parts<'a>(e: &'a Error, mut each: impl FnMut(Part<'a>)) {
    each(Part::Num(e.parts().len() as f64));
    for &m in e.parts() {
        each(Part::Num(f64::from(m as u8)));
    }
    for &n in e.nums() {
        // Every number in a message is below 2^53 (a bound, a length, an index): exact.
        each(Part::Num(n as f64));
    }
    for t in e.texts() {
        each(Part::Text(t));
    }
}

/// The TypeScript twin of this module: the text of `js/generated/wire.ts`.
///
/// Numbers are written as the decision modules define them; where a value is a rule, the
/// rule's own function is asked (the ids of the first role and level, "at least this level"
/// as a table). Native builds only: it formats freely and is never part of the wasm.
#[cfg(not(target_arch = "wasm32"))]
pub fn typescript() -> String {
    render::typescript()
}

/// The engine's message templates, one file per module, by file name under `js/generated/`:
/// `messages.ts`, every template (the full module's, which the server entry loads);
/// `messages-roles.ts`, those the roles-only module can send (names, roles and permissions);
/// `messages-client.ts`, those of the client module (also access levels, times and rate
/// limits; no codes, no randomness). Each smaller table is a prefix of the full one (the ids
/// stay the same); a browser entry's build reads its own instead of `messages.ts`. Each with
/// how many templates it holds. The codes and the rule that fills a template are
/// [`typescript`]'s (`ENGINE_ERROR_CODES`, `fillEngineMessage`), written once.
#[cfg(not(target_arch = "wasm32"))]
pub fn typescript_messages() -> [(&'static str, usize, String); 3] {
    render::messages()
}

#[cfg(not(target_arch = "wasm32"))]
mod render {
    use crate::access::{Access, Denial, Levels, Source, DENIALS, SOURCES};
    use crate::codes::OUTCOMES;
    use crate::error::Msg;
    use crate::ratelimit::{Kind, MAX_LOG_RATE};
    use crate::{time, wire};
    use std::fmt::Write;

    /// A JavaScript string literal (the names written here are ASCII without quotes).
    fn q(s: &str) -> String {
        format!("{s:?}")
    }

    fn list<T>(items: &[T], each: impl Fn(&T) -> String) -> String {
        let parts: Vec<String> = items.iter().map(each).collect();
        format!("[{}] as const", parts.join(", "))
    }

    struct Out(String);

    impl Out {
        fn doc(&mut self, doc: &str) {
            let _ = writeln!(self.0, "/** {doc} */");
        }
        fn num(&mut self, name: &str, value: impl std::fmt::Display, doc: &str) {
            self.doc(doc);
            let _ = writeln!(self.0, "export const {name} = {value};");
        }
        fn text(&mut self, name: &str, value: &str, doc: &str) {
            self.doc(doc);
            let _ = writeln!(self.0, "export const {name} = {};", q(value));
        }
        /// [`Out::num`] for each row of a table of constants.
        fn nums<T: std::fmt::Display>(&mut self, rows: &[(&str, T, &str)]) {
            for (name, value, doc) in rows {
                self.num(name, value, doc);
            }
        }
        fn raw(&mut self, name: &str, value: &str, doc: &str) {
            self.doc(doc);
            let _ = writeln!(self.0, "export const {name} = {value};");
        }
        /// Named offsets as a `const enum`: the package's build inlines each use as its number
        /// (esbuild), so no object is made when the package is evaluated, which every fresh
        /// Convex request pays for each property of each object.
        fn offsets(&mut self, name: &str, fields: &[(&str, usize)], doc: &str) {
            self.doc(doc);
            let fields: Vec<String> = fields.iter().map(|(f, at)| format!("{f} = {at}")).collect();
            let _ = writeln!(
                self.0,
                "export const enum {name} {{ {} }}",
                fields.join(", ")
            );
        }
        fn section(&mut self, title: &str) {
            let _ = writeln!(self.0, "\n// {title}\n");
        }
    }

    /// `ranges` (inclusive ranges of code points) as the body of a JavaScript character class
    /// with the `u` flag.
    fn class(ranges: &[(u32, u32)]) -> String {
        ranges
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    format!("\\u{{{lo:x}}}")
                } else {
                    format!("\\u{{{lo:x}}}-\\u{{{hi:x}}}")
                }
            })
            .collect()
    }

    /// The pattern `subdivision_flag_len` of `src/access.rs` recognises, as JavaScript `RegExp`
    /// source (with the `u` flag).
    fn subdivision_flag() -> String {
        use wire::access as ac;
        let one = |c: u32| format!("\\u{{{c:x}}}");
        let tag = |a: u8| ac::TAG_OFFSET + u32::from(a);
        let span = |lo: u8, hi: u8| format!("{}-{}", one(tag(lo)), one(tag(hi)));
        let (letters, digits) = (span(b'a', b'z'), span(b'0', b'9'));
        format!(
            "{}(?:[{letters}]{{2}}|[{digits}]{{3}})[{digits}{letters}]{{1,4}}{}",
            one(ac::FLAG_BASE.into()),
            one(ac::CANCEL_TAG.into()),
        )
    }

    /// `listing_page_items` for 0, 1, ... groups, up to its first 1 (every larger count gives 1).
    fn listing_page_table() -> String {
        let mut rows = Vec::new();
        for groups in 0.. {
            let items = crate::access::listing_page_items(groups);
            rows.push(items.to_string());
            if items == 1 {
                break;
            }
        }
        format!("[{}] as const", rows.join(", "))
    }

    /// `table[required]` has bit `level` set when an access at `level` is at least `required`
    /// ([`Access::allows`], asked for every pair of levels).
    fn at_least_table() -> String {
        let max = crate::access::MAX_LEVELS as u8;
        let rows: Vec<String> = (0..=max)
            .map(|required| {
                let bits = (0..=max)
                    .filter(|&level| {
                        Access {
                            level,
                            source: Source::Owner,
                            via: Some(0),
                        }
                        .allows(required)
                    })
                    .fold(0u32, |acc, level| acc | 1 << level);
                format!("0x{bits:x}")
            })
            .collect();
        format!("[{}] as const", rows.join(", "))
    }

    /// The columns of an access batch ([`wire::access::INT_COLUMNS`], then
    /// [`wire::access::BYTE_COLUMNS`], as `split` reads them) by name, in order, each with
    /// where it starts (`[docs, grants]`: `docs * n + grants * m` after the head); where they
    /// end; and the type of each one's count.
    fn access_columns() -> (String, String, String) {
        use wire::access::{Per, BYTE_COLUMNS, INT_COLUMNS};
        let ints = INT_COLUMNS.iter().map(|&(c, per)| (c.name(), per));
        let bytes = BYTE_COLUMNS.iter().map(|&(c, per)| (c.name(), per));
        let (mut docs, mut grants) = (0, 0);
        let (mut starts, mut counts) = (Vec::new(), Vec::new());
        for (name, per) in ints.chain(bytes) {
            starts.push(format!("{name}: [{docs}, {grants}]"));
            counts.push(format!("{name}: {}", q(per.name())));
            match per {
                Per::Document => docs += 1,
                Per::Grant => grants += 1,
            }
        }
        (
            format!("{{ {} }} as const", starts.join(", ")),
            format!("[{docs}, {grants}] as const"),
            format!("{{ {} }}", counts.join("; ")),
        )
    }

    /// The id the policy gives its first role (asked of a compiled policy).
    fn first_role() -> u32 {
        let mut b = crate::policy::PolicyBuilder::default();
        let policy = b
            .role("a")
            .and_then(|()| b.role("b"))
            .and_then(|()| b.clone().build());
        let first = policy.ok().and_then(|p| p.role_index("a"));
        first.unwrap_or(u32::MAX)
    }

    /// The id compiled levels give their first level.
    fn first_level() -> u8 {
        let levels = Levels::standard();
        levels
            .names()
            .first()
            .and_then(|n| levels.level(n).ok())
            .unwrap_or(u8::MAX)
    }

    pub(super) fn typescript() -> String {
        let mut o = Out(String::new());
        o.0.push_str(
            "// Generated from src/wire.rs by `make wire` (cargo test --test wire fails when this file is stale).\n\
             // Do not edit: change the Rust definition and run `make wire`.\n\
             /* eslint-disable */\n\n\
             /** `true` exactly when `A` and `B` are the same union: a hand-written public union (a\n \
             * documented type) is checked against the wire with `const x: Same<Public, Wire> = true`. */\n\
             export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;\n",
        );

        o.section("time");
        o.num(
            "MAX_TIME_MS",
            time::MAX_TIME_MS as u64,
            "Largest time the engine accepts, in ms since the epoch (the largest `Date`).",
        );

        o.section("roles and permissions");
        o.num(
            "NO_ROLE",
            wire::policy::NO_ROLE,
            "The role id the engine reads as \"no role\": unknown, missing or not a string.",
        );
        let first = first_role();
        assert_eq!(
            first,
            wire::policy::FIRST_ROLE,
            "the policy's first role id"
        );
        o.num(
            "FIRST_ROLE",
            first,
            "The id of the first (lowest) role; each next role's id is one more.",
        );
        o.num(
            "MAX_ROLES",
            crate::policy::MAX_ROLES as u64,
            "Most roles a policy declares: the engine refuses the next one.",
        );
        o.num(
            "MAX_GRANTS",
            crate::policy::MAX_GRANTS as u64,
            "Most grants a policy makes: the engine refuses the next one.",
        );
        o.num(
            "MAX_INTERNED",
            crate::policy::MAX_INTERNED as u64,
            "Most permission names whose decisions are cached per compiled policy; past it each name is decided afresh.",
        );
        o.text(
            "ENGINE_VERSION",
            env!("CARGO_PKG_VERSION"),
            "The engine's version: a compiled policy's tables (`npx convex-guard compile`) are used only by the version that computed them.",
        );

        o.section("rate limits");
        o.raw(
            "RATE_LIMIT_KINDS",
            &list(
                &[
                    Kind::SlidingWindow,
                    Kind::SlidingLog,
                    Kind::TokenBucket,
                    Kind::FixedWindow,
                ],
                |k| q(k.name()),
            ),
            "The kinds of limit, by their configuration names.",
        );
        o.text(
            "DEFAULT_RATE_LIMIT_KIND",
            Kind::default().name(),
            "The kind of a limit whose configuration names none.",
        );
        o.num(
            "DEFAULT_SHARDS",
            wire::ratelimit::DEFAULT_SHARDS,
            "Shards of a limit whose configuration names none.",
        );
        o.num(
            "MAX_SHARDS",
            wire::ratelimit::MAX_SHARDS,
            "Most shards one limit may be spread over.",
        );
        o.num(
            "MAX_LOG_RATE",
            MAX_LOG_RATE,
            "Largest rate of a sliding log.",
        );
        o.num(
            "MAX_RATE_LIMIT_KEY_LENGTH",
            crate::ratelimit::MAX_KEY_LENGTH,
            "Longest rate-limit key, in UTF-16 code units (the engine never sees keys).",
        );
        use wire::ratelimit as rl;
        let io: [(&str, usize, &str); 26] = [
            (
                "RL_MAX_BATCH",
                rl::MAX_BATCH,
                "Most requests one decision takes.",
            ),
            ("RL_IN", rl::IN, "Numbers per request record."),
            (
                "RL_IN_LIMIT",
                rl::IN_LIMIT,
                "Request record: the limit's id.",
            ),
            ("RL_IN_SHARD", rl::IN_SHARD, "Request record: the shard."),
            ("RL_IN_COUNT", rl::IN_COUNT, "Request record: the cost."),
            (
                "RL_IN_HAS_STATE",
                rl::IN_HAS_STATE,
                "Request record: 1 when a state follows, 0 for a fresh key.",
            ),
            ("RL_IN_T", rl::IN_T, "Request record: the state's `t`."),
            ("RL_IN_A", rl::IN_A, "Request record: the state's `a`."),
            ("RL_IN_B", rl::IN_B, "Request record: the state's `b`."),
            (
                "RL_IN_LOG_LEN",
                rl::IN_LOG_LEN,
                "Request record: the state's log length.",
            ),
            (
                "RL_LOGS_AT",
                rl::LOGS_AT,
                "Where the request log slots start.",
            ),
            ("RL_LOG", rl::LOG, "Numbers per request log slot."),
            ("RL_OUT_AT", rl::OUT_AT, "Where the answer starts."),
            (
                "RL_ANSWER_OK",
                rl::ANSWER_OK,
                "Answer head: 1 when every request was admitted.",
            ),
            (
                "RL_ANSWER_RETRY_AFTER",
                rl::ANSWER_RETRY_AFTER,
                "Answer head: the largest retry after.",
            ),
            (
                "RL_ANSWER_HEAD",
                rl::ANSWER_HEAD,
                "Numbers in the answer head.",
            ),
            ("RL_OUT", rl::OUT, "Numbers per decision record."),
            ("RL_OUT_OK", rl::OUT_OK, "Decision record: 1 when admitted."),
            (
                "RL_OUT_REMAINING",
                rl::OUT_REMAINING,
                "Decision record: what remains.",
            ),
            (
                "RL_OUT_RETRY_AFTER",
                rl::OUT_RETRY_AFTER,
                "Decision record: ms until a retry can pass.",
            ),
            (
                "RL_OUT_WRITE",
                rl::OUT_WRITE,
                "Decision record: 1 when a state must be written.",
            ),
            (
                "RL_OUT_T",
                rl::OUT_T,
                "Decision record: the new state's `t`.",
            ),
            (
                "RL_OUT_A",
                rl::OUT_A,
                "Decision record: the new state's `a`.",
            ),
            (
                "RL_OUT_B",
                rl::OUT_B,
                "Decision record: the new state's `b`.",
            ),
            (
                "RL_OUT_LOG_LEN",
                rl::OUT_LOG_LEN,
                "Decision record: the new state's log length.",
            ),
            (
                "RL_OUT_LOGS_AT",
                rl::OUT_LOGS_AT,
                "Where the answer's log slots start.",
            ),
        ];
        o.nums(&io);
        o.num(
            "RL_OUT_LOG",
            rl::OUT_LOG,
            "Numbers per log slot of the answer.",
        );
        o.num("RL_IO_LEN", rl::IO_LEN, "Numbers in the I/O buffer.");
        o.nums(&[
            (
                "RL_CHECK",
                rl::CHECK,
                "`mode` of a decision that takes nothing (a cost from 0).",
            ),
            (
                "RL_CONSUME",
                rl::CONSUME,
                "`mode` of a pure decision that consumes (a cost from 0: 0 looks).",
            ),
            (
                "RL_TAKE",
                rl::TAKE,
                "`mode` of a decision that consumes in the table (a cost from 1).",
            ),
        ]);

        o.section("access levels");
        use wire::access as ac;
        o.raw(
            "ACCESS_STANDARD_LEVELS",
            &list(&crate::access::STANDARD_LEVELS, |l| q(l)),
            "The levels of an access configuration that declares none, lowest first (the last is the owner's).",
        );
        o.raw(
            "ACCESS_SOURCES",
            &list(&SOURCES, |s| q(s.name())),
            "Which rule gave a level, by code (index).",
        );
        // By denial code (index); code 0 is "allowed", written `null`.
        // A text per denial, by code, cast `as` the type given: the names `const`, the
        // messages each a `ClientMessage` (`deny` takes them as they are).
        let by_denial = |f: fn(Denial) -> &'static str, cast: &str| {
            let parts: Vec<String> = DENIALS.iter().map(|&d| q(f(d))).collect();
            format!("[null, {}] as {cast}", parts.join(", "))
        };
        let messages = "readonly (ClientMessage | null)[]";
        o.raw(
            "ACCESS_DENIALS",
            &by_denial(Denial::name, "const"),
            "Why sharing or a transfer is refused, by code (index; 0 is allowed).",
        );
        o.raw(
            "ACCESS_DENIAL_MESSAGES",
            &by_denial(Denial::message, messages),
            "What the client is told for each denial, by code (index).",
        );
        o.raw(
            "ACCESS_GROUP_DENIAL_MESSAGES",
            &by_denial(Denial::group_message, messages),
            "What the client is told for each denial when it refuses managing a group's members.",
        );
        assert!(DENIALS
            .iter()
            .enumerate()
            .all(|(i, d)| usize::from(d.code()) == i + 1));
        assert!(SOURCES
            .iter()
            .enumerate()
            .all(|(i, s)| usize::from(s.code()) == i));
        let access: [(&str, u64, &str); 18] = [
            (
                "ACCESS_ALLOWED",
                ac::ALLOWED.into(),
                "`canShare` / `canTransfer`: allowed (else a denial code).",
            ),
            (
                "ACCESS_NOT_A_CODE",
                ac::NOT_A_CODE.into(),
                "A code that is never valid: `canShare`'s answer when a level is not a level.",
            ),
            (
                "ACCESS_STALE_LEVEL",
                ac::STALE.into(),
                "A stored grant's level whose name is no longer configured: the engine reads the grant as giving nothing.",
            ),
            (
                "NO_LEVEL",
                ac::NO_LEVEL.into(),
                "The level \"no access\" in answers.",
            ),
            (
                "FIRST_LEVEL",
                first_level().into(),
                "The id of the first (lowest) configured level; each next level's id is one more.",
            ),
            (
                "NO_SUBJECT",
                ac::NO_SUBJECT.into(),
                "The caller id of an anonymous caller (matches nobody).",
            ),
            (
                "NO_PARENT",
                ac::NO_PARENT.into(),
                "The parent of a document that has none in the batch.",
            ),
            (
                "NO_VIA",
                ac::NO_VIA.into(),
                "`via` of a packed answer without access.",
            ),
            (
                "ACCESS_FIELD_MASK",
                ((1u64 << ac::FIELD_BITS) - 1),
                "Mask of the level and source fields of a packed answer.",
            ),
            (
                "ACCESS_SOURCE_SHIFT",
                ac::SOURCE_SHIFT.into(),
                "Where the source starts in a packed answer.",
            ),
            (
                "ACCESS_VIA_SHIFT",
                ac::VIA_SHIFT.into(),
                "Where `via` starts in a packed answer.",
            ),
            (
                "PRIVATE",
                ac::PRIVATE.into(),
                "The public flag of a document that is not public.",
            ),
            (
                "PUBLIC",
                ac::PUBLIC.into(),
                "The public flag of a public document.",
            ),
            (
                "GRANT_DIRECT",
                ac::GRANT_DIRECT.into(),
                "Grant kind: to one user.",
            ),
            (
                "GRANT_GROUP",
                ac::GRANT_GROUP.into(),
                "Grant kind: to a group.",
            ),
            (
                "MAX_LEVELS",
                ac::MAX_LEVELS as u64,
                "Most access levels a configuration may declare.",
            ),
            (
                "MAX_PARENT_DEPTH",
                ac::MAX_PARENT_DEPTH as u64,
                "How many steps up the parent chain inheritance reaches.",
            ),
            (
                "MAX_CALLER_GROUPS",
                ac::MAX_CALLER_GROUPS as u64,
                "Most groups a caller may belong to.",
            ),
        ];
        assert_eq!(first_level(), ac::FIRST_LEVEL, "the first level's id");
        o.nums(&access);
        o.num(
            "MAX_BATCH_DOCUMENTS",
            ac::MAX_BATCH_DOCUMENTS,
            "Most documents (asked about plus ancestors) in one resolution.",
        );
        o.num(
            "MAX_DELETE_GRANTS",
            ac::MAX_DELETE_GRANTS,
            "Most grants `deleteDocument` removes with their document in one mutation.",
        );
        o.num(
            "MAX_GROUP_NAME_LEN",
            ac::MAX_GROUP_NAME_LEN,
            "Longest group name, in UTF-16 code units.",
        );
        o.doc(
            "Any character a group name may not hold outside a subdivision flag (controls, \
             invisible and bidirectional formatting characters, tags): `GROUP_NAME_FORBIDDEN` of \
             `src/access.rs`.",
        );
        let forbidden = class(ac::GROUP_NAME_FORBIDDEN);
        let _ = writeln!(o.0, "export const GROUP_NAME_FORBIDDEN = /[{forbidden}]/u;");
        o.text(
            "GROUP_NAME_BLANK",
            &class(crate::unicode::BLANK),
            "The characters that show nothing of their own, as the body of a character class \
             (`[^...]` with the `u` flag matches one that shows): `BLANK` of `src/unicode.rs` \
             (whitespace, default-ignorable code points, combining marks, U+2800). A group name \
             needs one character outside it. A string, made a `RegExp` at first use: the class \
             is long, and a context that checks no group name never parses it.",
        );
        o.text(
            "GROUP_NAME_DETACHED",
            &class(crate::unicode::BLANK_DETACHED),
            "The characters of `GROUP_NAME_BLANK` that do not attach to the character before \
             them, as the body of a character class: `BLANK_DETACHED` of `src/unicode.rs` (all \
             but the combining marks and the joiners). A group name may not start with a \
             character of `GROUP_NAME_BLANK` outside it.",
        );
        o.text(
            "GROUP_NAME_FLAG",
            &subdivision_flag(),
            "A subdivision flag, as the source of a `RegExp` (flags `gu`): the black flag, a \
             subdivision code in tag characters (two letters or three digits, then one to four \
             letters or digits), the cancel tag (`subdivision_flag_len` of `src/access.rs`). The \
             only place a group name may hold tags: removed before `GROUP_NAME_FORBIDDEN` is \
             tested.",
        );
        o.num(
            "MAX_PAGE_ITEMS",
            ac::MAX_PAGE_ITEMS,
            "Largest page a listing returns.",
        );
        o.raw(
            "LISTING_PAGE_ITEMS",
            &listing_page_table(),
            "Entry `g`: the most documents a `listAccessible` page lists for a caller in `g` groups (`listing_page_items` of `src/access.rs`, within `LISTING_READ_BUDGET` reads); the table ends at the first 1, which every larger count gives too.",
        );
        o.0.push_str(
            "/** The most documents a `listAccessible` page lists for a caller in `groups` groups (looked up in {@link LISTING_PAGE_ITEMS}). */\n\
             export function listingPageItems(groups: number): number {\n  \
             return (LISTING_PAGE_ITEMS as readonly number[])[groups] ?? 1;\n\
             }\n",
        );
        o.offsets(
            "ACCESS_HEAD",
            &[
                ("caller", ac::CALLER),
                ("groupCount", ac::GROUP_COUNT),
                ("groups", ac::GROUPS),
                ("documentCount", ac::DOCUMENT_COUNT),
                ("grantCount", ac::GRANT_COUNT),
                ("length", ac::HEAD),
            ],
            "The head of an access batch's `ints` (`wire::access::CALLER` and the next constants): each field's index, the caller's `g` group ids from `groups` on, and a field at or after `groups` `g` further on (`ints[g + documentCount]` is `n`); the columns start at `g + length`.",
        );
        o.offsets(
            "ACCESS_TIMES",
            &[("now", ac::NOW), ("expiries", ac::EXPIRIES)],
            "An access batch's `times`: `now` at `now`, the `m` expiry times from `expiries` on, then a share request, if any ({@link ACCESS_REQUEST}).",
        );
        o.offsets(
            "ACCESS_REQUEST",
            &[
                ("doc", ac::REQUEST_DOC),
                ("level", ac::REQUEST_LEVEL),
                ("expiresAt", ac::REQUEST_EXPIRES_AT),
                ("expiry", ac::REQUEST_EXPIRY),
                ("length", ac::REQUEST_LEN),
            ],
            "A share request, after an access batch's expiry times: the index of each of its fields (the document's index in the batch, the level to grant, the requested expiry, whether one is asked for: {@link ACCESS_EXPIRY_ASKED} or {@link ACCESS_EXPIRY_NONE}) and its length.",
        );
        o.num(
            "ACCESS_EXPIRY_NONE",
            ac::EXPIRY_NONE,
            "A share request's `expiry`: none asked for, the grant never expires.",
        );
        o.num(
            "ACCESS_EXPIRY_ASKED",
            ac::EXPIRY_ASKED,
            "A share request's `expiry`: the one at `expiresAt` is asked for (refused unless it is a time).",
        );
        let (columns, end, counts) = access_columns();
        o.raw(
            "ACCESS_COLUMNS",
            &columns,
            "The columns of an access batch's `ints` after its head (the caller, the group count and ids, the counts `n` and `m`), in order (`wire::access::INT_COLUMNS`, then `BYTE_COLUMNS`): column `c` starts `ACCESS_COLUMNS[c][0] * n + ACCESS_COLUMNS[c][1] * m` numbers after the head (`n` documents, `m` grants).",
        );
        o.raw(
            "ACCESS_COLUMNS_END",
            &end,
            "Where the columns of an access batch end: `ACCESS_COLUMNS_END[0] * n + ACCESS_COLUMNS_END[1] * m` numbers after the head.",
        );
        o.doc("Each column's count (see {@link ACCESS_COLUMNS}): one number per document (`n` of them) or per grant (`m`).");
        let _ = writeln!(o.0, "export type AccessColumnCounts = {counts};");
        o.raw(
            "ACCESS_AT_LEAST",
            &at_least_table(),
            "Row `required`, bit `level`: whether access at `level` is at least `required` (the engine's `Access::allows`, for every pair).",
        );
        o.0.push_str(
            "/** Whether access at `level` is at least `required` (looked up in {@link ACCESS_AT_LEAST}: anything else is no). */\n\
             export function atLeast(level: number, required: number): boolean {\n  \
             const row: number | undefined = (ACCESS_AT_LEAST as readonly number[])[required];\n  \
             return row !== undefined && level >= 0 && level <= MAX_LEVELS && ((row >>> level) & 1) === 1;\n\
             }\n",
        );

        o.section("confirmation codes");
        o.raw(
            "CODE_OUTCOMES",
            &list(&OUTCOMES, |c| q(c.reason())),
            "Why a verification ended as it did, by code (index).",
        );
        assert!(OUTCOMES
            .iter()
            .enumerate()
            .all(|(i, c)| usize::from(c.code()) == i));
        use wire::codes as cd;
        o.text(
            "CODE_DEFAULT_ALPHABET",
            cd::DEFAULT_ALPHABET,
            "The alphabet of a code by default, by name.",
        );
        o.num(
            "CODE_DEFAULT_LENGTH",
            cd::DEFAULT_LENGTH,
            "Symbols per code by default.",
        );
        o.num(
            "CODE_DEFAULT_TTL_MS",
            cd::DEFAULT_TTL_MS as u64,
            "Lifetime of a code by default, in ms.",
        );
        o.num(
            "CODE_DEFAULT_MAX_ATTEMPTS",
            cd::DEFAULT_MAX_ATTEMPTS,
            "Wrong attempts after which a code is void, by default.",
        );
        o.text(
            "CODE_CLIENT_ERROR",
            cd::CLIENT_ERROR_CODE,
            "The one error code a client sees for every failed verification.",
        );
        o.raw(
            "CODE_CLIENT_MESSAGE",
            &format!("{} as ClientMessage", q(cd::CLIENT_ERROR_MESSAGE)),
            "The message a client sees with it.",
        );
        o.num(
            "CODE_MESSAGE",
            cd::MESSAGE,
            "`message` mode: the bytes to sign for an exact code.",
        );
        o.num(
            "CODE_TYPED",
            cd::TYPED,
            "`message` mode: the same for a code a person typed.",
        );
        o.num("CODE_GENERATE", cd::GENERATE, "`message` mode: a new code.");
        o.num(
            "CODE_USED_NO",
            cd::USED_NO,
            "`verify`'s `used`: false, or no record.",
        );
        o.num("CODE_USED_YES", cd::USED_YES, "`verify`'s `used`: true.");
        o.num(
            "CODE_USED_MALFORMED",
            cd::USED_MALFORMED,
            "`verify`'s `used`: a stored flag that is not a boolean (refused).",
        );
        o.num(
            "CODE_WITH_RECORD",
            cd::WITH_RECORD,
            "Length of a `verify` answer carrying the record to store back.",
        );
        o.num(
            "CODE_WITH_ACTOR",
            cd::WITH_ACTOR,
            "Length of a `verify` answer also carrying the actor's count.",
        );
        o.offsets(
            "CODE_ANSWER",
            &cd::ANSWER,
            "Where each number of a `verify` or `issue` answer is.",
        );

        client(&mut o);
        abi(&mut o);
        engine_errors(&mut o);
        o.0
    }

    /// The placeholders of a client message's template, in order: each with its place in the
    /// text, itself, and the TypeScript type of its value (`{s}` a text, `{n}` a number).
    fn holes(t: &str) -> Vec<(usize, &'static str, &'static str)> {
        let mut holes: Vec<_> = [("{s}", "string"), ("{n}", "number")]
            .into_iter()
            .flat_map(|(h, ty)| t.match_indices(h).map(move |(at, _)| (at, h, ty)))
            .collect();
        holes.sort_unstable();
        holes
    }

    /// A client message's template as a TypeScript template literal, its placeholders filled in
    /// order with the expressions `values` (the templates hold no backtick, `$` or backslash).
    fn fill(t: &str, values: &[&str]) -> String {
        assert!(!t.contains(['`', '$', '\\']), "{t}");
        let holes = holes(t);
        assert_eq!(holes.len(), values.len(), "{t}");
        let (mut out, mut from) = (String::from("`"), 0);
        for ((at, hole, _), value) in holes.into_iter().zip(values) {
            let _ = write!(out, "{}${{{value}}}", t.get(from..at).unwrap_or_default());
            from = at + hole.len();
        }
        let _ = write!(out, "{}`", t.get(from..).unwrap_or_default());
        out
    }

    /// `ROLE_REQUIRED` as `RoleRequired`, `policy_new` as `PolicyNew`.
    fn pascal(name: &str) -> String {
        let mut out = String::new();
        for word in name.split('_') {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(&chars.as_str().to_ascii_lowercase());
            }
        }
        out
    }

    /// `ROLE_REQUIRED` as `roleRequired`.
    fn camel(name: &str) -> String {
        let pascal = pascal(name);
        let mut chars = pascal.chars();
        let first = chars.next().map(|c| c.to_ascii_lowercase());
        first.into_iter().chain(chars).collect()
    }

    /// What a client is told ([`wire::client`]): its codes; the type of a message,
    /// `ClientMessage` (branded: only this file makes one, so `deny` refuses a text typed in
    /// js/); the messages without placeholders
    /// as the members of one `const enum`, `CLIENT_MESSAGE` (the package's build writes each
    /// text where it is used, as it does the offsets: a bundle holds only the texts it sends,
    /// and no object); each template as a function of its values (`v`, or `v1`, `v2`, ... in
    /// order), named in camelCase; each with its doc comment. Then the two templates whose
    /// choice is a rule: `tryAgainIn` ([`wire::client::TRY_AGAIN`]) and `quoted`
    /// ([`wire::client::QUOTED`]).
    fn client(o: &mut Out) {
        use wire::client as cl;
        o.section("what a client is told (ConvexError data)");
        o.raw(
            "GUARD_ERROR_CODES",
            &list(&cl::CODES, |c| q(c)),
            "Every `code` convex-guard puts in `ConvexError` data.",
        );
        // A doc comment, its intra-doc links as plain code; a `*/` in it would end the comment.
        let doc = |m: &cl::Message| {
            let doc = m
                .doc
                .trim()
                .replace("[`", "`")
                .replace("`]", "`")
                .replace("*/", "*\\/");
            format!("`client::{}`: {doc}", m.name)
        };
        let (texts, templates): (Vec<&cl::Message>, Vec<&cl::Message>) =
            cl::MESSAGES.iter().partition(|m| holes(m.text).is_empty());
        o.0.push_str(
            "/** The brand of a `ClientMessage` made here: it is never a value, only a type. */\n\
             declare const AUTHORED: unique symbol;\n\
             /**\n * A message a Convex client may be sent: a member of `CLIENT_MESSAGE`, or a text this file\n \
             * types as one (the templates below, the access denials' messages, `CODE_CLIENT_MESSAGE`,\n \
             * `fillEngineMessage`). `deny` and every helper that hands it a message take nothing else,\n \
             * so a message typed in js/ does not compile: author it in src/wire.rs (`wire::client`).\n */\n\
             export type ClientMessage = CLIENT_MESSAGE | (string & { readonly [AUTHORED]: true });\n",
        );
        o.doc("Every message without a value a client may be sent, by its name in `wire::client`.");
        o.0.push_str("export const enum CLIENT_MESSAGE {\n");
        for m in texts {
            let _ = writeln!(o.0, "  /** {} */\n  {} = {},", doc(m), m.name, q(m.text));
        }
        o.0.push_str("}\n");
        for m in templates {
            let holes = holes(m.text);
            let names: Vec<String> = match holes.len() {
                1 => vec!["v".to_string()],
                n => (1..=n).map(|i| format!("v{i}")).collect(),
            };
            let params: Vec<String> = (names.iter().zip(&holes))
                .map(|(v, (_, _, ty))| format!("{v}: {ty}"))
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let body = fill(m.text, &names);
            let params = params.join(", ");
            o.raw(
                &camel(m.name),
                &format!("({params}) => {body} as ClientMessage"),
                &doc(m),
            );
        }
        let [one, other] = cl::TRY_AGAIN.map(|t| fill(t, &["v"]));
        o.raw(
            "tryAgainIn",
            &format!("(v: number) => (v === 1 ? {one} : {other}) as ClientMessage"),
            "`client::TRY_AGAIN`: `RATE_LIMITED`'s message, try again in `v` whole seconds.",
        );
        let [string, other] = cl::QUOTED;
        let (string, other) = (
            fill(string, &["v"]),
            fill(other, &["v === null ? \"null\" : typeof v"]),
        );
        o.raw(
            "quoted",
            &format!("(v: unknown): string => (typeof v === \"string\" ? {string} : {other})"),
            "`client::QUOTED`: `v` for a message's `{s}`, quoted when it is a string, else only its type (no `toString` runs).",
        );
    }

    /// The engine's calling convention ([`wire::abi`]): its statuses, kinds, layouts and the
    /// type of its exports.
    fn abi(o: &mut Out) {
        use wire::abi as ab;
        o.section("the engine's exports (src/bindings)");
        let statuses: [(&str, i32, &str); 2] = [
            (
                "ABI_ERROR",
                ab::ERROR,
                "An export refused its input: the engine error is in the I/O area.",
            ),
            (
                "ABI_INVALID",
                ab::INVALID,
                "An export could not make sense of the call: discard the instance.",
            ),
        ];
        o.nums(&statuses);
        let numbers: [(&str, u64, &str); 15] = [
            (
                "ABI_MAX_IO_BYTES",
                ab::MAX_IO_BYTES.into(),
                "The most bytes of input `buffer` makes room for: a longer one is refused (0).",
            ),
            (
                "ABI_ABSENT",
                ab::ABSENT.into(),
                "A string length meaning \"no string\".",
            ),
            (
                "ABI_KIND_LEVELS",
                ab::KIND_LEVELS.into(),
                "`create` kind: an access levels builder.",
            ),
            (
                "ABI_KIND_LIMITER",
                ab::KIND_LIMITER.into(),
                "`create` kind: a rate limiter.",
            ),
            (
                "ABI_ERROR_CODE",
                ab::ERROR_CODE as u64,
                "Error layout: the index of its code in `ENGINE_ERROR_CODES`.",
            ),
            (
                "ABI_ERROR_NUMS",
                ab::ERROR_NUMS as u64,
                "Error layout: how many numbers follow the head.",
            ),
            (
                "ABI_ERROR_TEXTS",
                ab::ERROR_TEXTS as u64,
                "Error layout: how many texts (lengths, then UTF-8 bytes) follow them.",
            ),
            (
                "ABI_ERROR_HEAD",
                ab::ERROR_HEAD as u64,
                "Error layout: numbers in the head.",
            ),
            (
                "ABI_HAS_CAPACITY",
                ab::HAS_CAPACITY.into(),
                "`limiter_add` flag: a capacity is given.",
            ),
            (
                "ABI_HAS_SHARDS",
                ab::HAS_SHARDS.into(),
                "`limiter_add` flag: shards are given.",
            ),
            (
                "ABI_HAS_BINDING_FAILURES",
                ab::HAS_BINDING_FAILURES.into(),
                "`codes_new` flag: the binding lockout's maxFailures is given.",
            ),
            (
                "ABI_HAS_BINDING_WINDOW",
                ab::HAS_BINDING_WINDOW.into(),
                "`codes_new` flag: the binding lockout's window is given.",
            ),
            (
                "ABI_HAS_ACTOR_FAILURES",
                ab::HAS_ACTOR_FAILURES.into(),
                "`codes_new` flag: the actor lockout's maxFailures is given.",
            ),
            (
                "ABI_HAS_ACTOR_WINDOW",
                ab::HAS_ACTOR_WINDOW.into(),
                "`codes_new` flag: the actor lockout's window is given.",
            ),
            (
                "ABI_HAS_TTL",
                ab::HAS_TTL.into(),
                "`codes_issue` flag: the code's own lifetime is given.",
            ),
        ];
        o.nums(&numbers);
        o.0.push_str(
            "/** Where an array of `f64`s starts after `bytes` bytes of input (`wire::abi::align`). */\n\
             export const abiAlign = (bytes: number): number => Math.ceil(bytes / 8) * 8;\n",
        );
        assert_eq!(ab::align(12), 16, "abiAlign renders wire::abi::align");
        o.doc(
            "The engine's exports: its memory, its `random` table, and `run`, the one function that \
             runs every operation (`wire::abi::OPS`, through the functions below).",
        );
        o.0.push_str(
            "export type EngineExports = {\n  memory: WebAssembly.Memory;\n  \
             /** Slot 0 calls `env.random` (scripts/build-pkg.mjs `randomThroughTable`; modules without codes have none). */\n  \
             random: WebAssembly.Table;\n  \
             run(op: number, ...params: number[]): number;\n",
        );
        for (name, params) in ab::OPS {
            if ab::OWN_EXPORTS.contains(name) {
                let params: Vec<String> =
                    params.iter().map(|(p, _)| format!("{p}: number")).collect();
                let _ = writeln!(o.0, "  {name}({}): number;", params.join(", "));
            }
        }
        o.0.push_str("};\n");
        for (id, (name, params)) in ab::OPS.iter().enumerate() {
            let camel = format!("op{}", pascal(name));
            let names: Vec<String> = params.iter().map(|(p, _)| format!("{p}: number")).collect();
            let args: Vec<String> = params
                .iter()
                .map(|(p, num)| match num {
                    ab::Num::U32 => format!("{p} | 0"),
                    ab::Num::F64 => (*p).to_string(),
                })
                .collect();
            // An operation exported on its own takes its `i32` parameters as such (the wasm
            // parameter makes the same ToInt32 of them).
            let call = if ab::OWN_EXPORTS.contains(name) {
                let args: Vec<&str> = params.iter().map(|(p, _)| *p).collect();
                format!("ex.{name}({})", args.join(", "))
            } else {
                format!("ex.run({id}, {})", args.join(", "))
            };
            let _ = writeln!(
                o.0,
                "/** Operation `{name}` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */\n\
                 export function {camel}(ex: EngineExports, {}): number {{\n  return {call};\n}}",
                names.join(", "),
            );
        }
    }

    /// The templates the roles-only module can send: ids up to the last of roles and
    /// permissions (`src/policy.rs`, its only source of errors).
    pub(super) const ROLES_END: usize = Msg::TooManyInterned as usize + 1;
    /// The templates the client module (access, rate limits, no codes) can send: ids up to the
    /// last of rate limits.
    pub(super) const CLIENT_END: usize = Msg::MalformedRequest as usize + 1;

    pub(super) fn messages() -> [(&'static str, usize, String); 3] {
        let all = Msg::ALL.len();
        let file = |name, what: &str, end: usize| {
            let table = Msg::ALL.get(..end).unwrap_or(Msg::ALL);
            (name, end, messages_table(what, table))
        };
        [
            file("messages.ts", "the full module (convex-guard)", all),
            file(
                "messages-roles.ts",
                "the roles-only module (convex-guard/client/roles)",
                ROLES_END,
            ),
            file(
                "messages-client.ts",
                "the client module (convex-guard/client)",
                CLIENT_END,
            ),
        ]
    }

    /// What every build shares: the codes of the engine's errors and the rule that fills a
    /// message from its parts and a table of templates (written once, here; the tables are
    /// [`messages_table`]'s files, one per module).
    fn engine_errors(o: &mut Out) {
        o.section("engine errors");
        o.raw(
            "ENGINE_ERROR_CODES",
            &list(&crate::error::Kind::ALL, |k| q(k.code())),
            "The `code` of every error the engine throws on purpose.",
        );
        o.0.push_str(
            "/**\n * The message of an engine error from the table of templates the module that threw it can\n \
             * send (`ENGINE_MESSAGES` of messages.ts, or of a browser entry's messages-*.ts) and its\n \
             * `parts`, `[count, ...template ids, ...numbers, ...texts]`: the templates one after the\n \
             * other, each `{s}` filled with the next text and each `{n}` with the next number (a\n \
             * placeholder with nothing left becomes nothing), as the engine's `Error::message` does\n \
             * natively.\n */\n\
             export function fillEngineMessage(messages: readonly string[], parts: readonly unknown[]): ClientMessage {\n  \
             const count = typeof parts[0] === \"number\" ? parts[0] : 0;\n  \
             const rest = parts.slice(1 + count);\n  \
             const values = { s: rest.filter((p) => typeof p === \"string\"), n: rest.filter((p) => typeof p === \"number\") };\n  \
             const next = { s: 0, n: 0 };\n  \
             let out = \"\";\n  \
             for (const id of parts.slice(1, 1 + count)) {\n    \
             const template = messages[id as number] ?? \"\";\n    \
             out += template.replace(/\\{([sn])\\}/g, (_, k: \"s\" | \"n\") => String(values[k][next[k]++] ?? \"\"));\n  \
             }\n  \
             return out as ClientMessage;\n\
             }\n",
        );
    }

    /// A file holding only a table of templates, by id: `what` says for which module.
    fn messages_table(what: &str, messages: &[Msg]) -> String {
        let mut o = Out(format!(
            "// Generated from src/wire.rs by `make wire` (cargo test --test wire fails when this file is stale).\n\
             // Do not edit: change the Rust definition and run `make wire`.\n\
             // The engine's message templates for {what}, by id; `fillEngineMessage` of wire.ts fills them.\n\
             /* eslint-disable */\n"
        ));
        o.raw(
            "ENGINE_MESSAGES",
            &list(messages, |m| q(m.template())),
            "The engine's message templates, by id: `{s}` takes a text, `{n}` a number.",
        );
        o.0
    }
}
