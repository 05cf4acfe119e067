// `unchecked-list` on rows kept in JavaScript to public ones or to the caller's own (attack40 F1,
// F2): the acceptance holds only when what is returned holds only those rows. The filter's callback
// reads its row and writes nothing; the kept array (and a const alias of it) is not added to, nor
// its rows changed, after the filter; a loop pushes its own loop variable, unchanged; and the
// compared field is not written on any row of the function before (a loop, forEach, Object.assign,
// a sort comparator). Each evasion is reported; the plain forms are not. Run the way a user runs
// it (AUDIT_CLI names another build, to show the test fails there).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, QUERY_HEAD as HEAD, SCHEMA_HEAD, SIGNED_IN_QUERY as QUERY, auditReport, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const SCHEMA = `${SCHEMA_HEAD}  listings: defineTable({ title: v.string(), sellerId: v.id("users"), visibility: v.string(), secret: v.string() }),
});
`;

const GUARD = `import { defineGuard } from "convex-guard";

export const guard = defineGuard({
  roles: ["buyer", "seller", "admin"],
  access: { tables: { listings: { owner: "sellerId", visibility: "visibility" } } },
});
`;

const READ = '    const rows = await ctx.db.query("listings").take(50);\n';
const PUB = '    const pub = rows.filter((l) => l.visibility === "public");\n';
const LOOP = (push) => `    const out = [];\n    for (const r of rows) {\n      if (r.visibility === "public") ${push};\n    }\n`;

/** The functions `audit convex` reports under `unchecked-list` in an app of `text`. */
function listed(name, text) {
  const report = auditReport(cli, scratchApp("publicfeed", name, { "schema.ts": SCHEMA, "f.ts": HEAD + text, ...ANY_API }, GUARD));
  return report.findings.filter((f) => f.rule === "unchecked-list").map((f) => f.function.replace(/^f:/, "")).sort();
}

const CORRECT = {
  plain: `${READ}    return rows.filter((l) => l.visibility === "public");`,
  held: `${READ}${PUB}    return pub;`,
  sorted: `${READ}${PUB}    pub.sort((a, b) => a.title.localeCompare(b.title));\n    return pub;`,
  fields: `${READ}${PUB}    return pub.map((p) => ({ title: p.title }));`,
  loop: `${READ}${LOOP("out.push(r)")}    return out;`,
  loopFields: `${READ}${LOOP("out.push({ title: r.title, ...r })")}    return out;`,
  skipLoop: `${READ}    const out = [];\n    for (const r of rows) {\n      if (r.visibility !== "public") continue;\n      out.push(r);\n    }\n    return out;`,
  mine: `${READ}    const mine = rows.filter((l) => l.sellerId === user._id);\n    return mine;`,
  found: `${READ}    const first = rows.find((l) => l.visibility === "public");
    return first ?? null;`,
  indexed: `${READ}${PUB}    const titles = {};
    for (const p of pub) titles[p._id] = p.title;
    return { pub, titles };`,
  titled: `${READ}    for (const r of rows) r.title = r.title.trim();\n    return rows.filter((l) => l.visibility === "public");`,
};

/** The functions reported in an app of the accepted forms and of `evasions`: the evasions only. */
function judged(name, evasions) {
  const text = Object.entries({ ...CORRECT, ...evasions }).map(([name, body]) => QUERY(name, "{}", body)).join("");
  assert.deepEqual(listed(name, text), Object.keys(evasions).sort());
}

const CHANGED = {
  indexSet: `${READ}${PUB}    pub[0] = rows[0];\n    return pub;`,
  lengthSet: `${READ}${PUB}    pub[pub.length] = rows[0];\n    return pub;`,
  spliced: `${READ}${PUB}    pub.splice(0, 0, ...rows);\n    return pub;`,
  pushApply: `${READ}${PUB}    Array.prototype.push.apply(pub, rows);\n    return pub;`,
  filled: `${READ}${PUB}    pub.fill(rows[0]);\n    return pub;`,
  aliasPush: `${READ}${PUB}    const out = pub;\n    out.push(...rows);\n    return pub;`,
  expando: `${READ}${PUB}    (pub as any).extra = rows;\n    return { list: pub, meta: (pub as any).extra };`,
  eachAssign: `${READ}${PUB}    pub.forEach((p) => Object.assign(p, rows[0]));\n    return pub;`,
  loopAssign: `${READ}${PUB}    for (const p of pub) Object.assign(p, { secret: rows[0].secret });\n    return pub;`,
  ownIndexSet: `${READ}    const mine = rows.filter((l) => l.sellerId === user._id);\n    mine[0] = rows[0];\n    return mine;`,
  loopAlias: `${READ}${LOOP("out.push(r)")}    const o2 = out;\n    o2.push(rows[0]);\n    return out;`,
};

test("the kept array changed after the filter or the loop: reported; the plain forms are not", () => {
  judged("changed", CHANGED);
});

const PUSHED = {
  otherRow: `${READ}${LOOP("out.push(rows[0])")}    return out;`,
  twoRows: `${READ}    const out = [];\n    for (const r of rows) {\n      if (r.visibility !== "public") continue;\n      out.push(r, rows[0]);\n    }\n    return out;`,
  reassigned: `${READ}    const out = [];\n    for (let r of rows) {\n      if (r.visibility === "public") {\n        r = rows[0];\n        out.push(r);\n      }\n    }\n    return out;`,
  enriched: `${READ}${LOOP("out.push({ ...r, secret: rows[0].secret })")}    return out;`,
  ownOther: `${READ}    const out = [];\n    for (const r of rows) {\n      if (r.sellerId === user._id) out.push(rows[0]);\n    }\n    return out;`,
  sideEffect: `${READ}    const leak = [];\n    const pub = rows.filter((l) => {\n      leak.push(l);\n      return l.visibility === "public";\n    });\n    return { pub, leak };`,
};

test("a loop pushing something else than its own row, or a filter callback with a side effect: reported", () => {
  judged("pushed", PUSHED);
});

/** Filters that call only what cannot keep a row (finalread30 F2): accepted, alone (each fails on a build that refused every call and new). */
const PURE = {
  notExpired: `${READ}    return rows.filter((l) => l.visibility === "public" && l._creationTime > Date.now() - 86400000);`,
  search: `${READ}    const re = new RegExp("a", "i");\n    return rows.filter((l) => l.visibility === "public" && re.test(l.title));`,
  recent: `${READ}    return rows.filter((l) => l.sellerId === user._id && new Date(l._creationTime).getFullYear() >= 2026);`,
  rounded: `${READ}    return rows.filter((l) => l.visibility === "public" && Math.round(l._creationTime) > 0 && Number.isFinite(l._creationTime));`,
};

/** Calls in a filter's callback that hand its row on: reported. */
const KEEPS = {
  appFunction: `${READ}    const kept = [];\n    const keep = (x) => { kept.push(x); return true; };\n    const pub = rows.filter((l) => keep(l) && l.visibility === "public");\n    return { pub, kept };`,
  ownTest: `${READ}    const kept = [];\n    const box = { test: (x) => { kept.push(x); return true; } };\n    const pub = rows.filter((l) => box.test(l) && l.visibility === "public");\n    return { pub, kept };`,
  assigned: `${READ}    const kept = {};\n    const pub = rows.filter((l) => Object.assign(kept, l) !== null && l.visibility === "public");\n    return { pub, kept };`,
  newKeeper: `${READ}    const kept = [];\n    class Keeper { constructor(x) { kept.push(x); } }\n    const pub = rows.filter((l) => new Keeper(l) !== null && l.visibility === "public");\n    return { pub, kept };`,
  shadowMath: `${READ}    const kept = [];\n    const Math = { max: (x) => { kept.push(x); return 1; } };\n    const pub = rows.filter((l) => Math.max(l) > 0 && l.visibility === "public");\n    return { pub, kept };`,
  tagged: `${READ}    const kept = [];\n    const tag = (s, x) => { kept.push(x); return s; };\n    const pub = rows.filter((l) => tag\`\${l}\` !== null && l.visibility === "public");\n    return { pub, kept };`,
};

