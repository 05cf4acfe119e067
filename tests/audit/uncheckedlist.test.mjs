// `unchecked-list`: a public query or mutation that returns the rows of a table under
// access.tables, listed by a query that ties them neither to the caller nor to a checked
// argument (newuser19: every project, projects by any field, any org's projects by an org id).
// Not reported: the owner field equal to the caller's id (index, filter, or a JS filter on the
// rows), the parent field (the children rule's), the visibility field equal to "public", a role
// above the lowest, rows handed only to readable/readableMany, a field equal to an argument a
// group or document check covers, and internal functions.
// Run the way a user runs it: the bin of the packed tarball, on apps written here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { ANY_API, CLI, QUERY_HEAD as HEAD, SCHEMA_HEAD, SIGNED_IN_QUERY as QUERY, scratchApp } from "./apps.mjs";

const cli = CLI;

const SCHEMA = `${SCHEMA_HEAD}  projects: defineTable({ name: v.string(), ownerId: v.id("users"), orgId: v.id("accessGroups"), visibility: v.string() }).index("by_owner", ["ownerId"]).index("by_org", ["orgId"]).index("by_visibility", ["visibility"]).searchIndex("search_name", { searchField: "name", filterFields: ["visibility", "ownerId", "orgId"] }),
  tasks: defineTable({ title: v.string(), ownerId: v.id("users"), projectId: v.id("projects") }).index("by_project", ["projectId"]),
});
`;

const GUARD = `import { defineGuard } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin"],
  access: {
    tables: {
      projects: { owner: "ownerId", visibility: "visibility" },
      tasks: { owner: "ownerId", parent: "projectId", parentTable: "projects" },
    },
  },
});
`;

const ORG = '{ orgId: v.id("accessGroups") }';
const BY_ORG = 'ctx.db.query("projects").withIndex("by_org", (q) => q.eq("orgId", args.orgId))';

/** A public query whose handler checks the admin role, then runs `body`. */
const ADMIN_QUERY = (name, body) => `export const ${name} = query({
  args: {},
  handler: async (ctx) => {
    await guard.requireRole(ctx, "admin");
${body}
  },
});
`;

/** The findings of `rules` (unchecked-list alone by default) of `audit convex` on an app of `text`, as `function rule`. */
function listed(name, text, rules = ["unchecked-list"], files = {}) {
  const appRoot = scratchApp("uncheckedlist", name, { "schema.ts": SCHEMA, "f.ts": text, ...ANY_API, ...files }, GUARD);
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json"], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout).findings.filter((f) => rules.includes(f.rule));
}

test("every project, by any field, by an org id no check covers: high, each named with how it was selected", () => {
  const found = listed(
    "leaks",
    HEAD +
      QUERY("all", "{}", '    return await ctx.db.query("projects").collect();') +
      QUERY("byName", "{ name: v.string() }", '    return await ctx.db.query("projects").filter((q) => q.eq(q.field("name"), args.name)).collect();') +
      QUERY("byOrg", ORG, `    return await ${BY_ORG}.take(50);`) +
      QUERY("otherOrgChecked", '{ orgId: v.id("accessGroups"), mine: v.id("accessGroups") }', `    await guard.requireGroupLevel(ctx, args.mine, "viewer");\n    return await ${BY_ORG}.take(50);`) +
      QUERY("held", "{}", '    const rows = await ctx.db.query("projects").order("desc").take(20);\n    return rows.map((p) => p.name);') +
      QUERY("paged", "{}", '    return await ctx.db.query("projects").paginate({ numItems: 10, cursor: null });') +
      QUERY("byOtherUser", '{ ownerId: v.id("users") }', '    return await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", args.ownerId)).collect();') +
      QUERY("privateOnes", "{}", '    return await ctx.db.query("projects").withIndex("by_visibility", (q) => q.eq("visibility", "private")).collect();'),
  );
  assert.deepEqual(
    found.map((f) => `${f.severity} ${f.function}`),
    ["high f:all", "high f:byName", "high f:byOrg", "high f:otherOrgChecked", "high f:held", "high f:paged", "high f:byOtherUser", "high f:privateOnes"],
  );
  assert.equal(
    found[0].message,
    "f:all returns the rows of 'projects' (under access.tables) with no selection (every document, or a filter on other fields), to any signed-in caller: no row is checked against the caller's access, so a caller reads documents they hold no level on",
  );
  assert.equal(
    found[2].message,
    "f:byOrg returns the rows of 'projects' (under access.tables) selected by field 'orgId' (equal to argument 'orgId', which no document or group check covers), not by its owner field 'ownerId' equal to the caller's id, to any signed-in caller: no row is checked against the caller's access, so a caller reads documents they hold no level on",
  );
  assert.match(found[2].fix, /guard\.listAccessible\(ctx, "projects", \{ paginationOpts \}\).*q\.eq\("ownerId", user\._id\).*guard\.readableMany\(ctx, "projects", ids\).*guard\.requireGroupLevel\(ctx, orgId, level\)/);
  assert.equal(found[1].line, 17);
});

