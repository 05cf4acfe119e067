/**
 * Finding the caller: the I/O behind `getUser`. One shape of `users` configuration per common
 * auth setup; each reads `ctx.auth` (and, except the claims setup, `ctx.db`) and answers the
 * caller's row or `null`. Deny by default: anything that is not a real row of the users table
 * (a malformed subject, an id of another table, a deleted row, a resolver that throws or
 * answers something else) is "no user". The role is the row's field, or with `roleClaim` the
 * token's claim (the user is then the row a row setup beside it finds, or with none the identity).
 */
import { checkKeys, checkName, USERS_KEYS } from "./config-keys.js";
import { DEFAULT_ROLE_FIELD, DEFAULT_USERS_TABLE } from "./defaults.js";
import { GuardConfigError } from "./errors.js";
import type { AnyReaderCtx } from "./ctx.js";
import type { Bare } from "./fields.js";
import { findUser, isCallers } from "./users-find.js";
import { rowSettings } from "./users-setup.js";

/** Keys of the other setups, which a setup may not carry (so mixing two is a type error). */
type Excluding<K extends string> = {
  // Typed as the reason rather than `never`, so that mixing two setups reads as what to fix
  // ("... is not assignable to type '\"choose one users setup: ...\"'") instead of "not
  // assignable to type 'undefined'". The run time refuses the mix with a GuardConfigError.
  [Key in K]?: `choose one users setup: '${Key}' belongs to another`;
};

/** Typed as the reason, as {@link Excluding}'s keys: the run time refuses both with a GuardConfigError. */
type OneRoleSource = "roleField or roleClaim: the role is the row's field or the token's claim, not both";

/**
 * Where a setup that finds rows reads the caller's role: the row's `roleField`, or the token's
 * `roleClaim` (one of them).
 */
export type RoleSource =
  | {
      /** The row's field holding the role name. Default `"role"`. */
      roleField?: string;
      roleClaim?: OneRoleSource;
    }
  | {
      /**
       * The role is the identity's custom claim of this name, not a field of the row (Clerk's
       * `{ "role": "{{user.public_metadata.role}}" }`, Clerk Organizations' `org_role`, an Auth0
       * Action's namespaced claim); the user is still the row. A row's field of that name is
       * never read: the claim wins. Validated as with {@link ClaimUsers}, and as trusted.
       */
      roleClaim: string;
      roleField?: OneRoleSource;
    };

/**
 * The default setup, and apps that keep a provider's id in their own field (Clerk, Auth0):
 * the row whose `field` equals the identity's `claim`, read through `index`.
 *
 * @example
 * ```ts
 * users: {}                                                             // tokenIdentifier, by_tokenIdentifier
 * users: { claim: "subject", field: "externalId", index: "byExternalId" } // Clerk or Auth0 id in `externalId`
 * users: { roleClaim: "role", claim: "subject", field: "clerkId", index: "by_clerkId" } // role in the token
 * ```
 */
export type IndexedUsers<T extends string = string> = Excluding<"convexAuth" | "resolve"> & RoleSource & {
  /** The users table. Default `"users"`. */
  table?: T;
  /**
   * The identity claim to look up: `"tokenIdentifier"` (default), `"subject"` (the provider's
   * user id: Clerk's `user_...`, Auth0's `auth0|...`), `"email"`, or a custom claim's name.
   *
   * `"email"` counts only when the identity says it is verified (`emailVerified: true`): an
   * unverified, missing or empty e-mail is no user (`UNAUTHENTICATED`), never another user.
   * An e-mail is unique per verified issuer only: every issuer of `convex/auth.config.ts` that
   * verifies addresses can name the row of an address it verified, so use it only with
   * issuers you trust to verify them (`subject` or `tokenIdentifier` name one issuer's user).
   */
  claim?: string;
  /** The row's field holding that value. Default: the claim's name. Needs `index`. */
  field?: string;
  /**
   * An index on `field`. Default `"by_tokenIdentifier"`; required when `field` is set.
   */
  index?: string;
  /** Shorthand for `claim` and `field` of the same name (cannot be mixed with them). */
  identityField?: string;
};

