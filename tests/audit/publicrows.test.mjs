// `unchecked-list` on rows selected in JavaScript after the query (newuser31 F1): a JS
// `filter`/`find` (or a loop's push) keeping only the rows whose visibility field is "public" is
// the same selection as `q.eq(q.field("visibility"), "public")` in the query, and one keeping the
// caller's own rows the same as the owner field equal to the caller's id, written on the read
// itself or on the const holding it. Any other value, `!==`, a field that is not the visibility
// field, a table with no visibility field, or public OR something else: still reported. Public OR
// the caller's own (the q.or of both a query may make) is accepted as the query's is (left19). Run the
// way a user runs it (AUDIT_CLI names another build, to show the test fails there).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ANY_API, QUERY_HEAD as HEAD, SCHEMA_HEAD, SIGNED_IN_QUERY as QUERY, auditReport, scratchApp } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

const SCHEMA = `${SCHEMA_HEAD}  listings: defineTable({ title: v.string(), sellerId: v.id("users"), visibility: v.string() }),
  offers: defineTable({ listingId: v.id("listings"), buyerId: v.id("users"), visibility: v.string() }),
});
`;

const GUARD = `import { defineGuard } from "convex-guard";

export const guard = defineGuard({
  roles: ["buyer", "seller", "admin"],
  access: {
    tables: {
      listings: { owner: "sellerId", visibility: "visibility" },
      offers: { owner: "buyerId" },
    },
  },
});
`;

const READ = 'ctx.db.query("listings").order("desc").take(50)';

/** The functions `audit convex` reports under `unchecked-list` in an app of `text`. */
function listed(name, text) {
  const report = auditReport(cli, scratchApp("publicrows", name, { "schema.ts": SCHEMA, "f.ts": HEAD + text, ...ANY_API }, GUARD));
  return report.findings.filter((f) => f.rule === "unchecked-list").map((f) => `${f.severity} ${f.function}`);
}

test("a JS filter to public rows or to the caller's own, on the read or the const holding it: not reported; any other selection: reported", () => {
  const found = listed(
    "publicrows",
    'const PUBLIC = "public";\n' +
      QUERY("feed", "{}", `    return (await ${READ}).filter((l) => l.visibility === "public");`) +
      QUERY("feedHeld", "{}", `    const rows = await ${READ};\n    return rows.filter((l) => "public" === l.visibility).map((l) => l.title);`) +
      QUERY("feedConst", "{}", `    return (await ${READ}).filter((l) => l.visibility === PUBLIC);`) +
      QUERY("feedFind", "{}", `    return (await ${READ}).find((l) => l.visibility == "public" && l.title !== "");`) +
      QUERY("feedLoop", "{}", `    const out = [];\n    for (const l of await ${READ}) {\n      if (l.visibility !== "public") continue;\n      out.push(l);\n    }\n    return out;`) +
      QUERY("mine", "{}", `    return (await ${READ}).filter((l) => l.sellerId === user._id);`) +
      // Reported: another value, by !==, another field, public OR more, the raw rows too, a table with no visibility field, a loop keeping the others.
      QUERY("drafts", "{}", `    return (await ${READ}).filter((l) => l.visibility === "private");`) +
      QUERY("notPublic", "{}", `    const rows = await ${READ};\n    return rows.filter((l) => l.visibility !== "public");`) +
      QUERY("titled", "{}", `    return (await ${READ}).filter((l) => l.title === "public");`) +
      QUERY("orMore", "{}", `    return (await ${READ}).filter((l) => l.visibility === "public" || l.title !== "");`) +
      QUERY("alsoAll", "{}", `    const rows = await ${READ};\n    return { shown: rows.filter((l) => l.visibility === "public"), all: rows };`) +
      QUERY("offers", "{}", '    return (await ctx.db.query("offers").take(50)).filter((o) => o.visibility === "public");') +
      QUERY("othersLoop", "{}", `    const out = [];\n    for (const l of await ${READ}) {\n      if (l.visibility === "public") continue;\n      out.push(l);\n    }\n    return out;`),
  );
  assert.deepEqual(found, ["high f:drafts", "high f:notPublic", "high f:titled", "high f:orMore", "high f:alsoAll", "high f:offers", "high f:othersLoop"]);
});

