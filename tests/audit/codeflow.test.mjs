// Two outside reviews of `code-exposed` (their ninth rounds): a code handed by an action to
// another function's arguments (an outbox mutation that stores it) was not followed, while the
// same code scheduled was reported; a code returned through `.then` or `Promise.all`; a code
// written to the audit trail or in a rate-limit key, both stored in clear. Run the way a user
// runs it: the bin of the packed tarball (AUDIT_CLI names another, to show a test fails on an
// older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ISSUE_CODE, WIRING, ANY_API as API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;
const app = (name, files) => scratchApp("codeflow", name, { ...API, ...WIRING, ...files }, GUARD);
/** The `code-exposed` findings of an app, and its markers (every marker of these apps is one). */
const exposed = (dir) => [found(auditReport(cli, dir), "code-exposed"), markers(`${dir}/convex`)];

const GUARD = `import { defineGuard, MINUTE } from "convex-guard";
export const guard = defineGuard({
  roles: ["user", "admin"],
  access: { tables: { posts: { owner: "ownerId", visibility: "visibility" } } },
  rateLimits: {
    write: { kind: "token bucket", rate: 10, period: MINUTE },
    sends: { kind: "fixed window", rate: 5, period: MINUTE },
  },
});
`;

/** The imports of a module (ISSUE_CODE holds its own). */
const HEAD = `import { v } from "convex/values";
import { action, internalAction, internalMutation, mutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { guard } from "./guard";
`;
/** A module whose `issueCode` issues a code and returns it to the action that runs it. */
const ISSUING = `${ISSUE_CODE}import { internalAction, mutation } from "./_generated/server";
`;