/**
 * Convex Auth (`@convex-dev/auth`), either version; the token's subject tells which:
 *
 * - **2.0** (a component, `app.use(auth)`): the subject is a session id, and the users row is
 *   that session's `userId`, read through `components.auth.public.getSession` (what its
 *   `getAuthUserId` does), so a signed-out or revoked session is no user even while its token
 *   is valid (an expired one once 2.0 deletes it, at its next refresh). The issuer must be
 *   `${CONVEX_CLOUD_URL}/components/auth`. 2.0 refuses any mount name but `auth`, so there is
 *   nothing to configure.
 * - **0.0.x**: the subject is `userId|sessionId`, and the row is the `_id` before the `|`. The
 *   issuer must be the deployment's `CONVEX_SITE_URL`.
 *
 * Either way the id must be an id of `table` and the row must exist; anything else (another
 * shape or issuer, no session, a look-up that fails) is no user. Convex sets both URLs in every
 * deployment; where one is not set (convex-test, unless the test sets it) that issuer is not
 * checked. In actions (no `ctx.db`) it works through `guard.internalFunctions`, like every setup.
 *
 * @example
 * ```ts
 * users: { convexAuth: true }                     // the "users" table, role in `role`
 * users: { convexAuth: true, table: "members" }   // 2.0's setupConvexAuth({ usersTable: "members" })
 * ```
 */
export type ConvexAuthUsers<T extends string = string> = Excluding<
  "claim" | "field" | "index" | "identityField" | "resolve"
> &
  RoleSource & {
    convexAuth: true;
    /**
     * The users table. Default `"users"`: 0.0.x's `authTables.users`; with 2.0, the table its
     * `createUser` callbacks insert into (`setupConvexAuth`'s `usersTable`).
     */
    table?: T;
  };

/**
 * Any other setup: your function finds the row. What it answers is checked: its `_id` must be
 * an id of `table` and the row must exist (the row returned is the one read from the database,
 * never the object the resolver built). A resolver that throws, or answers anything else, means
 * no user; its error text is never shown to the caller.
 *
 * @example
 * ```ts
 * users: {
 *   resolve: async (ctx) => {
 *     const identity = await ctx.auth.getUserIdentity();
 *     // Only a verified e-mail names a row: with no `email` claim, q.eq("email", undefined)
 *     // would select the rows that have no email.
 *     if (identity?.email === undefined || identity.emailVerified !== true) return null;
 *     const account = await ctx.db.query("accounts").withIndex("by_email", (q) => q.eq("email", identity.email)).unique();
 *     return account && ctx.db.get(account.userId);
 *   },
 * }
 * ```
 */
export type ResolvedUsers<T extends string = string> = Excluding<
  "claim" | "field" | "index" | "identityField" | "convexAuth"
> &
  RoleSource & {
    /**
     * The caller's row of `table`, or `null`. Called once per `getUser`, and only when the
     * request has an identity (no identity is no user, whatever a resolver would answer).
     */
    resolve(ctx: AnyReaderCtx): Promise<{ readonly _id: string } | null | undefined>;
    /** The users table the answer must be a row of. Default `"users"`. */
    table?: T;
  };

/** The keys that find a users row: with `roleClaim` beside one of them, the user is that row. */
type RowKey = "table" | "claim" | "field" | "index" | "identityField" | "convexAuth" | "resolve";

/**
 * Roles carried by the token itself, with no database read: the "user" is the identity, and
 * its role is the custom claim `roleClaim` (for example Clerk's `{ "role":
 * "{{user.public_metadata.role}}" }` or an Auth0 Action's `"https://app.example.com/role"`).
 * With a row setup's key beside it (`table`, `claim`/`field`/`index`, `convexAuth`, `resolve`),
 * the user is that setup's row instead, and the role still the claim (see {@link RoleSource}).
 *
 * Trust: the claim is as trustworthy as the issuers in `convex/auth.config.ts`: Convex accepts
 * only tokens those issuers signed, so whoever can make them sign a claim grants that role.
 * Use it only with issuers whose claim your app alone controls.
 *
 * `X` is what a row setup's keys hold beside `roleClaim` (inferred, `never` when there are
 * none): how {@link ClaimRole} tells the identity from a row for the types.
 *
 * @example
 * ```ts
 * users: { roleClaim: "role" }
 * ```
 */
export type ClaimUsers<RC extends string = string, X = never> = {
  [Key in RowKey]?: X & `'${Key}' beside roleClaim makes a row setup`;
} & Excluding<"roleField"> & {
    /** The custom claim holding the role name. */
    roleClaim: RC;
  };

