// An organization that is a guard group (README: "Organizations and workspaces"): the rows of an
// app table scoped by a `v.id("accessGroups")` argument are judged as rows scoped by an id of a
// table under access (unchecked-id-read, unchecked-id-delete / unchecked-id-write, medium) unless
// a group check on that id gates them (`requireGroupLevel`, an awaited `groupLevel` whose null
// leaves); a group id stored unchecked on the caller's own row (`activeOrgId`), and the reads that
// trust it later; bulk changes of a group's rows after only its lowest level; a change of a row
// linked to a group after a group check on its field, the same for a patch and a delete (attack33
// A1, A4, A7, A9, P3); a `groupLevel` compared by `levelAtLeast`, and `acceptGroupInvite`, as group
// checks (newuser26 F1, F2). Small apps written at test time, run the way a user runs the audit: the
// bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, FOLDERS_GUARD, FOLDERS_SCHEMA, markers, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const RULES = ["unchecked-id-read", "unchecked-id-write", "unchecked-id-delete", "unchecked-list"];

// Tasks and seats of an organization (a guard group), tables no guard configures; the caller's active organization.
const SCHEMA = FOLDERS_SCHEMA.replace("role: v.optional(v.string()) })", 'role: v.optional(v.string()), activeOrgId: v.optional(v.id("accessGroups")) })').replace(
  /\}\);\n$/,
  '  tasks: defineTable({ orgId: v.id("accessGroups"), title: v.string() }).index("by_org", ["orgId"]),\n  seats: defineTable({ orgId: v.id("accessGroups"), userId: v.id("users"), plan: v.string() }).index("by_org_user", ["orgId", "userId"]),\n});\n',
);

const HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;
const ORG = '{ orgId: v.id("accessGroups") }';
const TASKS = 'ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", args.orgId))';

/** A public query (`kind` "query") or mutation with `args` and `body`, signed in (`user`), a mutation rate limited by the caller. */
const FN = (kind, name, args, body) => `export const ${name} = ${kind}({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
${kind === "mutation" ? '    await guard.rateLimit(ctx, "write", { key: user._id });\n' : ""}${body}
  },
});
`;

/** The findings of `RULES` (and of `more` rules) on an app of `text`, and its markers of them. */
function judged(name, text, more = []) {
  const app = scratchApp("tenancy", name, { "schema.ts": SCHEMA, "f.ts": HEAD + text }, FOLDERS_GUARD);
  const r = auditReport(cli, app);
  const rules = [...RULES, ...more];
  const found = r.findings.filter((f) => rules.includes(f.rule));
  const marked = markers(`${app}/convex`).filter((m) => rules.some((rule) => m.endsWith(` ${rule}`)));
  return { found, at: found.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), marked, message: (fn) => found.find((f) => f.function === fn)?.message };
}