test("a code handed in ctx.runMutation/runAction's arguments to a function that stores, schedules or logs it: code-exposed at the call; sent by fetch, or a field that does not hold it: quiet", () => {
  const dir = app("handoff", {
    "outbox.ts": `${HEAD}
export const send = internalMutation({
  args: { to: v.string(), body: v.string() },
  handler: async (ctx, { to, body }) => {
    await ctx.db.insert("drafts", { userId: to as any, authorName: "mailer", body });
    return null;
  },
});
export const sendWhole = internalMutation({
  args: { to: v.string(), body: v.string() },
  handler: async (ctx, args) => {
    await ctx.db.insert("drafts", { userId: args.to as any, authorName: "mailer", body: args.body });
    return null;
  },
});
export const later = internalMutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    await ctx.scheduler.runAfter(0, internal.outbox.deliver, { body });
    return null;
  },
});
export const onlyTo = internalMutation({
  args: { to: v.string(), body: v.string() },
  handler: async (ctx, { to }) => {
    await ctx.db.insert("drafts", { userId: to as any, authorName: "mailer", body: "sent" });
    return null;
  },
});
export const deliver = internalAction({
  args: { body: v.string() },
  handler: async (_ctx, { body }) => {
    await fetch("https://mail.example/send", { method: "POST", body });
    return null;
  },
});
export const relay = internalAction({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    await ctx.runMutation(internal.outbox.send, { to: "x", body });
    return null;
  },
});
`,
    "payouts.ts": `${ISSUING}
export const outbox = action(guard.safeAction({
  name: "payouts.outbox", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.payouts.issueCode, { actor: String(actor) });
    await ctx.runMutation(internal.outbox.send, { to: "x", body: \`Your code: \${code}\` }); // FINDING code-exposed
    return null;
  },
}));
export const outboxArgs = action(guard.safeAction({
  name: "payouts.outboxArgs", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<null> => {
    const r = await ctx.runMutation(internal.payouts.issueCode, { actor: String(actor) });
    const mail = { to: "x", body: r.code };
    await ctx.runMutation(internal.outbox.sendWhole, mail); // FINDING code-exposed
    return null;
  },
}));
export const scheduledThere = action(guard.safeAction({
  name: "payouts.scheduledThere", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<null> => {
    const r = await ctx.runMutation(internal.payouts.issueCode, { actor: String(actor) });
    await ctx.runMutation(internal.outbox.later, { body: r.code }); // FINDING code-exposed
    return null;
  },
}));
export const twoDeep = action(guard.safeAction({
  name: "payouts.twoDeep", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<null> => {
    const r = await ctx.runMutation(internal.payouts.issueCode, { actor: String(actor) });
    await ctx.runAction(internal.outbox.relay, { body: r.code }); // FINDING code-exposed
    return null;
  },
}));
export const inMutation = internalMutation({
  args: { actor: v.string() },
  handler: async (ctx, { actor }) => {
    const r = await guard.issueConfirmation(ctx, { actor, action: "payout", target: actor });
    await ctx.runMutation(internal.outbox.send, { to: "x", body: r.code }); // FINDING code-exposed
    return { expiresAt: r.expiresAt };
  },
});
export const sentByFetch = action(guard.safeAction({
  name: "payouts.sentByFetch", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<{ expiresAt: number }> => {
    const r = await ctx.runMutation(internal.payouts.issueCode, { actor: String(actor) });
    await ctx.runAction(internal.outbox.deliver, { body: \`Your code: \${r.code}\` });
    await fetch("https://mail.example/send", { method: "POST", body: r.code });
    return { expiresAt: r.expiresAt };
  },
}));
export const otherField = action(guard.safeAction({
  name: "payouts.otherField", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<null> => {
    const r = await ctx.runMutation(internal.payouts.issueCode, { actor: String(actor) });
    await ctx.runMutation(internal.outbox.send, { to: "x", body: \`expires at \${r.expiresAt}\` });
    await ctx.runMutation(internal.outbox.onlyTo, { to: "x", body: r.code });
    return null;
  },
}));
`,
  });
  const r = auditReport(cli, dir);
  const [foundAt, marked] = [found(r, "code-exposed"), markers(`${dir}/convex`)];
  assert.deepEqual(foundAt, marked);
  assert.equal(
    r.findings.find((f) => f.function === "payouts:outbox").message,
    "public action payouts:outbox passes the one-time code that internal.payouts.issueCode (an internal mutation, through ctx.runMutation) issued and returned to it to internal.outbox.send (ctx.runMutation), which writes it with ctx.db.insert: only its keyed hash may be stored",
  );
  assert.match(r.findings.find((f) => f.function === "payouts:twoDeep").message, /to internal\.outbox\.relay \(ctx\.runAction\), which passes it to internal\.outbox\.send \(ctx\.runMutation\), which writes it with ctx\.db\.insert/);
  assert.match(r.findings.find((f) => f.function === "payouts:scheduledThere").message, /which passes it to ctx\.scheduler\.runAfter: a scheduled function's arguments are stored in clear/);
});

test("a code returned through .then or Promise.all, from a public mutation or a safe action around an issuing mutation: code-exposed; another field so returned: quiet", () => {
  const dir = app("promises", {
    "codes.ts": `${ISSUING}
export const then = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    return guard.issueConfirmation(ctx, { actor: user._id, action: "a", target: "t" }).then((r) => r.code); // FINDING code-exposed
  },
});
export const thenBlock = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const sent = await guard.issueConfirmation(ctx, { actor: user._id, action: "a", target: "t" }).then(({ code }) => {
      return { text: \`Your code: \${code}\` };
    });
    return sent; // FINDING code-exposed
  },
});
export const all = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const [r] = await Promise.all([guard.issueConfirmation(ctx, { actor: user._id, action: "a", target: "t" })]);
    return r.code; // FINDING code-exposed
  },
});
export const thenExpiry = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    return guard.issueConfirmation(ctx, { actor: user._id, action: "a", target: "t" }).then((r) => r.expiresAt);
  },
});
export const allExpiry = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const [r, n] = await Promise.all([guard.issueConfirmation(ctx, { actor: user._id, action: "a", target: "t" }), Promise.resolve(1)]);
    return { expiresAt: r.expiresAt, n };
  },
});
export const thenAction = action(guard.safeAction({
  name: "codes.thenAction", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<any> => ctx.runMutation(internal.codes.issueCode, { actor: String(actor) }).then((r: any) => r.code), // FINDING code-exposed
}));
export const allAction = action(guard.safeAction({
  name: "codes.allAction", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<any> => {
    const [r] = await Promise.all([ctx.runMutation(internal.codes.issueCode, { actor: String(actor) })]);
    return r.code; // FINDING code-exposed
  },
}));
export const thenActionExpiry = action(guard.safeAction({
  name: "codes.thenActionExpiry", args: {}, rateLimit: { name: "sends" },
  handler: async (ctx, _args, { actor }): Promise<any> => {
    const r = await ctx.runMutation(internal.codes.issueCode, { actor: String(actor) }).then((x: any) => x);
    await fetch("https://mail.example/send", { method: "POST", body: r.code });
    return r.expiresAt;
  },
}));
`,
  });
  const [foundAt, marked] = exposed(dir);
  assert.deepEqual(foundAt, marked);
});

test("a code written to the audit trail (but under the field name code, which the trail redacts) or in a rate-limit key: code-exposed, stored", () => {
  const dir = app("stored", {
    "codes.ts": `${HEAD}
export const details = mutation({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const r = await guard.issueConfirmation(ctx, { actor: user._id, action: "a", target: "t" });
    await guard.audit.log(ctx, { action: "sent", outcome: "success", actor: user._id, details: { value: r.code } }); // FINDING code-exposed
    await guard.audit.log(ctx, { action: "sent", outcome: "success", actor: user._id, resourceId: r.code }); // FINDING code-exposed
    await guard.audit.log(ctx, { action: "sent", outcome: "success", actor: user._id, details: { code: r.code, expiresAt: r.expiresAt } });
    await guard.audit.log(ctx, { action: "sent", outcome: "success", actor: user._id, details: { code: { sent: \`\${r.code}\` } } });
    return null;
  },
});
export const keys = internalMutation({
  args: { actor: v.string() },
  handler: async (ctx, { actor }) => {
    const { code, expiresAt } = await guard.issueConfirmation(ctx, { actor, action: "a", target: "t" });
    await guard.rateLimit(ctx, "sends", { key: \`code:\${code}\` }); // FINDING code-exposed
    await guard.rateLimitAll(ctx, [{ name: "sends", key: code }]); // FINDING code-exposed
    await guard.rateLimit(ctx, "sends", { key: \`until:\${expiresAt}\` });
    return { code };
  },
});
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "code-exposed"), markers(`${dir}/convex`));
  assert.equal(r.findings.find((f) => f.function === "codes:details").message, "codes:details writes the one-time code of guard.issueConfirmation with guard.audit.log (the audit trail): only its keyed hash may be stored");
  assert.match(r.findings.find((f) => f.function === "codes:keys").message, /with guard\.rateLimit \(a key of the rate-limit table\)/);
});

test("a code sent by fetch to a URL a public action's argument gives: code-exposed low, the caller picking where it goes (attack34 F13); to a URL from the environment, an argument in the body only, or an internal action's argument: quiet", () => {
  const dir = app("fetchto", {
    "hooks.ts": `${ISSUING}
export const toArg = action(guard.safeAction({
  name: "hooks.toArg", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await fetch(hook, { method: "POST", body: code }); // FINDING code-exposed
    return null;
  },
}));
export const toEnv = action(guard.safeAction({
  name: "hooks.toEnv", args: { email: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { email }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await fetch(process.env.MAIL_HOOK!, { method: "POST", body: JSON.stringify({ to: email, code }) });
    return null;
  },
}));
export const internalTo = internalAction({
  args: { hook: v.string(), actor: v.string() },
  handler: async (ctx, { hook, actor }) => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor });
    await fetch(hook, { method: "POST", body: code });
    return null;
  },
});
`,
  });
  const r = auditReport(cli, dir);
  const [foundAt, marked] = [found(r, "code-exposed"), markers(`${dir}/convex`)];
  assert.deepEqual(foundAt, marked);
  const f = r.findings.find((x) => x.function === "hooks:toArg");
  assert.equal(f.severity, "low");
  assert.match(f.message, /^public action hooks:toArg sends the one-time code that internal\.hooks\.issueCode .* by fetch to a URL taken from its argument 'hook': the caller picks where the code goes/);
  assert.match(f.fix, /a URL the server chooses/);
});

test("a code sent through new URL(path, hook), new Request(hook, { body }) or an app helper that fetches its parameter: code-exposed low as fetch(hook) is (attack36 F11); the environment's URL: quiet", () => {
  const dir = app("fetchvia", {
    "hooks.ts": `${ISSUING}
async function post(url: string, text: string): Promise<boolean> {
  const res = await fetch(new URL("/send", url), { method: "POST", body: text });
  return res.ok;
}
export const viaUrl = action(guard.safeAction({
  name: "hooks.viaUrl", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await fetch(new URL("/sms", hook), { method: "POST", body: code }); // FINDING code-exposed
    return null;
  },
}));
export const viaRequest = action(guard.safeAction({
  name: "hooks.viaRequest", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    const req = new Request(hook, { method: "POST", body: code });
    await fetch(req); // FINDING code-exposed
    return null;
  },
}));
export const viaHelper = action(guard.safeAction({
  name: "hooks.viaHelper", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await post(hook, code); // FINDING code-exposed
    return null;
  },
}));
export const helperToEnv = action(guard.safeAction({
  name: "hooks.helperToEnv", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await post(process.env.MAIL_HOOK!, code + hook.length);
    await fetch(new URL("/sms", process.env.MAIL_HOOK!), { method: "POST", body: code });
    return null;
  },
}));
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "code-exposed"), markers(`${dir}/convex`));
  for (const name of ["viaUrl", "viaRequest", "viaHelper"]) {
    const f = r.findings.find((x) => x.function === `hooks:${name}`);
    assert.equal(f.severity, "low", name);
    assert.match(f.message, /by fetch to a URL taken from its argument 'hook': the caller picks where the code goes/, name);
  }
});

