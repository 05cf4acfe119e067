// A fix that names an access level names the app's own (newuser29 F2): a guard whose levels are
// reader, poster, manager, owner gets "reader" in the check a read or an insert asks for, and
// "poster" / "owner" of its levels in the rules' own write, delete and canShare fixes
// (levels.ts `readLevel`, `levelledFix`); an app on the default levels keeps the texts it always
// had. Run the way a user runs it: the bin of the packed tarball, on apps written here
// (AUDIT_CLI names another build, to show a test fails on an older one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, CHAT_GUARD, CHAT_SCHEMA, CLI, scratchApp } from "./apps.mjs";

const APP = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { guard } from "./guard";

const signedIn = async (ctx) => {
  const user = await guard.requireUser(ctx);
  await guard.rateLimit(ctx, "write", { key: user._id });
  return user;
};

export const list = query({
  args: { channelId: v.id("channels") },
  handler: async (ctx, { channelId }) => {
    await guard.requireUser(ctx);
    return await ctx.db.query("messages").withIndex("by_channel", (q) => q.eq("channelId", channelId)).take(50);
  },
});

export const send = mutation({
  args: { channelId: v.id("channels"), body: v.string() },
  handler: async (ctx, { channelId, body }) => {
    const user = await signedIn(ctx);
    await ctx.db.insert("messages", { channelId, authorId: user._id, body });
  },
});

export const rename = mutation({
  args: { channelId: v.id("channels"), name: v.string() },
  handler: async (ctx, { channelId, name }) => {
    await signedIn(ctx);
    await ctx.db.patch(channelId, { name });
  },
});

export const remove = mutation({
  args: { channelId: v.id("channels") },
  handler: async (ctx, { channelId }) => {
    await signedIn(ctx);
    await ctx.db.delete(channelId);
  },
});

export const join = mutation({
  args: { channelId: v.id("channels") },
  handler: async (ctx, { channelId }) => {
    const user = await signedIn(ctx);
    await ctx.db.patch(user._id, { activeChannelId: channelId });
  },
});

export const reshare = mutation({
  args: { channelId: v.id("channels"), name: v.string() },
  handler: async (ctx, { channelId, name }) => {
    await signedIn(ctx);
    const r = await guard.requireAccess(ctx, "channels", channelId, "owner");
    if (guard.canShare(r.accessLevel, "owner")) await ctx.db.patch(channelId, { name });
  },
});
`;

/** Each function's fix, of the rules a level is named in. */
function fixes(name, guard) {
  const report = auditReport(process.env.AUDIT_CLI ?? CLI, scratchApp("levelnames", name, { "schema.ts": CHAT_SCHEMA, "chat.ts": APP }, guard));
  const rules = ["unchecked-id-read", "unchecked-id-write", "unchecked-id-delete", "decision-tested-as-boolean"];
  return Object.fromEntries(report.findings.filter((f) => rules.includes(f.rule)).map((f) => [`${f.function} ${f.rule}`, f.fix]));
}

test("an app with its own levels (reader, poster, manager, owner): every fix naming a level names its own; on the default levels, the fixes it always had", () => {
  const fix = fixes("custom", CHAT_GUARD);
  assert.match(fix["chat:list unchecked-id-read"], /guard\.requireAccess\(ctx, "channels", channelId, "reader"\)/);
  assert.match(fix["chat:send unchecked-id-write"], /guard\.requireAccess\(ctx, "channels", channelId, "reader"\) at the level adding to it takes/);
  assert.match(fix["chat:join unchecked-id-write"], /^Check it before storing it: guard\.requireAccess\(ctx, "channels", channelId, "reader"\)/);
  assert.match(fix["chat:rename unchecked-id-write"], /at the level a write takes, "poster" of the guard's levels reader, poster, manager, owner, then write doc\._id/);
  assert.match(fix["chat:remove unchecked-id-delete"], /at your owner level, "owner" of the guard's levels reader, poster, manager, owner;/);
  assert.match(fix["chat:reshare decision-tested-as-boolean"], /if \(!guard\.canShare\(level, "poster"\)\.ok\)/);
  for (const text of Object.values(fix)) assert.doesNotMatch(text, /"viewer"|"editor"|default levels|by default/);
  // The same app on the default levels: the fixes it always had.
  const byDefault = fixes("default", CHAT_GUARD.replace('levels: ["reader", "poster", "manager", "owner"], shareLevel: "manager", ', ""));
  assert.match(byDefault["chat:list unchecked-id-read"], /guard\.requireAccess\(ctx, "channels", channelId, "viewer"\)/);
  assert.match(byDefault["chat:send unchecked-id-write"], /guard\.requireAccess\(ctx, "channels", channelId, "viewer"\) at the level adding to it takes/);
  assert.match(byDefault["chat:join unchecked-id-write"], /^Check it before storing it: guard\.requireAccess\(ctx, "channels", channelId, "viewer"\)/);
  assert.match(byDefault["chat:rename unchecked-id-write"], /at the level a write takes, "editor" of the default levels, then write doc\._id/);
  assert.match(byDefault["chat:remove unchecked-id-delete"], /at your owner level, "owner" by default;/);
  assert.match(byDefault["chat:reshare decision-tested-as-boolean"], /if \(!guard\.canShare\(level, "editor"\)\.ok\)/);
});
