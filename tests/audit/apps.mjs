// Small apps written at test time, audited the way a user runs the audit (the bin of the packed
// tarball, in the app's root): the pitfalls fixture's _generated, schema and guard, plus the
// files a test gives.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
export const pitfalls = `${root}tests/audit/fixtures/pitfalls/convex`;

/** The wiring of the guard's checks in actions and of its audit log (README: "Wiring the guard checks"), as an app exports it. */
export const WIRING = {
  "guardFunctions.ts": `import { internalMutation, internalQuery } from "./_generated/server";
import { guard } from "./guard";
export const { getUser, rateLimit } = guard.internalFunctions(internalQuery, internalMutation);
`,
  "audit.ts": `import { internalMutation } from "./_generated/server";
import { guard } from "./guard";
export const log = guard.audit.logMutation(internalMutation);
`,
};

/** Writes an app under target/audit-tests/<scratch>/<name> with `files` under convex/ (and `guard`, else the pitfalls'); returns its root. */
export function scratchApp(scratch, name, files, guard = readFileSync(`${pitfalls}/guard.ts`, "utf8")) {
  const dir = `${root}target/audit-tests/${scratch}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/convex`, { recursive: true });
  cpSync(`${pitfalls}/_generated`, `${dir}/convex/_generated`, { recursive: true });
  cpSync(`${pitfalls}/schema.ts`, `${dir}/convex/schema.ts`);
  writeFileSync(`${dir}/convex/guard.ts`, guard);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(`${dir}/convex/${file}`), { recursive: true });
    writeFileSync(`${dir}/convex/${file}`, text);
  }
  return dir;
}

/** The JSON report of `audit convex` run by `cli` in an app's root, with `flags`. */
export function auditReport(cli, appRoot, flags = []) {
  const r = spawnSync(process.execPath, [cli, "audit", "convex", "--json", ...flags], { cwd: appRoot, encoding: "utf8" });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Every `// FINDING rule[, rule]` marker of a fixture app, as `convex/file:line rule`. */
export function markers(convexDir) {
  const out = [];
  const files = readdirSync(convexDir, { recursive: true }).filter((f) => /\.[cm]?tsx?$/.test(f) && !f.startsWith("_generated"));
  for (const file of files) {
    readFileSync(`${convexDir}/${file}`, "utf8")
      .split("\n")
      .forEach((line, i) => {
        const at = line.indexOf("// FINDING ");
        if (at === -1) return;
        for (const rule of line.slice(at + 11).split(", ")) out.push(`convex/${file}:${i + 1} ${rule.trim()}`);
      });
  }
  return out.sort();
}

/** The findings of `rules` in a report, as `markers` lists an app's `// FINDING rule` lines. */
export const foundRules = (report, ...rules) => report.findings.filter((f) => rules.includes(f.rule)).map((f) => `${f.file}:${f.line} ${f.rule}`).sort();

/** `rule function` of a report's `unchecked-id-read`, `-write` and `-delete` findings. */
export const idFindings = (report) => report.findings.filter((f) => /^unchecked-id-(read|write|delete)$/.test(f.rule)).map((f) => `${f.rule} ${f.function}`).sort();

/** An app's `_generated/api`, as Convex generates it in spirit: `api.x.y` and `internal.x.y` references. */
export const ANY_API = {
  "_generated/api.d.ts": "export declare const api: any;\nexport declare const internal: any;\n",
  "_generated/api.js": 'import { anyApi } from "convex/server";\nexport const api = anyApi;\nexport const internal = anyApi;\n',
};

/** The audit's bin in the packed tarball, as a user runs it. */
export const CLI = `${root}node_modules/convex-guard/cli.cjs`;

/** A schema's opening: the guard's access tables and a users table; the app's own tables follow, then `});`. */
export const SCHEMA_HEAD = `import { accessTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  ...accessTables,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index("by_tokenIdentifier", ["tokenIdentifier"]),
`;

/** folders and documents as docs/access.md configures them ("Moving a document"), and notes: a table with the same field names, not configured. */
export const FOLDERS_SCHEMA = `import { accessTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  ...accessTables,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index("by_tokenIdentifier", ["tokenIdentifier"]),
  folders: defineTable({ name: v.string(), ownerId: v.id("users"), visibility: v.string(), parentId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"]),
  documents: defineTable({ title: v.string(), ownerId: v.id("users"), visibility: v.string(), folderId: v.optional(v.id("folders")) }).index("by_owner", ["ownerId"]),
  notes: defineTable({ title: v.string(), ownerId: v.id("users"), folderId: v.optional(v.id("folders")), authorId: v.optional(v.id("users")) }),
});
`;

/** The imports of an app file of public queries (`SIGNED_IN_QUERY`). */
export const QUERY_HEAD = `import { v } from "convex/values";
import { query } from "./_generated/server";
import { guard } from "./guard";
`;

/** A public query with `args` and `body` (statements, `ctx`, `args` and the caller's `user` in scope), signed in. */
export const SIGNED_IN_QUERY = (name, args, body) => `export const ${name} = query({
  args: ${args},
  handler: async (ctx, args) => {
    const user = await guard.requireUser(ctx);
    void user;
${body}
  },
});
`;

/** The guard of FOLDERS_SCHEMA: folders and documents under access.tables, with their parent fields. */
export const FOLDERS_GUARD = `import { defineGuard, MINUTE } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin"],
  access: {
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
  },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;

/** A marketplace: listings, the offers on them (buyers' rows of a table the guard does not configure) and their photos. */
export const LISTINGS_SCHEMA = `import { accessTables } from "convex-guard";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  ...accessTables,
  users: defineTable({ tokenIdentifier: v.string(), name: v.string(), role: v.optional(v.string()) }).index("by_tokenIdentifier", ["tokenIdentifier"]),
  listings: defineTable({ title: v.string(), ownerId: v.id("users") }),
  offers: defineTable({ listingId: v.id("listings"), buyerId: v.id("users"), amount: v.number() }).index("by_listing", ["listingId"]).index("by_buyer", ["buyerId"]).index("by_listing_and_buyer", ["listingId", "buyerId"]),
  photos: defineTable({ listingId: v.id("listings"), ownerId: v.id("users"), url: v.string() }).index("by_listing", ["listingId"]),
});
`;

/** The guard of LISTINGS_SCHEMA: listings and their photos (filed under a listing) under access.tables; offers not. */
export const LISTINGS_GUARD = `import { defineGuard } from "convex-guard";

