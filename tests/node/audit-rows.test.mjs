// The audit trail from the attacker's side: whatever a caller or an upstream puts in an event
// (secrets as field names, ConvexError data, names Convex refuses, surrogate pairs at the cut,
// huge or deep values) is stored, and stored without the secrets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConvexError } from "convex/values";
import { defineGuard, REDACTED } from "convex-guard";
import { assertStorable, mutationCtx } from "./storable.mjs";

const API_KEY = 'key-"quoted"-\\slashed-0123456789';
process.env.CONVEX_GUARD_SECRET = "s".repeat(40);
process.env.EXTERNAL_API_KEY = API_KEY;
const guard = defineGuard({ roles: ["admin"], confirmations: { redactEnv: ["EXTERNAL_API_KEY"] } });

async function stored(details) {
  const ctx = mutationCtx();
  await guard.audit.log(ctx, { action: "t", outcome: "error", details });
  assert.equal(ctx.rows.length, 1);
  return ctx.rows[0];
}

const url = `https://api.example/v1/lookup?key=${encodeURIComponent(API_KEY)}`;

test("a secret used as a field name is cut out of the name, at any depth", async () => {
  const row = await stored({ body: { errors: [{ [url]: "invalid key", [API_KEY]: 1 }] } });
  const text = JSON.stringify(row);
  assert.ok(!text.includes(API_KEY) && !text.includes(encodeURIComponent(API_KEY)), text);
  const fields = row.details.body.errors[0];
  // Both fields kept, the secret cut out of their names; their values are redacted too, since
  // both names have the secret word `key` as a whole word (`?key=`, `key-...`).
  assert.deepEqual(Object.values(fields), [REDACTED, REDACTED], "both fields kept, names redacted");
  assert.ok(Object.keys(fields).every((k) => k.includes(REDACTED)));
});

test("every encoding of a secret is cut out of stored strings", async () => {
  const bytes = new TextEncoder().encode(API_KEY);
  const b64 = Buffer.from(bytes).toString("base64");
  const forms = [
    JSON.stringify(API_KEY),
    JSON.stringify(JSON.stringify(API_KEY)),
    encodeURIComponent(API_KEY),
    Buffer.from(bytes).toString("hex"),
    Buffer.from(bytes).toString("hex").toUpperCase(),
    b64,
    Buffer.from(bytes).toString("base64url"),
    Buffer.from(`x${API_KEY}`).toString("base64"), // another byte alignment
    Buffer.from(`xy${API_KEY}`).toString("base64url"),
  ];
  const row = await stored({ notes: forms.map((f) => `upstream said ${f}.`) });
  for (const [i, note] of row.details.notes.entries()) {
    assert.ok(note.includes(REDACTED), `form ${i} is redacted: ${note}`);
    assert.ok(!note.includes(forms[i]), `form ${i}`);
  }
});

test("ConvexError data is stored as a structured value, secret fields redacted", async () => {
  // `code` is a secret name too (the rule has no exceptions): the outcome says "denied".
  const error = new ConvexError({ code: "REJECTED", message: "no", password: "hunter2", nested: { apiKey: "k-123" } });
  const row = await stored({ error });
  assert.ok(!JSON.stringify(row).includes("hunter2") && !JSON.stringify(row).includes("k-123"));
  assert.deepEqual(row.details.error, {
    name: "ConvexError",
    data: { code: REDACTED, message: "no", password: REDACTED, nested: { apiKey: REDACTED } },
  });
});

test("an error's own fields and cause are stored redacted, never its stack", async () => {
  const cause = new Error("socket closed");
  const error = Object.assign(new Error("upstream 401", { cause }), { body: { token: "t-1", détail: "x" } });
  const row = await stored({ error });
  assert.deepEqual(row.details.error, {
    name: "Error",
    message: "upstream 401",
    // A name with a non-ASCII character is secret (fail closed), its name escaped.
    body: { token: REDACTED, "d%C3%A9tail": REDACTED },
    cause: { name: "Error", message: "socket closed" },
  });
});

