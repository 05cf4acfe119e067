// Generated from src/wire.rs by `make wire` (cargo test --test wire fails when this file is stale).
// Do not edit: change the Rust definition and run `make wire`.
/* eslint-disable */

/** `true` exactly when `A` and `B` are the same union: a hand-written public union (a
 * documented type) is checked against the wire with `const x: Same<Public, Wire> = true`. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// time

/** Largest time the engine accepts, in ms since the epoch (the largest `Date`). */
export const MAX_TIME_MS = 8640000000000000;

// roles and permissions

/** The role id the engine reads as "no role": unknown, missing or not a string. */
export const NO_ROLE = 4294967295;
/** The id of the first (lowest) role; each next role's id is one more. */
export const FIRST_ROLE = 0;
/** Most roles a policy declares: the engine refuses the next one. */
export const MAX_ROLES = 64;
/** Most grants a policy makes: the engine refuses the next one. */
export const MAX_GRANTS = 1024;
/** Most permission names whose decisions are cached per compiled policy; past it each name is decided afresh. */
export const MAX_INTERNED = 4096;
/** The engine's version: a compiled policy's tables (`npx convex-guard compile`) are used only by the version that computed them. */
export const ENGINE_VERSION = "0.1.0";

// rate limits

/** The kinds of limit, by their configuration names. */
export const RATE_LIMIT_KINDS = ["sliding window", "sliding log", "token bucket", "fixed window"] as const;
/** The kind of a limit whose configuration names none. */
export const DEFAULT_RATE_LIMIT_KIND = "sliding window";
/** Shards of a limit whose configuration names none. */
export const DEFAULT_SHARDS = 1;
/** Most shards one limit may be spread over. */
export const MAX_SHARDS = 256;
/** Largest rate of a sliding log. */
export const MAX_LOG_RATE = 100;
/** Longest rate-limit key, in UTF-16 code units (the engine never sees keys). */
export const MAX_RATE_LIMIT_KEY_LENGTH = 1024;
/** Most requests one decision takes. */
export const RL_MAX_BATCH = 16;
/** Numbers per request record. */
export const RL_IN = 8;
/** Request record: the limit's id. */
export const RL_IN_LIMIT = 0;
/** Request record: the shard. */
export const RL_IN_SHARD = 1;
/** Request record: the cost. */
export const RL_IN_COUNT = 2;
/** Request record: 1 when a state follows, 0 for a fresh key. */
export const RL_IN_HAS_STATE = 3;
/** Request record: the state's `t`. */
export const RL_IN_T = 4;
/** Request record: the state's `a`. */
export const RL_IN_A = 5;
/** Request record: the state's `b`. */
export const RL_IN_B = 6;
/** Request record: the state's log length. */
export const RL_IN_LOG_LEN = 7;
/** Where the request log slots start. */
export const RL_LOGS_AT = 128;
/** Numbers per request log slot. */
export const RL_LOG = 101;
/** Where the answer starts. */
export const RL_OUT_AT = 1744;
/** Answer head: 1 when every request was admitted. */
export const RL_ANSWER_OK = 0;
/** Answer head: the largest retry after. */
export const RL_ANSWER_RETRY_AFTER = 1;
/** Numbers in the answer head. */
export const RL_ANSWER_HEAD = 2;
/** Numbers per decision record. */
export const RL_OUT = 8;
/** Decision record: 1 when admitted. */
export const RL_OUT_OK = 0;
/** Decision record: what remains. */
export const RL_OUT_REMAINING = 1;
/** Decision record: ms until a retry can pass. */
export const RL_OUT_RETRY_AFTER = 2;
/** Decision record: 1 when a state must be written. */
export const RL_OUT_WRITE = 3;
/** Decision record: the new state's `t`. */
export const RL_OUT_T = 4;
/** Decision record: the new state's `a`. */
export const RL_OUT_A = 5;
/** Decision record: the new state's `b`. */
export const RL_OUT_B = 6;
/** Decision record: the new state's log length. */
export const RL_OUT_LOG_LEN = 7;
/** Where the answer's log slots start. */
export const RL_OUT_LOGS_AT = 1874;
/** Numbers per log slot of the answer. */
export const RL_OUT_LOG = 100;
/** Numbers in the I/O buffer. */
export const RL_IO_LEN = 3474;
/** `mode` of a decision that takes nothing (a cost from 0). */
export const RL_CHECK = 0;
/** `mode` of a pure decision that consumes (a cost from 0: 0 looks). */
export const RL_CONSUME = 1;
/** `mode` of a decision that consumes in the table (a cost from 1). */
export const RL_TAKE = 2;

// access levels

