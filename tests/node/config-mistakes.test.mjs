// Configuration mistakes that would invert or void every check (attack46): refused where the
// configuration is checked (the first use, `validate`, the browser entries), never accepted.
// The rules are the engine's (src/policy.rs `check_order`, src/access.rs, src/ratelimit.rs
// `Limit::configured`); these tests go through the built package.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard, GuardConfigError, MINUTE, SECOND } from "convex-guard";
import { defineClientGuard } from "convex-guard/client";
import { defineClientGuard as defineRolesGuard } from "convex-guard/client/roles";

const refused = (f, message) =>
  assert.throws(f, (e) => e instanceof GuardConfigError && e.message === message, message);

test("roles written highest first are refused at the first use, by validate and by convex-guard/client", () => {
  const config = { roles: ["admin", "moderator", "user"], permissions: { admin: ["users:delete"], user: ["posts:write"] } };
  const message = "role 'admin' is listed before 'user', but the list is lowest first (the last is the highest): reverse it";
  refused(() => defineGuard(config).validate(), message);
  // The old build let every "user" hold "users:delete": now the decision is never made.
  refused(() => defineGuard(config).can({ role: "user" }, "users:delete"), message);
  refused(() => defineClientGuard(config).validate(), message);
  // The roles-only browser entry leaves this check out (its 15 KB budget; docs/browser.md): the
  // server refuses the same configuration at its first use, so a page's pre-check never meets a
  // server that accepted it.
  assert.equal(defineRolesGuard(config).can({ role: "user" }, "users:delete"), true);
  refused(() => defineGuard({ roles: ["org:admin", "org:member"] }).validate(), "role 'org:admin' is listed before 'org:member', but the list is lowest first (the last is the highest): reverse it");
  // Lowest first, or names that are not well known: as before.
  const fixed = defineGuard({ ...config, roles: ["user", "moderator", "admin"] });
  fixed.validate();
  assert.equal(fixed.can({ role: "user" }, "users:delete"), false);
  assert.equal(fixed.can({ role: "admin" }, "users:delete"), true);
  defineGuard({ roles: ["boss", "user", "admin"] }).validate();
  defineRolesGuard({ roles: ["user", "admin"] }).validate();
});

test("access levels written highest first are refused: the level named 'owner' is never the public one", () => {
  const tables = { documents: { owner: "ownerId" } };
  const ownerFirst = { roles: ["user"], access: { levels: ["owner", "editor", "viewer"], tables } };
  const message =
    "access level 'owner' must be the last: levels are listed lowest first, and the last is the level a document's owner holds (reverse a list written highest first)";
  refused(() => defineGuard(ownerFirst).validate(), message);
  refused(() => defineGuard(ownerFirst).accessLevels(), message);
  refused(() => defineClientGuard(ownerFirst).validate(), message);
  refused(() => defineGuard({ roles: ["user"], access: { levels: ["viewer", "owner", "editor", "admin"] } }).validate(), message);
  refused(
    () => defineGuard({ roles: ["user"], access: { levels: ["editor", "viewer", "admin"] } }).validate(),
    "access level 'editor' is listed before 'viewer', but the list is lowest first (the last is the highest): reverse it",
  );
  const fixed = defineGuard({ roles: ["user"], access: { levels: ["viewer", "editor", "owner"], tables } });
  fixed.validate();
  assert.deepEqual(fixed.accessLevels(), { levels: ["viewer", "editor", "owner"], publicLevel: "viewer", shareLevel: "editor" });
});

test("a rate limit period under a second is refused, saying periods are in milliseconds", () => {
  const message = "rate limit 'pin': period must be a whole number of milliseconds from 1000 to 31622400000: a minute is 60 * SECOND or MINUTE, not 60";
  const config = (period) => ({ roles: ["user"], rateLimits: { pin: { kind: "sliding log", rate: 5, period } } });
  for (const period of [60, 1, 999]) {
    refused(() => defineGuard(config(period)).validate(), message);
    refused(() => defineClientGuard(config(period)).validate(), message);
  }
  // The old build admitted all of 100 tries spaced 13 ms apart under `period: 60`.
  refused(() => defineGuard(config(60)).decideRateLimit("pin", null, 0), message);
  for (const period of [SECOND, 60 * SECOND, MINUTE]) defineGuard(config(period)).validate();
  const guard = defineClientGuard(config(MINUTE));
  let state = null;
  let admitted = 0;
  for (let i = 0; i < 100; i++) {
    const d = guard.decideRateLimit("pin", state, 1_000_000 + 13 * i);
    if (d.ok) admitted++;
    if (d.state !== null) state = d.state; // null: leave the row as it is
  }
  assert.equal(admitted, 5);
});

test("an empty caller id is no caller: never the owner of a document whose owner is empty, in both entries", () => {
  const config = { roles: ["user"], access: { tables: { documents: { owner: "ownerId" } } } };
  const facts = (caller) => ({
    now: 1,
    caller,
    groups: [""],
    documents: [
      { id: "d", owner: "", visibility: "private", parent: null, grants: [] },
      { id: "g", owner: "bob", visibility: "private", parent: null, grants: [{ to: "", kind: "direct", level: "editor" }, { to: "", kind: "group", level: "editor" }] },
    ],
  });
  for (const guard of [defineGuard(config), defineClientGuard(config)]) {
    for (const caller of ["", null]) {
      assert.deepEqual(
        guard.resolveAccess(facts(caller)).map((r) => [r.id, r.level, r.source]),
        [["d", null, "none"], ["g", null, "none"]],
        JSON.stringify(caller),
      );
    }
    // A real id still owns its own document.
    assert.equal(guard.resolveAccess({ ...facts("u1"), documents: [{ id: "d", owner: "u1", visibility: "private", parent: null, grants: [] }] })[0].level, "owner");
  }
});
