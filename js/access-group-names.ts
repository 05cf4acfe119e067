/**
 * Data access boundaries: the group-name rule, which `createGroup` and `renameGroup` apply
 * alike (access-groups.ts). Split out of access-groups.ts for length; the rule and its
 * characters are the Rust core's (src/access.rs), generated into the package.
 */
import { deny } from "./errors.js";
import {
  CLIENT_MESSAGE,
  GROUP_NAME_BLANK,
  GROUP_NAME_DETACHED,
  GROUP_NAME_FLAG,
  GROUP_NAME_FORBIDDEN,
  groupNameTooLong,
  type ClientMessage,
} from "./generated/wire.js";

/** The group-name rule's patterns, made at the first name checked (the blank class is long). */
let namePatterns: { shows: RegExp; flags: RegExp; attaches: RegExp } | undefined;

/**
 * Why `name` may not name a group, or `undefined`: `group_name_refusal` of src/access.rs, its
 * checks in its order (tests/vectors/group-names.json holds both to the same answers): at most
 * `max` characters; no lone surrogate (which a Rust string cannot hold: this check is the
 * package's alone); at least one character that shows of its own; no control, invisible or
 * bidirectional formatting character, nor tags but a subdivision flag's; a first character that
 * does not attach to the text before the name (a combining mark, a joiner).
 */
function groupNameRefusal(name: string, max: number): ClientMessage | undefined {
  if (name.length > max) return groupNameTooLong(max);
  // With the `u` flag, a surrogate pair is one code point: `\p{Cs}` matches half a pair only.
  if (/\p{Cs}/u.test(name)) return CLIENT_MESSAGE.GROUP_NAME_SURROGATE;
  const p = (namePatterns ??= {
    shows: new RegExp(`[^${GROUP_NAME_BLANK}]`, "u"),
    flags: new RegExp(GROUP_NAME_FLAG, "gu"),
    attaches: new RegExp(`^(?![${GROUP_NAME_DETACHED}])[${GROUP_NAME_BLANK}]`, "u"),
  });
  // Blank (spaces, joiners, fillers, marks alone...) would show as none.
  if (!p.shows.test(name)) return CLIENT_MESSAGE.GROUP_NAME_MISSING;
  // Shown to the people it invites: nothing that hides or reorders what they read.
  if (GROUP_NAME_FORBIDDEN.test(name.replace(p.flags, ""))) return CLIENT_MESSAGE.GROUP_NAME_CHARACTERS;
  // Nor anything that marks or joins onto what is shown before it.
  if (p.attaches.test(name)) return CLIENT_MESSAGE.GROUP_NAME_LEADING_MARK;
  return undefined;
}

/**
 * Refuses `name` as a group's name with `INVALID_ARGUMENT` (not a string: "a group name must
 * be a string"; else {@link groupNameRefusal}'s reason). @internal
 */
export function requireGroupName(name: unknown, max: number): asserts name is string {
  if (typeof name !== "string") deny("INVALID_ARGUMENT", CLIENT_MESSAGE.GROUP_NAME_TYPE);
  const refusal = groupNameRefusal(name, max);
  if (refusal !== undefined) deny("INVALID_ARGUMENT", refusal);
}