// left19: a JS filter keeping the caller's own rows or public ones is the selection
// q.or(q.eq(q.field("sellerId"), user._id), q.eq(q.field("visibility"), "public")) makes in the query,
// which passes: accepted alike, also inside an && that settles the row to them, on the const holding
// the rows, or in a loop. Public or own OR anything else (another field, another seller, !==): reported.
test("a JS filter to public rows or the caller's own (the query's q.or of both): not reported; public or own OR anything else: reported (left19)", () => {
  const found = listed(
    "publicorown",
    QUERY("orMine", "{}", `    return (await ${READ}).filter((l) => l.visibility === "public" || l.sellerId === user._id);`) +
      QUERY("mineOrPublicHeld", "{}", `    const rows = await ${READ};\n    return rows.filter((l) => l.sellerId === user._id || "public" === l.visibility);`) +
      QUERY("settledAnd", "{}", `    return (await ${READ}).filter((l) => (l.visibility === "public" || l.sellerId === user._id) && l.title !== "");`) +
      QUERY("orLoop", "{}", `    const out = [];\n    for (const l of await ${READ}) {\n      if (l.visibility !== "public" && l.sellerId !== user._id) continue;\n      out.push(l);\n    }\n    return out;`) +
      QUERY("orQuery", "{}", `    return await ctx.db.query("listings").filter((q) => q.or(q.eq(q.field("sellerId"), user._id), q.eq(q.field("visibility"), "public"))).take(50);`) +
      // Reported: a third branch of anything else, another seller, not the caller's, an && that does not settle it.
      QUERY("orMineOrMore", "{}", `    return (await ${READ}).filter((l) => l.visibility === "public" || l.sellerId === user._id || l.title !== "");`) +
      QUERY("orSeller", "{ seller: v.id(\"users\") }", `    return (await ${READ}).filter((l) => l.visibility === "public" || l.sellerId === args.seller);`) +
      QUERY("orNotMine", "{}", `    return (await ${READ}).filter((l) => l.visibility === "public" || l.sellerId !== user._id);`) +
      QUERY("unsettledAnd", "{}", `    return (await ${READ}).filter((l) => (l.visibility === "public" || l.title !== "") && l.sellerId !== "");`) +
      QUERY("orMoreLoop", "{}", `    const out = [];\n    for (const l of await ${READ}) {\n      if (l.visibility !== "public" && l.title === "") continue;\n      out.push(l);\n    }\n    return out;`),
  );
  assert.deepEqual(found, ["high f:orMineOrMore", "high f:orSeller", "high f:orNotMine", "high f:unsettledAnd", "high f:orMoreLoop"]);
});

// finalread29 F1, F2: a push in a rows.forEach callback (a bare return; skipping the row as continue
// does) and in a loop over the pairs of rows.entries() (the row being the pair's second) is read as
// the same push in a for ... of loop over the rows.
test("a forEach callback or a loop over rows.entries() pushing only public rows or the caller's own: not reported; pushing the others: reported", () => {
  const held = (body) => `    const rows = await ${READ};\n    const out = [];\n${body}\n    return out;`;
  const found = listed(
    "eachrows",
    QUERY("eachOwn", "{}", held("    rows.forEach((l) => { if (l.sellerId === user._id) out.push(l); });")) +
      QUERY("eachPublic", "{}", held('    rows.forEach((l) => {\n      if (l.visibility !== "public") return;\n      out.push(l);\n    });')) +
      QUERY("eachFunction", "{}", held('    rows.forEach(function (l) {\n      if (l.visibility !== "public") { return; }\n      out.push(l);\n    });')) +
      QUERY("entriesOwn", "{}", held("    for (const [, l] of rows.entries()) {\n      if (l.sellerId !== user._id) continue;\n      out.push(l);\n    }")) +
      QUERY("entriesPublic", "{}", held('    for (const [i, l] of rows.entries()) if (l.visibility === "public" && i < 10) out.push(l);')) +
      // Reported: the others' rows pushed, the push before the skip, a skip that pushes, a test of the index.
      QUERY("eachOthers", "{}", held("    rows.forEach((l) => { if (l.sellerId !== user._id) out.push(l); });")) +
      QUERY("eachSkipMine", "{}", held("    rows.forEach((l) => {\n      if (l.sellerId === user._id) return;\n      out.push(l);\n    });")) +
      QUERY("eachPushFirst", "{}", held('    rows.forEach((l) => {\n      out.push(l);\n      if (l.visibility !== "public") return;\n    });')) +
      QUERY("eachReturnPush", "{}", held("    rows.forEach((l) => {\n      if (l.sellerId !== user._id) return out.push(l);\n    });")) +
      QUERY("entriesOthers", "{}", held("    for (const [, l] of rows.entries()) {\n      if (l.sellerId === user._id) continue;\n      out.push(l);\n    }")) +
      QUERY("entriesIndex", "{}", held("    for (const [l, row] of rows.entries()) {\n      if (l.sellerId !== user._id) continue;\n      out.push(row);\n    }")),
  );
  assert.deepEqual(found, ["high f:eachOthers", "high f:eachSkipMine", "high f:eachPushFirst", "high f:eachReturnPush", "high f:entriesOthers", "high f:entriesIndex"]);
});

