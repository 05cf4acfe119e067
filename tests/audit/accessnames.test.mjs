// `declaration-refused` for a builder's `access` (newuser31 F3): a table its guard does not
// configure under `access.tables`, or a level not among its `access.levels` (the default levels
// when it sets none), is a GuardConfigError at every call, as a misspelt role, permission or
// limit is; reported alike, with the configured names. Run the way a user runs it (AUDIT_CLI
// names another build, to show the test fails there).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, SCHEMA_HEAD, scratchApp, WIRING } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const SCHEMA = `${SCHEMA_HEAD}  listings: defineTable({ title: v.string(), sellerId: v.id("users"), visibility: v.string() }),
});
`;

const GUARD = (levels) => `import { defineGuard, MINUTE } from "convex-guard";

export const guard = defineGuard({
  roles: ["buyer", "seller"],
  access: {${levels}
    tables: { listings: { owner: "sellerId", visibility: "visibility" } },
  },
  rateLimits: { writes: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;

const DECLARE = (name, access) =>
  `export const ${name} = guard.mutation(mutation, { args: { id: v.id("listings") }, access: ${access}, rateLimit: { name: "writes" }, handler: async () => null });\n`;

const APP = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

const EDITOR = "editor";
${DECLARE("stale", '{ table: "listings", arg: "id", level: "editor" }')}${DECLARE("viaConst", '{ table: "listings", arg: "id", level: EDITOR }')}${DECLARE("table", '{ table: "listing", arg: "id", level: "manager" }')}${DECLARE("both", '{ table: "offers", arg: "id", level: "admin" }')}${DECLARE("fine", '{ table: "listings", arg: "id", level: "manager" }')}`;

/** `declaration-refused` of an app of `APP` under a guard with `levels`, as `function: message`. */
function refused(name, levels) {
  const r = auditReport(cli, scratchApp("accessnames", name, { ...WIRING, "schema.ts": SCHEMA, "listings.ts": APP }, GUARD(levels)));
  return r.findings.filter((f) => f.rule === "declaration-refused").map((f) => `${f.severity} ${f.function}:${f.line}: ${f.message}`);
}

test("a builder's access level or table the guard does not configure is reported, with the configured names; configured ones are not", () => {
  const LEVELS = "'viewer', 'assistant', 'manager', 'owner'";
  const tail = ": every call of the functions it makes is a GuardConfigError";
  assert.deepEqual(refused("custom", '\n    levels: ["viewer", "assistant", "manager", "owner"],'), [
    `medium listings:stale:6: guard.mutation: access level 'editor' is not configured (configured: ${LEVELS})${tail}`,
    `medium listings:viaConst:7: guard.mutation: access level 'editor' is not configured (configured: ${LEVELS})${tail}`,
    `medium listings:table:8: guard.mutation: access table 'listing' is not configured (configured: 'listings')${tail}`,
    `medium listings:both:9: guard.mutation: access table 'offers' is not configured (configured: 'listings'); access level 'admin' is not configured (configured: ${LEVELS})${tail}`,
  ]);
  // The default levels when the guard sets none: "editor" is one, "manager" is not.
  const found = refused("defaults", "");
  assert.deepEqual(found.map((f) => f.split(": ")[0]), ["medium listings:table:8", "medium listings:both:9", "medium listings:fine:10"]);
  assert.match(found[2], /access level 'manager' is not configured \(configured: 'viewer', 'commenter', 'editor', 'owner'\)/);
});

// attack40 F4: refused whatever the guard configures, as the builder refuses them at every call.
test("a builder's access.arg that is not one of its args (v.object's fields), or an access with no level, is reported; an arg among them is not", () => {
  const DECL = (name, args, access) => `export const ${name} = guard.mutation(mutation, { args: ${args}, access: ${access}, rateLimit: { name: "writes" }, handler: async () => null });\n`;
  const ARGS = '{ id: v.id("listings") }';
  const text = `import { v } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";

const SPREAD = { id: v.id("listings") };
${DECL("noArg", ARGS, '{ table: "listings", arg: "nope", level: "viewer" }')}${DECL("objectFields", `v.object(${ARGS})`, '{ table: "listings", arg: "fields", level: "viewer" }')}${DECL("noLevel", ARGS, '{ table: "listings", arg: "id" } as any')}${DECL("fine", `v.object(${ARGS})`, '{ table: "listings", arg: "id", level: "viewer" }')}${DECL("spread", "{ ...SPREAD }", '{ table: "listings", arg: "id", level: "viewer" }')}`;
  const r = auditReport(cli, scratchApp("accessnames", "args", { ...WIRING, "schema.ts": SCHEMA, "listings.ts": text }, GUARD("")));
  const found = r.findings.filter((f) => f.rule === "declaration-refused").map((f) => `${f.severity} ${f.function}:${f.line}: ${f.message}`);
  const tail = ": every call of the functions it makes is a GuardConfigError";
  assert.deepEqual(found, [
    `medium listings:noArg:6: guard.mutation: access.arg 'nope' is not one of its arguments${tail}`,
    `medium listings:objectFields:7: guard.mutation: access.arg 'fields' is not one of its arguments${tail}`,
    `medium listings:noLevel:8: guard.mutation: its access has no level (access: { table, arg, level }: the level the caller needs, one of access.levels)${tail}`,
  ]);
});

// finalread29 F4: an action, a customCtx and a safe action refuse `access` itself (an action has
// no database; the other two take no such key), whatever its table and level.
test("an access declared on guard.action, guard.customCtx or guard.safeAction is reported as refused there, with the builder's own reason, a configured table too", () => {
  const ACCESS = '{ table: "listings", arg: "id", level: "viewer" }';
  const text = `import { v } from "convex/values";
import { customQuery } from "convex-helpers/server/customFunctions";
import { action, query } from "./_generated/server";
import { guard } from "./guard";

export const act = guard.action(action, { args: { id: v.id("listings") }, access: ${ACCESS}, handler: async () => null } as any);
export const custom = customQuery(query, guard.customCtx({ access: ${ACCESS} } as any));
export const safe = action(guard.safeAction({ name: "safe", args: { id: v.id("listings") }, access: { table: "nots", arg: "id", level: "viewer" }, handler: async () => null } as any));
export const fine = guard.mutation(mutation2, { args: { id: v.id("listings") }, access: ${ACCESS}, handler: async () => null });
`.replace('import { action, query } from "./_generated/server";', 'import { action, mutation as mutation2, query } from "./_generated/server";');
  const r = auditReport(cli, scratchApp("accessnames", "kinds", { ...WIRING, "schema.ts": SCHEMA, "listings.ts": text }, GUARD("")));
  const found = r.findings.filter((f) => f.rule === "declaration-refused").map((f) => `${f.line}: ${f.message}`);
  const tail = ": every call of the functions it makes is a GuardConfigError";
  assert.deepEqual(found, [
    `6: guard.action: an action cannot check access: it has no database (check it in a query or mutation)${tail}`,
    `7: guard.customCtx (customQuery): it takes no access key (check the document in the handler: guard.requireAccess)${tail}`,
    `8: guard.safeAction: it takes no access key (check the document in the handler: guard.requireAccess)${tail}`,
  ]);
});