test("the caller's own rows, a parent's children, public ones, an admin's view, checked rows: not reported; a checked org's rows, medium (grouplist.test.mjs)", () => {
  const found = listed(
    "exempt",
    HEAD +
      'import { internalQuery } from "./_generated/server";\n' +
      QUERY("mineByIndex", "{}", '    return await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect();') +
      QUERY("mineByFilter", "{}", '    return await ctx.db.query("projects").filter((q) => q.eq(q.field("ownerId"), user._id)).take(10);') +
      QUERY("mineInJs", "{}", '    const rows = await ctx.db.query("projects").take(100);\n    return rows.filter((p) => p.ownerId === user._id);') +
      QUERY("publicOnes", "{}", '    return await ctx.db.query("projects").withIndex("by_visibility", (q) => q.eq("visibility", "public")).take(10);') +
      QUERY("manyChecked", "{}", '    return await guard.readableMany(ctx, "projects", (await ctx.db.query("projects").take(20)).map((p) => p._id));') +
      QUERY("eachChecked", ORG, `    const rows = await ${BY_ORG}.take(20);\n    return await Promise.all(rows.map((p) => guard.readable(ctx, "projects", p._id)));`) +
      QUERY("orgChecked", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    return await ${BY_ORG}.take(50);`) +
      QUERY("projectChecked", '{ projectId: v.id("projects") }', '    await guard.requireAccess(ctx, "projects", args.projectId, "viewer");\n    return await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", args.projectId)).collect();') +
      QUERY("unsureFilter", "{}", '    return await ctx.db.query("projects").filter((q) => q.or(q.eq(q.field("ownerId"), user._id), q.eq(q.field("visibility"), "public"))).take(10);') +
      QUERY("countOnly", "{}", '    const rows = await ctx.db.query("projects").take(100);\n    if (rows.length > 99) throw new Error("too many");\n    return null;') +
      ADMIN_QUERY("adminAll", '    return await ctx.db.query("projects").collect();') +
      `export const everyProject = internalQuery({
  args: {},
  handler: async (ctx) => await ctx.db.query("projects").collect(),
});
`,
  ).map((f) => `${f.severity} ${f.function}`);
  assert.deepEqual(found, ["medium f:orgChecked"]);
});

test("a parent's children by an argument no check covers stay the children rule's, not this one's", () => {
  const found = listed("children", HEAD + QUERY("tasksOf", '{ projectId: v.id("projects") }', '    return await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", args.projectId)).collect();'), ["unchecked-list", "unchecked-id-read"]);
  assert.deepEqual(found.map((f) => `${f.rule} ${f.function}`), ["unchecked-id-read f:tasksOf"]);
});

test("a parent field equal to no argument (undefined, a literal) is every parent's children: reported (attack27)", () => {
  const found = listed(
    "anyparent",
    HEAD +
      QUERY("unfiled", "{}", '    return await ctx.db.query("tasks").filter((q) => q.eq(q.field("projectId"), undefined)).collect();') +
      QUERY("byLiteral", "{}", '    return await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", "p1" as never)).collect();'),
    ["unchecked-list", "unchecked-id-read"],
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.rule} ${f.function}`).sort(), ["high unchecked-list f:byLiteral", "high unchecked-list f:unfiled"]);
});

// attack27: docs/access.md's paginated readableMany listing hands on the page's metadata (`isDone`,
// `continueCursor`: no row) next to the checked page, as usePaginatedQuery needs; the raw page still leaks.
const PAGED = '{ projectId: v.id("projects"), paginationOpts: paginationOptsValidator }';
const PAGE = '    const res = await ctx.db.query("projects").paginate(args.paginationOpts);\n    const rs = await guard.readableMany(ctx, "projects", res.page.map((p) => p._id));\n    const checked = rs.filter((r) => r !== null).map((r) => r.doc);\n';
const TASK_PAGE = '    const res = await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", args.projectId)).paginate(args.paginationOpts);\n    const rs = await guard.readableMany(ctx, "tasks", res.page.map((t) => t._id));\n    const checked = rs.filter((r) => r !== null);\n';

test("a paginated readableMany listing returning the page's metadata next to the checked page: not reported; the raw page still is", () => {
  const found = listed(
    "paged",
    HEAD +
      'import { paginationOptsValidator } from "convex/server";\n' +
      QUERY("spread", PAGED, `${PAGE}    return { ...res, page: checked };`) +
      QUERY("fields", PAGED, `${PAGE}    return { page: checked, isDone: res.isDone, continueCursor: res.continueCursor, splitCursor: res.splitCursor, pageStatus: res.pageStatus };`) +
      QUERY("destructured", PAGED, '    const { page, isDone, continueCursor } = await ctx.db.query("projects").paginate(args.paginationOpts);\n    const rs = await guard.readableMany(ctx, "projects", page.map((p) => p._id));\n    return { page: rs.filter((r) => r !== null), isDone, continueCursor };') +
      QUERY("childrenSpread", PAGED, `${TASK_PAGE}    return { ...res, page: checked };`) +
      QUERY("childrenFields", PAGED, `${TASK_PAGE}    return { isDone: res.isDone, continueCursor: res.continueCursor, page: checked };`) +
      QUERY("spreadLast", PAGED, `${PAGE}    return { page: checked, ...res };`) +
      QUERY("rawPage", PAGED, `${PAGE}    return { isDone: res.isDone, page: res.page };`) +
      QUERY("childrenRaw", PAGED, `${TASK_PAGE}    return { ...res, page: res.page.slice(0, 5) };`) +
      QUERY("destructuredRaw", PAGED, '    const { page, isDone } = await ctx.db.query("projects").paginate(args.paginationOpts);\n    return { page, isDone };'),
    ["unchecked-list", "unchecked-id-read"],
  );
  assert.deepEqual(
    found.map((f) => `${f.severity} ${f.rule} ${f.function}`),
    ["high unchecked-list f:spreadLast", "high unchecked-list f:rawPage", "high unchecked-id-read f:childrenRaw", "high unchecked-list f:destructuredRaw"],
  );
});

