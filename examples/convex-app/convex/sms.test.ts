// An action's outbound fetch, faked: the SMS that convex/deletion.ts's sendDeletionCode sends
// is captured from the fake provider's request body, and its code confirms the deletion
// (docs/testing.md, "An action's outbound fetch").
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { outcome, setupDeletion } from "./test.setup";

beforeEach(() => vi.stubEnv("CONVEX_GUARD_SECRET", "test-secret-of-at-least-32-bytes-0123"));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

test("the code sent by SMS confirms the deletion; the caller never sees it", async () => {
  const { as, ids, confirm } = await setupDeletion();
  const sent: string[] = [];
  vi.stubGlobal("fetch", async (_url: string | URL | Request, init?: RequestInit) => {
    sent.push(JSON.parse(String(init?.body)).text);
    return Response.json({ id: "msg_1" });
  });
  expect(await as("sam").action(api.deletion.sendDeletionCode, { userId: ids.uma as never })).toEqual({ sent: true });
  expect(sent).toHaveLength(1);
  const code = /\d{8}/.exec(sent[0]!)![0]; // "Your confirmation code: 12345678"
  expect(await as("sam").action(api.deletion.confirmDeletion, { userId: ids.uma as never, code })).toEqual({ scheduled: true });
  expect(await confirm("sam", ids.uma!, code)).toEqual({ code: "INVALID_CONFIRMATION", message: "Invalid or expired confirmation code" }); // once only
});

test("a failing provider: the caller gets the generic error, and no SMS is sent to anyone else", async () => {
  const { as, ids } = await setupDeletion();
  const fake = vi.fn(async () => new Response("quota exceeded", { status: 429 }));
  vi.stubGlobal("fetch", fake);
  expect(await outcome(as("sam").action(api.deletion.sendDeletionCode, { userId: ids.uma as never }))).toEqual({
    code: "UPSTREAM_UNAVAILABLE",
    message: "External service unavailable",
  });
  expect(fake).toHaveBeenCalledTimes(1);
  // Not a superadmin: refused in the issuing mutation, before anything is sent.
  fake.mockClear();
  expect(await outcome(as("ada").action(api.deletion.sendDeletionCode, { userId: ids.uma as never }))).toEqual({
    code: "FORBIDDEN",
    message: "Role 'superadmin' or higher required",
  });
  expect(fake).not.toHaveBeenCalled();
});