/** The levels of an access configuration that declares none, lowest first (the last is the owner's). */
export const ACCESS_STANDARD_LEVELS = ["viewer", "commenter", "editor", "owner"] as const;
/** Which rule gave a level, by code (index). */
export const ACCESS_SOURCES = ["none", "owner", "public", "direct", "group", "inherited", "cycle"] as const;
/** Why sharing or a transfer is refused, by code (index; 0 is allowed). */
export const ACCESS_DENIALS = [null, "below_share_level", "above_own_level", "owner_level", "not_owner"] as const;
/** What the client is told for each denial, by code (index). */
export const ACCESS_DENIAL_MESSAGES = [null, "Your access level does not allow sharing", "You cannot grant a level above your own", "The owner level is given only by transferring ownership", "Only the owner can transfer ownership"] as readonly (ClientMessage | null)[];
/** What the client is told for each denial when it refuses managing a group's members. */
export const ACCESS_GROUP_DENIAL_MESSAGES = [null, "Your level on this group does not allow managing its members", "You cannot give a member a level above your own", "The owner level is not given to a group's members", "Only the group's owner can do this"] as readonly (ClientMessage | null)[];
/** `canShare` / `canTransfer`: allowed (else a denial code). */
export const ACCESS_ALLOWED = 0;
/** A code that is never valid: `canShare`'s answer when a level is not a level. */
export const ACCESS_NOT_A_CODE = 255;
/** A stored grant's level whose name is no longer configured: the engine reads the grant as giving nothing. */
export const ACCESS_STALE_LEVEL = 254;
/** The level "no access" in answers. */
export const NO_LEVEL = 0;
/** The id of the first (lowest) configured level; each next level's id is one more. */
export const FIRST_LEVEL = 1;
/** The caller id of an anonymous caller (matches nobody). */
export const NO_SUBJECT = 4294967295;
/** The parent of a document that has none in the batch. */
export const NO_PARENT = 4294967295;
/** `via` of a packed answer without access. */
export const NO_VIA = 65535;
/** Mask of the level and source fields of a packed answer. */
export const ACCESS_FIELD_MASK = 255;
/** Where the source starts in a packed answer. */
export const ACCESS_SOURCE_SHIFT = 8;
/** Where `via` starts in a packed answer. */
export const ACCESS_VIA_SHIFT = 16;
/** The public flag of a document that is not public. */
export const PRIVATE = 0;
/** The public flag of a public document. */
export const PUBLIC = 1;
/** Grant kind: to one user. */
export const GRANT_DIRECT = 3;
/** Grant kind: to a group. */
export const GRANT_GROUP = 4;
/** Most access levels a configuration may declare. */
export const MAX_LEVELS = 16;
/** How many steps up the parent chain inheritance reaches. */
export const MAX_PARENT_DEPTH = 8;
/** Most groups a caller may belong to. */
export const MAX_CALLER_GROUPS = 256;
/** Most documents (asked about plus ancestors) in one resolution. */
export const MAX_BATCH_DOCUMENTS = 1000;
/** Most grants `deleteDocument` removes with their document in one mutation. */
export const MAX_DELETE_GRANTS = 1000;
/** Longest group name, in UTF-16 code units. */
export const MAX_GROUP_NAME_LEN = 200;
/** Any character a group name may not hold outside a subdivision flag (controls, invisible and bidirectional formatting characters, tags): `GROUP_NAME_FORBIDDEN` of `src/access.rs`. */
export const GROUP_NAME_FORBIDDEN = /[\u{0}-\u{1f}\u{7f}-\u{9f}\u{ad}\u{34f}\u{61c}\u{115f}-\u{1160}\u{17b4}-\u{17b5}\u{180b}-\u{180f}\u{200b}\u{200e}-\u{200f}\u{2028}-\u{202e}\u{2060}-\u{206f}\u{3164}\u{fe00}-\u{fe0d}\u{feff}\u{ffa0}\u{fff0}-\u{fffb}\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}]/u;
/** The characters that show nothing of their own, as the body of a character class (`[^...]` with the `u` flag matches one that shows): `BLANK` of `src/unicode.rs` (whitespace, default-ignorable code points, combining marks, U+2800). A group name needs one character outside it. A string, made a `RegExp` at first use: the class is long, and a context that checks no group name never parses it. */
export const GROUP_NAME_BLANK = "\\u{9}-\\u{d}\\u{20}\\u{85}\\u{a0}\\u{ad}\\u{300}-\\u{36f}\\u{483}-\\u{489}\\u{591}-\\u{5bd}\\u{5bf}\\u{5c1}-\\u{5c2}\\u{5c4}-\\u{5c5}\\u{5c7}\\u{610}-\\u{61a}\\u{61c}\\u{64b}-\\u{65f}\\u{670}\\u{6d6}-\\u{6dc}\\u{6df}-\\u{6e4}\\u{6e7}-\\u{6e8}\\u{6ea}-\\u{6ed}\\u{711}\\u{730}-\\u{74a}\\u{7a6}-\\u{7b0}\\u{7eb}-\\u{7f3}\\u{7fd}\\u{816}-\\u{819}\\u{81b}-\\u{823}\\u{825}-\\u{827}\\u{829}-\\u{82d}\\u{859}-\\u{85b}\\u{897}-\\u{89f}\\u{8ca}-\\u{8e1}\\u{8e3}-\\u{903}\\u{93a}-\\u{93c}\\u{93e}-\\u{94f}\\u{951}-\\u{957}\\u{962}-\\u{963}\\u{981}-\\u{983}\\u{9bc}\\u{9be}-\\u{9c4}\\u{9c7}-\\u{9c8}\\u{9cb}-\\u{9cd}\\u{9d7}\\u{9e2}-\\u{9e3}\\u{9fe}\\u{a01}-\\u{a03}\\u{a3c}\\u{a3e}-\\u{a42}\\u{a47}-\\u{a48}\\u{a4b}-\\u{a4d}\\u{a51}\\u{a70}-\\u{a71}\\u{a75}\\u{a81}-\\u{a83}\\u{abc}\\u{abe}-\\u{ac5}\\u{ac7}-\\u{ac9}\\u{acb}-\\u{acd}\\u{ae2}-\\u{ae3}\\u{afa}-\\u{aff}\\u{b01}-\\u{b03}\\u{b3c}\\u{b3e}-\\u{b44}\\u{b47}-\\u{b48}\\u{b4b}-\\u{b4d}\\u{b55}-\\u{b57}\\u{b62}-\\u{b63}\\u{b82}\\u{bbe}-\\u{bc2}\\u{bc6}-\\u{bc8}\\u{bca}-\\u{bcd}\\u{bd7}\\u{c00}-\\u{c04}\\u{c3c}\\u{c3e}-\\u{c44}\\u{c46}-\\u{c48}\\u{c4a}-\\u{c4d}\\u{c55}-\\u{c56}\\u{c62}-\\u{c63}\\u{c81}-\\u{c83}\\u{cbc}\\u{cbe}-\\u{cc4}\\u{cc6}-\\u{cc8}\\u{cca}-\\u{ccd}\\u{cd5}-\\u{cd6}\\u{ce2}-\\u{ce3}\\u{cf3}\\u{d00}-\\u{d03}\\u{d3b}-\\u{d3c}\\u{d3e}-\\u{d44}\\u{d46}-\\u{d48}\\u{d4a}-\\u{d4d}\\u{d57}\\u{d62}-\\u{d63}\\u{d81}-\\u{d83}\\u{dca}\\u{dcf}-\\u{dd4}\\u{dd6}\\u{dd8}-\\u{ddf}\\u{df2}-\\u{df3}\\u{e31}\\u{e34}-\\u{e3a}\\u{e47}-\\u{e4e}\\u{eb1}\\u{eb4}-\\u{ebc}\\u{ec8}-\\u{ece}\\u{f18}-\\u{f19}\\u{f35}\\u{f37}\\u{f39}\\u{f3e}-\\u{f3f}\\u{f71}-\\u{f84}\\u{f86}-\\u{f87}\\u{f8d}-\\u{f97}\\u{f99}-\\u{fbc}\\u{fc6}\\u{102b}-\\u{103e}\\u{1056}-\\u{1059}\\u{105e}-\\u{1060}\\u{1062}-\\u{1064}\\u{1067}-\\u{106d}\\u{1071}-\\u{1074}\\u{1082}-\\u{108d}\\u{108f}\\u{109a}-\\u{109d}\\u{115f}-\\u{1160}\\u{135d}-\\u{135f}\\u{1680}\\u{1712}-\\u{1715}\\u{1732}-\\u{1734}\\u{1752}-\\u{1753}\\u{1772}-\\u{1773}\\u{17b4}-\\u{17d3}\\u{17dd}\\u{180b}-\\u{180f}\\u{1885}-\\u{1886}\\u{18a9}\\u{1920}-\\u{192b}\\u{1930}-\\u{193b}\\u{1a17}-\\u{1a1b}\\u{1a55}-\\u{1a5e}\\u{1a60}-\\u{1a7c}\\u{1a7f}\\u{1ab0}-\\u{1ace}\\u{1b00}-\\u{1b04}\\u{1b34}-\\u{1b44}\\u{1b6b}-\\u{1b73}\\u{1b80}-\\u{1b82}\\u{1ba1}-\\u{1bad}\\u{1be6}-\\u{1bf3}\\u{1c24}-\\u{1c37}\\u{1cd0}-\\u{1cd2}\\u{1cd4}-\\u{1ce8}\\u{1ced}\\u{1cf4}\\u{1cf7}-\\u{1cf9}\\u{1dc0}-\\u{1dff}\\u{2000}-\\u{200f}\\u{2028}-\\u{202f}\\u{205f}-\\u{206f}\\u{20d0}-\\u{20f0}\\u{2800}\\u{2cef}-\\u{2cf1}\\u{2d7f}\\u{2de0}-\\u{2dff}\\u{3000}\\u{302a}-\\u{302f}\\u{3099}-\\u{309a}\\u{3164}\\u{a66f}-\\u{a672}\\u{a674}-\\u{a67d}\\u{a69e}-\\u{a69f}\\u{a6f0}-\\u{a6f1}\\u{a802}\\u{a806}\\u{a80b}\\u{a823}-\\u{a827}\\u{a82c}\\u{a880}-\\u{a881}\\u{a8b4}-\\u{a8c5}\\u{a8e0}-\\u{a8f1}\\u{a8ff}\\u{a926}-\\u{a92d}\\u{a947}-\\u{a953}\\u{a980}-\\u{a983}\\u{a9b3}-\\u{a9c0}\\u{a9e5}\\u{aa29}-\\u{aa36}\\u{aa43}\\u{aa4c}-\\u{aa4d}\\u{aa7b}-\\u{aa7d}\\u{aab0}\\u{aab2}-\\u{aab4}\\u{aab7}-\\u{aab8}\\u{aabe}-\\u{aabf}\\u{aac1}\\u{aaeb}-\\u{aaef}\\u{aaf5}-\\u{aaf6}\\u{abe3}-\\u{abea}\\u{abec}-\\u{abed}\\u{fb1e}\\u{fe00}-\\u{fe0f}\\u{fe20}-\\u{fe2f}\\u{feff}\\u{ffa0}\\u{fff0}-\\u{fff8}\\u{101fd}\\u{102e0}\\u{10376}-\\u{1037a}\\u{10a01}-\\u{10a03}\\u{10a05}-\\u{10a06}\\u{10a0c}-\\u{10a0f}\\u{10a38}-\\u{10a3a}\\u{10a3f}\\u{10ae5}-\\u{10ae6}\\u{10d24}-\\u{10d27}\\u{10d69}-\\u{10d6d}\\u{10eab}-\\u{10eac}\\u{10efc}-\\u{10eff}\\u{10f46}-\\u{10f50}\\u{10f82}-\\u{10f85}\\u{11000}-\\u{11002}\\u{11038}-\\u{11046}\\u{11070}\\u{11073}-\\u{11074}\\u{1107f}-\\u{11082}\\u{110b0}-\\u{110ba}\\u{110c2}\\u{11100}-\\u{11102}\\u{11127}-\\u{11134}\\u{11145}-\\u{11146}\\u{11173}\\u{11180}-\\u{11182}\\u{111b3}-\\u{111c0}\\u{111c9}-\\u{111cc}\\u{111ce}-\\u{111cf}\\u{1122c}-\\u{11237}\\u{1123e}\\u{11241}\\u{112df}-\\u{112ea}\\u{11300}-\\u{11303}\\u{1133b}-\\u{1133c}\\u{1133e}-\\u{11344}\\u{11347}-\\u{11348}\\u{1134b}-\\u{1134d}\\u{11357}\\u{11362}-\\u{11363}\\u{11366}-\\u{1136c}\\u{11370}-\\u{11374}\\u{113b8}-\\u{113c0}\\u{113c2}\\u{113c5}\\u{113c7}-\\u{113ca}\\u{113cc}-\\u{113d0}\\u{113d2}\\u{113e1}-\\u{113e2}\\u{11435}-\\u{11446}\\u{1145e}\\u{114b0}-\\u{114c3}\\u{115af}-\\u{115b5}\\u{115b8}-\\u{115c0}\\u{115dc}-\\u{115dd}\\u{11630}-\\u{11640}\\u{116ab}-\\u{116b7}\\u{1171d}-\\u{1172b}\\u{1182c}-\\u{1183a}\\u{11930}-\\u{11935}\\u{11937}-\\u{11938}\\u{1193b}-\\u{1193e}\\u{11940}\\u{11942}-\\u{11943}\\u{119d1}-\\u{119d7}\\u{119da}-\\u{119e0}\\u{119e4}\\u{11a01}-\\u{11a0a}\\u{11a33}-\\u{11a39}\\u{11a3b}-\\u{11a3e}\\u{11a47}\\u{11a51}-\\u{11a5b}\\u{11a8a}-\\u{11a99}\\u{11c2f}-\\u{11c36}\\u{11c38}-\\u{11c3f}\\u{11c92}-\\u{11ca7}\\u{11ca9}-\\u{11cb6}\\u{11d31}-\\u{11d36}\\u{11d3a}\\u{11d3c}-\\u{11d3d}\\u{11d3f}-\\u{11d45}\\u{11d47}\\u{11d8a}-\\u{11d8e}\\u{11d90}-\\u{11d91}\\u{11d93}-\\u{11d97}\\u{11ef3}-\\u{11ef6}\\u{11f00}-\\u{11f01}\\u{11f03}\\u{11f34}-\\u{11f3a}\\u{11f3e}-\\u{11f42}\\u{11f5a}\\u{13440}\\u{13447}-\\u{13455}\\u{1611e}-\\u{1612f}\\u{16af0}-\\u{16af4}\\u{16b30}-\\u{16b36}\\u{16f4f}\\u{16f51}-\\u{16f87}\\u{16f8f}-\\u{16f92}\\u{16fe4}\\u{16ff0}-\\u{16ff1}\\u{1bc9d}-\\u{1bc9e}\\u{1bca0}-\\u{1bca3}\\u{1cf00}-\\u{1cf2d}\\u{1cf30}-\\u{1cf46}\\u{1d165}-\\u{1d169}\\u{1d16d}-\\u{1d182}\\u{1d185}-\\u{1d18b}\\u{1d1aa}-\\u{1d1ad}\\u{1d242}-\\u{1d244}\\u{1da00}-\\u{1da36}\\u{1da3b}-\\u{1da6c}\\u{1da75}\\u{1da84}\\u{1da9b}-\\u{1da9f}\\u{1daa1}-\\u{1daaf}\\u{1e000}-\\u{1e006}\\u{1e008}-\\u{1e018}\\u{1e01b}-\\u{1e021}\\u{1e023}-\\u{1e024}\\u{1e026}-\\u{1e02a}\\u{1e08f}\\u{1e130}-\\u{1e136}\\u{1e2ae}\\u{1e2ec}-\\u{1e2ef}\\u{1e4ec}-\\u{1e4ef}\\u{1e5ee}-\\u{1e5ef}\\u{1e8d0}-\\u{1e8d6}\\u{1e944}-\\u{1e94a}\\u{e0000}-\\u{e0fff}";
/** The characters of `GROUP_NAME_BLANK` that do not attach to the character before them, as the body of a character class: `BLANK_DETACHED` of `src/unicode.rs` (all but the combining marks and the joiners). A group name may not start with a character of `GROUP_NAME_BLANK` outside it. */
export const GROUP_NAME_DETACHED = "\\u{9}-\\u{d}\\u{20}\\u{85}\\u{a0}\\u{ad}\\u{61c}\\u{115f}-\\u{1160}\\u{1680}\\u{180e}\\u{2000}-\\u{200b}\\u{200e}-\\u{200f}\\u{2028}-\\u{202f}\\u{205f}-\\u{206f}\\u{2800}\\u{3000}\\u{3164}\\u{feff}\\u{ffa0}\\u{fff0}-\\u{fff8}\\u{1bca0}-\\u{1bca3}\\u{1d173}-\\u{1d17a}\\u{e0000}-\\u{e00ff}\\u{e01f0}-\\u{e0fff}";
/** A subdivision flag, as the source of a `RegExp` (flags `gu`): the black flag, a subdivision code in tag characters (two letters or three digits, then one to four letters or digits), the cancel tag (`subdivision_flag_len` of `src/access.rs`). The only place a group name may hold tags: removed before `GROUP_NAME_FORBIDDEN` is tested. */
export const GROUP_NAME_FLAG = "\\u{1f3f4}(?:[\\u{e0061}-\\u{e007a}]{2}|[\\u{e0030}-\\u{e0039}]{3})[\\u{e0030}-\\u{e0039}\\u{e0061}-\\u{e007a}]{1,4}\\u{e007f}";
/** Largest page a listing returns. */
export const MAX_PAGE_ITEMS = 100;
/** Entry `g`: the most documents a `listAccessible` page lists for a caller in `g` groups (`listing_page_items` of `src/access.rs`, within `LISTING_READ_BUDGET` reads); the table ends at the first 1, which every larger count gives too. */
export const LISTING_PAGE_ITEMS = [100, 75, 56, 45, 37, 32, 28, 25, 22, 20, 18, 17, 16, 15, 14, 13, 12, 11, 11, 10, 10, 9, 9, 9, 8, 8, 8, 7, 7, 7, 7, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1] as const;
/** The most documents a `listAccessible` page lists for a caller in `groups` groups (looked up in {@link LISTING_PAGE_ITEMS}). */
export function listingPageItems(groups: number): number {
  return (LISTING_PAGE_ITEMS as readonly number[])[groups] ?? 1;
}
/** The head of an access batch's `ints` (`wire::access::CALLER` and the next constants): each field's index, the caller's `g` group ids from `groups` on, and a field at or after `groups` `g` further on (`ints[g + documentCount]` is `n`); the columns start at `g + length`. */
export const enum ACCESS_HEAD { caller = 0, groupCount = 1, groups = 2, documentCount = 2, grantCount = 3, length = 4 }
/** An access batch's `times`: `now` at `now`, the `m` expiry times from `expiries` on, then a share request, if any ({@link ACCESS_REQUEST}). */
export const enum ACCESS_TIMES { now = 0, expiries = 1 }
/** A share request, after an access batch's expiry times: the index of each of its fields (the document's index in the batch, the level to grant, the requested expiry, whether one is asked for: {@link ACCESS_EXPIRY_ASKED} or {@link ACCESS_EXPIRY_NONE}) and its length. */
export const enum ACCESS_REQUEST { doc = 0, level = 1, expiresAt = 2, expiry = 3, length = 4 }
/** A share request's `expiry`: none asked for, the grant never expires. */
export const ACCESS_EXPIRY_NONE = 0;
/** A share request's `expiry`: the one at `expiresAt` is asked for (refused unless it is a time). */
export const ACCESS_EXPIRY_ASKED = 1;
/** The columns of an access batch's `ints` after its head (the caller, the group count and ids, the counts `n` and `m`), in order (`wire::access::INT_COLUMNS`, then `BYTE_COLUMNS`): column `c` starts `ACCESS_COLUMNS[c][0] * n + ACCESS_COLUMNS[c][1] * m` numbers after the head (`n` documents, `m` grants). */
export const ACCESS_COLUMNS = { owner: [0, 0], parent: [1, 0], doc: [2, 0], subject: [2, 1], public: [2, 2], kind: [3, 2], level: [3, 3] } as const;
/** Where the columns of an access batch end: `ACCESS_COLUMNS_END[0] * n + ACCESS_COLUMNS_END[1] * m` numbers after the head. */
export const ACCESS_COLUMNS_END = [3, 4] as const;
/** Each column's count (see {@link ACCESS_COLUMNS}): one number per document (`n` of them) or per grant (`m`). */
export type AccessColumnCounts = { owner: "document"; parent: "document"; doc: "grant"; subject: "grant"; public: "document"; kind: "grant"; level: "grant" };
/** Row `required`, bit `level`: whether access at `level` is at least `required` (the engine's `Access::allows`, for every pair). */
export const ACCESS_AT_LEAST = [0x0, 0x1fffe, 0x1fffc, 0x1fff8, 0x1fff0, 0x1ffe0, 0x1ffc0, 0x1ff80, 0x1ff00, 0x1fe00, 0x1fc00, 0x1f800, 0x1f000, 0x1e000, 0x1c000, 0x18000, 0x10000] as const;
/** Whether access at `level` is at least `required` (looked up in {@link ACCESS_AT_LEAST}: anything else is no). */
export function atLeast(level: number, required: number): boolean {
  const row: number | undefined = (ACCESS_AT_LEAST as readonly number[])[required];
  return row !== undefined && level >= 0 && level <= MAX_LEVELS && ((row >>> level) & 1) === 1;
}

