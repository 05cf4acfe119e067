// Group-name vectors (tests/vectors/group-names.json), answered by the built package's
// createGroup (installed from the tarball); tests/group_names.rs answers the same file with the
// Rust core's group_name_refusal.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defineGuard } from "convex-guard";

const { cases } = JSON.parse(readFileSync(new URL("../vectors/group-names.json", import.meta.url), "utf8"));

const guard = defineGuard({ roles: ["user"], access: {} });
const olive = { _id: "u1", tokenIdentifier: "i|olive", role: "user" };

/** A mutation ctx whose caller is Olive, in no group; what it inserts lands in `inserted`. */
function ctx(inserted) {
  const none = { withIndex: () => none, filter: () => none, order: () => none, take: async () => [], collect: async () => [], first: async () => null, unique: async () => null };
  return {
    auth: { getUserIdentity: async () => ({ tokenIdentifier: olive.tokenIdentifier, subject: "olive", issuer: "i" }) },
    db: {
      query: (table) => (table === "users" ? { withIndex: () => ({ unique: async () => olive, first: async () => olive }) } : none),
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
  for (const c of cases) assert.deepEqual(await answer(c.name), c.expected, c.description);
});

test("group names: what JavaScript strings can hold and JSON cannot", async () => {
  const refused = { error: "INVALID_ARGUMENT", message: "a group needs a name" };
  for (const notText of [undefined, null, 42, ["team"], { toString: () => "team" }]) {
    assert.deepEqual(await answer(notText), refused, String(notText));
  }
  // The patterns are made once, and a global RegExp's lastIndex never carries over: the same
  // flag-bearing name is accepted every time.
  const scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
  for (let i = 0; i < 3; i++) assert.deepEqual(await answer(`${scotland} rugby`), { ok: true });
});
