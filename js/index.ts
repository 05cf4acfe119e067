/**
 * convex-guard: authorization, data access boundaries, rate limiting and confirmation codes
 * for Convex apps, decided by one small WebAssembly engine that runs identically in Convex,
 * Node and the browser.
 * @packageDocumentation
 */
export { defineGuard, type Guard, type GuardConfig } from "./guard.js";
export type { Authz, AuthzConfig, PermissionName, Subject, UsersConfig } from "./authz.js";
export { GuardConfigError, type GuardErrorCode, type GuardErrorData } from "./errors.js";
export type { ReaderCtx, WriterCtx, DocOf } from "./ctx.js";
export { SECOND, MINUTE, HOUR, DAY } from "./time.js";
export {
  accessTables,
  type Access,
  type AccessConfig,
  type AccessDenial,
  type AccessFacts,
  type AccessPageOptions,
  type AccessSource,
  type AccessTableConfig,
  type DefaultLevel,
  type GrantTarget,
  type Readable,
  type ResolvedAccess,
} from "./access.js";
