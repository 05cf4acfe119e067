// convex-guard/react's hooks keep the guard's literal names: a misspelt permission, role or
// limit does not compile (checked by `make typecheck`; never run).
import { defineGuard, MINUTE } from "convex-guard";
import { useCan, useRateLimitStatus, useRoleAtLeast } from "convex-guard/react";

const guard = defineGuard({
  roles: ["user", "admin"],
  permissions: { user: ["read:users"], admin: ["admin:*"] },
  rateLimits: { sendMessage: { kind: "sliding window", rate: 10, period: MINUTE } },
});
const me = { role: "user" };

export function Component(): boolean {
  const a: boolean = useCan(guard, me, "read:users");
  const b: boolean = useCan(guard, me, "admin:anything");
  // @ts-expect-error a permission the configuration does not grant
  useCan(guard, me, "delet:users");
  const c: boolean = useRoleAtLeast(guard, me, "admin");
  // @ts-expect-error a role the configuration does not declare
  useRoleAtLeast(guard, me, "admn");
  const status = useRateLimitStatus(guard, "sendMessage", null, { serverNow: undefined });
  // @ts-expect-error a limit the configuration does not name
  useRateLimitStatus(guard, "sendMesage", null, { serverNow: 0 });
  return a && b && c && status?.ok === true;
}
