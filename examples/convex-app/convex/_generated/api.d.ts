/* eslint-disable */
/**
 * Generated `api` utility. Hand-written once from convex@1.48's codegen templates; lists
 * every module under convex/ that defines functions.
 * @module
 */
import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import type * as audit from "../audit.js";
import type * as auth from "../auth.js";
import type * as authProviders from "../authProviders.js";
import type * as convexAuthActions from "../convexAuthActions.js";
import type * as custom from "../custom.js";
import type * as deletion from "../deletion.js";
import type * as documents from "../documents.js";
import type * as external from "../external.js";
import type * as groups from "../groups.js";
import type * as guardFunctions from "../guardFunctions.js";
import type * as guarded from "../guarded.js";
import type * as jobs from "../jobs.js";
import type * as marketplace from "../marketplace.js";
import type * as ratelimit from "../ratelimit.js";
import type * as reports from "../reports.js";
import type * as system from "../system.js";
import type * as users from "../users.js";

declare const fullApi: ApiFromModules<{
  audit: typeof audit;
  auth: typeof auth;
  authProviders: typeof authProviders;
  convexAuthActions: typeof convexAuthActions;
  custom: typeof custom;
  deletion: typeof deletion;
  documents: typeof documents;
  external: typeof external;
  groups: typeof groups;
  guardFunctions: typeof guardFunctions;
  guarded: typeof guarded;
  jobs: typeof jobs;
  marketplace: typeof marketplace;
  ratelimit: typeof ratelimit;
  reports: typeof reports;
  system: typeof system;
  users: typeof users;
}>;
export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;
/** The components convex/convex.config.ts mounts (`app.use(auth)`: @convex-dev/auth 2.0). */
export declare const components: {
  auth: import("@convex-dev/auth/_generated/component.js").ComponentApi<"auth">;
};
