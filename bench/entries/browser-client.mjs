// A browser page using every pure decision (roles, access levels and sharing, rate-limit
// countdowns), through the client entry.
import { defineClientGuard } from "convex-guard/client";
import { FIRST_CHECK, GUARD_CONFIG } from "../rbac.mjs";

const guard = defineClientGuard({ ...GUARD_CONFIG, rateLimits: { send: { rate: 3, period: 1000 } } });
const facts = { now: 0, caller: "u1", groups: [], documents: [{ id: "d", owner: "u1", visibility: "private", parent: null, grants: [] }] };
export const result =
  guard.can(FIRST_CHECK.user, FIRST_CHECK.permission) &&
  guard.roleAtLeast(FIRST_CHECK.user, "moderator") &&
  guard.rateLimitStatus("send", null, 0).ok &&
  guard.decideRateLimits([{ name: "send", state: null }], 0).ok &&
  guard.canShare("owner", "editor").ok &&
  guard.resolveShare(facts, { id: "d", level: "editor" }).ok &&
  guard.canTransfer(guard.resolveAccess(facts)[0].source).ok &&
  guard.accessLevels().levels.length === 4;