/**
 * The role claim's name when the user is the identity (`roleClaim` with no row setup's key
 * beside it, `X` never or undefined), `never` when the user is a row: the `RC` of a guard's type.
 */
export type ClaimRole<RC extends string, X> = [Exclude<X, undefined>] extends [never] ? RC : never;

/**
 * Where to find the caller and their role: one of the four setups (see each type), the role
 * from a row's field or, with `roleClaim`, from the token. `RC` is the role claim's name and
 * `X` what a row setup's keys hold beside it (see {@link ClaimUsers}).
 */
export type UsersConfig<T extends string = string, RC extends string = never, X = never> =
  | IndexedUsers<T>
  | ConvexAuthUsers<T>
  | ResolvedUsers<T>
  | ClaimUsers<RC, X>;

/** What the guard found: a users row, or the identity itself with `roleClaim` alone. @internal */
export type Found = { readonly [field: string]: unknown };

/** The fields of a row or an identity that {@link userKey} makes its key of. @internal */
export type KeyFields = { _id?: unknown; _creationTime?: unknown; tokenIdentifier?: unknown; issuer?: unknown; subject?: unknown };

/**
 * Whose budget and audit trail a caller is: a users row's `_id`, an identity's
 * `tokenIdentifier`, a string as is; else `undefined`, which a rate limit refuses rather than
 * sharing one key among callers. `identity` says which the caller is when the setup tells
 * (the builders: with `users.roleClaim` alone the user is the identity, otherwise a row). Without it
 * (a safe action's check may answer either), an identity is an object with the
 * `tokenIdentifier`, `issuer` and `subject` Convex sets on every one and without the
 * `_creationTime` every document has; anything else is read by its `_id` first.
 *
 * Never an identity's `_id`: Convex passes a token's custom claims through, so an `_id` claim
 * is whatever the issuer signed, and taking it as the key gave a caller who could change it a
 * fresh budget and another actor per value. Nor a row's `tokenIdentifier`, even a row that
 * stores `issuer` and `subject` too: its key is the `_id` that `forgetUser` and
 * `resetRateLimit` find. @internal
 */
export function userKey(who: unknown, identity?: boolean): string | undefined {
  if (typeof who === "string") return who;
  const w = who as KeyFields | null | undefined;
  const id = typeof w?._id === "string" ? w._id : undefined;
  const token = typeof w?.tokenIdentifier === "string" ? w.tokenIdentifier : undefined;
  if (identity !== undefined) return identity ? token : id;
  const isIdentity =
    token !== undefined && typeof w?.issuer === "string" && typeof w.subject === "string" && typeof w._creationTime !== "number";
  return isIdentity ? token : (id ?? token);
}

/**
 * The caller's users row as a builder's own check just read it (builders.ts), for that
 * builder's access check on the same ctx only, so it does not read the identity and the row a
 * second time in the same transaction. Held by the ctx object itself (app getters, private
 * fields and all keep working) in a module-private WeakMap no app code can reach, and only
 * while that check runs (see {@link withKnownUser}). Never with `users.roleClaim` alone (no row). @internal
 */
const knownUsers = new WeakMap<object, object>();

/** Runs `check` with `user` known as `ctx`'s caller, and forgets it after. @internal */
export async function withKnownUser<T>(ctx: object, user: object, check: () => Promise<T>): Promise<T> {
  knownUsers.set(ctx, user);
  try {
    return await check();
  } finally {
    knownUsers.delete(ctx);
  }
}

/** The row {@link withKnownUser} holds for `ctx`, or `undefined`. @internal */
export function knownUser(ctx: object): object | undefined {
  return knownUsers.get(ctx);
}

/** The validated configuration; `roleClaim`: a row setup's role is this claim, not a field. @internal */
export type Settings =
  | ((
      | { kind: "index"; table: string; claim: string; field: string; index: string }
      | { kind: "convexAuth"; table: string }
      | { kind: "resolve"; table: string; resolve: ResolvedUsers["resolve"] }
    ) & { roleClaim?: string })
  | { kind: "claims" };

