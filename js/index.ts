/**
 * convex-guard: authorization, data access boundaries, rate limiting and confirmation codes
 * for Convex apps, decided by one small WebAssembly engine that runs identically in Convex,
 * Node and the browser.
 * @packageDocumentation
 */
export { defineGuard, type Guard, type GuardConfig } from "./guard.js";
export type {
  Authz,
  AuthzConfig,
  ClaimRole,
  ClaimUsers,
  ConvexAuthUsers,
  IndexedUsers,
  PermissionName,
  ResolvedUsers,
  RoleSource,
  Subject,
  UserOf,
  UsersConfig,
} from "./authz.js";
export type { PolicyTables } from "./authz-tables.js";
export type { RoleDiagnosis } from "./diagnose.js";
export type { DocumentGrant, ForgetUser, ForgetUserResult, GrantHolder } from "./access-grants.js";
export type { LevelValidators, NameValidator } from "./validators.js";
export { GuardConfigError, type GuardErrorCode, type GuardErrorData } from "./errors.js";
export type { AnyReaderCtx, DataModelOf, ReaderCtx, WriterCtx, DocOf } from "./ctx.js";
export { SECOND, MINUTE, HOUR, DAY } from "./time.js";
export { serverTime } from "./server-time.js";
export type { Access } from "./access.js";
export type { AccessDecisions } from "./access-decisions.js";
export type { AccessInsert } from "./access-insert.js";
export type { AccessMove } from "./access-move.js";
export type { AccessDelete } from "./access-delete.js";
export type { AccessGroupLevel } from "./access-group-level.js";
export type { AccessGroupAdmin } from "./access-group-admin.js";
export type { AccessFor } from "./access-for.js";
export type { AuthzFor } from "./authz-for.js";
export { accessTables, type GrantId, type GroupId } from "./access-tables.js";
export type {
  AccessConfig,
  AccessDenial,
  AccessFacts,
  AccessPageOptions,
  AccessSource,
  AccessTableConfig,
  AccessUserId,
  DefaultLevel,
  GrantTarget,
  GroupMember,
  MyGroup,
  Readable,
  ResolvedAccess,
  ShareDecision,
} from "./access-types.js";
export type {
  RateLimits,
  RateLimitsConfig,
  RateLimitSpec,
  RateLimitState,
  RateLimitDecision,
  RateLimitAdmitted,
  RateLimitOutcome,
  RateLimitBatchDecision,
  RateLimitBatchAdmitted,
  RateLimitOptions,
  ThrowingRateLimitOptions,
  RateLimitRequest,
  RateLimitStateRequest,
} from "./ratelimit.js";
export { rateLimitTables } from "./ratelimit-table.js";
export { confirmationsTable } from "./confirm-table.js";
export {
  MIN_SECRET_BYTES,
  type Confirmations,
  type ConfirmationsConfig,
  type ConfirmationResult,
} from "./confirm.js";
export type { ActorChecked, DefaultActor, SafeAction, SafeActionActor, SafeActionDefinition, SafeActionRateLimit } from "./safe-action.js";
export type { ActionChecks, ActionsConfig, ActionDataModel, AnyActionCtx, GuardInternalFunctions } from "./actions.js";
export {
  guardRequirements,
  type Builders,
  type BuilderAccess,
  type BuilderRateLimit,
  type BuilderRateLimits,
  type Guarded,
  type GuardedAction,
  type GuardedMutation,
  type GuardedQuery,
  type GuardMetadata,
  type GuardCustomization,
  type CustomRequirements,
  type CustomRateLimit,
  type Injected,
  type BuilderUser,
  type StringArgs,
} from "./builders.js";
export {
  defineCodes,
  signCode,
  type Codes,
  type CodeOptions,
  type CodeBinding,
  type CodeRecord,
  type CodeOutcome,
  type CodeFailures,
  type LockoutBudget,
  type LockoutOptions,
} from "./codes.js";
export {
  auditTable,
  auditEventValidator,
  REDACTED,
  MAX_AUDIT_PAGE,
  type Audit,
  type AuditEvent,
  type AuditFilter,
  type AuditRow,
} from "./audit.js";