test("a search index's filter fields are read as an index range's: public or the caller's own rows are not reported, any org's are", () => {
  const search = (rest) => `    return await ctx.db.query("projects").withSearchIndex("search_name", (q) => q.search("name", args.s)${rest}).take(10);`;
  const found = listed(
    "search",
    HEAD +
      QUERY("searchPublic", "{ s: v.string() }", search('.eq("visibility", "public")')) +
      QUERY("searchMine", "{ s: v.string() }", search('.eq("ownerId", user._id)')) +
      QUERY("searchAll", "{ s: v.string() }", search("")) +
      QUERY("searchOrg", '{ s: v.string(), orgId: v.id("accessGroups") }', search('.eq("orgId", args.orgId)')),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["high f:searchAll", "high f:searchOrg"]);
  assert.match(found[1].message, /selected by field 'orgId' \(equal to argument 'orgId', which no document or group check covers\)/);
});

// readableMany answers one entry per id, in order, null where the caller has no access: the rows
// kept where the answer at their index is not null are the ones the caller may read.
const ZIP = (keep, { ids = "rows", table = "projects", after = "" } = {}) =>
  `    const rows = await ctx.db.query("projects").take(50);\n    const mine = await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).take(50);\n    const rs = await guard.readableMany(ctx, "${table}", ${ids}.map((r) => r._id));\n${after}    return ${keep};`;

test("rows kept by a readableMany answer's index (not null, truthy, a ?.doc test): not reported; another array's, rs[0], an ||, another table's: reported", () => {
  const found = listed(
    "zip",
    HEAD +
      'import { paginationOptsValidator } from "convex/server";\n' +
      QUERY("notNull", "{}", ZIP("rows.filter((_, i) => rs[i] !== null)")) +
      QUERY("looseNotNull", "{}", ZIP("rows.filter((_, i) => null != rs[i]).map((r) => r.name)")) +
      QUERY("truthy", "{}", ZIP("rows.filter((r, i) => rs[i])")) +
      QUERY("docTest", "{}", ZIP("rows.filter((_, i) => rs[i]?.doc)")) +
      QUERY("docDefined", "{}", ZIP("rows.filter((_, i) => rs[i]?.doc !== undefined)")) +
      QUERY("block", "{}", ZIP('rows.filter((r, i) => {\n      return !!rs[i] && r.name !== "";\n    })')) +
      QUERY(
        "paged",
        "{ paginationOpts: paginationOptsValidator }",
        '    const res = await ctx.db.query("projects").paginate(args.paginationOpts);\n    const rs = await guard.readableMany(ctx, "projects", res.page.map((p) => p._id));\n    return { ...res, page: res.page.filter((_, i) => rs[i] !== null) };',
      ) +
      QUERY("otherArray", "{}", ZIP("rows.filter((_, i) => rs[i] !== null)", { ids: "mine" })) +
      QUERY("firstOnly", "{}", ZIP("rows.filter((_, i) => rs[0] !== null)")) +
      QUERY("orElse", "{}", ZIP('rows.filter((r, i) => rs[i] !== null || r.name !== "")')) +
      QUERY("docNotNull", "{}", ZIP("rows.filter((_, i) => rs[i]?.doc !== null)")) +
      QUERY("notUndefined", "{}", ZIP("rows.filter((_, i) => rs[i] !== undefined)")) +
      QUERY("otherTable", "{}", ZIP("rows.filter((_, i) => rs[i] !== null)", { table: "tasks" })) +
      QUERY("alsoRaw", "{}", ZIP("{ kept: rows.filter((_, i) => rs[i] !== null), all: rows }")) +
      QUERY("reversed", "{}", ZIP("rows.filter((_, i) => rs[i] !== null)", { after: "    rows.reverse();\n" })),
  );
  assert.deepEqual(
    found.map((f) => `${f.severity} ${f.function}`),
    ["high f:otherArray", "high f:firstOnly", "high f:orElse", "high f:docNotNull", "high f:notUndefined", "high f:otherTable", "high f:alsoRaw", "high f:reversed"],
  );
  assert.match(found[0].fix, /guard\.readableMany\(ctx, "projects", ids\) and return only what it answers \(rs\.filter\(\(r\) => r !== null\)\.map\(\(r\) => r\.doc\), or the rows where the answer at their index is not null: rows\.filter\(\(_, i\) => rs\[i\] !== null\)\)/);
});

// attack30: the answer changed in place before the rows are kept by its index no longer matches them.
test("rows kept by a readableMany answer changed in place (sorted, spliced, filled, reversed, emptied, an element assigned): reported", () => {
  const keep = "rows.filter((_, i) => rs[i] !== null)";
  const found = listed(
    "zipchanged",
    HEAD +
      QUERY("untouched", "{}", ZIP(keep)) +
      QUERY("sorted", "{}", ZIP(keep, { after: "    rs.sort((a, b) => (a === null ? 1 : 0) - (b === null ? 1 : 0));\n" })) +
      QUERY("spliced", "{}", ZIP(keep, { after: "    rs.splice(0, 1);\n" })) +
      QUERY("filled", "{}", ZIP(keep, { after: "    rs.fill(rs[0]);\n" })) +
      QUERY("reversed", "{}", ZIP(keep, { after: "    rs.reverse();\n" })) +
      QUERY("emptied", "{}", ZIP(keep, { after: "    rs.length = 0;\n" })) +
      QUERY("assigned", "{}", ZIP(keep, { after: "    rs[0] = rs[1];\n" })) +
      QUERY("deleted", "{}", ZIP(keep, { after: "    delete rs[0];\n" })),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["high f:sorted", "high f:spliced", "high f:filled", "high f:reversed", "high f:emptied", "high f:assigned", "high f:deleted"]);
});