test("a filter calling Date.now, new Date, a RegExp's test or Math: accepted; one handing its row to a call: reported", () => {
  const text = Object.entries({ ...PURE, ...KEEPS }).map(([name, body]) => QUERY(name, "{}", body)).join("");
  assert.deepEqual(listed("purecalls", text), Object.keys(KEEPS).sort());
});

/** A reading method's name on a receiver of type any is no promise: given the row (or a value of the callback's), reported (fr30b). */
const UNTYPED = {
  anyHas: `${READ}    const kept: any = { has: (x: unknown) => x !== null };\n    const pub = rows.filter((l) => kept.has(l) && l.visibility === "public");\n    return { pub, kept };`,
  anyIncludes: `${READ}    const box = JSON.parse("{}");\n    const pub = rows.filter((l) => !box.includes(l.secret) && l.visibility === "public");\n    return { pub, box };`,
  anyObject: `${READ}    const box: any = {};\n    const pub = rows.filter((l) => box.get({ row: l }) !== 1 && l.visibility === "public");\n    return { pub, box };`,
};
/** Real reads on typed receivers, or an untyped one given nothing of the row: accepted. */
const TYPED = {
  setHas: `${READ}    const hidden = new Set<string>(["x"]);\n    return rows.filter((l) => !hidden.has(l.title) && l.visibility === "public");`,
  mapHas: `${READ}    const seen = new Map<string, number>();\n    return rows.filter((l) => !seen.has(l.title) && l.visibility === "public");`,
  arrayIncludes: `${READ}    const tags: string[] = ["a"];\n    return rows.filter((l) => !tags.includes(l.title) && l.visibility === "public");`,
  anyConstant: `${READ}    const flags: any = {};\n    return rows.filter((l) => !flags.has("hideAll") && l.visibility === "public");`,
};

