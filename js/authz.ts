/**
 * Roles and permissions: the TypeScript side. Decisions are made by the engine's compiled
 * policy, ahead of time (its "at least" table when it compiles, each permission's row of
 * holders at its first check); this file maps names to the engine's small integer ids, looks
 * those answers up, finds the caller through `users.ts` (one setup per auth provider; getUser
 * and the require* checks are users-find.ts `userMethods`), and turns denials into
 * `ConvexError`s.
 */
import type { UserIdentity } from "convex/server";
import { collect } from "./authz-policy.js";
import { checkPolicy, CompiledPolicy, perInstance, policyOf } from "./engine.js";
import { deny, engineCall, GuardConfigError } from "./errors.js";
import type { AnyReaderCtx, DataModelOf, DocOf } from "./ctx.js";
import { diagnoseRole, type RoleDiagnosis } from "./diagnose.js";
import { field } from "./fields.js";
import { checkConfigKeys, checkOwnConfig } from "./config-keys.js";
import { createUserFinder, type UserFinder, type UsersConfig } from "./users.js";
import { userMethods } from "./users-find.js";
import { nameValidator, type NameValidator } from "./validators.js";
import { CLIENT_MESSAGE, FIRST_ROLE, MAX_INTERNED, quoted, unknownRole } from "./generated/wire.js";

export type {
  ClaimRole,
  ClaimUsers,
  ConvexAuthUsers,
  IndexedUsers,
  ResolvedUsers,
  RoleSource,
  UsersConfig,
} from "./users.js";

/**
 * A permission name the configuration grants: exact names as written, and for a wildcard
 * `"resource:*"` any name starting with `"resource:"`.
 */
export type PermissionName<P extends string> = P extends `${infer Prefix}:*`
  ? `${Prefix}:${string}`
  : P;

/**
 * The caller as `getUser` answers it: the users row typed from the ctx's data model, or with
 * `users.roleClaim` alone (`RC` not `never`) the identity itself.
 */
export type UserOf<C, T extends string, RC extends string = never> = [RC] extends [never]
  ? DocOf<DataModelOf<C>, T>
  : UserIdentity;

/** The roles and permissions part of a guard's configuration. */
export type AuthzConfig<R extends string, P extends string, T extends string, RC extends string = never, X = never> = {
  /** Role names, lowest first. Each role holds its own permissions and every lower role's. */
  roles: readonly R[];
  /**
   * Permissions granted per role (and so to every higher role). `"resource:*"` grants every
   * permission whose name starts with `"resource:"`.
   */
  permissions?: { readonly [K in R]?: readonly P[] };
  /**
   * Where the caller's user row lives, by auth setup: the default (`tokenIdentifier` through
   * `by_tokenIdentifier`), a claim stored under another field (Clerk, Auth0), Convex Auth, a
   * resolver, or no row at all; the role in the row's field, or in a token claim
   * (`roleClaim`). See {@link UsersConfig}.
   */
  users?: UsersConfig<T, RC, X>;
};

/** A user document, a bare role name, or nothing: what `can` and `roleAtLeast` accept. */
export type Subject = string | { readonly [field: string]: unknown } | null | undefined;

/**
 * Role and permission checks. Every decision is made by the engine; unknown, missing or
 * non-string roles hold nothing.
 */
export interface Authz<R extends string, P extends string, T extends string, RC extends string = never> {
  /**
   * Compiles and validates the configuration now instead of at first use. Call it in a test
   * so a configuration mistake fails the build rather than a request.
   *
   * @throws {GuardConfigError} naming the offending entry.
   * @example
   * ```ts
   * test("guard configuration is valid", () => guard.validate());
   * ```
   */
  validate(): void;

  /** The configured role names, lowest first. */
  readonly roles: readonly R[];

  /**
   * Whether `subject` (a user document or a role name) holds `minRole` or a higher role.
   * An unknown, missing or non-string role holds none. Never throws because of the subject.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` when `minRole` is not a configured role.
   * @example
   * ```ts
   * guard.roleAtLeast(user, "moderator"); // true for moderators and every role above
   * ```
   */
  roleAtLeast(subject: Subject, minRole: R): boolean;