// attack30: the ids in a const made of the same rows, Boolean(rs[i]), rs.at(i): the rows the caller may read.
test("rows kept by the answer for ids held in a const, by Boolean(rs[i]) or rs.at(i): not reported; ids changed or of another array, rs.at(0): reported", () => {
  const IDS = (keep, { of = "rows", after = "" } = {}) =>
    `    const rows = await ctx.db.query("projects").take(50);\n    const mine = await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).take(50);\n    const ids = ${of}.map((r) => r._id);\n${after}    const rs = await guard.readableMany(ctx, "projects", ids);\n    return ${keep};`;
  const keep = "rows.filter((_, i) => rs[i] !== null)";
  const found = listed(
    "zipmore",
    HEAD +
      QUERY("idsConst", "{}", IDS(keep)) +
      QUERY("boolean", "{}", ZIP("rows.filter((_, i) => Boolean(rs[i]))")) +
      QUERY("atNotNull", "{}", ZIP("rows.filter((_, i) => rs.at(i) != null)")) +
      QUERY("atTruthy", "{}", ZIP("rows.filter((_, i) => rs.at(i))")) +
      QUERY("atDoc", "{}", ZIP("rows.filter((_, i) => rs.at(i)?.doc)")) +
      QUERY("idsReversed", "{}", IDS(keep, { after: "    ids.reverse();\n" })) +
      QUERY("idsOfMine", "{}", IDS(keep, { of: "mine" })) +
      QUERY("atFirst", "{}", ZIP("rows.filter((_, i) => rs.at(0) != null)")) +
      QUERY("booleanOr", "{}", ZIP('rows.filter((r, i) => Boolean(rs[i]) || r.name !== "")')),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["high f:idsReversed", "high f:idsOfMine", "high f:atFirst", "high f:booleanOr"]);
});

