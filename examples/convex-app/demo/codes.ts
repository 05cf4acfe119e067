// Demo section: sensitive operations (one-time codes, the audit trail, a safe external call).
import { expect, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { newTest, outcome } from "../convex/test.setup";
import { ISSUER, show } from "./show";

export async function codes() {
  vi.stubEnv("CONVEX_GUARD_SECRET", "demo-secret-0123456789abcdef0123456789abcdef");
  vi.stubEnv("EXTERNAL_API_KEY", "sk_demo_SECRET_KEY_123");
  vi.useFakeTimers();
  try {
    const t = newTest();
    const ids: Record<string, string> = {};
    for (const [subject, name, role] of [
      ["sam", "Sam", "superadmin"],
      ["ada", "Ada", "admin"],
      ["uma", "Uma", "user"],
    ] as const) {
      ids[subject] = await t.run((ctx) =>
        ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${subject}`, name, role }),
      );
    }
    const as = (s: string) => t.withIdentity({ subject: s, issuer: ISSUER });
    const uma = ids.uma as never;

    console.log("\nSensitive operations (codes: 8 digits, 5 minutes, 5 attempts; HMAC at rest)");
    const denied = show("Ada (admin)", "deletion.requestDeletionCode(Uma)", await outcome(as("ada").mutation(api.deletion.requestDeletionCode, { userId: uma })));
    expect(denied).toMatchObject({ code: "FORBIDDEN" });
    const issued = show("Sam (superadmin)", "deletion.requestDeletionCode(Uma)", await outcome(as("sam").mutation(api.deletion.requestDeletionCode, { userId: uma })));
    const code = (issued as { ok: { code: string } }).ok.code;
    const wrong = code === "00000000" ? "11111111" : "00000000";
    const confirm = (c: string) => outcome(as("sam").action(api.deletion.confirmDeletion, { userId: uma, code: c }));
    expect(show("Sam (superadmin)", `deletion.confirmDeletion(${wrong})`, await confirm(wrong))).toMatchObject({ code: "INVALID_CONFIRMATION" });
    expect(show("Sam (superadmin)", `deletion.confirmDeletion(${code})`, await confirm(code))).toEqual({ ok: { scheduled: true } });
    expect(show("Sam (superadmin)", `deletion.confirmDeletion(${code}) again`, await confirm(code))).toMatchObject({ code: "INVALID_CONFIRMATION" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const gone = await t.run(async (ctx) => (await ctx.db.get(uma)) === null);
    console.log(`  ${"scheduler".padEnd(22)} ${"deletion.deleteAllUserData(Uma)".padEnd(34)} ran: user deleted = ${gone}`);
    expect(gone).toBe(true);

    vi.stubGlobal("fetch", async () => new Response("bad key sk_demo_SECRET_KEY_123", { status: 401 }));
    const upstream = show("Sam (superadmin)", "external.lookupCompany (401)", await outcome(as("sam").action(api.external.lookupCompany, { domain: "acme.example" })));
    expect(upstream).toEqual({ code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" });

    const trail = await as("sam").query(api.audit.list, { paginationOpts: { numItems: 20, cursor: null } });
    console.log("  audit trail, newest first (the real reasons; no code, no key):");
    for (const r of trail.page) console.log(`    ${r.action.padEnd(24)} ${r.outcome}`);
    expect(JSON.stringify(trail)).not.toContain("sk_demo_SECRET_KEY_123");
    expect(trail.page.map((r) => r.outcome)).toContain("used");
  } finally {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
    vi.useRealTimers();
  }
}
