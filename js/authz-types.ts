/**
 * Roles and permissions: the public types (the configuration, the subject, the checks), apart
 * from js/authz.ts, which implements them.
 */
import type { UserIdentity } from "convex/server";
import type { PolicyTables } from "./authz-tables.js";
import type { AnyReaderCtx, DataModelOf, DocOf } from "./ctx.js";
import type { RoleDiagnosis } from "./diagnose.js";
import type { UsersConfig } from "./users.js";
import type { NameValidator } from "./validators.js";

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
  /** Role names, lowest first. Each role holds its own permissions and every lower role's. Well-known names written highest first (`admin` before `user`) are refused; other names' order is not judged. */
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
  /**
   * The engine's decisions for these roles and permissions, computed ahead of time by `npx
   * convex-guard compile` (the `compiledPolicy` it writes): a request whose checks are all on
   * configured names then never starts the engine. Tables that do not match are not used (the
   * engine decides, with a warning); `validate()` refuses them. The browser entries ignore it.
   */
  compiledPolicy?: PolicyTables;
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