test("the owner field equal to a users row the app looks up itself, or to an argument: the message says the value is not the caller's id", () => {
  const found = listed(
    "ownlookup",
    HEAD +
      `export const ownLookup = query({
  args: {},
  handler: async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new Error("Not signed in");
    const me = await ctx.db.query("users").withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier)).unique();
    if (me === null) throw new Error("No user");
    return await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", me._id)).collect();
  },
});
` +
      QUERY("byArg", '{ ownerId: v.id("users") }', '    return await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", args.ownerId)).collect();'),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["high f:ownLookup", "high f:byArg"]);
  assert.match(
    found[0].message,
    /^f:ownLookup returns the rows of 'projects' \(under access\.tables\) selected by its owner field 'ownerId' equal to a value that is not the caller's id as the audit knows it \(the _id of guard\.requireUser's answer or the builder's ctx\.user; not a users row the app looks up itself\), to /,
  );
  assert.match(found[1].message, / selected by its owner field 'ownerId' equal to argument 'ownerId', not the caller's id, to any signed-in caller: /);
  for (const f of found) assert.doesNotMatch(f.message, /not by its owner field/);
});

test("a loop that pushes only the caller's own rows (continue past the others, or push in the owner's branch): not reported; others' rows are", () => {
  const loop = (test, push) => `    const out = [];\n    for await (const p of ctx.db.query("projects").order("desc")) {\n      ${test}\n      ${push}\n      if (out.length >= 20) break;\n    }\n    return out;`;
  const found = listed(
    "loops",
    HEAD +
      QUERY("skipOthers", "{}", loop("if (p.ownerId !== user._id) continue;", "out.push(p);")) +
      QUERY("ownBranch", "{}", '    const rows = await ctx.db.query("projects").take(100);\n    const out = [];\n    for (const r of rows) if (r.ownerId === user._id) out.push({ name: r.name });\n    return out;') +
      QUERY("skipMine", "{}", loop("if (p.ownerId === user._id) continue;", "out.push(p);")) +
      QUERY("skipByArg", '{ ownerId: v.id("users") }', loop("if (p.ownerId !== args.ownerId) continue;", "out.push(p);")) +
      QUERY("pushedBefore", "{}", loop("out.push(p);", "if (p.ownerId !== user._id) continue;")),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["high f:skipMine", "high f:skipByArg", "high f:pushedBefore"]);
});

// attack30: rows spread into a push reach the array as a pushed row does (`out.push(o)`).
test("rows spread into a pushed array (held or read in the push, in a loop over parents): reported as pushed rows are; the caller's own, an array not returned: not", () => {
  const TASKS = '(await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", p._id)).collect())';
  const found = listed(
    "spreadpush",
    HEAD +
      QUERY("spreadRead", "{}", '    const out = [];\n    out.push(...(await ctx.db.query("projects").collect()));\n    return out;') +
      QUERY("spreadHeld", "{}", '    const rows = await ctx.db.query("projects").collect();\n    const out = [];\n    out.push(...rows);\n    return out;') +
      QUERY("spreadChildren", ORG, `    const projects = await ${BY_ORG}.collect();\n    const out = [];\n    for (const p of projects) out.push(...${TASKS});\n    return out.map((t) => t.title);`) +
      QUERY("spreadInCallback", "{}", '    const out = [];\n    for (const o of ["a", "b"]) [o].forEach(async () => out.push(...(await ctx.db.query("projects").take(5))));\n    return out;') +
      QUERY("spreadArgChildren", '{ projectId: v.id("projects") }', '    const out = [];\n    out.unshift(...(await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", args.projectId)).collect()));\n    return out;') +
      QUERY("spreadMine", "{}", '    const out = [];\n    out.push(...(await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", user._id)).collect()));\n    return out;') +
      QUERY("spreadChecked", "{}", '    const out = [];\n    out.push(...(await ctx.db.query("projects").take(20)));\n    const rs = await guard.readableMany(ctx, "projects", out.map((r) => r._id));\n    return rs.filter((r) => r !== null).map((r) => r.doc);') +
      QUERY("spreadNotReturned", "{}", '    const out = [];\n    out.push(...(await ctx.db.query("projects").collect()));\n    return out.length > 0;'),
    ["unchecked-list", "unchecked-id-read"],
  );
  assert.deepEqual(found.map((f) => `${f.rule} ${f.function} ${f.line}`), [
    "unchecked-list f:spreadRead 10",
    "unchecked-list f:spreadHeld 19",
    "unchecked-list f:spreadChildren 32",
    "unchecked-list f:spreadInCallback 42",
    "unchecked-id-read f:spreadArgChildren 52",
  ]);
});

// attack30: a group check on a value that is no argument (a checked document's field) covers a field equal to that same value.
test("an org's rows by a checked document's field after a group check on that same value (directly or through a const): medium (rows with their own access); another value: high", () => {
  const DOC = '    const { doc } = await guard.requireAccess(ctx, "projects", args.projectId, "viewer");\n';
  const ARGS = '{ projectId: v.id("projects"), orgId: v.id("accessGroups") }';
  const byOrg = (value) => `    return await ctx.db.query("projects").withIndex("by_org", (q) => q.eq("orgId", ${value})).take(10);`;
  const found = listed(
    "docgroup",
    HEAD +
      QUERY("docField", ARGS, `${DOC}    await guard.requireGroupLevel(ctx, doc.orgId, "viewer");\n${byOrg("doc.orgId")}`) +
      QUERY("docConst", ARGS, `${DOC}    const orgId = doc.orgId;\n    await guard.requireGroupLevel(ctx, orgId, "viewer");\n${byOrg("orgId")}`) +
      QUERY("mixed", ARGS, `${DOC}    const orgId = doc.orgId;\n    await guard.requireGroupLevel(ctx, doc.orgId, "viewer");\n${byOrg("orgId")}`) +
      QUERY("otherValue", ARGS, `${DOC}    await guard.requireGroupLevel(ctx, doc.orgId, "viewer");\n${byOrg("args.orgId")}`) +
      QUERY("noGroupCheck", ARGS, `${DOC}${byOrg("doc.orgId")}`),
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`), ["medium f:docField", "medium f:docConst", "medium f:mixed", "high f:otherValue", "high f:noGroupCheck"]);
});

// A listing made in an app helper the handler returns the answer of: reported at the query in
// the helper, as a delete or write made in a helper is; a helper's parameter is what the call passes.
const HELPERS = `import type { Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
export async function listAll(ctx: QueryCtx) {
  return await ctx.db.query("projects").collect();
}
export async function listOf(ctx: QueryCtx, ownerId: Id<"users">) {
  return await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", ownerId)).collect();
}
export async function listOrg(ctx: QueryCtx, orgId: Id<"accessGroups">) {
  return await ctx.db.query("projects").withIndex("by_org", (q) => q.eq("orgId", orgId)).take(50);
}
export async function listVia(ctx: QueryCtx) {
  return await listAll(ctx);
}
export async function listNamed(ctx: QueryCtx, user: { _id: Id<"users"> }) {
  const me = user._id;
  return await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", me)).collect();
}
`;

test("a listing made in an app helper the handler returns (same module or imported): reported at the query in the helper; a checked org, medium; the caller's own, checked rows: not", () => {
  const found = listed(
    "helpers",
    HEAD +
      'import { listAll, listOf, listOrg, listVia, listNamed } from "./lib";\n' +
      HELPERS.replace(/^import.*\n/gm, "").replace(/export async function (\w+)/g, "async function local_$1").replace("await listAll(ctx)", "await local_listAll(ctx)") +
      `export const arrow = query({ args: {}, handler: (ctx) => listAll(ctx) });\n` +
      QUERY("imported", "{}", "    return await listAll(ctx);") +
      QUERY("local", "{}", "    return await local_listAll(ctx);") +
      QUERY("twoDeep", "{}", "    const rows = await listVia(ctx);\n    return rows.map((p) => p.name);") +
      QUERY("byOtherOwner", '{ ownerId: v.id("users") }', "    return await listOf(ctx, args.ownerId);") +
      QUERY("anyOrg", ORG, "    return await listOrg(ctx, args.orgId);") +
      QUERY("mine", "{}", "    return await listOf(ctx, user._id);") +
      QUERY("orgChecked", ORG, '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    return await listOrg(ctx, args.orgId);') +
      QUERY("checked", "{}", '    const rows = await listAll(ctx);\n    const rs = await guard.readableMany(ctx, "projects", rows.map((r) => r._id));\n    return rs.filter((r) => r !== null).map((r) => r.doc);') +
      QUERY("notReturned", "{}", "    const rows = await listAll(ctx);\n    return rows.length > 0;") +
      QUERY("computed", "{}", "    return await listNamed(ctx, user);"),
    ["unchecked-list"],
    { "lib.ts": HELPERS },
  );
  assert.deepEqual(
    found.map((f) => `${f.severity} ${f.function} ${f.file.replace(/^.*convex\//, "")}:${f.line}`).sort(),
    ["high f:anyOrg lib.ts:10", "high f:arrow lib.ts:4", "high f:byOtherOwner lib.ts:7", "high f:imported lib.ts:4", "high f:local f.ts:6", "high f:twoDeep lib.ts:4", "medium f:orgChecked lib.ts:10"],
  );
  const message = (fn) => found.find((f) => f.function === fn).message;
  assert.match(message("f:imported"), /^f:imported \(through listAll\) returns the rows of 'projects' \(under access\.tables\) with no selection/);
  assert.match(message("f:twoDeep"), /^f:twoDeep \(through listVia\) returns the rows of 'projects'/);
  assert.match(message("f:byOtherOwner"), /selected by its owner field 'ownerId' equal to argument 'ownerId', not the caller's id/);
  assert.match(message("f:anyOrg"), /selected by field 'orgId' \(equal to argument 'orgId', which no document or group check covers\)/);
});

// attack30: a parent's children listed in an app helper are judged as unchecked-id-read's children
// made in the handler, reported at the query in the helper ("through tasksOf").
const TASK_HELPERS = `import type { Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
export async function tasksOf(ctx: QueryCtx, projectId: Id<"projects">) {
  return await ctx.db.query("tasks").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect();
}
export async function tasksVia(ctx: QueryCtx, projectId: Id<"projects">) {
  return await tasksOf(ctx, projectId);
}
`;

const PROJECT = '{ projectId: v.id("projects") }';

test("a parent's children listed in an app helper by an argument no check covers: unchecked-id-read through the helper; checked, the caller's own, not returned: not", () => {
  const found = listed(
    "childhelpers",
    HEAD +
      'import { tasksOf, tasksVia } from "./tasklib";\n' +
      QUERY("unchecked", PROJECT, "    return await tasksOf(ctx, args.projectId);") +
      QUERY("twoDeep", PROJECT, "    const ts = await tasksVia(ctx, args.projectId);\n    return ts.map((t) => t.title);") +
      QUERY("checked", PROJECT, '    await guard.requireAccess(ctx, "projects", args.projectId, "editor");\n    return await tasksOf(ctx, args.projectId);') +
      QUERY("checkedDoc", PROJECT, '    const { doc } = await guard.requireAccess(ctx, "projects", args.projectId, "editor");\n    return await tasksOf(ctx, doc._id);') +
      QUERY("ownOnly", PROJECT, "    const ts = await tasksOf(ctx, args.projectId);\n    return ts.filter((t) => t.ownerId === user._id);") +
      QUERY("tested", PROJECT, "    return (await tasksOf(ctx, args.projectId)).length > 0;"),
    ["unchecked-list", "unchecked-id-read"],
    { "tasklib.ts": TASK_HELPERS },
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.rule} ${f.function} ${f.file.replace(/^.*convex\//, "")}:${f.line}`).sort(), ["high unchecked-id-read f:twoDeep tasklib.ts:4", "high unchecked-id-read f:unchecked tasklib.ts:4"]);
  assert.match(found.find((f) => f.function === "f:unchecked").message, /^f:unchecked \(through tasksOf\) returns the rows of 'tasks' whose parent field 'projectId' equals argument 'projectId' \(the children of a 'projects' document\)/);
  assert.match(found.find((f) => f.function === "f:twoDeep").message, /^f:twoDeep \(through tasksVia\) returns the rows of 'tasks'/);
});

// A public function returning the answer of a function it runs (follow.ts, as unchecked-id-read's
// relays): reported at the call when that one returns a listing selected by no argument of its own.
const LISTS = `import { v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { listAll } from "./lib";
export const all = internalQuery({ args: {}, handler: async (ctx) => await ctx.db.query("projects").collect() });
export const viaHelper = internalQuery({ args: {}, handler: (ctx) => listAll(ctx) });
export const ofOrg = internalQuery({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, args) => await ctx.db.query("projects").withIndex("by_org", (q) => q.eq("orgId", args.orgId)).take(50),
});
export const publicOnes = internalQuery({
  args: {},
  handler: async (ctx) => await ctx.db.query("projects").withIndex("by_visibility", (q) => q.eq("visibility", "public")).take(50),
});
`;

test("a public query or action returning what an internal query it runs lists unchecked: reported at the call; checked, scheduled, public rows: not", () => {
  const found = listed(
    "relays",
    HEAD +
      'import { action } from "./_generated/server";\nimport { internal } from "./_generated/api";\n' +
      QUERY("relay", "{}", "    return await ctx.runQuery(internal.lists.all, {});") +
      QUERY("noPayload", "{}", "    const rows = await ctx.runQuery(internal.lists.all);\n    return rows.map((p) => p.name);") +
      QUERY("relayHelper", "{}", "    return await ctx.runQuery(internal.lists.viaHelper, {});") +
      `export const fromAction = action({
  args: {},
  handler: async (ctx) => {
    return await ctx.runQuery(internal.lists.all, {});
  },
});
` +
      QUERY("checked", "{}", '    const rows = await ctx.runQuery(internal.lists.all, {});\n    const rs = await guard.readableMany(ctx, "projects", rows.map((r) => r._id));\n    return rows.filter((_, i) => rs[i] !== null);') +
      QUERY("tested", "{}", "    const rows = await ctx.runQuery(internal.lists.all, {});\n    return rows.length > 0;") +
      QUERY("scheduled", "{}", "    await ctx.scheduler.runAfter(0, internal.lists.all, {});\n    return null;") +
      QUERY("publicRows", "{}", "    return await ctx.runQuery(internal.lists.publicOnes, {});") +
      ADMIN_QUERY("adminRelay", "    return await ctx.runQuery(internal.lists.all, {});"),
    ["unchecked-list"],
    { "lib.ts": HELPERS, "lists.ts": LISTS },
  );
  assert.deepEqual(
    found.map((f) => `${f.severity} ${f.function} ${f.file.replace(/^.*convex\//, "")}`),
    ["high f:relay f.ts", "high f:noPayload f.ts", "high f:relayHelper f.ts", "high f:fromAction f.ts"],
  );
  assert.equal(found[0].line, 11);
  assert.match(found[0].message, /^f:relay \(through internal\.lists\.all, ctx\.runQuery\) returns the rows of 'projects' \(under access\.tables\) with no selection \(every document, or a filter on other fields\), to any signed-in caller: /);
  assert.match(found[3].message, /^f:fromAction \(through internal\.lists\.all, ctx\.runQuery\) returns the rows of 'projects' .*, to any caller/);
});

// newuser22 (p14): an argument of the caller passed to an internal query that lists by it, checked by neither, is judged through the call as one in the handler.
const OF_OWNER = `export const ofOwner = internalQuery({
  args: { ownerId: v.id("users") },
  handler: async (ctx, { ownerId }) => await ctx.db.query("projects").withIndex("by_owner", (q) => q.eq("ownerId", ownerId)).take(50),
});
export const ofOrgChecked = internalQuery({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => {
    await guard.requireGroupLevel(ctx, orgId, "viewer");
    return await ctx.db.query("projects").withIndex("by_org", (q) => q.eq("orgId", orgId)).take(50);
  },
});
`;

test("an argument passed to an internal query that lists by it: reported at the call when neither checks it, medium when either checks it (rows with their own access); the caller's id, a literal: not", () => {
  const found = listed(
    "relayargs",
    HEAD +
      'import { action, mutation } from "./_generated/server";\nimport type { Id } from "./_generated/dataModel";\nimport { internal } from "./_generated/api";\n' +
      QUERY("byArg", ORG, "    return await ctx.runQuery(internal.lists.ofOrg, { orgId: args.orgId });") +
      QUERY("renamed", '{ org: v.id("accessGroups") }', "    return await ctx.runQuery(internal.lists.ofOrg, { orgId: args.org });") +
      `export const fromAction = action({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, { orgId }) => ctx.runQuery(internal.lists.ofOrg, { orgId }),
});
export const fromMutation = mutation({
  args: { orgId: v.id("accessGroups") },
  handler: async (ctx, args) => await ctx.runQuery(internal.lists.ofOrg, args),
});
` +
      QUERY("owner", '{ ownerId: v.id("users") }', "    return await ctx.runQuery(internal.lists.ofOwner, { ownerId: args.ownerId });") +
      QUERY("callerChecks", ORG, '    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n    return await ctx.runQuery(internal.lists.ofOrg, { orgId: args.orgId });') +
      QUERY("calleeChecks", ORG, "    return await ctx.runQuery(internal.lists.ofOrgChecked, { orgId: args.orgId });") +
      QUERY("ownRows", "{}", "    return await ctx.runQuery(internal.lists.ofOwner, { ownerId: user._id });") +
      QUERY("literal", "{}", '    return await ctx.runQuery(internal.lists.ofOrg, { orgId: "k57" as Id<"accessGroups"> });') +
      QUERY("readable", ORG, '    const rows = await ctx.runQuery(internal.lists.ofOrg, { orgId: args.orgId });\n    const rs = await guard.readableMany(ctx, "projects", rows.map((r) => r._id));\n    return rs.filter((r) => r !== null).map((r) => r.doc);'),
    ["unchecked-list"],
    { "lib.ts": HELPERS, "lists.ts": LISTS.replace('import { listAll } from "./lib";', 'import { listAll } from "./lib";\nimport { guard } from "./guard";') + OF_OWNER },
  );
  assert.deepEqual(
    found.map((f) => `${f.severity} ${f.function} ${f.file.replace(/^.*convex\//, "")}`),
    ["high f:byArg f.ts", "high f:renamed f.ts", "high f:fromAction f.ts", "high f:fromMutation f.ts", "high f:owner f.ts", "medium f:callerChecks f.ts", "medium f:calleeChecks f.ts"],
  );
  const message = (fn) => found.find((f) => f.function === fn).message;
  assert.match(message("f:byArg"), /^f:byArg \(through internal\.lists\.ofOrg, ctx\.runQuery\) returns the rows of 'projects' \(under access\.tables\) selected by field 'orgId' \(equal to argument 'orgId', which no document or group check covers\), not by its owner field 'ownerId' equal to the caller's id, to any signed-in caller: /);
  assert.match(message("f:renamed"), /selected by field 'orgId' \(equal to argument 'org', which no document or group check covers\)/);
  assert.match(message("f:fromAction"), /^f:fromAction \(through internal\.lists\.ofOrg, ctx\.runQuery\) .*, to any caller/);
  assert.match(message("f:owner"), /selected by its owner field 'ownerId' equal to argument 'ownerId', not the caller's id/);
  assert.match(message("f:callerChecks"), /^f:callerChecks \(through internal\.lists\.ofOrg, ctx\.runQuery\) lists 'projects' rows by what argument 'orgId' selects there, which a document or group check covers: each row has its own access/);
});

// attack30: a relay made in an app helper the handler returns the answer of is followed as one made in the handler.
test("a relay made in an app helper whose answer the handler returns: reported at the call in the helper; by an argument, checked, not returned: not", () => {
  const found = listed(
    "helperrelays",
    HEAD +
      'import { action } from "./_generated/server";\nimport { relayAll, relayOrg } from "./relaylib";\n' +
      QUERY("viaHelper", "{}", "    return await relayAll(ctx);") +
      `export const fromAction = action({ args: {}, handler: async (ctx) => await relayAll(ctx) });\n` +
      QUERY("byArg", ORG, "    return await relayOrg(ctx, args.orgId);") +
      QUERY("checked", "{}", '    const rows = await relayAll(ctx);\n    const rs = await guard.readableMany(ctx, "projects", rows.map((r) => r._id));\n    return rs.filter((r) => r !== null).map((r) => r.doc);') +
      QUERY("tested", "{}", "    return (await relayAll(ctx)).length > 0;"),
    ["unchecked-list"],
    {
      "lib.ts": HELPERS,
      "lists.ts": LISTS,
      "relaylib.ts": `import type { Id } from "./_generated/dataModel";
import type { ActionCtx } from "./_generated/server";
import { internal } from "./_generated/api";
export async function relayAll(ctx: Pick<ActionCtx, "runQuery">) {
  return await ctx.runQuery(internal.lists.all, {});
}
export async function relayOrg(ctx: Pick<ActionCtx, "runQuery">, orgId: Id<"accessGroups">) {
  return await ctx.runQuery(internal.lists.ofOrg, { orgId });
}
`,
    },
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function} ${f.file.replace(/^.*convex\//, "")}:${f.line}`).sort(), ["high f:fromAction relaylib.ts:5", "high f:viaHelper relaylib.ts:5"]);
  assert.match(found.find((f) => f.function === "f:viaHelper").message, /^f:viaHelper \(through relayAll, internal\.lists\.all, ctx\.runQuery\) returns the rows of 'projects' \(under access\.tables\) with no selection/);
});

// A q.or ties its rows only when each branch does: to the caller, to public ones, or to an argument a check covers.
test("a filter's q.or: exempt only when every branch ties the rows to the caller or to public visibility; a branch by any org, a q.neq, private ones: reported", () => {
  const or = (...branches) => `    return await ctx.db.query("projects").filter((q) => q.or(${branches.join(", ")})).take(10);`;
  const MINE = 'q.eq(q.field("ownerId"), user._id)';
  const PUBLIC = 'q.eq(q.field("visibility"), "public")';
  const ORG_OR = 'q.eq(q.field("orgId"), args.orgId)';
  const found = listed(
    "or",
    HEAD +
      'import { listOr } from "./orlib";\n' +
      QUERY("mineOrPublic", "{}", or(MINE, PUBLIC)) +
      QUERY("publicOrMine", "{}", or(PUBLIC, `q.and(${MINE}, q.eq(q.field("name"), "x"))`)) +
      QUERY("mineOrCheckedOrg", ORG, `    await guard.requireGroupLevel(ctx, args.orgId, "viewer");\n${or(MINE, ORG_OR)}`) +
      QUERY("nested", "{}", or(MINE, `q.or(${PUBLIC}, ${MINE})`)) +
      QUERY("helperMine", "{}", "    return await listOr(ctx, user._id);") +
      QUERY("mineOrAnyOrg", ORG, or(MINE, ORG_OR)) +
      QUERY("mineOrNotPrivate", "{}", or(MINE, 'q.neq(q.field("visibility"), "private")')) +
      QUERY("mineOrPrivate", "{}", or(MINE, 'q.eq(q.field("visibility"), "private")')) +
      QUERY("claimedOwner", '{ ownerId: v.id("users") }', or('q.eq(q.field("ownerId"), args.ownerId)', PUBLIC)) +
      QUERY("helperClaimed", '{ ownerId: v.id("users") }', "    return await listOr(ctx, args.ownerId);"),
    ["unchecked-list"],
    {
      "orlib.ts": `import type { Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
export async function listOr(ctx: QueryCtx, ownerId: Id<"users">) {
  return await ctx.db.query("projects").filter((q) => q.or(q.eq(q.field("ownerId"), ownerId), q.eq(q.field("visibility"), "public"))).take(10);
}
`,
    },
  );
  assert.deepEqual(found.map((f) => `${f.severity} ${f.function}`).sort(), ["high f:claimedOwner", "high f:helperClaimed", "high f:mineOrAnyOrg", "high f:mineOrNotPrivate", "high f:mineOrPrivate"]);
  assert.match(found.find((f) => f.function === "f:mineOrAnyOrg").message, /^f:mineOrAnyOrg returns the rows of 'projects' \(under access\.tables\) selected by a filter's q\.or, a branch of which ties the rows neither to the caller nor to public visibility \(every row that branch matches\), to any signed-in caller: /);
});