// confirmation codes

/** Why a verification ended as it did, by code (index). */
export const CODE_OUTCOMES = ["accepted", "wrong", "malformed", "expired", "used", "exhausted", "missing", "locked"] as const;
/** The alphabet of a code by default, by name. */
export const CODE_DEFAULT_ALPHABET = "digits";
/** Symbols per code by default. */
export const CODE_DEFAULT_LENGTH = 8;
/** Lifetime of a code by default, in ms. */
export const CODE_DEFAULT_TTL_MS = 300000;
/** Wrong attempts after which a code is void, by default. */
export const CODE_DEFAULT_MAX_ATTEMPTS = 5;
/** The one error code a client sees for every failed verification. */
export const CODE_CLIENT_ERROR = "INVALID_CONFIRMATION";
/** The message a client sees with it. */
export const CODE_CLIENT_MESSAGE = "Invalid or expired confirmation code" as ClientMessage;
/** `message` mode: the bytes to sign for an exact code. */
export const CODE_MESSAGE = 0;
/** `message` mode: the same for a code a person typed. */
export const CODE_TYPED = 1;
/** `message` mode: a new code. */
export const CODE_GENERATE = 2;
/** `verify`'s `used`: false, or no record. */
export const CODE_USED_NO = 0;
/** `verify`'s `used`: true. */
export const CODE_USED_YES = 1;
/** `verify`'s `used`: a stored flag that is not a boolean (refused). */
export const CODE_USED_MALFORMED = 2;
/** Length of a `verify` answer carrying the record to store back. */
export const CODE_WITH_RECORD = 6;
/** Length of a `verify` answer also carrying the actor's count. */
export const CODE_WITH_ACTOR = 8;
/** Where each number of a `verify` or `issue` answer is. */
export const enum CODE_ANSWER { outcome = 0, expiresAt = 1, attemptsLeft = 2, used = 3, failures = 4, lastFailure = 5, actorFailures = 6, actorLast = 7 }

