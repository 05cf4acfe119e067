/**
 * Roles and permissions: the TypeScript side. Decisions are made by the engine's compiled
 * policy; this file maps names to the engine's small integer ids, reads the caller's user row
 * through `ctx`, and turns denials into `ConvexError`s.
 */
import { CompiledPolicy, PolicyBuilder, perInstance } from "./engine.js";
import { deny, engineCall, GuardConfigError, quoted, rethrow } from "./errors.js";
import type { AnyReaderCtx, DataModelOf, DocOf } from "./ctx.js";

/** The role id the engine reads as "no role": unknown, missing or not a string. */
const NO_ROLE = 0xffffffff;

/**
 * A permission name the configuration grants: exact names as written, and for a wildcard
 * `"resource:*"` any name starting with `"resource:"`.
 */
export type PermissionName<P extends string> = P extends `${infer Prefix}:*`
  ? `${Prefix}:${string}`
  : P;

/** Where to find the caller's user row and its role. */
export type UsersConfig<T extends string = string> = {
  /** The users table. Default `"users"`. */
  table?: T;
  /** An index on `identityField`. Default `"by_tokenIdentifier"`. */
  index?: string;
  /**
   * The identity claim that keys the user row, and the row's field holding it (the same name
   * for both). Default `"tokenIdentifier"`: stable and globally unique, Convex's recommended key.
   */
  identityField?: string;
  /** The row's field holding the role name. Default `"role"`. */
  roleField?: string;
};

/** The roles and permissions part of a guard's configuration. */
export type AuthzConfig<R extends string, P extends string, T extends string> = {
  /** Role names, lowest first. Each role holds its own permissions and every lower role's. */
  roles: readonly R[];
  /**
   * Permissions granted per role (and so to every higher role). `"resource:*"` grants every
   * permission whose name starts with `"resource:"`.
   */
  permissions?: { readonly [K in R]?: readonly P[] };
  /** Where the caller's user row lives. */
  users?: UsersConfig<T>;
};

/** A user document, a bare role name, or nothing: what `can` and `roleAtLeast` accept. */
export type Subject = string | { readonly [field: string]: unknown } | null | undefined;

/**
 * Role and permission checks. Every decision is made by the engine; unknown, missing or
 * non-string roles hold nothing.
 */
export interface Authz<R extends string, P extends string, T extends string> {
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
   * default. Works anywhere, the browser included.
   *
   * @throws `ConvexError` `INVALID_ARGUMENT` when `permission` is malformed.
   * @example
   * ```ts
   * if (guard.can(user, "write:users")) showEditButton();
   * ```
   */
  can(subject: Subject, permission: PermissionName<P>): boolean;

  /**
   * The caller's user row, or `null` when there is no identity or no row for it.
   *
   * @example
   * ```ts
   * const me = await guard.getUser(ctx); // Doc<"users"> | null
   * ```
   */
  getUser<C extends AnyReaderCtx>(ctx: C): Promise<DocOf<DataModelOf<C>, T> | null>;

  /**
   * The caller's user row.
   *
   * @throws `ConvexError` `UNAUTHENTICATED` when there is no identity or no row for it.
   * @example
   * ```ts
   * const me = await guard.requireUser(ctx);
   * ```
   */
  requireUser<C extends AnyReaderCtx>(ctx: C): Promise<DocOf<DataModelOf<C>, T>>;

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
  requireRole<C extends AnyReaderCtx>(ctx: C, minRole: R): Promise<DocOf<DataModelOf<C>, T>>;

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
  ): Promise<DocOf<DataModelOf<C>, T>>;
}

type Dictionary = { [name: string]: number | undefined };

/** A lookup table with no prototype, so no inherited key can ever be found in it. */
function dictionary(): Dictionary {
  return Object.create(null) as Dictionary;
}

type Compiled = {
  policy: CompiledPolicy;
  /** Name -> engine id. Null-prototype dictionaries: `"__proto__"` or `"constructor"` is an
   * ordinary missing key here, and property lookups are faster than `Map.get` on the hot path. */
  roleIds: Dictionary;
  permissionIds: Dictionary;
};