/** @internal */
export type UserFinder = {
  /** The table the rows come from (`null` with `roleClaim` alone). */
  readonly table: string | null;
  /** The field (or claim) holding the role. */
  readonly roleKey: string;
  /** Whether the "user" is the identity (`roleClaim` alone). */
  readonly claims: boolean;
  /**
   * With `roleClaim` beside a row setup: the role claim of the caller each row was found for
   * (`find`, or an action's check), by the row object itself; `undefined` otherwise. A users
   * row holds no role but through it (see authz.ts `claimed`). Per guard, and held weakly: a
   * request's rows and their roles go with it.
   */
  readonly claimedRoles: WeakMap<object, unknown> | undefined;
  /** Validates the configuration. @throws {GuardConfigError} naming the entry. */
  validate(): void;
  /** The caller's row (or identity with `roleClaim` alone), or `null`. */
  find(ctx: AnyReaderCtx): Promise<Found | null>;
  /**
   * Whether `found` is the caller `identity`'s, asked from an action `ctx` (see users-find.ts
   * `isCallers`): `null` when the identity names no user now, `undefined` with `resolve`.
   */
  isCaller(ctx: object, identity: unknown, found: Found): Promise<boolean | null | undefined>;
  /** The validated configuration. @throws {GuardConfigError} naming the entry. */
  settings(): Settings;
};

export { DEFAULT_USERS_TABLE };

/** The setups' own keys: a mode's, and the indexed setup's (one setup at a time). @internal */
export const MODES = ["convexAuth", "resolve"] as const;
/** @internal */
export const INDEX_KEYS = ["claim", "field", "index", "identityField"] as const;
/** The keys that make `roleClaim` a row setup's role rather than the identity's (see {@link RowKey}). */
const ROW_KEYS = ["table", ...MODES, ...INDEX_KEYS] as const;

/** @internal */
export function createUserFinder(config: unknown): UserFinder {
  // No configuration (the common case) has the defaults, and nothing is read: nothing inherited
  // (a polluted Object.prototype), and no object made only to read nothing from it.
  const absent = config === undefined || config === null;
  const users = config as Record<string, unknown>;
  const shaped = !absent && typeof users === "object" && !Array.isArray(users);
  const roleClaim = shaped && users.roleClaim !== undefined;
  // The identity is the user only with roleClaim alone; beside a row setup's key, the row is.
  const claims = roleClaim && !ROW_KEYS.some((k) => users[k] !== undefined);
  const table = claims ? null : !absent && typeof users.table === "string" ? users.table : DEFAULT_USERS_TABLE;
  const roleKey = roleClaim
    ? String(users.roleClaim)
    : !absent && typeof users.roleField === "string"
      ? users.roleField
      : DEFAULT_ROLE_FIELD;
  const claimedRoles = roleClaim && !claims ? new WeakMap<object, unknown>() : undefined;
  let settings: Settings | undefined;

  function check(): Settings {
    if (settings !== undefined) return settings;
    // No users configuration (the common case): the defaults the checks below would settle on,
    // without running them (a first permission check in a fresh context pays for them otherwise).
    if (absent) {
      const claim = "tokenIdentifier";
      return (settings = { kind: "index", table: DEFAULT_USERS_TABLE, claim, field: claim, index: "by_tokenIdentifier" });
    }
    if (!shaped) throw new GuardConfigError("users must be an object (see UsersConfig)");
    checkKeys(users, USERS_KEYS, "users");
    if (roleClaim && users.roleField !== undefined) {
      throw new GuardConfigError(
        "users.roleField and users.roleClaim: the role is the row's field or the token's claim, not both; set one of them",
      );
    }
    const [key, name] = roleClaim ? ["roleClaim", users.roleClaim] : ["roleField", users.roleField ?? DEFAULT_ROLE_FIELD];
    checkName(`users.${key}`, name);
    // Where the rows are: checked here, on the server. A browser guard finds no rows (it reads
    // the role only), so its entries leave the row setup's checks out (scripts/build-pkg.mjs).
    settings = rowSettings(users, claims, table, roleClaim ? roleKey : undefined);
    return settings;
  }

  const finder: Bare<UserFinder> = {
    __proto__: null,
    table,
    roleKey,
    claims,
    claimedRoles,
    // No users configuration (the common case) has nothing to check: the settings are made at
    // the first `find`, not by the first permission check of a fresh context.
    validate: () => void (absent || check()),
    // The reads live in users-find.ts (the browser entries, which read nothing, leave them out).
    async find(ctx) {
      return findUser(check(), ctx, claimedRoles);
    },
    isCaller: (ctx, identity, found) => isCallers(check(), ctx, identity, found, roleKey),
    settings: check,
  };
  return finder;
}