// what a client is told (ConvexError data)

/** Every `code` convex-guard puts in `ConvexError` data. */
export const GUARD_ERROR_CODES = ["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "RATE_LIMITED", "INVALID_CONFIRMATION", "UPSTREAM_UNAVAILABLE", "INVALID_ARGUMENT"] as const;
/** The brand of a `ClientMessage` made here: it is never a value, only a type. */
declare const AUTHORED: unique symbol;
/**
 * A message a Convex client may be sent: a member of `CLIENT_MESSAGE`, or a text this file
 * types as one (the templates below, the access denials' messages, `CODE_CLIENT_MESSAGE`,
 * `fillEngineMessage`). `deny` and every helper that hands it a message take nothing else,
 * so a message typed in js/ does not compile: author it in src/wire.rs (`wire::client`).
 */
export type ClientMessage = CLIENT_MESSAGE | (string & { readonly [AUTHORED]: true });
/** Every message without a value a client may be sent, by its name in `wire::client`. */
export const enum CLIENT_MESSAGE {
  /** `client::AUTHENTICATION_REQUIRED`: `UNAUTHENTICATED`'s message. */
  AUTHENTICATION_REQUIRED = "Authentication required",
  /** `client::UPSTREAM_MESSAGE`: `UPSTREAM_UNAVAILABLE`'s message. */
  UPSTREAM_MESSAGE = "External service unavailable",
  /** `client::DOCUMENT_NOT_FOUND`: `NOT_FOUND` for a document the caller cannot see, or none. */
  DOCUMENT_NOT_FOUND = "Document not found",
  /** `client::GROUP_NOT_FOUND`: `NOT_FOUND` for a group the caller holds nothing on, or none. */
  GROUP_NOT_FOUND = "Group not found",
  /** `client::SELF_SHARE`: `FORBIDDEN`: a grant to the caller themselves. */
  SELF_SHARE = "You cannot share a document with yourself",
  /** `client::NOT_OWNER_MOVE`: `FORBIDDEN`: a move by someone other than the owner. */
  NOT_OWNER_MOVE = "Only the owner can move a document",
  /** `client::NOT_OWNER_DELETE`: `FORBIDDEN`: a deletion by someone other than the owner. */
  NOT_OWNER_DELETE = "Only the owner can delete a document",
  /** `client::NOT_OWNER_INSERT`: `FORBIDDEN`: an insert whose owner field names someone other than the caller. */
  NOT_OWNER_INSERT = "You can only create a document you own",
  /** `client::VOID_INVITATION`: `FORBIDDEN`: an invitation its sender could no longer make. */
  VOID_INVITATION = "This invitation is no longer valid: whoever sent it may no longer add members at its level",
  /** `client::EXPIRED_INVITATION`: `FORBIDDEN`: an invitation accepted at or after its `expiresAt`. */
  EXPIRED_INVITATION = "This invitation has expired: ask whoever sent it for a new one",
  /** `client::INVALID_INPUT`: `INVALID_ARGUMENT`: an engine call's failure with that code that is not an `Error`. */
  INVALID_INPUT = "invalid input",
  /** `client::MALFORMED_CURSOR`: `INVALID_ARGUMENT`: a page's cursor that its listing (or the database) did not give. */
  MALFORMED_CURSOR = "malformed cursor",
  /** `client::PERMISSION_NOT_STRING`: `INVALID_ARGUMENT`: a permission asked about that is not a string. */
  PERMISSION_NOT_STRING = "a permission name must be a string",
  /** `client::NOT_A_LEVEL`: `INVALID_ARGUMENT`: `canShare` given a number that is not a level. */
  NOT_A_LEVEL = "not an access level",
  /** `client::MALFORMED_FACTS`: `INVALID_ARGUMENT`: `resolveAccess` or `resolveShare` given facts of another shape. */
  MALFORMED_FACTS = "access facts are { now, caller, groups: [ids], documents: [{ id, owner, visibility, parent, grants: [{ to, kind, level, expiresAt? }] }] }",
  /** `client::MALFORMED_SHARE_REQUEST`: `INVALID_ARGUMENT`: `resolveShare` given a request that is not an object. */
  MALFORMED_SHARE_REQUEST = "a share request is { id, level, expiresAt? }",
  /** `client::READABLE_MANY_ARRAY`: `INVALID_ARGUMENT`: `readableMany` given something else than an array. */
  READABLE_MANY_ARRAY = "readableMany takes an array of ids",
  /** `client::INSERT_DOCUMENT_OBJECT`: `INVALID_ARGUMENT`: `insertDocument` given something else than an object. */
  INSERT_DOCUMENT_OBJECT = "insertDocument takes the new document as an object",
  /** `client::ONE_TARGET`: `INVALID_ARGUMENT`: a grant target naming both a user and a group, or neither. */
  ONE_TARGET = "give exactly one of userId and groupId",
  /** `client::UNKNOWN_USER`: `INVALID_ARGUMENT`: a user id that is malformed or names no user. */
  UNKNOWN_USER = "unknown user",
  /** `client::UNKNOWN_GROUP`: `INVALID_ARGUMENT`: a grant's group id that is malformed or names no group. */
  UNKNOWN_GROUP = "unknown group",
  /** `client::MOVE_LOOP`: `INVALID_ARGUMENT`: a move into the document itself or one below it. */
  MOVE_LOOP = "A document cannot be moved into itself or below itself: that would make a loop",
  /** `client::FORGET_USER_ID`: `INVALID_ARGUMENT`: `forgetUser` given no user's id. */
  FORGET_USER_ID = "forgetUser needs a user id",
  /** `client::MEMBER_EXPIRY`: `INVALID_ARGUMENT`: an expiry asked for where `addGroupMember` makes or keeps a membership. */
  MEMBER_EXPIRY = "expiresAt is for invitations: this call adds a member directly (oneself, a manager, or one already a member), and a membership does not expire",
  /** `client::GROUP_NAME_MISSING`: `INVALID_ARGUMENT`: a new group's name missing or blank. */
  GROUP_NAME_MISSING = "a group needs a name",
  /** `client::GROUP_NAME_TYPE`: `INVALID_ARGUMENT`: a new group's name given as something else than a string (JavaScript only). */
  GROUP_NAME_TYPE = "a group name must be a string",
  /** `client::GROUP_NAME_CHARACTERS`: `INVALID_ARGUMENT`: a new group's name holding a character it may not. */
  GROUP_NAME_CHARACTERS = "a group name may not hold control, invisible or bidirectional formatting characters",
  /** `client::GROUP_NAME_LEADING_MARK`: `INVALID_ARGUMENT`: a new group's name starting with a combining mark or a joiner. */
  GROUP_NAME_LEADING_MARK = "a group name may not start with a combining mark or a joiner, which would attach to the text before it: start it with a letter, digit or symbol",
  /** `client::GROUP_NAME_SURROGATE`: `INVALID_ARGUMENT`: a new group's name holding a lone surrogate (JavaScript only). */
  GROUP_NAME_SURROGATE = "a group name may not hold a lone surrogate (half of a character, as cutting a string inside an emoji leaves): send whole characters",
  /** `client::RATE_LIMIT_KEY_SURROGATE`: `INVALID_ARGUMENT`: a rate limit key holding a lone surrogate (JavaScript only), which Convex cannot store as UTF-8 text. */
  RATE_LIMIT_KEY_SURROGATE = "a rate limit key may not hold a lone surrogate (half of a character): send whole characters",
  /** `client::RATE_LIMIT_REQUEST`: `INVALID_ARGUMENT`: an entry of `rateLimitAll` that is not an object. */
  RATE_LIMIT_REQUEST = "a rate limit request is { name, key, count? }",
  /** `client::RATE_LIMIT_ALL_ARRAY`: `INVALID_ARGUMENT`: `rateLimitAll` given something else than an array. */
  RATE_LIMIT_ALL_ARRAY = "rateLimitAll takes an array of limits",
  /** `client::DECIDE_RATE_LIMITS_ARRAY`: `INVALID_ARGUMENT`: `decideRateLimits` given something else than an array. */
  DECIDE_RATE_LIMITS_ARRAY = "decideRateLimits takes an array",
  /** `client::RATE_LIMIT_STATE_LOG`: `INVALID_ARGUMENT`: a pure decision's state whose `log` is not an array (no state a decision answers: every kind's has one, empty but a sliding log's). */
  RATE_LIMIT_STATE_LOG = "a rate limit state is { t, a, b, log } as a decision answered it, and this one's log is not an array (pass the state, not the row that holds it)",
  /** `client::RATE_LIMIT_STATE_UNDEFINED`: `INVALID_ARGUMENT`: a pure decision's state that is `undefined` (a `useQuery` still loading answers it): `null` is a key with no stored state, `undefined` no answer yet. */
  RATE_LIMIT_STATE_UNDEFINED = "a rate limit state is undefined: pass null for a key with no stored state, or wait for the state to load (useQuery answers undefined while it loads)",
  /** `client::CONFIRMATION_HASH_BYTES`: `INVALID_ARGUMENT`: a code's hash that is neither an `ArrayBuffer` nor a `Uint8Array`. */
  CONFIRMATION_HASH_BYTES = "a confirmation hash must be an ArrayBuffer or a Uint8Array",
  /** `client::EMPTY_STORED_HASH`: `INVALID_ARGUMENT`: a stored code record whose hash is empty. */
  EMPTY_STORED_HASH = "a stored confirmation hash is empty",
  /** `client::SIGN_CODE_BYTES`: `INVALID_ARGUMENT`: `signCode` given something else than `codes.message`'s bytes. */
  SIGN_CODE_BYTES = "signCode signs the bytes codes.message returns",
  /** `client::AUDIT_FILTER_OBJECT`: `INVALID_ARGUMENT`: an audit trail filter that is not an object. */
  AUDIT_FILTER_OBJECT = "an audit filter must be an object",
  /** `client::AUDIT_EVENT_OBJECT`: `INVALID_ARGUMENT`: an audit event that is not an object. */
  AUDIT_EVENT_OBJECT = "an audit event must be an object",
  /** `client::AUDIT_EVENT_FIELDS`: `INVALID_ARGUMENT`: an audit event field that is given and not a string (`null`, a number, a boolean, an object): never stringified, never dropped. */
  AUDIT_EVENT_FIELDS = "audit event fields are strings",
  /** `client::AUDIT_EVENT_EMPTY`: `INVALID_ARGUMENT`: an audit event whose `action` or `outcome` is `""`. */
  AUDIT_EVENT_EMPTY = "an audit event's action and outcome are not empty",
}
/** `client::ROLE_REQUIRED`: `FORBIDDEN` for a role below `{s}`. */
export const roleRequired = (v: string) => `Role '${v}' or higher required` as ClientMessage;
/** `client::PERMISSION_REQUIRED`: `FORBIDDEN` without the permission `{s}`. */
export const permissionRequired = (v: string) => `Permission '${v}' required` as ClientMessage;
/** `client::LEVEL_REQUIRED`: `FORBIDDEN` for an access level below `{s}` on a document. */
export const levelRequired = (v: string) => `Access level '${v}' or higher required` as ClientMessage;
/** `client::MOVE_LEVEL_REQUIRED`: `FORBIDDEN`: a move into a parent the caller holds less than `{s}` on (the table's `fileLevel`, else the share level). */
export const moveLevelRequired = (v: string) => `Access level '${v}' or higher on the destination required to move a document into it` as ClientMessage;
/** `client::INSERT_LEVEL_REQUIRED`: `FORBIDDEN`: an insert under a parent the caller holds less than `{s}` on (the table's `fileLevel`, else the share level). */
export const insertLevelRequired = (v: string) => `Access level '${v}' or higher on the parent required to create a document under it` as ClientMessage;
/** `client::PAGE_ITEMS`: `INVALID_ARGUMENT`: a page's `numItems` not a whole number from 1 to `{n}`, the most. */
export const pageItems = (v: number) => `numItems must be a whole number from 1 to ${v}` as ClientMessage;
/** `client::UNKNOWN_ROLE`: `INVALID_ARGUMENT`: a role name `{s}` (quoted) that is not configured. */
export const unknownRole = (v: string) => `unknown role ${v}` as ClientMessage;
/** `client::UNKNOWN_LEVEL`: `INVALID_ARGUMENT`: an access level name `{s}` (quoted) that is not configured. */
export const unknownLevel = (v: string) => `unknown access level ${v}` as ClientMessage;
/** `client::UNKNOWN_SOURCE`: `INVALID_ARGUMENT`: `canTransfer` given a source `{s}` (quoted) that is not one. */
export const unknownSource = (v: string) => `unknown access source ${v}` as ClientMessage;
/** `client::UNCONFIGURED_TABLE`: `INVALID_ARGUMENT`: a table `{s}` (quoted) not under `access.tables`. */
export const unconfiguredTable = (v: string) => `table ${v} is not configured under access.tables` as ClientMessage;
/** `client::NO_PARENT_FIELD`: `INVALID_ARGUMENT`: a move of a document of table `{s}`, configured without a parent field. */
export const noParentField = (v: string) => `access.tables.${v} has no parent field: its documents cannot be moved` as ClientMessage;
/** `client::DELETE_GRANTS`: `INVALID_ARGUMENT`: `deleteDocument` of a document holding more than `{n}` grants, the most. */
export const deleteGrants = (v: number) => `This document holds more than ${v} grants, the most one deletion removes with it: revoke some first (listGrants, then revoke), then delete it` as ClientMessage;
/** `client::GROUP_NAME_TOO_LONG`: `INVALID_ARGUMENT`: a new group's name longer than `{n}`, the most. */
export const groupNameTooLong = (v: number) => `a group name is at most ${v} characters` as ClientMessage;
/** `client::CALLER_GROUPS_FULL`: `INVALID_ARGUMENT`: the caller joining a group while in `{n}` groups, the most. */
export const callerGroupsFull = (v: number) => `You are already in ${v} groups, the most one user may be in: leave one first` as ClientMessage;
/** `client::USER_GROUPS_FULL`: `INVALID_ARGUMENT`: adding a user who is in `{n}` groups, the most. */
export const userGroupsFull = (v: number) => `That user is already in ${v} groups, the most one user may be in: leave one first` as ClientMessage;
/** `client::UNKNOWN_RATE_LIMIT`: `INVALID_ARGUMENT`: a rate limit name `{s}` (quoted) that is not configured. */
export const unknownRateLimit = (v: string) => `unknown rate limit ${v}` as ClientMessage;
/** `client::RATE_LIMIT_NAMED`: `INVALID_ARGUMENT`: an engine error about rate limits `{s}` (each quoted), then its message `{s}`. */
export const rateLimitNamed = (v1: string, v2: string) => `rate limit ${v1}: ${v2}` as ClientMessage;
/** `client::RATE_LIMIT_KEY`: `INVALID_ARGUMENT`: a rate limit key not a string of 1 to `{n}` characters, the most. */
export const rateLimitKey = (v: number) => `a rate limit key must be a string of 1 to ${v} characters` as ClientMessage;
/** `client::RATE_LIMIT_TWICE`: `INVALID_ARGUMENT`: `rateLimitAll` listing the limit `{s}` twice for one key. */
export const rateLimitTwice = (v: string) => `rate limit '${v}' is listed twice for the same key` as ClientMessage;
/** `client::CONFIRMATION_NOT_STRING`: `INVALID_ARGUMENT`: a code's binding field (or the code) `{s}` that is not a string. */
export const confirmationNotString = (v: string) => `the confirmation ${v} must be a string` as ClientMessage;
/** `client::CONFIRMATION_SURROGATE`: `INVALID_ARGUMENT`: a code's binding field `{s}` holding a lone surrogate. */
export const confirmationSurrogate = (v: string) => `the confirmation ${v} holds a lone surrogate` as ClientMessage;
/** `client::UNKNOWN_AUDIT_FILTER`: `INVALID_ARGUMENT`: an audit trail filter naming a field `{s}` it does not have, then the ones it has, `{s}` (from the TypeScript's list, which decides). */
export const unknownAuditFilter = (v1: string, v2: string) => `unknown audit filter '${v1}' (${v2})` as ClientMessage;
/** `client::AUDIT_FILTER_STRING`: `INVALID_ARGUMENT`: an audit trail filter's field `{s}` that is not a string. */
export const auditFilterString = (v: string) => `audit filter '${v}' must be a string` as ClientMessage;
/** `client::AUDIT_FILTER_TIME`: `INVALID_ARGUMENT`: an audit trail filter's bound `{s}` that is not a finite time. */
export const auditFilterTime = (v: string) => `audit filter '${v}' must be a time in ms` as ClientMessage;
/** `client::TRY_AGAIN`: `RATE_LIMITED`'s message, try again in `v` whole seconds. */
export const tryAgainIn = (v: number) => (v === 1 ? `Too many requests. Try again in ${v} second` : `Too many requests. Try again in ${v} seconds`) as ClientMessage;
/** `client::QUOTED`: `v` for a message's `{s}`, quoted when it is a string, else only its type (no `toString` runs). */
export const quoted = (v: unknown): string => (typeof v === "string" ? `'${v}'` : `(${v === null ? "null" : typeof v}, not a name)`);

// the engine's exports (src/bindings)

/** An export refused its input: the engine error is in the I/O area. */
export const ABI_ERROR = -1;
/** An export could not make sense of the call: discard the instance. */
export const ABI_INVALID = -2;
/** The most bytes of input `buffer` makes room for: a longer one is refused (0). */
export const ABI_MAX_IO_BYTES = 16777216;
/** A string length meaning "no string". */
export const ABI_ABSENT = 4294967295;
/** `create` kind: an access levels builder. */
export const ABI_KIND_LEVELS = 1;
/** `create` kind: a rate limiter. */
export const ABI_KIND_LIMITER = 2;
/** Error layout: the index of its code in `ENGINE_ERROR_CODES`. */
export const ABI_ERROR_CODE = 0;
/** Error layout: how many numbers follow the head. */
export const ABI_ERROR_NUMS = 1;
/** Error layout: how many texts (lengths, then UTF-8 bytes) follow them. */
export const ABI_ERROR_TEXTS = 2;
/** Error layout: numbers in the head. */
export const ABI_ERROR_HEAD = 3;
/** `limiter_add` flag: a capacity is given. */
export const ABI_HAS_CAPACITY = 1;
/** `limiter_add` flag: shards are given. */
export const ABI_HAS_SHARDS = 2;
/** `codes_new` flag: the binding lockout's maxFailures is given. */
export const ABI_HAS_BINDING_FAILURES = 1;
/** `codes_new` flag: the binding lockout's window is given. */
export const ABI_HAS_BINDING_WINDOW = 2;
/** `codes_new` flag: the actor lockout's maxFailures is given. */
export const ABI_HAS_ACTOR_FAILURES = 4;
/** `codes_new` flag: the actor lockout's window is given. */
export const ABI_HAS_ACTOR_WINDOW = 8;
/** `codes_issue` flag: the code's own lifetime is given. */
export const ABI_HAS_TTL = 1;
/** Where an array of `f64`s starts after `bytes` bytes of input (`wire::abi::align`). */
export const abiAlign = (bytes: number): number => Math.ceil(bytes / 8) * 8;
/** The engine's exports: its memory, its `random` table, and `run`, the one function that runs every operation (`wire::abi::OPS`, through the functions below). */
export type EngineExports = {
  memory: WebAssembly.Memory;
  /** Slot 0 calls `env.random` (scripts/build-pkg.mjs `randomThroughTable`; modules without codes have none). */
  random: WebAssembly.Table;
  run(op: number, ...params: number[]): number;
  buffer(len: number): number;
  policy_compile(roles: number, grants: number, build: number): number;
  policy_holders(handle: number, len: number): number;
  limiter_decide(handle: number, n: number, now: number, mode: number): number;
};
/** Operation `buffer` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opBuffer(ex: EngineExports, len: number): number {
  return ex.buffer(len);
}
/** Operation `create` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opCreate(ex: EngineExports, kind: number): number {
  return ex.run(1, kind | 0);
}
/** Operation `release` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opRelease(ex: EngineExports, handle: number): number {
  return ex.run(2, handle | 0);
}
/** Operation `is_secret_key` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opIsSecretKey(ex: EngineExports, len: number): number {
  return ex.run(3, len | 0);
}
/** Operation `policy_compile` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opPolicyCompile(ex: EngineExports, roles: number, grants: number, build: number): number {
  return ex.policy_compile(roles, grants, build);
}
/** Operation `policy_holders` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opPolicyHolders(ex: EngineExports, handle: number, len: number): number {
  return ex.policy_holders(handle, len);
}
/** Operation `levels_level` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opLevelsLevel(ex: EngineExports, handle: number, len: number): number {
  return ex.run(6, handle | 0, len | 0);
}
/** Operation `levels_build` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opLevelsBuild(ex: EngineExports, handle: number, publicLen: number, shareLen: number): number {
  return ex.run(7, handle | 0, publicLen | 0, shareLen | 0);
}
/** Operation `access_levels` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opAccessLevels(ex: EngineExports, handle: number): number {
  return ex.run(8, handle | 0);
}
/** Operation `access_info` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opAccessInfo(ex: EngineExports, handle: number): number {
  return ex.run(9, handle | 0);
}
/** Operation `access_resolve` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opAccessResolve(ex: EngineExports, handle: number, ints: number, times: number): number {
  return ex.run(10, handle | 0, ints | 0, times | 0);
}
/** Operation `access_can_share` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opAccessCanShare(ex: EngineExports, handle: number, callerLevel: number, grantedLevel: number): number {
  return ex.run(11, handle | 0, callerLevel, grantedLevel);
}
/** Operation `access_can_transfer` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opAccessCanTransfer(ex: EngineExports, handle: number, source: number): number {
  return ex.run(12, handle | 0, source);
}
/** Operation `limiter_add` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opLimiterAdd(ex: EngineExports, handle: number, kindLen: number, rate: number, period: number, capacity: number, shards: number, given: number): number {
  return ex.run(13, handle | 0, kindLen | 0, rate, period, capacity, shards, given | 0);
}
/** Operation `limiter_capacity` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opLimiterCapacity(ex: EngineExports, handle: number, id: number): number {
  return ex.run(14, handle | 0, id | 0);
}
/** Operation `limiter_io` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opLimiterIo(ex: EngineExports, handle: number): number {
  return ex.run(15, handle | 0);
}
/** Operation `limiter_decide` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opLimiterDecide(ex: EngineExports, handle: number, n: number, now: number, mode: number): number {
  return ex.limiter_decide(handle, n, now, mode);
}
/** Operation `codes_new` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opCodesNew(ex: EngineExports, alphabetLen: number, length: number, ttl: number, maxAttempts: number, bindingFailures: number, bindingWindow: number, actorFailures: number, actorWindow: number, given: number): number {
  return ex.run(17, alphabetLen | 0, length, ttl, maxAttempts, bindingFailures, bindingWindow, actorFailures, actorWindow, given | 0);
}
/** Operation `codes_message` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opCodesMessage(ex: EngineExports, handle: number, actorLen: number, actionLen: number, targetLen: number, codeLen: number, mode: number): number {
  return ex.run(18, handle | 0, actorLen | 0, actionLen | 0, targetLen | 0, codeLen | 0, mode | 0);
}
/** Operation `codes_verify` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opCodesVerify(ex: EngineExports, handle: number, hashLen: number, expiresAt: number, attemptsLeft: number, used: number, failures: number, lastFailure: number, actorFailures: number, actorLast: number, presentedLen: number, now: number): number {
  return ex.run(19, handle | 0, hashLen | 0, expiresAt, attemptsLeft | 0, used | 0, failures, lastFailure, actorFailures, actorLast, presentedLen | 0, now);
}
/** Operation `codes_issue` (`wire::abi::OPS`): numbers in, an `i32` status or answer out. */
export function opCodesIssue(ex: EngineExports, handle: number, hashLen: number, failures: number, lastFailure: number, now: number, ttl: number, given: number): number {
  return ex.run(20, handle | 0, hashLen | 0, failures, lastFailure, now, ttl, given | 0);
}

// engine errors

/** The `code` of every error the engine throws on purpose. */
export const ENGINE_ERROR_CODES = ["INVALID_CONFIG", "INVALID_ARGUMENT", "UNAVAILABLE"] as const;
/**
 * The message of an engine error from the table of templates the module that threw it can
 * send (`ENGINE_MESSAGES` of messages.ts, or of a browser entry's messages-*.ts) and its
 * `parts`, `[count, ...template ids, ...numbers, ...texts]`: the templates one after the
 * other, each `{s}` filled with the next text and each `{n}` with the next number (a
 * placeholder with nothing left becomes nothing), as the engine's `Error::message` does
 * natively.
 */
export function fillEngineMessage(messages: readonly string[], parts: readonly unknown[]): ClientMessage {
  const count = typeof parts[0] === "number" ? parts[0] : 0;
  const rest = parts.slice(1 + count);
  const values = { s: rest.filter((p) => typeof p === "string"), n: rest.filter((p) => typeof p === "number") };
  const next = { s: 0, n: 0 };
  let out = "";
  for (const id of parts.slice(1, 1 + count)) {
    const template = messages[id as number] ?? "";
    out += template.replace(/\{([sn])\}/g, (_, k: "s" | "n") => String(values[k][next[k]++] ?? ""));
  }
  return out as ClientMessage;
}