// finalread30 F1: a bare return in a forEach callback leaves the callback, not the handler. Its
// element is the rows, so an owner test that returns there decides nothing about what the handler
// returns: every row returned beside it (a count of the caller's own, the first row, the rows
// themselves) is reported. The own rows pushed into the array returned are still accepted.
test("a forEach callback returning on an owner test while the handler returns every row: reported; pushing the own rows: not", () => {
  const each = (body) => `    rows.forEach((l) => {\n      if (l.sellerId !== user._id) return;\n${body}    });\n`;
  const found = listed(
    "eachreturn",
    QUERY("withCount", "{}", `    const rows = await ${READ};\n    let mine = 0;\n${each("      mine++;\n")}    return { rows, mine };`) +
      QUERY("firstEach", "{}", `    const rows = await ${READ};\n    const out = [rows[0]];\n${each("      out.push(l);\n")}    return out;`) +
      QUERY("pushOther", "{}", `    const rows = await ${READ};\n    const out = [rows[0]];\n    const extra = [];\n${each("      extra.push(l);\n")}    return out;`) +
      QUERY("bareReturn", "{}", `    const rows = await ${READ};\n    const out = [rows[0]];\n${each("")}    return out;`) +
      QUERY("returnRows", "{}", `    const rows = await ${READ};\n${each("")}    return rows;`) +
      // Accepted: the caller's own rows pushed into a fresh array, with a bare return or an if.
      QUERY("eachOwnPush", "{}", `    const rows = await ${READ};\n    const out = [];\n${each("      out.push(l);\n")}    return out;`) +
      QUERY("eachOwnIf", "{}", `    const rows = await ${READ};\n    const out = [];\n    rows.forEach((l) => { if (l.sellerId === user._id) out.push(l); });\n    return out;`),
  );
  assert.deepEqual(found, ["high f:withCount", "high f:firstEach", "high f:pushOther", "high f:bareReturn", "high f:returnRows"]);
});


// A throw in an async callback rejects the callback's promise, and reaches the handler only if the
// handler awaits that promise. rows.forEach(async ...) drops it: the handler goes on and returns
// every row. A plain callback's throw is the handler's: still a check.
test("a throw in a forEach's async callback leaves the callback, not the handler: reported; in a plain callback: not", () => {
  const own = 'if (l.sellerId !== user._id) throw new Error("not yours");';
  const found = listed(
    "asyncthrow",
    QUERY("eachAsync", "{}", `    const rows = await ${READ};\n    rows.forEach(async (l) => { ${own} });\n    return rows;`) +
      QUERY("eachInnerSync", "{}", `    const rows = await ${READ};\n    rows.forEach(async (l) => { [l].forEach((m) => { if (m.sellerId !== user._id) throw new Error("no"); }); });\n    return rows;`) +
      QUERY("eachAsyncFn", "{}", `    const rows = await ${READ};\n    rows.forEach(async function (l) { ${own} });\n    return rows;`) +
      // Accepted: a plain callback, or a loop in an async function called in place and awaited.
      QUERY("eachSync", "{}", `    const rows = await ${READ};\n    rows.forEach((l) => { ${own} });\n    return rows;`) +
      QUERY("iifeAwaited", "{}", `    const rows = await ${READ};\n    await (async () => { rows.forEach((l) => { ${own} }); })();\n    return rows;`),
  );
  assert.deepEqual(found, ["high f:eachAsync", "high f:eachInnerSync", "high f:eachAsyncFn"]);
});