test("field names Convex refuses are escaped, never dropped, and stay distinct", async () => {
  const names = ["détail", "$type", "_id", "", "tab\there", "del\x7f", "emoji😀", "lone\ud800", "d%C3%A9tail"];
  const row = await stored({ body: Object.fromEntries(names.map((n, i) => [n, i])) });
  // Kept under every ASCII name; a name with a non-ASCII character is secret (fail closed).
  const expected = names.map((n, i) => (/^[\x00-\x7f]*$/.test(n) ? i : REDACTED));
  const key = (x) => (typeof x === "number" ? x : -1);
  assert.deepEqual(Object.values(row.details.body).sort((a, b) => key(a) - key(b)), expected.sort((a, b) => key(a) - key(b)));
  assert.equal(new Set(Object.keys(row.details.body)).size, names.length);
});

test("strings are cut at a code point: a surrogate pair at the cut is never split", async () => {
  for (let pad = 1990; pad < 2000; pad++) {
    const row = await stored({ text: `${"a".repeat(pad)}${"😀".repeat(20)}`, lone: "x\udc00y" });
    assert.ok(row.details.text.length <= 2000);
  }
});

test("huge, wide and deep values are bounded, and the row is still written", async () => {
  let deep = { leaf: "x" };
  for (let i = 0; i < 50; i++) deep = { deep };
  const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, "y".repeat(1000)]));
  const row = await stored({
    big: 2n ** 70n,
    deep,
    wide,
    long: Array.from({ length: 20000 }, (_, i) => i),
    many: Array.from({ length: 300 }, () => ({ s: "z".repeat(2000) })),
    odd: [undefined, () => 1, Symbol("s"), new Map([["token", "t"]]), new Date(0)],
  });
  assert.equal(row.details.big, String(2n ** 70n));
});

test("a date, a Map and a Set keep what they hold (JSON would store {}), secret names redacted", async () => {
  const row = await stored({
    at: new Date(Date.UTC(2026, 11, 5)),
    bad: new Date(Number.NaN),
    headers: new Map([["token", "t0k"], ["status", 503], [7, "seven"]]),
    tags: new Set(["a", "b"]),
  });
  assert.deepEqual(row.details, {
    at: "2026-12-05T00:00:00.000Z",
    bad: "Invalid Date",
    headers: { token: "[redacted]", status: 503, 7: "seven" },
    tags: ["a", "b"],
  });
});

test("a million numbers behind shared references are bounded too", async () => {
  const level1 = Array(100).fill(7);
  const level2 = Array(100).fill(level1);
  await stored({ cube: Array(100).fill(level2) }); // 10^6 leaves: 9 MB if stored whole
});

test("a value whose reading throws is stored as truncated, not lost", async () => {
  const hostile = {
    get token() {
      throw new Error("boom");
    },
    get other() {
      throw new Error(`boom ${API_KEY}`);
    },
  };
  const row = await stored({ hostile, fine: 1 });
  assert.equal(row.details.fine, 1);
  assert.ok(!JSON.stringify(row).includes(API_KEY));
});

test("an action's event, cleaned again by the log mutation, is unchanged, even at the bounds", async () => {
  const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`é${i}`, { token: i, b: new ArrayBuffer(1) }]));
  for (const details of [
    { "détail": "x".repeat(5000), list: Array(500).fill(1), "$a": 1, e: new ConvexError({ code: "X" }) },
    { wide, many: Array.from({ length: 99 }, () => Array(99).fill("y".repeat(300))), deep: [[[[[[[[[[1]]]]]]]]]] },
  ]) {
    const sent = [];
    // As the guard's log mutation answers: the new row's id (the table it was asked for apart).
    const runMutation = async (_ref, { table, ...event }) => (sent.push(event), `${table}:1`);
    await guard.audit.log({ runMutation }, { action: "t", outcome: "e", details });
    const ctx = mutationCtx();
    await guard.audit.log(ctx, sent[0]);
    assert.deepEqual(ctx.rows[0], sent[0]);
  }
});