export const guard = defineGuard({
  roles: ["user", "admin"],
  access: {
    tables: {
      listings: { owner: "ownerId" },
      photos: { owner: "ownerId", parent: "listingId", parentTable: "listings" },
    },
  },
});
`;

/** An internal mutation that issues a code and returns it to the action that sends it (docs/sensitive-operations.md: "Confirmation codes"). */
export const ISSUE_CODE = `import { v } from "convex/values";
import { action, internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";

export const issueCode = internalMutation({
  args: { actor: v.string() },
  handler: async (ctx, { actor }) => {
    const { code, expiresAt } = await guard.issueConfirmation(ctx, { actor, action: "account.delete", target: actor });
    return { code, expiresAt };
  },
});
`;

/** The rules about a document an argument's id names. */
export const ID_RULES = ["unchecked-id-read", "unchecked-id-delete", "unchecked-id-write"];

/** A guard with roles and one access table, notes, owned through ownerId. */
export const NOTES_GUARD = `import { defineGuard } from "convex-guard";
export const guard = defineGuard({
  roles: ["user", "admin"],
  access: { tables: { notes: { owner: "ownerId" } } },
});
`;

/** A chat: channels under access, messages (a table no guard configures) naming their channel. */
export const CHAT_SCHEMA = `${SCHEMA_HEAD}  channels: defineTable({ name: v.string(), ownerId: v.id("users") }),
  messages: defineTable({ channelId: v.id("channels"), authorId: v.id("users"), body: v.string() }).index("by_channel", ["channelId"]),
});
`;
/** A chat app's guard: its own levels and roles, a moderator's permission the lowest role does not hold. */
export const CHAT_GUARD = `import { defineGuard, MINUTE } from "convex-guard";

export const guard = defineGuard({
  roles: ["member", "moderator", "admin"],
  permissions: { member: ["messages:send"], moderator: ["messages:delete"], admin: [] },
  access: { levels: ["reader", "poster", "manager", "owner"], shareLevel: "manager", tables: { channels: { owner: "ownerId" } } },
  rateLimits: { write: { kind: "token bucket", rate: 10, period: MINUTE } },
});
`;

/** The imports of a file of public queries and mutations (`RATED_FN`). */
export const RATED_HEAD = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";
`;

/** A public `kind` named `name` with `args`, signed in as `me` and rate-limited ("write"), then `body`. */
export const RATED_FN = (kind, name, args, body) => `
export const ${name} = ${kind}({
  args: ${args},
  handler: async (ctx, args) => {
    const me = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: me._id });
${body}
  },
});
`;