test("an app helper declaring TypeScript's this parameter is followed as one without it (finalread30 F4): code-exposed low; the environment's URL: quiet", () => {
  const dir = app("fetchthis", {
    "hooks.ts": `${ISSUING}
async function post(this: void, url: string, text: string): Promise<boolean> {
  const res = await fetch(new URL("/send", url), { method: "POST", body: text });
  return res.ok;
}
async function swapped(this: void, text: string, url: string): Promise<void> {
  await fetch(url, { method: "POST", body: text });
}
export const viaThis = action(guard.safeAction({
  name: "hooks.viaThis", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await post(hook, code); // FINDING code-exposed
    return null;
  },
}));
export const viaSwapped = action(guard.safeAction({
  name: "hooks.viaSwapped", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await swapped(code, hook); // FINDING code-exposed
    return null;
  },
}));
export const thisToEnv = action(guard.safeAction({
  name: "hooks.thisToEnv", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await post(process.env.MAIL_HOOK!, code + hook.length);
    await swapped(code, process.env.MAIL_HOOK!);
    return null;
  },
}));
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "code-exposed"), markers(`${dir}/convex`));
  for (const name of ["viaThis", "viaSwapped"]) assert.equal(r.findings.find((x) => x.function === `hooks:${name}`).severity, "low", name);
});

test("a code sent by an app helper given an object whose field is the URL, or to a URL object whose host an argument sets: code-exposed low as fetch(hook) is (attack38 F8); the environment's URL, or the code in no field the helper sends: quiet", () => {
  const dir = app("fetchobj", {
    "hooks.ts": `${ISSUING}
async function send(o: { url: string; text: string }): Promise<void> {
  await fetch(o.url, { method: "POST", body: o.text });
}
async function ping(o: { url: string; text: string; note: string }): Promise<void> {
  await fetch(o.url, { method: "POST", body: o.note });
}
export const viaObject = action(guard.safeAction({
  name: "hooks.viaObject", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await send({ url: hook, text: code }); // FINDING code-exposed
    return null;
  },
}));
export const hostFromArg = action(guard.safeAction({
  name: "hooks.hostFromArg", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    const url = new URL(process.env.SMS_BASE!);
    url.host = hook;
    await fetch(url, { method: "POST", body: code }); // FINDING code-exposed
    return null;
  },
}));
export const hrefFromArg = action(guard.safeAction({
  name: "hooks.hrefFromArg", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, args, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    const url = new URL(process.env.SMS_BASE!);
    url.href = args.hook;
    await fetch(url, { method: "POST", body: code }); // FINDING code-exposed
    return null;
  },
}));
export const fromEnv = action(guard.safeAction({
  name: "hooks.fromEnv", args: { hook: v.string() }, rateLimit: { name: "sends" },
  handler: async (ctx, { hook }, { actor }): Promise<null> => {
    const { code } = await ctx.runMutation(internal.hooks.issueCode, { actor: String(actor) });
    await send({ url: process.env.SMS_BASE!, text: code });
    await ping({ url: hook, text: code, note: "sent" });
    const url = new URL(process.env.SMS_BASE!);
    url.host = process.env.SMS_HOST!;
    url.pathname = hook;
    await fetch(url, { method: "POST", body: code });
    return null;
  },
}));
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "code-exposed"), markers(`${dir}/convex`));
  for (const name of ["viaObject", "hostFromArg", "hrefFromArg"]) {
    const f = r.findings.find((x) => x.function === `hooks:${name}` && x.rule === "code-exposed");
    assert.equal(f.severity, "low", name);
    assert.match(f.message, /by fetch to a URL taken from its argument 'hook': the caller picks where the code goes/, name);
  }
});
