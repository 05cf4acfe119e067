// A new user's review (newuser25, A1): an action that sends the one-time code an internal mutation
// issued and returned to it, by `fetch` with the code in the body, and returns whether it went
// out (`res.ok`, `res.status`, a send helper's boolean) was reported high "returns the one-time
// code": anything made by a call that took the code was taken for the code. Only what may carry
// it counts: the response whole, its body (`await res.text()`, a provider's echo), a string made
// of the code. Run the way a user runs it: the bin of the packed tarball (AUDIT_CLI names another,
// to show a test fails on an older build).
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditReport, markers, scratchApp, ISSUE_CODE, WIRING, ANY_API as API, foundRules as found } from "./apps.mjs";

const root = new URL("../../", import.meta.url).pathname;
const cli = process.env.AUDIT_CLI ?? `${root}node_modules/convex-guard/cli.cjs`;

/** A public action of the relay pattern: `body` after the code `code` is in hand. */
const relay = (name, body) => `
export const ${name} = action({
  args: {},
  handler: async (ctx) => {
    const user = await guard.requireUser(ctx);
    await guard.rateLimit(ctx, "write", { key: user._id });
    const { code } = await ctx.runMutation(internal.codes.issueCode, { actor: user._id });
${body}
  },
});
`;

test("whether the code was sent (res.ok, res.status, a helper's boolean) returned by a public action: quiet; the response, its body or a string of the code: code-exposed", () => {
  const send = `    const res = await fetch("https://sms.example.invalid/send", { method: "POST", body: JSON.stringify({ text: \`Your code: \${code}\` }) });`;
  const dir = scratchApp("sendresult", "relay", {
    ...API,
    ...WIRING,
    "codes.ts": `${ISSUE_CODE}
async function sendSms(to: string, text: string): Promise<boolean> {
  const r = await fetch("https://sms.example.invalid/send", { method: "POST", body: JSON.stringify({ to, text }) });
  return r.ok;
}
async function sendRaw(to: string, text: string) {
  return await fetch("https://sms.example.invalid/send", { method: "POST", body: JSON.stringify({ to, text }) });
}
${relay("sentOk", `${send}\n    return { sent: res.ok };`)}
${relay("sentStatus", `${send}\n    const status = res.status;\n    return { status, ok: res.status === 200 };`)}
${relay("sentByHelper", `    return { sent: await sendSms("+100", code) };`)}
${relay("sentByHelperConst", `    const sent = await sendSms("+100", \`Your code: \${code}\`);\n    if (!sent) throw new Error("not sent");\n    return { sent };`)}
${relay("echoed", `${send}\n    return await res.text(); // FINDING code-exposed`)}
${relay("echoedJson", `${send}\n    const body = await res.json();\n    return { body }; // FINDING code-exposed`)}
${relay("response", `${send}\n    return res; // FINDING code-exposed`)}
${relay("helperResponse", `    const r = await sendRaw("+100", code);\n    return { r }; // FINDING code-exposed`)}
${relay("stringified", `    const text = JSON.stringify({ code });\n    return { text }; // FINDING code-exposed`)}
${relay("trimmed", `    return { code: code.trim() }; // FINDING code-exposed`)}
${relay("thrownBody", `${send}\n    if (!res.ok) throw new Error(await res.text()); // FINDING code-exposed\n    return null;`)}
`,
  });
  const r = auditReport(cli, dir);
  assert.deepEqual(found(r, "code-exposed"), markers(`${dir}/convex`));
  for (const name of ["sentOk", "sentStatus", "sentByHelper", "sentByHelperConst"]) {
    assert.equal(r.findings.filter((f) => f.function === `codes:${name}`).length, 0, name);
  }
  assert.match(r.findings.find((f) => f.function === "codes:echoed").message, /^public action codes:echoed returns the one-time code that internal\.codes\.issueCode/);
});
