// Type tests of the browser entries, checked by `tsc -p tests/types` against the installed
// package's .d.ts: one configuration object, shared by the server's guard and the page's, gives
// both the same names. Every `@ts-expect-error` line must be an error.
import { defineGuard, MINUTE } from "convex-guard";
import { defineClientGuard, GuardConfigError, type ClientGuard } from "convex-guard/client";
import { defineClientGuard as defineRolesGuard, type RolesClientGuard } from "convex-guard/client/roles";

const guardConfig = {
  roles: ["user", "moderator", "admin"],
  permissions: { user: ["read:users"], moderator: ["write:users"], admin: ["admin:*"] },
  access: { levels: ["viewer", "editor", "owner"] },
  rateLimits: { send: { rate: 10, period: MINUTE } },
} as const;

export const server = defineGuard(guardConfig);
const page = defineClientGuard(guardConfig);
const roles = defineRolesGuard(guardConfig);

page.can({ role: "admin" }, "admin:system");
page.roleAtLeast("user", "moderator");
page.rateLimitStatus("send", null, Date.now());
export const next = page.decideRateLimit("send", null, Date.now()).state;
export const sendConfig: string = page.rateLimitConfig("send");
page.canShare("editor", "viewer");
roles.can("user", "write:users");
roles.roleAtLeast(null, "admin");
export const typed: [ClientGuard<"user" | "moderator" | "admin">, RolesClientGuard] = [page as never, roles as never];
export const isConfigError = (e: unknown): boolean => e instanceof GuardConfigError && e.code === "INVALID_CONFIG";

// @ts-expect-error: a permission nobody was granted
page.can("user", "fly:plane");
// @ts-expect-error: misspelt role
roles.roleAtLeast("user", "moderater");
// @ts-expect-error: an unknown limit
page.rateLimitStatus("sned", null, 0);
// @ts-expect-error: an unknown limit
page.decideRateLimit("sned", null, 0);
// @ts-expect-error: a level that is not configured
page.canShare("editor", "commenter");
export const canEdit: boolean = page.levelAtLeast(null, "editor");
// @ts-expect-error: a level that is not configured
page.levelAtLeast("editor", "commenter");
// @ts-expect-error: the browser guards have no ctx methods
page.requireUser;
// @ts-expect-error: the roles entry has no rate limits
roles.rateLimitStatus;