/** @internal */
export function createAuthz<R extends string, P extends string, T extends string>(
  config: AuthzConfig<R, P, T>,
): Authz<R, P, T> {
  const users: UsersConfig<T> = (typeof config === "object" && config?.users) || {};
  const table = (users.table ?? "users") as T;
  const index = users.index ?? "by_tokenIdentifier";
  const identityField = users.identityField ?? "tokenIdentifier";
  const roleField = users.roleField ?? "role";
  const compile = perInstance(build);

  function build(): Compiled {
    if (config === null || typeof config !== "object" || !Array.isArray(config.roles)) {
      throw new GuardConfigError("the configuration needs a 'roles' array, lowest role first");
    }
    for (const [key, value] of Object.entries({ table, index, identityField, roleField })) {
      if (typeof value !== "string" || value.length === 0) {
        throw new GuardConfigError(`users.${key} must be a non-empty string`);
      }
    }
    const builder = new PolicyBuilder();
    const policy = engineCall(() => {
      for (const role of config.roles) builder.role(asName(role, "role"));
      const permissions = config.permissions ?? {};
      for (const role of Object.keys(permissions)) {
        const list = (permissions as Record<string, unknown>)[role];
        if (list === undefined) continue;
        if (!Array.isArray(list)) {
          throw new GuardConfigError(`permissions of role '${role}' must be an array of names`);
        }
        for (const permission of list) builder.grant(role, asName(permission, "permission"));
      }
      return builder.build();
    });
    // A role's id is its position in `roles`: the engine accepted exactly this list, in order.
    const roleIds = dictionary();
    config.roles.forEach((name, id) => (roleIds[name] = id));
    return { policy, roleIds, permissionIds: dictionary() };
  }

  function roleId(c: Compiled, subject: Subject): number {
    // An own field only: a role inherited from a prototype (a polluted `Object.prototype`,
    // `{ __proto__: { role: "admin" } }`) is no role.
    const role =
      subject !== null && typeof subject === "object"
        ? Object.hasOwn(subject, roleField) ? subject[roleField] : undefined
        : subject;
    // Fail closed: anything but a configured role name is "no role" (never the lowest role).
    return typeof role === "string" ? (c.roleIds[role] ?? NO_ROLE) : NO_ROLE;
  }

  function requiredRoleId(c: Compiled, role: string): number {
    const id = typeof role === "string" ? c.roleIds[role] : undefined;
    if (id === undefined) deny("INVALID_ARGUMENT", `unknown role ${quoted(role)}`);
    return id;
  }

  function permissionId(c: Compiled, permission: string): number {
    // Anything but a string would reach the glue's string copy, which is not checked.
    if (typeof permission !== "string") deny("INVALID_ARGUMENT", "a permission name must be a string");
    let id = c.permissionIds[permission];
    if (id === undefined) {
      id = engineCall(() => c.policy.intern(permission));
      c.permissionIds[permission] = id;
    }
    return id;
  }

  const authz: Authz<R, P, T> = {
    validate(): void {
      compile();
    },

    // A frozen copy: code that reads it (the default audit reader is the last role) cannot be
    // moved by someone mutating the configuration array later.
    roles: Object.freeze(Array.isArray(config?.roles) ? [...config.roles] : []),

    roleAtLeast(subject: Subject, minRole: R): boolean {
      const c = compile();
      const role = roleId(c, subject);
      const min = requiredRoleId(c, minRole);
      try {
        return c.policy.roleAtLeast(role, min);
      } catch (e) {
        rethrow(e);
      }
    },

    can(subject: Subject, permission: PermissionName<P>): boolean {
      const c = compile();
      const role = roleId(c, subject);
      const id = permissionId(c, permission);
      try {
        return c.policy.can(role, id);
      } catch (e) {
        rethrow(e);
      }
    },

    async getUser<C extends AnyReaderCtx>(ctx: C): Promise<DocOf<DataModelOf<C>, T> | null> {
      const identity: unknown = await ctx.auth.getUserIdentity();
      if (identity === null || typeof identity !== "object") return null;
      const key = (identity as Record<string, unknown>)[identityField];
      if (typeof key !== "string" || key.length === 0) return null;
      // The table and index names come from the configuration, so they are only known to be
      // strings here; Convex validates them at run time.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const db = ctx.db as any;
      const row = await db
        .query(table)
        .withIndex(index, (q: { eq(field: string, value: string): unknown }) =>
          q.eq(identityField, key),
        )
        .unique();
      return (row ?? null) as DocOf<DataModelOf<C>, T> | null;
    },

    async requireUser<C extends AnyReaderCtx>(ctx: C) {
      const user = await authz.getUser(ctx);
      if (user === null) deny("UNAUTHENTICATED", "Authentication required");
      return user;
    },

    async requireRole<C extends AnyReaderCtx>(ctx: C, minRole: R) {
      const user = await authz.requireUser(ctx);
      if (!authz.roleAtLeast(user as Subject, minRole)) {
        deny("FORBIDDEN", `Role '${minRole}' or higher required`);
      }
      return user;
    },

    async requirePermission<C extends AnyReaderCtx>(ctx: C, permission: PermissionName<P>) {
      const user = await authz.requireUser(ctx);
      if (!authz.can(user as Subject, permission)) {
        deny("FORBIDDEN", `Permission '${permission}' required`);
      }
      return user;
    },
  };
  return authz;
}

function asName(value: unknown, what: "role" | "permission"): string {
  if (typeof value !== "string") {
    throw new GuardConfigError(`${what} names must be strings, got ${typeof value}`);
  }
  return value;
}
