// Group-name vectors (tests/vectors/group-names.json), answered by the built package's
// createGroup (installed from the tarball); tests/group_names.rs answers the same file with the
// Rust core's group_name_refusal.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defineGuard } from "convex-guard";

const { cases, random } = JSON.parse(readFileSync(new URL("../vectors/group-names.json", import.meta.url), "utf8"));

const guard = defineGuard({ roles: ["user"], access: {} });

/** The refusals' messages, from the hand-written cases (each is among them). */
const CLIENT = {
  missing: "a group needs a name",
  tooLong: "a group name is at most 200 characters",
  characters: "a group name may not hold control, invisible or bidirectional formatting characters",
  leading: cases.find((c) => c.description.includes("combining acute accent first")).expected.message,
};
const olive = { _id: "u1", tokenIdentifier: "i|olive", role: "user" };

/** A mutation ctx whose caller is Olive, in no group; what it inserts lands in `inserted`. */
function ctx(inserted) {
  const none = { withIndex: () => none, filter: () => none, order: () => none, take: async () => [], collect: async () => [], first: async () => null };
  return {
    auth: { getUserIdentity: async () => ({ tokenIdentifier: olive.tokenIdentifier, subject: "olive", issuer: "i" }) },
    db: {
      query: (table) => (table === "users" ? { withIndex: () => ({ take: async () => [olive] }) } : none),
      normalizeId: (_t, id) => id,
      insert: async (table, row) => {
        inserted.push({ table, row });
        return `g${inserted.length}`;
      },
    },
  };
}

/** createGroup's answer for `name`, as the vectors write it. */
async function answer(name) {
  const inserted = [];
  try {
    await guard.createGroup(ctx(inserted), name);
  } catch (e) {
    if (e?.data?.code === undefined) throw e;
    assert.deepEqual(inserted, [], "a refused name writes nothing");
    return { error: e.data.code, message: e.data.message };
  }
  assert.deepEqual(inserted.map((i) => [i.table, i.row.name]), [["accessGroups", name]]);
  return { ok: true };
}

test("group-name vectors: createGroup answers as the Rust core does, case by case", async () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  // A lone surrogate is given as UTF-16 code units (`utf16`): JSON text cannot hold one.
  const name = (c) => (c.utf16 === undefined ? c.name : String.fromCharCode(...c.utf16));
  assert.ok(cases.filter((c) => c.utf16 !== undefined).length >= 3, "the lone-surrogate cases");
  for (const c of cases) assert.deepEqual(await answer(name(c)), c.expected, c.description);
});

test("group-name vectors: random names from the file's pool are answered as the Rust core answers them", async () => {
  // Drawn exactly as tests/group_names.rs draws them (xorshift32, see random.description).
  let x = random.seed >>> 0;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const letter = { [CLIENT.missing]: "b", [CLIENT.characters]: "c", [CLIENT.leading]: "m", [CLIENT.tooLong]: "l" };
  let letters = "";
  for (let i = 0; i < random.count; i++) {
    const len = 1 + (next() % random.maxLength);
    let name = "";
    for (let j = 0; j < len; j++) name += random.pool[next() % random.pool.length];
    const a = await answer(name);
    letters += a.ok ? "o" : (letter[a.message] ?? "?");
  }
  assert.equal(letters.length, random.count);
  assert.equal(letters, random.answers);
});

test("group names: what JavaScript strings can hold and JSON cannot", async () => {
  // Not a string: said so, not "a group needs a name" (attack33 R3).
  const refused = { error: "INVALID_ARGUMENT", message: "a group name must be a string" };
  for (const notText of [undefined, null, 42, ["team"], { toString: () => "team" }]) {
    assert.deepEqual(await answer(notText), refused, String(notText));
  }
  // The patterns are made once, and a global RegExp's lastIndex never carries over: the same
  // flag-bearing name is accepted every time.
  const scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
  for (let i = 0; i < 3; i++) assert.deepEqual(await answer(`${scotland} rugby`), { ok: true });
  // The length is checked first, in UTF-16 code units, a lone surrogate's included.
  assert.deepEqual(await answer(`${"x".repeat(200)}\ud800`), { error: "INVALID_ARGUMENT", message: CLIENT.tooLong });
  // A name cut inside an emoji (a string's slice), the last unit of 200 a lone high surrogate.
  const cut = `${"x".repeat(199)}\u{1F600}`.slice(0, 200);
  const surrogate = cases.find((c) => c.description.includes("lone high surrogate")).expected;
  assert.deepEqual(await answer(cut), surrogate);
});
