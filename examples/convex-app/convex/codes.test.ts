// Sensitive operations end to end in convex-test: the deletion flow with one-time codes, the
// audit trail, and an external-API action whose upstream errors never reach the caller.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { outcome, setupDeletion as setup, type Outcome } from "./test.setup";

const SECRET = "test-secret-0123456789abcdef0123456789abcdef";
const API_KEY = "sk_live_THIS_MUST_NEVER_LEAK_42";
const INVALID: Outcome = { code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" };
const UPSTREAM: Outcome = { code: "UPSTREAM_UNAVAILABLE", message: "External service unavailable" };

beforeEach(() => {
  vi.stubEnv("CONVEX_GUARD_SECRET", SECRET);
  vi.stubEnv("EXTERNAL_API_KEY", API_KEY);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("deletion flow with a one-time code", () => {
  test("success: request, confirm, deletion runs through the scheduler, audit rows written", async () => {
    vi.useFakeTimers();
    const { t, ids, request, confirm, auditRows, userExists } = await setup();
    const { code } = await request("sam", ids.uma!);
    expect(code).toMatch(/^\d{8}$/);
    expect(await confirm("sam", ids.uma!, code)).toEqual({ ok: { scheduled: true } });
    expect(await userExists(ids.uma!)).toBe(true); // scheduled, not done inline
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await userExists(ids.uma!)).toBe(false);
    const rows = (await auditRows()).map((r) => [r.action, r.outcome, r.resourceId ?? null]);
    // The safe action's started row comes before anything its handler does (the consume).
    expect(rows).toEqual([
      ["confirmation.issue", "issued", ids.uma],
      ["deletion.confirm", "started", null],
      ["confirmation.consume", "accepted", ids.uma],
      ["deletion.confirm", "success", null],
      ["users.deleteAllData", "success", ids.uma],
    ]);
  });

  test("a typed code is forgiving about spaces and hyphens", async () => {
    const { ids, request, confirm } = await setup();
    const { code } = await request("sam", ids.uma!);
    const typed = ` ${code.slice(0, 4)}-${code.slice(4)} `;
    expect(await confirm("sam", ids.uma!, typed)).toEqual({ ok: { scheduled: true } });
  });

  test("a pasted or fullwidth code is the code it shows: no-break spaces, line ends, East Asian digits", async () => {
    const { ids, request, confirm } = await setup();
    const wide = (s: string) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join("");
    for (const shown of [(c: string) => `\u200b${c.slice(0, 4)}\u00a0${c.slice(4)}\r\n`, wide]) {
      const { code } = await request("sam", ids.uma!);
      expect(await confirm("sam", ids.uma!, shown(code)), shown(code)).toEqual({ ok: { scheduled: true } });
    }
  });

  test("replay: a code works once", async () => {
    const { ids, request, confirm, reasons } = await setup();
    const { code } = await request("sam", ids.uma!);
    expect(await confirm("sam", ids.uma!, code)).toEqual({ ok: { scheduled: true } });
    expect(await confirm("sam", ids.uma!, code)).toEqual(INVALID);
    expect(await reasons()).toEqual(["accepted", "used"]);
  });

  test("a wrong code spends an attempt and is committed despite the error", async () => {
    const { ids, request, confirm, reasons, codeRow } = await setup();
    const { code } = await request("sam", ids.uma!);
    const wrong = code === "00000000" ? "11111111" : "00000000";
    expect(await confirm("sam", ids.uma!, wrong)).toEqual(INVALID);
    expect(await confirm("sam", ids.uma!, "not a code")).toEqual(INVALID);
    expect(await reasons()).toEqual(["wrong", "malformed"]);
    const row = await codeRow();
    expect(row?.attemptsLeft).toBe(3);
    expect(row?.failures).toBe(2);
    expect(await confirm("sam", ids.uma!, code)).toEqual({ ok: { scheduled: true } });
  });

  test("expired: the right code after five minutes is refused", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const { ids, request, confirm, reasons } = await setup();
    const { code, expiresAt } = await request("sam", ids.uma!);
    // Five minutes after issue (convex-test's clock ticks a few ms while it writes).
    expect(expiresAt - Date.parse("2026-01-01T00:05:00Z")).toBeLessThan(100);
    expect(expiresAt - Date.parse("2026-01-01T00:05:00Z")).toBeGreaterThanOrEqual(0);
    const wrong = code === "00000000" ? "11111111" : "00000000";
    vi.setSystemTime(expiresAt - 1);
    expect(await confirm("sam", ids.uma!, wrong)).toEqual(INVALID); // still in time: "wrong"
    vi.setSystemTime(expiresAt);
    expect(await confirm("sam", ids.uma!, code)).toEqual(INVALID);
    expect(await reasons()).toEqual(["wrong", "expired"]);
  });

  test("attempts exhausted: after five wrong codes the right one is refused", async () => {
    const { ids, request, confirm, reasons } = await setup();
    const { code } = await request("sam", ids.uma!);
    const wrong = code === "00000000" ? "11111111" : "00000000";
    for (let i = 0; i < 5; i++) expect(await confirm("sam", ids.uma!, wrong)).toEqual(INVALID);
    expect(await confirm("sam", ids.uma!, code)).toEqual(INVALID);
    expect(await reasons()).toEqual(["wrong", "wrong", "wrong", "wrong", "wrong", "exhausted"]);
  });

  test("issuing again replaces the pending code", async () => {
    const { t, ids, request, confirm, reasons } = await setup();
    const first = await request("sam", ids.uma!);
    const second = await request("sam", ids.uma!);
    expect(await t.run((ctx) => ctx.db.query("guardConfirmations").collect())).toHaveLength(1);
    if (first.code !== second.code) expect(await confirm("sam", ids.uma!, first.code)).toEqual(INVALID);
    expect(await confirm("sam", ids.uma!, second.code)).toEqual({ ok: { scheduled: true } });
    expect((await reasons()).at(-1)).toBe("accepted");
  });

  test("a code is bound to its target and its action", async () => {
    const { t, ids, request, confirm, reasons, userExists } = await setup();
    const { code } = await request("sam", ids.uma!);
    // Same code, another target: nothing pending for that binding.
    expect(await confirm("sam", ids.zed!, code)).toEqual(INVALID);
    // A code issued for another action on the same target does not confirm the deletion.
    const { guard } = await import("./guard");
    const other = await t.run((ctx) =>
      guard.issueConfirmation(ctx, { actor: ids.sam!, action: "export:user-data", target: ids.zed! }),
    );
    expect(await confirm("sam", ids.zed!, other.code)).toEqual(INVALID);
    expect(await reasons()).toEqual(["missing", "missing"]);
    expect(await userExists(ids.zed!)).toBe(true);
  });

  test("a code's own ttl: it expires then; one out of range is INVALID_ARGUMENT and writes nothing", async () => {
    vi.useFakeTimers();
    const { t, ids, confirm, userExists } = await setup();
    const { guard } = await import("./guard");
    const binding = { actor: ids.sam!, action: "delete:user", target: ids.uma! };
    const rows = () => t.run((ctx) => ctx.db.query("guardConfirmations").collect());
    // A review: a bad per-call ttl was a GuardConfigError (a server error naming no call).
    // An attacker's review: a fractional ttl (1000.5) was accepted, giving a fractional expiresAt.
    for (const ttl of [0, 999, 86_400_001, Number.NaN, 1_000.5]) {
      const refused = await outcome(t.run((ctx) => guard.issueConfirmation(ctx, { ...binding, ttl })));
      expect(refused).toEqual({ code: "INVALID_ARGUMENT", message: "code ttl must be a whole number of milliseconds from 1000 to 86400000" });
    }
    expect(await rows()).toEqual([]);
    const before = Date.now();
    const issued = await t.run((ctx) => guard.issueConfirmation(ctx, { ...binding, ttl: 10_000 }));
    // The issue's own clock reads a moment after `before` (server-time.ts).
    expect(issued.expiresAt - before).toBeGreaterThanOrEqual(10_000);
    expect(issued.expiresAt - before).toBeLessThan(11_000);
    vi.setSystemTime(issued.expiresAt);
    expect(await confirm("sam", ids.uma!, issued.code)).toEqual(INVALID);
    expect(await userExists(ids.uma!)).toBe(true);
  });

  test("a non-superadmin can neither request nor confirm, not even with a valid code", async () => {
    const { ids, request, confirm, userExists } = await setup();
    expect(await outcome(request("ada", ids.uma!))).toEqual({
      code: "FORBIDDEN",
      message: "Role 'superadmin' or higher required",
    });
    const { code } = await request("sam", ids.uma!);
    expect(await confirm("ada", ids.uma!, code)).toEqual({
      code: "FORBIDDEN",
      message: "Role 'superadmin' or higher required",
    });
    expect(await confirm("anonymous-nobody", ids.uma!, code)).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await userExists(ids.uma!)).toBe(true);
  });

  test("the stored rows never contain the plaintext code", async () => {
    const { t, ids, request, confirm, codeRow } = await setup();
    const { code } = await request("sam", ids.uma!);
    await confirm("sam", ids.uma!, code === "00000000" ? "11111111" : "00000000");
    const dump = await t.run(async (ctx) =>
      JSON.stringify({
        codes: await ctx.db.query("guardConfirmations").collect(),
        audit: await ctx.db.query("guardAudit").collect(),
      }),
    );
    expect(dump).not.toContain(code);
    const row = await codeRow();
    expect(row?.hash.byteLength).toBe(32);
  });

  test("without the secret, issuing fails on the server and the client gets no code", async () => {
    vi.stubEnv("CONVEX_GUARD_SECRET", "too short");
    const { ids, request } = await setup();
    const error = await request("sam", ids.uma!).then(
      () => null,
      (e: unknown) => e as { data?: unknown; message: string },
    );
    expect(error?.data).toBeUndefined(); // not a ConvexError: Convex shows "Server Error"
    expect(error?.message).toContain("CONVEX_GUARD_SECRET is shorter than 32 bytes");
  });
});

