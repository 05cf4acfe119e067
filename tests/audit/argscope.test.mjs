// A change of a row of a table no guard configures (a chat's message), in a function a
// permission decides, after a document check of the channel an ARGUMENT names, the message's
// own channel never checked nor compared with it: `unchecked-id-delete` / `-write` at medium
// (argscope.ts, newuser29 F1). The permission lets its holder change any row; the function's own
// check shows the change is meant for that channel's rows. Run the way a user runs it: the bin of
// the packed tarball, on apps written here (AUDIT_CLI names another build, to show a test fails
// on an older one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, CHAT_GUARD, CHAT_SCHEMA, CLI, scratchApp } from "./apps.mjs";

const HEAD = `import { v, ConvexError } from "convex/values";
import { mutation } from "./_generated/server";
import { guard } from "./guard";
`;
const ARGS = '{ messageId: v.id("messages"), channelId: v.id("channels"), body: v.string() }';
/** A public mutation a moderator's permission decides, rate limited, with `body` (`user` in scope). */
const MODERATE = (name, body) => `export const ${name} = mutation({
  args: ${ARGS},
  handler: async (ctx, args) => {
    const user = await guard.requirePermission(ctx, "messages:delete");
    await guard.rateLimit(ctx, "write", { key: user._id });
${body}
  },
});
`;
const READ = '    const msg = await ctx.db.get(args.messageId);\n    if (msg === null) throw new ConvexError("not found");\n';

function audit(name, text) {
  const report = auditReport(process.env.AUDIT_CLI ?? CLI, scratchApp("argscope", name, { "schema.ts": CHAT_SCHEMA, "chat.ts": HEAD + text }, CHAT_GUARD));
  return report.findings.filter((f) => f.rule === "unchecked-id-delete" || f.rule === "unchecked-id-write");
}
const lines = (found) => found.map((f) => `${f.line} ${f.rule} ${f.severity} ${f.function}`);