  /**
   * Whether `subject` (a user document or a role name) holds `permission`: granted to its
   * role, inherited from a lower role, or matched by a `resource:*` wildcard. Deny by
   * default. Works anywhere, the browser included. A wildcard asked (`"admin:*"`) means the
   * whole namespace: only holders of `admin:*` (or a wider wildcard) have it, not holders of
   * some `admin:` names.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` when `permission` is malformed.
   * @example
   * ```ts
   * if (guard.can(user, "write:users")) showEditButton();
   * ```
   */
  can(subject: Subject, permission: PermissionName<P>): boolean;

  /**
   * The caller's user row, or `null` when there is no identity or no row for it (with
   * `users.roleClaim` alone: the identity itself). Deny by default: a subject, claim or resolver
   * answer that does not lead to a real row of the users table is `null`.
   *
   * A row whose role field holds something that is not a configured role (`"Admin"`, an
   * array, a boolean) holds no role; each such row is reported once per request with
   * `console.warn` (see {@link Authz.diagnoseUser}), never in the caller's error; the line names
   * only the row id, the value's type and the closest role.
   *
   * @example
   * ```ts
   * const me = await guard.getUser(ctx); // Doc<"users"> | null
   * ```
   */
  getUser<C extends AnyReaderCtx>(ctx: C): Promise<UserOf<C, T, RC> | null>;

  /**
   * The caller's user row.
   *
   * @throws `ConvexError` `UNAUTHENTICATED` when there is no identity or no row for it.
   * @example
   * ```ts
   * const me = await guard.requireUser(ctx);
   * ```
   */
  requireUser<C extends AnyReaderCtx>(ctx: C): Promise<UserOf<C, T, RC>>;

  /**
   * The caller's user row, when their role is `minRole` or higher.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, or `FORBIDDEN` with message
   * "Role 'admin' or higher required".
   * @example
   * ```ts
   * const moderator = await guard.requireRole(ctx, "moderator");
   * ```
   */
  requireRole<C extends AnyReaderCtx>(ctx: C, minRole: R): Promise<UserOf<C, T, RC>>;

  /**
   * The caller's user row, when their role holds `permission`.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`, or `FORBIDDEN` with message
   * "Permission 'delete:users' required".
   * @example
   * ```ts
   * const admin = await guard.requirePermission(ctx, "delete:users");
   * ```
   */
  requirePermission<C extends AnyReaderCtx>(
    ctx: C,
    permission: PermissionName<P>,
  ): Promise<UserOf<C, T, RC>>;

  /**
   * Whether `value` is one of the configured role names (exactly: case matters). A type guard.
   *
   * @example
   * ```ts
   * if (guard.isRole(args.role)) await ctx.db.patch(userId, { role: args.role }); // typed R
   * ```
   */
  isRole(value: unknown): value is R;

  /**
   * A Convex validator accepting exactly the configured role names (`v.union` of
   * `v.literal`s), for the users table's role field or a function's arguments. Built when
   * called, never at import.
   *
   * @example
   * ```ts
   * users: defineTable({ tokenIdentifier: v.string(), role: v.optional(guard.roleValidator()) })
   * ```
   */
  roleValidator(): NameValidator<R>;

  /**
   * Why `user` (a users row, or an identity with `users.roleClaim`) holds no role although its
   * role field is set: `null` when the field is missing or holds a configured role; else the
   * field, the value's type and the closest configured role. The same report `getUser` logs.
   *
   * @example
   * ```ts
   * guard.diagnoseUser({ _id: "k57...", role: "Admin" })?.closest; // "admin"
   * ```
   */
  diagnoseUser(user: unknown): RoleDiagnosis<R> | null;
}

type Dictionary<V> = { [name: string]: V | undefined };
/** The policy's entries as the engine gets them: the role names, then `role, permission` pairs. */
type Entries = { names: string[]; grants: string[] };

/** A lookup table with no prototype, so no inherited key can ever be found in it. */
function dictionary<V>(): Dictionary<V> {
  return Object.create(null) as Dictionary<V>;
}