test("an organization's rows read by a group id no group check gates are unchecked-id-read medium; a group check, an awaited groupLevel left on its null, or the caller's own rows are not", () => {
  const { found, at, marked, message } = judged(
    "reads",
    FN("query", "anyOrg", ORG, `    return await ${TASKS}.collect(); // FINDING unchecked-id-read`) +
      FN("query", "notAwaited", ORG, `    const level = guard.groupLevel(ctx, args.orgId);\n    if (!level) throw new Error("not a member");\n    return await ${TASKS}.collect(); // FINDING unchecked-id-read`) +
      FN("query", "byHand", ORG, '    const m = await ctx.db.query("accessGroupMembers").withIndex("by_group_and_user", (q) => q.eq("groupId", args.orgId).eq("userId", user._id)).unique();\n    if (m === null) throw new Error("not a member");\n' + `    return await ${TASKS}.collect(); // FINDING unchecked-id-read`) +
      FN("query", "member", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    return await ${TASKS}.collect();`) +
      FN("query", "leveled", ORG, `    const level = await guard.groupLevel(ctx, args.orgId);\n    if (level === null) throw new Error("not a member");\n    return await ${TASKS}.collect();`) +
      FN("query", "mySeat", ORG, '    return await ctx.db.query("seats").withIndex("by_org_user", (q) => q.eq("orgId", args.orgId).eq("userId", user._id)).unique();'),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
  assert.equal(
    message("f:anyOrg"),
    "f:anyOrg returns the rows of 'tasks' whose field 'orgId' equals argument 'orgId', an id of a group ('accessGroups': an organization or workspace), with no group check on it, to any signed-in caller: 'tasks' is under no guard's access.tables, so the audit cannot know whether its rows are private; if they belong to that group, a caller who is not a member reads them",
  );
  assert.match(found.find((f) => f.function === "f:anyOrg").fix, /guard\.requireGroupLevel\(ctx, orgId, "viewer"\)/);
});

test("a group id stored unchecked on the caller's own row is unchecked-id-write medium, and a read selected by that stored field unchecked-list medium", () => {
  const { found, at, marked, message } = judged(
    "stored",
    FN("mutation", "setActiveOrg", ORG, "    await ctx.db.patch(user._id, { activeOrgId: args.orgId }); // FINDING unchecked-id-write") +
      FN("query", "activeTasks", "{}", '    if (user.activeOrgId === undefined) return [];\n    return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", user.activeOrgId!)).collect(); // FINDING unchecked-list') +
      FN("query", "activeTasksChecked", "{}", '    if (user.activeOrgId === undefined) return [];\n    await guard.requireGroupLevel(ctx, user.activeOrgId, "viewer");\n    return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", user.activeOrgId!)).collect();') +
      FN("query", "activeSeat", "{}", '    return await ctx.db.query("seats").withIndex("by_org_user", (q) => q.eq("orgId", user.activeOrgId!).eq("userId", user._id)).unique();'),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
  assert.match(message("f:setActiveOrg"), /^f:setActiveOrg patches the caller's own row, its field 'activeOrgId' set to argument 'orgId', an id of a group .*with no group check on it/);
  assert.match(message("f:activeTasks"), /^f:activeTasks returns the rows of 'tasks' whose field 'orgId' equals the caller's stored field 'activeOrgId', which f:setActiveOrg sets from an argument with no group check on it/);
});

test("the same store after a group check is not judged, nor then the read that trusts it", () => {
  const { at } = judged(
    "storedChecked",
    FN("mutation", "setActiveOrg", ORG, '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    await ctx.db.patch(user._id, { activeOrgId: args.orgId });') +
      FN("query", "activeTasks", "{}", '    if (user.activeOrgId === undefined) return [];\n    return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", user.activeOrgId!)).collect();'),
  );
  assert.deepEqual(at, []);
});

test("an organization's rows changed in bulk with no group check, or after only its lowest level, and rows added to it unchecked, are medium; above the lowest level they are not", () => {
  const { found, at, marked, message } = judged(
    "changes",
    FN("mutation", "upgradeSeats", ORG, '    const seats = await ctx.db.query("seats").withIndex("by_org_user", (q) => q.eq("orgId", args.orgId)).collect();\n    for (const s of seats) await ctx.db.patch(s._id, { plan: "free" }); // FINDING unchecked-id-write') +
      FN("mutation", "purgeAsViewer", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    for (const t of await ${TASKS}.take(100)) await ctx.db.delete(t._id); // FINDING unchecked-id-delete`) +
      FN("mutation", "addTask", '{ orgId: v.id("accessGroups"), title: v.string() }', '    await ctx.db.insert("tasks", { orgId: args.orgId, title: args.title }); // FINDING unchecked-id-write') +
      FN("mutation", "purgeAsOwner", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "owner");\n    for (const t of await ${TASKS}.take(100)) await ctx.db.delete(t._id);`) +
      FN("mutation", "renameAsEditor", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "editor");\n    for (const t of await ${TASKS}.take(100)) await ctx.db.patch(t._id, { title: t.title.trim() });`) +
      FN("mutation", "addTaskChecked", '{ orgId: v.id("accessGroups"), title: v.string() }', '    await guard.requireGroupLevel(ctx, args.orgId, "editor");\n    await ctx.db.insert("tasks", { orgId: args.orgId, title: args.title });'),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
  assert.match(message("f:purgeAsViewer"), /^f:purgeAsViewer deletes the rows of 'tasks' whose field 'orgId' equals argument 'orgId', an id of a group .*checked only at the group's lowest level 'viewer', which every member holds/);
  assert.match(message("f:addTask"), /^f:addTask inserts a row of 'tasks' whose field 'orgId' is argument 'orgId', an id of a group .*with no group check on it/);
});

test("a row linked to a group, changed after a group check on its field: covered above the group's lowest level (as a change in bulk), reported medium at the lowest naming that check, the same for a patch and a delete (newuser30 F2)", () => {
  const row = (name, level, change) =>
    FN("mutation", name, '{ taskId: v.id("tasks") }', `    const task = await ctx.db.get(args.taskId);\n    if (task === null) throw new Error("not found");\n    await guard.requireGroupLevel(ctx, task.orgId, "${level}");\n    ${change}\n    await guard.audit.log(ctx, { action: "task", outcome: "success", actor: user._id, resourceType: "tasks", resourceId: task._id });`);
  const { found, at, marked, message } = judged(
    "linked",
    row("deleteAsOwner", "owner", "await ctx.db.delete(task._id);") +
      row("patchAsOwner", "owner", 'await ctx.db.patch(task._id, { title: "x" });') +
      row("deleteAsEditor", "editor", "await ctx.db.delete(task._id);") +
      row("patchAsEditor", "editor", 'await ctx.db.patch(task._id, { title: "x" });') +
      row("deleteAsViewer", "viewer", "await ctx.db.delete(task._id); // FINDING unchecked-id-delete") +
      row("patchAsViewer", "viewer", 'await ctx.db.patch(task._id, { title: "x" }); // FINDING unchecked-id-write') +
      FN("mutation", "patchUnchecked", '{ taskId: v.id("tasks") }', '    await ctx.db.patch(args.taskId, { title: "x" }); // FINDING unchecked-id-write'),
  );
  assert.deepEqual(at, marked);
  // newuser26 F5: the texts name the group check made, not "any signed-in caller" nor requireAccess on a parent table.
  for (const name of ["deleteAsViewer", "patchAsViewer"]) {
    const f = found.find((x) => x.function === `f:${name}`);
    assert.equal(f.severity, "medium");
    assert.match(f.message, /names, checked only at the group's lowest level 'viewer' on its field 'orgId', which every member holds$/);
    assert.match(f.fix, /^Check the caller's level on the group first: guard\.requireGroupLevel\(ctx, task\.orgId, "owner"\) \(or a level above the lowest .* allowlisted with its reason\.$/);
    assert.doesNotMatch(f.fix, /renameGroup|parentTable|requireAccess/);
  }
  assert.match(message("f:patchUnchecked"), /names, for any signed-in caller$/);
  assert.equal(found.find((x) => x.function === "f:patchUnchecked").severity, "high");
});

test("a row of an organization compared with a group-checked argument (if (row.orgId !== args.orgId) throw or return) is checked as the row's own group: a read at any level, a change above the lowest, medium at the lowest; another argument's check or no comparison is none (newuser30 F1)", () => {
  const ARGS = '{ orgId: v.id("accessGroups"), taskId: v.id("tasks") }';
  const compared = (kind, name, level, leave, after) =>
    FN(kind, name, ARGS, `    await guard.requireGroupLevel(ctx, args.orgId, "${level}");\n    const task = await ctx.db.get(args.taskId);\n    if (task === null || task.orgId !== args.orgId) ${leave};\n    ${after}`);
  const THROW = 'throw new Error("not found")';
  const AUDIT = '\n    await guard.audit.log(ctx, { action: "task", outcome: "success", actor: user._id, resourceType: "tasks", resourceId: task._id });';
  const { found, at, marked, message } = judged(
    "compared",
    compared("mutation", "deleteAsEditor", "editor", THROW, "await ctx.db.delete(task._id);" + AUDIT) +
      compared("mutation", "deleteReturned", "editor", "return null", "await ctx.db.delete(task._id);" + AUDIT) +
      compared("mutation", "patchAsEditor", "editor", THROW, 'await ctx.db.patch(task._id, { title: "x" });') +
      compared("query", "readAsViewer", "viewer", "return null", "return task;") +
      compared("mutation", "deleteAsViewer", "viewer", THROW, "await ctx.db.delete(task._id); // FINDING unchecked-id-delete" + AUDIT) +
      FN("mutation", "otherGroup", '{ orgId: v.id("accessGroups"), otherId: v.id("accessGroups"), taskId: v.id("tasks") }', '    await guard.requireGroupLevel(ctx, args.orgId, "editor");\n    const task = await ctx.db.get(args.taskId);\n    if (task === null || task.orgId !== args.otherId) throw new Error("not found");\n    await ctx.db.delete(task._id); // FINDING unchecked-id-delete' + AUDIT) +
      FN("query", "notCompared", ARGS, '    await guard.requireGroupLevel(ctx, args.orgId, "editor");\n    return await ctx.db.get(args.taskId); // FINDING unchecked-id-read'),
  );
  assert.deepEqual(at, marked);
  const viewer = found.find((x) => x.function === "f:deleteAsViewer");
  assert.equal(viewer.severity, "medium");
  assert.match(viewer.message, /names, checked only at the group's lowest level 'viewer' on argument 'orgId', which its field is compared with, which every member holds$/);
  assert.match(viewer.fix, /^Check the caller's level on the group first: guard\.requireGroupLevel\(ctx, args\.orgId, "owner"\)/);
  for (const name of ["otherGroup", "notCompared"]) assert.doesNotMatch(message(`f:${name}`), /checked only/);
  // A change of an organization's row: its fix names the group check on the row's field, never requireAccess (which takes no group).
  const other = found.find((x) => x.function === "f:otherGroup").fix;
  assert.match(other, /^'tasks' is under no guard's access\.tables; its field 'orgId' names a group: .*guard\.requireGroupLevel\(ctx, task\.orgId, level\), or on a group argument the field is then compared with \(if \(task\.orgId !== args\.orgId\) throw \.\.\.\)\.$/);
  assert.doesNotMatch(other, /requireAccess/);
});

test("an awaited groupLevel compared by guard.levelAtLeast whose false leaves is a group check at that level, in a mutation and a query (newuser26 F2); one whose false does not leave is none", () => {
  const leveled = (level, leave) => `    const level = await guard.groupLevel(ctx, args.orgId);\n    if (!guard.levelAtLeast(level, "${level}")) ${leave};\n`;
  const FORBID = 'throw new Error("forbidden")';
  const { at, marked, message } = judged(
    "levelAtLeast",
    FN("mutation", "addAsEditor", '{ orgId: v.id("accessGroups"), title: v.string() }', leveled("editor", FORBID) + "    await ctx.db.insert(\"tasks\", { orgId: args.orgId, title: args.title });") +
      `export const listAsViewer = query({\n  args: ${ORG},\n  handler: async (ctx, args) => {\n${leveled("viewer", "return []")}    return await ${TASKS}.take(100);\n  },\n});\n` +
      FN("mutation", "purgeAsOwner", ORG, leveled("owner", FORBID) + `    for (const t of await ${TASKS}.take(100)) await ctx.db.delete(t._id);`) +
      FN("mutation", "purgeAsViewer", ORG, leveled("viewer", FORBID) + `    for (const t of await ${TASKS}.take(100)) await ctx.db.delete(t._id); // FINDING unchecked-id-delete`) +
      FN("mutation", "purgeNullOrEditor", ORG, '    const level = await guard.groupLevel(ctx, args.orgId);\n    if (level === null || !guard.levelAtLeast(level, "editor")) throw new Error("forbidden");\n' + `    for (const t of await ${TASKS}.take(100)) await ctx.db.patch(t._id, { title: t.title.trim() });`) +
      FN("mutation", "addLogged", '{ orgId: v.id("accessGroups"), title: v.string() }', '    const level = await guard.groupLevel(ctx, args.orgId);\n    console.log(guard.levelAtLeast(level, "editor"));\n    await ctx.db.insert("tasks", { orgId: args.orgId, title: args.title }); // FINDING unchecked-id-write'),
    ["public-no-auth"],
  );
  assert.deepEqual(at, marked);
  assert.match(message("f:purgeAsViewer"), /checked only at the group's lowest level 'viewer', which every member holds/);
});

test("after an awaited acceptGroupInvite the caller is a member of that group: a group check at the lowest level on its id (newuser26 F1), not on another id nor when its throw is caught", () => {
  const { at, marked, message } = judged(
    "accept",
    FN("mutation", "acceptAndAdd", ORG, '    await guard.acceptGroupInvite(ctx, args.orgId);\n    await ctx.db.insert("tasks", { orgId: args.orgId, title: "hello" });') +
      FN("mutation", "acceptAndList", ORG, `    await guard.acceptGroupInvite(ctx, args.orgId);\n    return await ${TASKS}.take(100);`) +
      FN("mutation", "acceptAndPurge", ORG, `    await guard.acceptGroupInvite(ctx, args.orgId);\n    for (const t of await ${TASKS}.take(100)) await ctx.db.delete(t._id); // FINDING unchecked-id-delete`) +
      FN("mutation", "acceptOther", '{ orgId: v.id("accessGroups"), other: v.id("accessGroups") }', '    await guard.acceptGroupInvite(ctx, args.other);\n    await ctx.db.insert("tasks", { orgId: args.orgId, title: "hello" }); // FINDING unchecked-id-write') +
      FN("mutation", "acceptCaught", ORG, '    try {\n      await guard.acceptGroupInvite(ctx, args.orgId);\n    } catch {}\n    await ctx.db.insert("tasks", { orgId: args.orgId, title: "hello" }); // FINDING unchecked-id-write'),
  );
  assert.deepEqual(at, marked);
  assert.match(message("f:acceptAndPurge"), /checked only at any level, which every member holds/);
});

test("an organization's rows read whole and selected by the group id in JavaScript (a filter of the read or of its const, a loop's if) are judged as the same selection in the query (attack34 F9); after a group check, or kept to the caller's own rows, they are not", () => {
  const ALL = 'ctx.db.query("tasks").collect()';
  const { found, at, marked, message } = judged(
    "jsFilter",
    FN("query", "filtered", ORG, `    return (await ${ALL}).filter((t) => t.orgId === args.orgId); // FINDING unchecked-id-read`) +
      FN("query", "heldFiltered", ORG, `    const rows = await ${ALL}; // FINDING unchecked-id-read\n    return rows.filter((t) => t.title !== "" && t.orgId === args.orgId);`) +
      FN("query", "looped", ORG, `    const rows = await ${ALL}; // FINDING unchecked-id-read\n    const out = [];\n    for (const t of rows) if (t.orgId === args.orgId) out.push(t);\n    return out;`) +
      FN("query", "skipped", ORG, `    const rows = await ${ALL}; // FINDING unchecked-id-read\n    const out = [];\n    for (const t of rows) {\n      if (t.orgId !== args.orgId) continue;\n      out.push(t);\n    }\n    return out;`) +
      FN("query", "member", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    return (await ${ALL}).filter((t) => t.orgId === args.orgId);`) +
      FN("query", "memberHeld", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    const rows = await ${ALL};\n    return rows.filter((t) => t.orgId === args.orgId);`) +
      FN("query", "mySeats", ORG, '    return (await ctx.db.query("seats").collect()).filter((s) => s.orgId === args.orgId && s.userId === user._id);'),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
  assert.match(message("f:filtered"), /^f:filtered returns the rows of 'tasks' whose field 'orgId' equals argument 'orgId', an id of a group \('accessGroups': an organization or workspace\), with no group check on it/);
});

test("an organization's rows selected in JavaScript in any form (flatMap, reduce, a destructured callback parameter, rows[i] in an indexed loop, a copy, an alias, a reduce's early return) are read as one selection (attack36 F9); kept to the caller's own rows, after a group check, or not selected, they are not", () => {
  const ROWS = '    const rows = await ctx.db.query("tasks").collect();';
  const SEATS = '    const rows = await ctx.db.query("seats").collect();';
  const F = " // FINDING unchecked-id-read";
  const LOOP = "    const out = [];\n    for (let i = 0; i < rows.length; i++) if (rows[i].orgId === args.orgId) out.push(rows[i]);\n    return out;";
  const { found, at, marked } = judged(
    "jsForms",
    FN("query", "flatMapped", ORG, `${ROWS}${F}\n    return rows.flatMap((t) => (t.orgId === args.orgId ? [t] : []));`) +
      FN("query", "reduced", ORG, `${ROWS}${F}\n    return rows.reduce((acc, t) => (t.orgId === args.orgId ? [...acc, t] : acc), []);`) +
      FN("query", "destructured", ORG, `${ROWS}${F}\n    return rows.filter(({ orgId }) => orgId === args.orgId);`) +
      FN("query", "renamed", ORG, '    return (await ctx.db.query("tasks").collect()).find(({ orgId: o }) => o === args.orgId);' + F) +
      FN("query", "indexed", ORG, `${ROWS}${F}\n${LOOP}`) +
      FN("query", "copied", ORG, `${ROWS}${F}\n    return [...rows].filter((t) => t.orgId === args.orgId);`) +
      FN("query", "aliased", ORG, `${ROWS}${F}\n    const r2 = rows;\n    return r2.filter((t) => t.orgId === args.orgId);`) +
      FN("query", "skipping", ORG, `${ROWS}${F}\n    return rows.reduce((acc, t) => {\n      if (t.orgId !== args.orgId) return acc;\n      return [...acc, t];\n    }, []);`) +
      FN("query", "mineFlat", ORG, `${SEATS}\n    return rows.flatMap((s) => (s.orgId === args.orgId && s.userId === user._id ? [s] : []));`) +
      FN("query", "mineDestructured", ORG, `${SEATS}\n    return rows.filter(({ orgId, userId }) => orgId === args.orgId && userId === user._id);`) +
      FN("query", "mineIndexed", ORG, `${SEATS}\n    const out = [];\n    for (let i = 0; i < rows.length; i++) if (rows[i].userId === user._id && rows[i].orgId === args.orgId) out.push(rows[i]);\n    return out;`) +
      FN("query", "memberFlat", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n${ROWS}\n    return rows.flatMap((t) => (t.orgId === args.orgId ? [t] : []));`) +
      FN("query", "memberIndexed", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n${ROWS}\n${LOOP}`) +
      FN("query", "others", ORG, `${ROWS}\n    return rows.filter(({ orgId }) => orgId !== args.orgId);`) +
      FN("query", "annotated", ORG, `${ROWS}\n    return rows.map((t) => (t.orgId === args.orgId ? { ...t, mine: true } : t));`),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
});

test("an organization's rows selected in JavaScript by the id as text (String, a template), in a list of arguments' ids (includes), by a literal key (t[\"orgId\"]), through values() or in a while loop over rows[i] are read as one selection (attack38 F6); the same forms by a field no id, a list of literals, or to other rows are not", () => {
  const ROWS = '    const rows = await ctx.db.query("tasks").collect();';
  const F = " // FINDING unchecked-id-read";
  const TWO = '{ orgId: v.id("accessGroups"), other: v.id("accessGroups"), title: v.string() }';
  const WHILE = (test) => `    const out: any[] = [];\n    let i = 0;\n    while (i < rows.length) {\n      if (${test}) out.push(rows[i]);\n      i++;\n    }\n    return out;`;
  const VALUES = (test) => `    const out: any[] = [];\n    for (const t of rows.values()) if (${test}) out.push(t);\n    return out;`;
  const { at, marked, found } = judged(
    "jsForms38",
    FN("query", "asText", TWO, `${ROWS}${F}\n    return rows.filter((t) => String(t.orgId) === String(args.orgId));`) +
      FN("query", "templated", TWO, `${ROWS}${F}\n    return rows.filter((t) => \`\${t.orgId}\` === args.orgId);`) +
      FN("query", "listed", TWO, `${ROWS}${F}\n    return rows.filter((t) => [args.orgId, args.other].includes(t.orgId));`) +
      FN("query", "keyed", TWO, `${ROWS}${F}\n    return rows.filter((t) => t["orgId"] === args.orgId);`) +
      FN("query", "valued", TWO, `${ROWS}${F}\n${VALUES("t.orgId === args.orgId")}`) +
      FN("query", "whileIndexed", TWO, `${ROWS}${F}\n${WHILE("rows[i].orgId === args.orgId")}`) +
      FN("query", "titleText", TWO, `${ROWS}\n    return rows.filter((t) => String(t.title) === String(args.title));`) +
      FN("query", "literalList", TWO, `${ROWS}\n    return rows.filter((t) => ["a", "b"].includes(t.title));`) +
      FN("query", "notListed", TWO, `${ROWS}\n    return rows.filter((t) => ![args.orgId].includes(t.orgId));`) +
      FN("query", "otherKeyed", TWO, `${ROWS}\n    return rows.filter((t) => t["orgId"] !== args.orgId);`) +
      FN("query", "memberValued", TWO, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n${ROWS}\n${VALUES("t.orgId === args.orgId")}`) +
      FN("query", "otherWhile", TWO, `${ROWS}\n${WHILE("rows[i].orgId !== args.orgId")}`),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
});

test("an organization's rows selected in JavaScript through a Map, Object.fromEntries, Object.groupBy or Map.groupBy keyed by the field, a forEach pushing the kept rows, a helper answering the read whole, rows.entries(), an array argument's includes or a const copy of the field are one selection (attack38 F6); the same forms after a group check or kept to the caller's own rows are not", () => {
  const ROWS = '    const rows = await ctx.db.query("tasks").collect();';
  const SEATS = '    const rows = await ctx.db.query("seats").collect();';
  const F = " // FINDING unchecked-id-read";
  const MEMBER = '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n';
  const MAPPED = "    return new Map(rows.map((t) => [t.orgId, t])).get(args.orgId);";
  const EACH = (test) => `    const out: any[] = [];\n    rows.forEach((t) => {\n      if (${test}) out.push(t);\n    });\n    return out;`;
  const { at, marked, found } = judged(
    "jsForms38b",
    'const all = (ctx: any) => ctx.db.query("tasks").collect();' + F + "\n" +
      FN("query", "mapped", ORG, `${ROWS}${F}\n${MAPPED}`) +
      FN("query", "heldMap", ORG, `${ROWS}${F}\n    const by = new Map(rows.map((t) => [t.orgId, t]));\n    return by.get(args.orgId);`) +
      FN("query", "grouped", ORG, `${ROWS}${F}\n    return (Object as any).groupBy(rows, (t: any) => t.orgId)[args.orgId];`) +
      FN("query", "entriesObject", ORG, `${ROWS}${F}\n    return Object.fromEntries(rows.map((t) => [t.orgId, t]))[args.orgId];`) +
      FN("query", "mapGrouped", ORG, `${ROWS}${F}\n    const g = (Map as any).groupBy(rows, (t: any) => t.orgId);\n    return g.get(args.orgId);`) +
      FN("query", "forEached", ORG, `${ROWS}${F}\n${EACH("t.orgId === args.orgId")}`) +
      FN("query", "helped", ORG, "    const rows = await all(ctx);\n    return rows.filter((t: any) => t.orgId === args.orgId);") +
      FN("query", "entried", ORG, `${ROWS}${F}\n    const out: any[] = [];\n    for (const [i, t] of rows.entries()) if (i >= 0 && t.orgId === args.orgId) out.push(t);\n    return out;`) +
      FN("query", "arrayArg", '{ ids: v.array(v.id("accessGroups")) }', `${ROWS}${F}\n    return rows.filter((t) => args.ids.includes(t.orgId));`) +
      FN("query", "copied", ORG, `${ROWS}${F}\n    return rows.filter((t) => {\n      const c = t.orgId;\n      return c === args.orgId;\n    });`) +
      FN("query", "memberMapped", ORG, `${MEMBER}${ROWS}\n${MAPPED}`) +
      FN("query", "memberEach", ORG, `${MEMBER}${ROWS}\n${EACH("t.orgId === args.orgId")}`) +
      FN("query", "memberCopied", ORG, `${MEMBER}${ROWS}\n    return rows.filter((t) => {\n      const c = t.orgId;\n      return c === args.orgId;\n    });`) +
      FN("query", "mySeatsEach", ORG, `${SEATS}\n${EACH("t.orgId === args.orgId && t.userId === user._id")}`) +
      FN("query", "mySeatsCopied", ORG, `${SEATS}\n    return rows.filter((s) => {\n      const u = s.userId;\n      return u === user._id && s.orgId === args.orgId;\n    });`) +
      FN("query", "titleList", '{ titles: v.array(v.string()) }', `${ROWS}\n    return rows.filter((t) => args.titles.includes(t.title));`) +
      FN("query", "otherKey", ORG, `${ROWS}\n    return new Map(rows.map((t) => [t._id, t])).get(args.orgId);`),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
});

test("a group id stored on the caller's own row read again by its id (const me = await ctx.db.get(user._id), then patch(me!._id, ...)) is stored on the caller's row (attack36 F12); after a group check it is not", () => {
  const READ = FN("query", "activeTasks", "{}", '    if (!user.activeOrgId) return [];\n    return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", user.activeOrgId!)).collect();');
  const REREAD = "    const me = await ctx.db.get(user._id);\n    await ctx.db.patch(me!._id, { activeOrgId: args.orgId });";
  const { found, at, marked, message } = judged("storedReread", FN("mutation", "setViaReread", ORG, `${REREAD} // FINDING unchecked-id-write`) + READ.replace(".collect();", ".collect(); // FINDING unchecked-list"));
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
  assert.match(message("f:setViaReread"), /^f:setViaReread patches the caller's own row, its field 'activeOrgId' set to argument 'orgId'/);
  const checked = judged("storedRereadChecked", FN("mutation", "setViaReread", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n${REREAD}`) + READ);
  assert.deepEqual(checked.at, []);
});

test("a group id stored on the caller's own row through a const object or Object.assign is judged as the literal object is, and so then is the read that trusts it (attack34 F7); after a group check neither is", () => {
  const READ = FN("query", "activeTasks", "{}", '    if (!user.activeOrgId) return [];\n    return await ctx.db.query("tasks").withIndex("by_org", (q) => q.eq("orgId", user.activeOrgId!)).collect(); // FINDING unchecked-list');
  const { found, at, marked, message } = judged(
    "storedConst",
    FN("mutation", "setViaConst", ORG, "    const update = { activeOrgId: args.orgId };\n    await ctx.db.patch(user._id, update); // FINDING unchecked-id-write") +
      FN("mutation", "setViaAssign", ORG, "    await ctx.db.patch(user._id, Object.assign({}, { activeOrgId: args.orgId })); // FINDING unchecked-id-write") +
      READ,
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
  assert.match(message("f:setViaConst"), /^f:setViaConst patches the caller's own row, its field 'activeOrgId' set to argument 'orgId', an id of a group .*with no group check on it/);
  const checked = judged(
    "storedConstChecked",
    FN("mutation", "setViaConst", ORG, '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    const update = { activeOrgId: args.orgId };\n    await ctx.db.patch(user._id, update);') +
      FN("mutation", "setViaAssign", ORG, '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    await ctx.db.patch(user._id, Object.assign({}, { activeOrgId: args.orgId }));') +
      READ.replace(" // FINDING unchecked-list", ""),
  );
  assert.deepEqual(checked.at, []);
});

// finalread28 FN4: the id compared through .toString() on both sides is the same selection.
test("an organization's rows selected in JavaScript through .toString() on both sides are read as one selection; a text field that way is not (finalread28 FN4)", () => {
  const ROWS = '    const rows = await ctx.db.query("tasks").collect();';
  const TWO = '{ orgId: v.id("accessGroups"), title: v.string() }';
  const { at, marked, found } = judged(
    "jsToString",
    FN("query", "toStringed", TWO, `${ROWS} // FINDING unchecked-id-read\n    return rows.filter((t) => t.orgId.toString() === args.orgId.toString());`) +
      FN("query", "titleToString", TWO, `${ROWS}\n    return rows.filter((t) => t.title.toString() === args.title.toString());`) +
      FN("query", "memberToString", TWO, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n${ROWS}\n    return rows.filter((t) => t.orgId.toString() === args.orgId.toString());`),
  );
  assert.deepEqual(at, marked);
  assert.equal(found.length, 1);
  assert.ok(found.every((f) => f.severity === "medium"));
});

// attack40 F3: what a filter or find by the group id keeps, held in a const and returned, is the selection's answer.
test("an organization's rows selected in JavaScript by the group id and held in a const (the found row, its field, a ternary on it, an early return on none, the filtered rows, their first, a destructured first) are returned (attack40 F3); after a group check, kept to the caller's own rows, or only tested, they are not", () => {
  const ROWS = '    const rows = await ctx.db.query("tasks").collect(); // FINDING unchecked-id-read';
  const SEATS = '    const rows = await ctx.db.query("seats").collect();';
  const MEMBER = '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n';
  const FIND = "rows.find((t) => t.orgId === args.orgId)";
  const { at, marked, found } = judged(
    "heldSelection",
    FN("query", "hit", ORG, `${ROWS}\n    const hit = ${FIND};\n    return hit;`) +
      FN("query", "hitField", ORG, `${ROWS}\n    const hit = ${FIND};\n    return hit?.title;`) +
      FN("query", "hitTernary", ORG, `${ROWS}\n    const hit = ${FIND};\n    return hit ? { title: hit.title } : null;`) +
      FN("query", "hitEarly", ORG, `${ROWS}\n    const hit = ${FIND};\n    if (!hit) return null;\n    return hit;`) +
      FN("query", "hitAny", ORG, `${ROWS}\n    const hit = ${FIND} as any;\n    return hit;`) +
      FN("query", "hitBang", ORG, `${ROWS}\n    const hit = ${FIND}!;\n    return hit;`) +
      FN("query", "hitNull", ORG, `${ROWS}\n    const hit = ${FIND} ?? null;\n    return hit;`) +
      FN("query", "hits", ORG, `${ROWS}\n    const hits = rows.filter((t) => t.orgId === args.orgId);\n    return hits;`) +
      FN("query", "hitsFirst", ORG, `${ROWS}\n    const hit = rows.filter((t) => t.orgId === args.orgId)[0];\n    return hit;`) +
      FN("query", "hitsDestructured", ORG, `${ROWS}\n    const [first] = rows.filter((t) => t.orgId === args.orgId);\n    return first;`) +
      FN("query", "memberHit", ORG, `${MEMBER}${ROWS.replace(" // FINDING unchecked-id-read", "")}\n    const hit = ${FIND};\n    return hit;`) +
      FN("query", "mySeat", ORG, `${SEATS}\n    const hit = rows.find((s) => s.orgId === args.orgId && s.userId === user._id);\n    return hit;`) +
      FN("query", "hitTested", ORG, `${ROWS.replace(" // FINDING unchecked-id-read", "")}\n    const hit = ${FIND};\n    return hit !== undefined;`),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
});

test("an organization's rows selected in JavaScript by the group id through findIndex, findLastIndex, a for-in loop, Object.is, localeCompare, a Set's has, a callback answering false early, a named predicate, or a structuredClone, Object.values or flat copy are one selection (attack40 F3); by a text field, after a group check, or kept to the caller's own rows they are not", () => {
  const ROWS = '    const rows = await ctx.db.query("tasks").collect(); // FINDING unchecked-id-read';
  const PLAIN = ROWS.replace(" // FINDING unchecked-id-read", "");
  const TWO = '{ orgId: v.id("accessGroups"), title: v.string() }';
  const MEMBER = '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n';
  const EARLY = "rows.filter((t) => {\n      if (t.orgId !== args.orgId) return false;\n      return true;\n    })";
  const { at, marked, found } = judged(
    "moreSelections",
    FN("query", "indexed", ORG, `${ROWS}\n    const i = rows.findIndex((t) => t.orgId === args.orgId);\n    return rows[i];`) +
      FN("query", "lastIndexed", ORG, `${ROWS}\n    const i = rows.findLastIndex((t) => t.orgId === args.orgId);\n    return rows[i];`) +
      FN("query", "forIn", ORG, `${ROWS}\n    const out: any[] = [];\n    for (const i in rows) if (rows[i].orgId === args.orgId) out.push(rows[i]);\n    return out;`) +
      FN("query", "objectIs", ORG, `${ROWS}\n    return rows.filter((t) => Object.is(t.orgId, args.orgId));`) +
      FN("query", "compared", ORG, `${ROWS}\n    return rows.filter((t) => t.orgId.localeCompare(args.orgId) === 0);`) +
      FN("query", "inSet", ORG, `${ROWS}\n    return rows.filter((t) => new Set([args.orgId]).has(t.orgId));`) +
      FN("query", "early", ORG, `${ROWS}\n    return ${EARLY};`) +
      FN("query", "named", ORG, `${ROWS}\n    const pick = (t: any) => t.orgId === args.orgId;\n    return rows.filter(pick);`) +
      FN("query", "cloned", ORG, `${ROWS}\n    const copy = structuredClone(rows);\n    return copy.filter((t) => t.orgId === args.orgId);`) +
      FN("query", "valued", ORG, `${ROWS}\n    return Object.values(rows).filter((t) => t.orgId === args.orgId);`) +
      FN("query", "flattened", ORG, `${ROWS}\n    const flat = rows.flat();\n    const hit = flat.find((t) => t.orgId === args.orgId);\n    return hit;`) +
      FN("query", "titleIs", TWO, `${PLAIN}\n    return rows.filter((t) => Object.is(t.title, args.title));`) +
      FN("query", "titleCompared", TWO, `${PLAIN}\n    return rows.filter((t) => t.title.localeCompare(args.title) === 0);`) +
      FN("query", "memberEarly", ORG, `${MEMBER}${PLAIN}\n    return ${EARLY};`) +
      FN("query", "memberIndexed", ORG, `${MEMBER}${PLAIN}\n    const i = rows.findIndex((t) => t.orgId === args.orgId);\n    return rows[i];`) +
      FN("query", "mySeatNamed", ORG, '    const rows = await ctx.db.query("seats").collect();\n    const mine = (s: any) => s.orgId === args.orgId && s.userId === user._id;\n    return rows.filter(mine);'),
  );
  assert.deepEqual(at, marked);
  assert.ok(found.every((f) => f.severity === "medium"));
});