test("a reading method on a receiver of type any given the row: reported; on a Set, Map or array: accepted", () => {
  const text = Object.entries({ ...UNTYPED, ...TYPED }).map(([name, body]) => QUERY(name, "{}", body)).join("");
  assert.deepEqual(listed("untyped", text), Object.keys(UNTYPED).sort());
});

const FORCED = {
  loopSet: `${READ}    for (const r of rows) r.visibility = "public";\n    return rows.filter((l) => l.visibility === "public");`,
  eachSet: `${READ}    rows.forEach((r) => {\n      r.visibility = "public";\n    });\n    return rows.filter((l) => l.visibility === "public");`,
  assigned: `${READ}    Object.assign(rows[0], { visibility: "public" });\n    return rows.filter((l) => l.visibility === "public");`,
  comparator: `${READ}    rows.sort((a, b) => {\n      a.visibility = "public";\n      b.visibility = "public";\n      return 0;\n    });\n    return rows.filter((l) => l.visibility === "public");`,
  ownerSet: `${READ}    rows.forEach((r) => {\n      r.sellerId = user._id;\n    });\n    return rows.filter((l) => l.sellerId === user._id);`,
  loopForced: `${READ}    rows.forEach((r) => {\n      r.visibility = "public";\n    });\n${LOOP("out.push(r)")}    return out;`,
};

test("the compared field written on the rows before the filter or loop: reported", () => {
  judged("forced", FORCED);
});

// finalread30 F3: a key the audit cannot read (the client's) may name the compared field, as
// Reflect.set with one does: the rows made public through it before the filter are reported. A
// number's key (an index) or a key on a const holding a fresh literal writes no row's field.
test("the compared field written through a key the audit cannot read: reported; an index or a fresh object's key: not", () => {
  const K = "{ k: v.string() }";
  const text =
    QUERY("dynKey", K, `${READ}    for (const r of rows) (r as any)[args.k] = "public";\n    return rows.filter((l) => l.visibility === "public");`) +
    QUERY("eachKey", K, `${READ}    rows.forEach((r) => {\n      (r as Record<string, unknown>)[args.k] = "public";\n    });\n${PUB}    return pub;`) +
    QUERY("deleteKey", K, `${READ}    for (const r of rows) delete (r as any)[args.k];\n    return rows.filter((l) => l.sellerId === user._id);`) +
    QUERY("indexSet", "{ i: v.number() }", `${READ}${PUB}    const out = [];\n    out[args.i] = pub[0];\n    return { pub, out };`) +
    QUERY("freshKey", K, `${READ}${PUB}    const counts = {};\n    counts[args.k] = pub.length;\n    return { pub, counts };`);
  assert.deepEqual(listed("dynkey", text), ["deleteKey", "dynKey", "eachKey"]);
});