/** @internal */
export function createAuthz<R extends string, P extends string, T extends string, RC extends string = never, X = never>(
  config: AuthzConfig<R, P, T, RC, X>,
  /** How the caller is found: made from `config.users` unless given (the guard shares its own with the action checks). */
  users: UserFinder = createUserFinder(typeof config === "object" ? config?.users : undefined),
): Authz<R, P, T, RC> {
  // Inherited configuration keys are refused at once (config-keys.ts `checkOwn`). The roles
  // are read here, once, by index: `roles`, the validators and the engine all see this list,
  // whatever the caller's array does later (a second read, a Proxy, a patched iterator).
  checkOwnConfig(config);
  const definedRoles = typeof config === "object" && config !== null && Array.isArray(config.roles) ? Object.freeze(Array.prototype.slice.call(config.roles) as R[]) : undefined;
  const roleField = users.roleKey;
  const claimedRoles = users.claimedRoles;
  const compile = perInstance(build);
  let validator: NameValidator<R> | undefined;

  // What the engine decided when the policy compiled, for hot calls to look up: no rule here.
  // `build` sets them all, once it has them all (again after a new instance). Variables of this
  // closure rather than one object's fields: a fresh context's first check paid about 10 µs
  // for making such an object. `var`, not `let`: the checks that read them are other
  // functions, and a `let` read from another function is checked for its temporal dead zone
  // at every read.
  // Null-prototype dictionaries: `"__proto__"` or `"constructor"` is an ordinary missing key,
  // and property lookups are faster than `Map.get` on the hot path.
  var policy!: CompiledPolicy;
  /** Role name -> role id. */
  var roleIds!: Dictionary<number>;
  /** The engine's "at least" table: the byte at `role * roleCount + min` (src/policy.rs). */
  var atLeast!: Uint8Array;
  /** The number of roles, which is also the tables' index for "no role": the engine's last
   * row (`holders`, `atLeastTable`), which holds nothing. */
  var roleCount = 0;
  /** Permission name -> the engine's decision for each role id (`holders`), at most
   * MAX_INTERNED names; past that a name is decided afresh each time, never refused. */
  var decided!: Dictionary<Uint8Array>;
  var cached = 0;

  /** Compiles the policy; `kept`: the entries the first build read (see {@link perInstance}). */
  function build(kept: Entries | undefined): readonly [true, Entries] {
    if (config === null || typeof config !== "object" || definedRoles === undefined) {
      throw new GuardConfigError("the configuration needs a 'roles' array, lowest role first");
    }
    checkConfigKeys(config);
    users.validate();
    const roles = definedRoles;
    // The entries as the engine gets them: the roles, then `role, permission` pairs, read from
    // the configuration by the first build only.
    const listed = kept ?? { names: [], grants: [] };
    const compiled = engineCall(() => {
      if (kept === undefined) {
        try {
          collect(roles, config.permissions, listed.names, listed.grants);
        } catch (e) {
          // The entries before the one refused here go to the engine first: its error for
          // one of them is the first error, as when each entry crossed on its own.
          checkPolicy(listed.names, listed.grants);
          throw e;
        }
      }
      return policyOf(listed.names, listed.grants);
    });
    // The engine accepted exactly this list, in order, and numbers each role by its place in
    // it from FIRST_ROLE (src/wire.rs; tests/wire.rs asks the compiled policy).
    const ids = dictionary<number>();
    for (let i = 0; i < roles.length; i++) ids[roles[i]!] = FIRST_ROLE + i;
    policy = compiled;
    roleIds = ids;
    atLeast = compiled.atLeastTable();
    roleCount = roles.length;
    decided = dictionary();
    cached = 0;
    return [true, listed];
  }

  function roleId(subject: Subject): number {
    // An own field only: a role inherited from a prototype (a polluted `Object.prototype`,
    // `{ __proto__: { role: "admin" } }`) is no role. Told by `in` on the subject, then on its
    // prototype (V8 answers both from its caches): the field is the subject's own when its
    // prototype lacks it, and only a prototype that has it too pays for `Object.hasOwn`, a
    // builtin call V8 does not inline (about 20 ns, 220 instructions, of a hot `roleAtLeast`).
    let role: unknown = subject;
    if (subject !== null && typeof subject === "object") {
      role = undefined;
      if (claimedRoles !== undefined) role = claimed(subject);
      else if (roleField in subject) {
        const proto: object | null = Object.getPrototypeOf(subject);
        if (proto === null || !(roleField in proto) || Object.hasOwn(subject, roleField)) role = subject[roleField];
      }
    }
    // Fail closed: anything but a configured role name is "no role" (never the lowest role):
    // the index of the tables' last row, which holds nothing.
    return typeof role === "string" ? (roleIds[role] ?? roleCount) : roleCount;
  }

  /**
   * With `roleClaim` beside a row setup, an object's role: for a row found for its caller, that
   * caller's claim; for a token's identity (Convex's `tokenIdentifier`, `issuer` and `subject`)
   * or its raw claims (`iss` and `sub`, as a browser holds them) that is no document (no `_id`,
   * no `_creationTime`), its own claim; for anything else none, whatever its fields hold: a
   * users document, a copy of one, or a projection without its system fields (`{ clerkId,
   * role }`), whose `role` field is not the role here (an attacker's review: a projection of a
   * row with a stale `role: "admin"` held admin).
   */
  function claimed(subject: object): unknown {
    if (claimedRoles!.has(subject)) return claimedRoles!.get(subject);
    const text = (key: string) => typeof field(subject, key) === "string";
    const token = (text("tokenIdentifier") && text("issuer") && text("subject")) || (text("iss") && text("sub"));
    return token && field(subject, "_id") === undefined && field(subject, "_creationTime") === undefined ? field(subject, roleField) : undefined;
  }

  function requiredRoleId(role: string): number {
    const id = typeof role === "string" ? roleIds[role] : undefined;
    if (id === undefined) deny("INVALID_ARGUMENT", unknownRole(quoted(role)));
    return id;
  }

  /** The engine's decision on `permission` for each role id. */
  function holders(permission: string): Uint8Array {
    // Anything but a string would reach the loader's string copy, which takes strings only.
    if (typeof permission !== "string") deny("INVALID_ARGUMENT", CLIENT_MESSAGE.PERMISSION_NOT_STRING);
    let row = decided[permission];
    if (row === undefined) {
      row = engineCall(() => policy.holders(permission));
      // Bounded, whatever names callers send: past the bound a name is decided again each
      // time, so no request ever fails because of the names earlier requests checked.
      if (cached < MAX_INTERNED) {
        decided[permission] = row;
        cached++;
      }
    }
    return row;
  }

  const authz: Authz<R, P, T, RC> = {
    validate(): void {
      compile();
    },

    // A frozen copy: code that reads it (the default audit reader is the last role) cannot be
    // moved by someone mutating the configuration array later.
    roles: definedRoles ?? Object.freeze([]),

    roleAtLeast(subject: Subject, minRole: R): boolean {
      compile();
      const role = roleId(subject);
      const min = requiredRoleId(minRole);
      return atLeast[role * roleCount + min] === 1;
    },

    can(subject: Subject, permission: PermissionName<P>): boolean {
      compile();
      const role = roleId(subject);
      return holders(permission)[role] === 1;
    },

    // The methods that find the caller (users-find.ts, which the browser entries leave out).
    ...userMethods<R, P, T, RC>(users, () => authz),

    isRole(value: unknown): value is R {
      compile();
      return typeof value === "string" && roleIds[value] !== undefined;
    },

    roleValidator(): NameValidator<R> {
      if (validator === undefined) {
        compile(); // the names are the ones the engine accepted
        validator = nameValidator(authz.roles);
      }
      return validator;
    },

    diagnoseUser(user: unknown): RoleDiagnosis<R> | null {
      if (user === null || typeof user !== "object") return null;
      const row = user as Record<string, unknown>;
      // As decisions read it: own, and with roleClaim beside rows the claim a row was found with.
      const value = claimedRoles === undefined ? field(row, roleField) : claimed(row);
      if (value === undefined || authz.isRole(value)) return null;
      const identity = users.claims || (claimedRoles !== undefined && field(row, "_id") === undefined);
      const id = identity ? row.tokenIdentifier : row._id;
      return diagnoseRole(typeof id === "string" ? id : null, roleField, value, authz.roles, users.claims || claimedRoles !== undefined);
    },
  };
  return authz;
}