test("a message deleted or patched by a moderator's permission after a check of the channel an argument names, never its own: medium, naming the message's own channel; after a check of its own channel (at any level), a comparison of its channel with the checked argument, or the permission alone: not reported", () => {
  const found = audit(
    "scoped",
    MODERATE("remove", `    await guard.requireAccess(ctx, "channels", args.channelId, "reader");\n${READ}    await ctx.db.delete(msg._id);`) +
      MODERATE("edit", `${READ}    await guard.requireAccess(ctx, "channels", args.channelId, "manager");\n    await ctx.db.patch(msg._id, { body: args.body });`) +
      // The builder's access on the argument: the same check.
      `export const built = guard.mutation(mutation, {
  args: ${ARGS},
  permission: "messages:delete",
  access: { table: "channels", arg: "channelId", level: "reader" },
  rateLimit: { name: "write" },
  handler: async (ctx, args) => {
${READ}    await ctx.db.delete(msg._id);
  },
});
` +
      MODERATE("ownChannel", `${READ}    await guard.requireAccess(ctx, "channels", msg.channelId, "reader");\n    await ctx.db.delete(msg._id);`) +
      MODERATE("compared", `    await guard.requireAccess(ctx, "channels", args.channelId, "reader");\n${READ}    if (msg.channelId !== args.channelId) throw new ConvexError("not found");\n    await ctx.db.delete(msg._id);`) +
      MODERATE("permissionOnly", `${READ}    await ctx.db.patch(msg._id, { body: args.body });`),
  );
  assert.deepEqual(lines(found), ["12 unchecked-id-delete medium chat:remove", "23 unchecked-id-write medium chat:edit", "34 unchecked-id-delete medium chat:built"]);
  assert.equal(
    found[0].message,
    "chat:remove deletes the 'messages' row that argument 'messageId' names and checks channel 'channelId', not the message's own channel: its field 'channelId' is never compared with 'channelId', so a caller its permission check lets through changes a message of any channel",
  );
  assert.equal(
    found[0].fix,
    'Check the document the row\'s own field names, after reading the row: guard.requireAccess(ctx, "channels", msg.channelId, "reader"); or compare that field with the argument checked: if (msg.channelId !== channelId) throw ... before the change.',
  );
  assert.match(found[1].message, /^chat:edit patches the 'messages' row that argument 'messageId' names and checks channel 'channelId', not the message's own channel/);
  assert.match(found[1].fix, /guard\.requireAccess\(ctx, "channels", msg\.channelId, "manager"\)/);
});

test("attack38 F5 and FP1: a delete through a destructured or copied _id, a comparison only after the change (returning) or in a try whose catch goes on, a message moved into a channel never checked: medium; a comparison through a destructured field (also renamed), one after the change that throws, in a try whose catch throws again or around the delete too, a move into a channel checked: not reported", () => {
  const CHECK = '    await guard.requireAccess(ctx, "channels", args.channelId, "reader");\n';
  const MOVE_ARGS = '{ messageId: v.id("messages"), channelId: v.id("channels"), to: v.id("channels") }';
  const moving = (name, body) => MODERATE(name, body).replace(ARGS, MOVE_ARGS);
  const found = audit(
    "scopeholes",
    MODERATE("destructuredId", `${CHECK}${READ}    const { _id } = msg;\n    await ctx.db.delete(_id);`) +
      MODERATE("copiedId", `${CHECK}${READ}    const id = msg._id;\n    await ctx.db.delete(id);`) +
      MODERATE("lateReturn", `${CHECK}${READ}    await ctx.db.delete(msg._id);\n    if (msg.channelId !== args.channelId) return null;\n    return null;`) +
      MODERATE("caught", `${CHECK}${READ}    try {\n      if (msg.channelId !== args.channelId) throw new ConvexError("other channel");\n    } catch {\n      // ignored\n    }\n    await ctx.db.delete(msg._id);`) +
      moving("moved", `${CHECK}${READ}    if (msg.channelId !== args.channelId) throw new ConvexError("not found");\n    await ctx.db.patch(msg._id, { channelId: args.to });`) +
      MODERATE("fieldDestructured", `${CHECK}${READ}    const { channelId } = msg;\n    if (channelId !== args.channelId) throw new ConvexError("other channel");\n    await ctx.db.delete(msg._id);`) +
      MODERATE("fieldRenamed", `${CHECK}${READ}    const { _id, channelId: c } = msg;\n    if (c !== args.channelId) throw new ConvexError("other channel");\n    await ctx.db.delete(_id);`) +
      MODERATE("lateThrow", `${CHECK}${READ}    await ctx.db.delete(msg._id);\n    if (msg.channelId !== args.channelId) throw new ConvexError("other channel");`) +
      MODERATE("rethrown", `${CHECK}${READ}    try {\n      if (msg.channelId !== args.channelId) throw new ConvexError("other channel");\n    } catch (e) {\n      throw e;\n    }\n    await ctx.db.delete(msg._id);`) +
      MODERATE("tryAround", `${CHECK}${READ}    try {\n      if (msg.channelId !== args.channelId) throw new ConvexError("other channel");\n      await ctx.db.delete(msg._id);\n    } catch {\n      return null;\n    }`) +
      moving("movedChecked", `${CHECK}    await guard.requireAccess(ctx, "channels", args.to, "manager");\n${READ}    if (msg.channelId !== args.channelId) throw new ConvexError("not found");\n    await ctx.db.patch(msg._id, { channelId: args.to });`),
  );
  const byFunction = found.map((f) => `${f.function} ${f.rule} ${f.severity}`);
  assert.deepEqual(byFunction, [
    "chat:destructuredId unchecked-id-delete medium",
    "chat:copiedId unchecked-id-delete medium",
    "chat:lateReturn unchecked-id-delete medium",
    "chat:caught unchecked-id-delete medium",
    "chat:moved unchecked-id-write medium",
  ]);
  assert.match(found[0].message, /^chat:destructuredId deletes the 'messages' row that argument 'messageId' names and checks channel 'channelId', not the message's own channel: its field 'channelId' is never compared/);
  assert.match(found[0].fix, /guard\.requireAccess\(ctx, "channels", msg\.channelId, "reader"\)/);
  assert.match(found[4].message, /^chat:moved patches a row of 'messages' whose field 'channelId' becomes argument 'to', an id of a 'channels' document under access, with no document check on it, for a caller its permission check lets through/);
});

// finalread28 FN2: a comparison that may never run before the change (in a branch a caller's
// argument decides, in a function never called) keeps nothing; one in a branch whose other side
// leaves, on the right of an || that throws, or in a function called before the change does.
test("a comparison of the row's field that may not run before the change (in a branch an argument decides, in a function never called) does not keep it: medium; one every path runs (an else after a throw, an ||, a local function called first) does (finalread28 FN2)", () => {
  const CHECK = '    await guard.requireAccess(ctx, "channels", args.channelId, "reader");\n';
  const CMP = 'if (msg.channelId !== args.channelId) throw new ConvexError("other channel");';
  const DELETE = "    await ctx.db.delete(msg._id);";
  const found = audit(
    "scopepaths",
    MODERATE("forced", `${CHECK}${READ}    if (args.body !== "force") {\n      ${CMP}\n    }\n${DELETE}`) +
      MODERATE("arrowNeverCalled", `${CHECK}${READ}    const check = () => {\n      ${CMP}\n    };\n${DELETE}`) +
      MODERATE("declNeverCalled", `${CHECK}${READ}    function check() {\n      ${CMP.replace("msg.", "msg!.")}\n    }\n${DELETE}`) +
      MODERATE("calledSometimes", `${CHECK}${READ}    const check = () => {\n      ${CMP}\n    };\n    if (args.body === "skip") check();\n${DELETE}`) +
      MODERATE("elseAfterThrow", `${CHECK}${READ}    if (args.body === "") {\n      throw new ConvexError("empty");\n    } else {\n      ${CMP}\n    }\n${DELETE}`) +
      MODERATE("orThrow", `${CHECK}${READ}    if (args.body === "" || msg.channelId !== args.channelId) throw new ConvexError("no");\n${DELETE}`) +
      MODERATE("arrowCalled", `${CHECK}${READ}    const check = () => {\n      ${CMP}\n    };\n    check();\n${DELETE}`) +
      MODERATE("declCalled", `${CHECK}${READ}    assertSame();\n    function assertSame() {\n      ${CMP.replace("msg.", "msg!.")}\n    }\n${DELETE}`),
  );
  assert.deepEqual(
    found.map((f) => `${f.function} ${f.rule} ${f.severity}`),
    ["chat:forced unchecked-id-delete medium", "chat:arrowNeverCalled unchecked-id-delete medium", "chat:declNeverCalled unchecked-id-delete medium", "chat:calledSometimes unchecked-id-delete medium"],
  );
});

// finalread28 FN4 (FP side): the row's field compared with the checked argument as text is a comparison.
test("a comparison of the row's field with the checked argument as text (String on both sides, .toString()) keeps the change (finalread28)", () => {
  const CHECK = '    await guard.requireAccess(ctx, "channels", args.channelId, "reader");\n';
  const DELETE = "    await ctx.db.delete(msg._id);";
  const found = audit(
    "scopetext",
    MODERATE("asString", `${CHECK}${READ}    if (String(msg.channelId) !== String(args.channelId)) throw new ConvexError("other channel");\n${DELETE}`) +
      MODERATE("toStringed", `${CHECK}${READ}    if (msg.channelId.toString() !== args.channelId.toString()) throw new ConvexError("other channel");\n${DELETE}`) +
      MODERATE("bodyText", `${CHECK}${READ}    if (String(msg.body) !== String(args.body)) throw new ConvexError("changed");\n${DELETE}`),
  );
  assert.deepEqual(
    found.map((f) => `${f.function} ${f.rule} ${f.severity}`),
    ["chat:bodyText unchecked-id-delete medium"],
  );
});

// fpleft: a switch on the row's field whose case with the checked argument is the only one that goes on is a comparison that keeps the change.
test("a switch on the row's field whose case with the checked argument is the only one not leaving (default throws or returns null, the switch turned round) keeps the change; a default that falls through to the change, no default, or a case falling into the argument's: medium", () => {
  const CHECK = '    await guard.requireAccess(ctx, "channels", args.channelId, "reader");\n';
  const DELETE = "    await ctx.db.delete(msg._id);";
  const sw = (value, cases) => `    switch (${value}) {\n${cases}\n    }\n`;
  const found = audit(
    "scopeswitch",
    MODERATE("defaultFalls", `${CHECK}${READ}${sw("msg.channelId", '      case args.channelId:\n        break;\n      default:\n        console.log("other channel");')}${DELETE}`) +
      MODERATE("noDefault", `${CHECK}${READ}${sw("msg.channelId", '      case args.channelId:\n        break;')}${DELETE}`) +
      MODERATE("fallsInto", `${CHECK}${READ}${sw("msg.channelId", '      case msg.channelId:\n      case args.channelId:\n        break;\n      default:\n        throw new ConvexError("other channel");')}${DELETE}`) +
      MODERATE("defaultThrows", `${CHECK}${READ}${sw("msg.channelId", '      case args.channelId:\n        break;\n      default:\n        throw new ConvexError("other channel");')}${DELETE}`) +
      MODERATE("defaultReturns", `${CHECK}${READ}${sw("msg.channelId", "      case args.channelId:\n        break;\n      default:\n        return null;")}${DELETE}`) +
      MODERATE("turnedRound", `${CHECK}${READ}${sw("args.channelId", '      case msg.channelId:\n        break;\n      default:\n        throw new ConvexError("other channel");')}${DELETE}`),
  );
  assert.deepEqual(
    found.map((f) => `${f.function} ${f.rule} ${f.severity}`),
    ["chat:defaultFalls unchecked-id-delete medium", "chat:noDefault unchecked-id-delete medium", "chat:fallsInto unchecked-id-delete medium"],
  );
});