describe("the audit trail", () => {
  test("only admin:audit holders read it, newest first, by index, in bounded pages", async () => {
    const { ids, as, request } = await setup();
    await request("sam", ids.uma!);
    await request("sam", ids.zed!);
    const page = { numItems: 100, cursor: null };
    expect(
      await outcome(as("ada").query(api.audit.list, { paginationOpts: page })),
    ).toEqual({ code: "FORBIDDEN", message: "Permission 'admin:audit' required" });
    const all = await as("sam").query(api.audit.list, { resourceType: "confirmation", paginationOpts: page });
    expect(all.page.map((r) => r.resourceId)).toEqual([ids.zed, ids.uma]);
    const one = await as("sam").query(api.audit.list, {
      actor: ids.sam!,
      paginationOpts: { numItems: 1, cursor: null },
    });
    expect(one.page).toHaveLength(1);
    expect(one.isDone).toBe(false);
    const both = await as("sam").query(api.audit.list, {
      actor: ids.sam!,
      resourceType: "confirmation",
      paginationOpts: page,
    });
    expect(both.page.map((r) => r.resourceId)).toEqual([ids.zed, ids.uma]);
  });
});

describe("an external-API action that leaks nothing", () => {
  const lookup = (t: Awaited<ReturnType<typeof setup>>, who: string) =>
    outcome(t.as(who).action(api.external.lookupCompany, { domain: "acme.example" }));

  test("success: sanitized result, key sent upstream only, call audited", async () => {
    const s = await setup();
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      expect(new Headers(init?.headers).get("Authorization")).toBe(`Bearer ${API_KEY}`);
      return new Response(JSON.stringify({ name: "Acme", employees: 12, internalNotes: "x" }));
    });
    vi.stubGlobal("fetch", fetchMock);
    expect(await lookup(s, "uma")).toEqual({ ok: { name: "Acme", employees: 12 } });
    const rows = await s.auditRows();
    expect(rows.map((r) => [r.action, r.outcome])).toEqual([
      ["external.lookupCompany", "started"],
      ["external.lookupCompany", "success"],
    ]);
  });

  test("an upstream error carrying the API key never reaches the caller nor the audit row", async () => {
    const s = await setup();
    vi.stubGlobal("fetch", async () =>
      new Response(`invalid request: Authorization: Bearer ${API_KEY}`, { status: 401 }),
    );
    const got = await lookup(s, "uma");
    expect(got).toEqual(UPSTREAM);
    expect(JSON.stringify(got)).not.toContain(API_KEY);
    const rows = await s.auditRows();
    expect(rows.map((r) => [r.action, r.outcome])).toEqual([
      ["external.lookupCompany", "started"],
      ["external.lookupCompany", "error"],
    ]);
    expect(JSON.stringify(rows)).not.toContain(API_KEY);
    expect(JSON.stringify(rows[1]?.details)).toContain("upstream 401");
  });

  test("a network failure and a result quoting the key are both UPSTREAM_UNAVAILABLE", async () => {
    const s = await setup();
    vi.stubGlobal("fetch", async () => {
      throw new TypeError(`connect ECONNREFUSED (key ${API_KEY})`);
    });
    expect(await lookup(s, "uma")).toEqual(UPSTREAM);
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ name: `echo ${API_KEY}` })));
    expect(await lookup(s, "uma")).toEqual(UPSTREAM);
    expect(JSON.stringify(await s.auditRows())).not.toContain(API_KEY);
  });

  test("anonymous callers never reach the upstream", async () => {
    const s = await setup();
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    expect(await outcome(s.t.action(api.external.lookupCompany, { domain: "acme.example" }))).toEqual({
      code: "UNAUTHENTICATED",
      message: "Authentication required",
    });
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
