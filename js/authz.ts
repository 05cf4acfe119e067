/**
 * Roles and permissions: the TypeScript side. Decisions are made by the engine's compiled
 * policy, ahead of time (its "at least" table when it compiles, each permission's row of
 * holders at its first check), or before deploying, when the server guard is given tables that
 * match (`compiledPolicy`, authz-tables.ts); this file maps names to the engine's small integer ids, looks
 * those answers up, finds the caller through `users.ts` (one setup per auth provider; getUser
 * and the require* checks are users-find.ts `userMethods`), and turns denials into
 * `ConvexError`s.
 */
import { collect } from "./authz-policy.js";
import type { Preset } from "./authz-tables.js";
import { checkPolicy, CompiledPolicy, perInstance, policyOf } from "./engine.js";
import { deny, engineCall, GuardConfigError } from "./errors.js";
import { diagnoseRole, type RoleDiagnosis } from "./diagnose.js";
import { field, type Bare } from "./fields.js";
import { checkConfigKeys, checkOwnConfig } from "./config-keys.js";
import { createUserFinder, type UserFinder } from "./users.js";
import { userMethods } from "./users-find.js";
import { nameValidator, type NameValidator } from "./validators.js";
import type { Authz, AuthzConfig, PermissionName, Subject } from "./authz-types.js";
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

// The public types live in authz-types.ts; this file implements them.
export type { AuthzConfig, Authz, PermissionName, Subject, UserOf } from "./authz-types.js";

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
  /** The compiled tables' decisions when they match the configuration (authz-tables.ts; the server guard only). */
  preset?: Preset,
): Authz<R, P, T, RC> {
  // Inherited configuration keys are refused at once (config-keys.ts `checkOwn`). The roles
  // are read here, once, by index: `roles`, the validators and the engine all see this list,
  // whatever the caller's array does later (a second read, a Proxy, a patched iterator).
  checkOwnConfig(config);
  const definedRoles = typeof config === "object" && config !== null && Array.isArray(config.roles) ? Object.freeze(Array.prototype.slice.call(config.roles) as R[]) : undefined;
  const roleField = users.roleKey;
  const claimedRoles = users.claimedRoles;
  /** `users.roleClaim` set (alone, or beside a row setup): only a token holds a role ({@link claimed}). */
  const fromToken = claimedRoles !== undefined || users.claims;
  const fromEngine = perInstance(build);
  // The first check takes the compiled tables' decisions when they match, else the engine's;
  // a name the tables lack starts the engine (`holders`). `var`: see below.
  var compile = (): void => {
    compile = fromEngine;
    const got = preset?.(definedRoles);
    if (got === undefined) return void fromEngine();
    compile = tablesInUse;
    tablesEntries = got.entries;
    settle(got.atLeast);
    for (let i = 0; i < got.holders.length && cached < MAX_INTERNED; i++, cached++) decided[got.holders[i]![0]] = got.holders[i]![1];
  };
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
  var atLeast!: ArrayLike<unknown>;
  /** The number of roles, which is also the tables' index for "no role": the engine's last
   * row (`holders`, `atLeastTable`), which holds nothing. */
  var roleCount = 0;
  /** Permission name -> the engine's decision for each role id (`holders`), at most
   * MAX_INTERNED names; past that a name is decided afresh each time, never refused. */
  var decided!: Dictionary<ArrayLike<unknown>>;
  var cached = 0;
  /** The entries the compiled tables were read for, when they were. */
  var tablesEntries: Entries | undefined;

  /** Compiles the policy; `kept`: the entries the first build read (see {@link perInstance}). */
  function build(kept: Entries | undefined): readonly [true, Entries] {
    kept ??= tablesEntries; // the engine after tables decides for the entries they were read for
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
    policy = compiled;
    settle(compiled.atLeastTable());
    return [true, listed];
  }

  function tablesInUse(): void {}

  /** What the engine (or the tables) decided, for the checks to look up. */
  function settle(table: ArrayLike<unknown>): void {
    const roles = definedRoles!;
    // The engine accepted exactly this list, in order, and numbers each role by its place in
    // it from FIRST_ROLE (src/wire.rs; tests/wire.rs asks the compiled policy).
    const ids = dictionary<number>();
    for (let i = 0; i < roles.length; i++) ids[roles[i]!] = FIRST_ROLE + i;
    roleIds = ids;
    atLeast = table;
    roleCount = roles.length;
    decided = dictionary();
    cached = 0;
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
      // With `roleClaim` the role is a token's claim: only a token's identity holds one, never a
      // document or a projection of one (a job's users row with a stale `role`: attack49 F2).
      if (fromToken) role = claimed(subject);
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
   * With `roleClaim` (alone, or beside a row setup), an object's role: for a row found for its caller, that
   * caller's claim; for a token's identity (Convex's `tokenIdentifier`, `issuer` and `subject`)
   * or its raw claims (`iss` and `sub`, as a browser holds them) that is no document (no `_id`,
   * no `_creationTime`), its own claim; for anything else none, whatever its fields hold: a
   * users document, a copy of one, or a projection without its system fields (`{ clerkId,
   * role }`), whose `role` field is not the role here (an attacker's review: a projection of a
   * row with a stale `role: "admin"` held admin).
   */
  function claimed(subject: object): unknown {
    if (claimedRoles?.has(subject)) return claimedRoles.get(subject);
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
  function holders(permission: string): ArrayLike<unknown> {
    // Anything but a string would reach the loader's string copy, which takes strings only.
    if (typeof permission !== "string") deny("INVALID_ARGUMENT", CLIENT_MESSAGE.PERMISSION_NOT_STRING);
    let row = decided[permission];
    if (row === undefined && compile === tablesInUse) {
      // A name the tables lack: the engine decides it, and from now on every check.
      (compile = fromEngine)();
      row = decided[permission];
    }
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

  const authz: Bare<Authz<R, P, T, RC>> = {
    __proto__: null,
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
      // The identity as the user (roleClaim): no id, so the log line names no tokenIdentifier.
      const id = identity ? null : row._id;
      return diagnoseRole(typeof id === "string" ? id : null, roleField, value, authz.roles, fromToken);
    },
  };
  return authz;
}
