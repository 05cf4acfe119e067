// The engine's own boundary, below the TypeScript layer: ids that are not whole numbers in
// range (NaN, undefined, fractions, 2^32 and above) must be denied by the engine itself, not
// wrapped modulo 2^32 into a valid id (NaN would otherwise be role 0). The TypeScript layer
// never sends such values; this is defense in depth for anyone who reaches the raw engine
// objects (js/engine-objects.ts, over the engine's exports).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AccessLevelsBuilder, PolicyBuilder } from "./engine-ts.mjs";
import { accessInts, accessTimes, engineMessage } from "./wire-ts.mjs";

// Not listed: null and numeric strings, which WebAssembly's own ToNumber turns into 0 and
// numbers before the engine sees anything (the TypeScript layer never passes them).
const GARBAGE = [NaN, undefined, 0.5, 1.9, -1, -0.5, 2 ** 32, 2 ** 32 + 1, 2 ** 53, Infinity, -Infinity, {}, "x"];

test("policy: the engine's tables hold an allow only at real role ids", () => {
  // Roles and permissions are decided ahead of time: the TypeScript layer looks answers up in
  // these tables by role id (its last entry is "no role"), so a garbage index must find no 1.
  const b = new PolicyBuilder();
  for (const r of ["user", "admin"]) b.role(r);
  b.grant("user", "read:users");
  b.grant("admin", "users:*");
  const p = b.build();
  assert.deepEqual([...p.holders("read:users")], [1, 1, 0], "user and admin, then no role");
  assert.deepEqual([...p.holders("users:ban")], [0, 1, 0]);
  assert.deepEqual([...p.holders("fly:plane")], [0, 0, 0]);
  // (role, min) at role * 2 + min; row 2 is no role.
  assert.deepEqual([...p.atLeastTable()], [1, 0, 1, 1, 0, 0]);
  assert.throws(() => p.holders("users:*:x"), (e) => e.code === "INVALID_ARGUMENT");
  for (const g of GARBAGE) {
    assert.notEqual(p.holders("read:users")[g], 1, `holders[${String(g)}]`);
    assert.notEqual(p.atLeastTable()[g], 1, `atLeastTable[${String(g)}]`);
  }
});

test("access: garbage levels and sources are never 'allowed'", () => {
  const b = new AccessLevelsBuilder();
  for (const l of ["viewer", "commenter", "editor", "owner"]) b.level(l);
  const engine = b.build();
  assert.equal(engine.canShare(3, 1), 0, "an editor may share viewer");
  assert.equal(engine.canTransfer(1), 0, "the owner may transfer");
  for (const g of GARBAGE) {
    assert.notEqual(engine.canShare(g, 1), 0, `canShare(${String(g)}, 1)`);
    assert.notEqual(engine.canShare(3, g), 0, `canShare(3, ${String(g)})`);
    assert.notEqual(engine.canTransfer(g), 0, `canTransfer(${String(g)})`);
  }
});

test("access: a share request with a garbage document, level or expiry is never allowed", () => {
  const b = new AccessLevelsBuilder();
  for (const l of ["viewer", "commenter", "editor", "owner"]) b.level(l);
  const engine = b.build();
  // Caller 0 owns document 0 (private, no parent); no grants.
  const ints = accessInts({ caller: 0, n: 1, m: 0, columns: { owner: [0], parent: [0xffffffff], public: [0] } });
  const share = (doc, level, expiresAt, expiry) => {
    try {
      return engine.resolve(ints, accessTimes({ now: 1, request: { doc, level, expiresAt, expiry } }))[0];
    } catch (e) {
      assert.equal(e.code, "INVALID_ARGUMENT");
      return "refused";
    }
  };
  assert.equal(share(0, 3, undefined), Infinity, "the owner shares editor for good: no expiry asked for");
  assert.equal(share(0, 3, 5), 5);
  assert.equal(share(0, 4, 5), -3, "never the owner level");
  for (const g of GARBAGE) {
    assert.equal(share(g, 3, 5), "refused", `doc ${String(g)}`);
    assert.equal(share(0, g, 5), "refused", `level ${String(g)}`);
    // An asked-for expiry that is no time is refused, Infinity too (never "for good").
    const isTime = typeof g === "number" && g >= 0 && g <= 8.64e15;
    if (!isTime && g !== undefined) assert.equal(share(0, 3, g), "refused", `expiresAt ${String(g)}`);
    // Only the "none" flag means never: any other asks for the expiry (5 here), never Infinity.
    if (g !== 0 && g !== undefined) assert.equal(share(0, 3, 5, g), 5, `expiry flag ${String(g)}`);
  }
  // A request cut short is refused, never read as a resolve (the raw engine's error carries
  // its message as template ids and values, filled by the TypeScript layer).
  assert.throws(
    () => engine.resolve(ints, accessTimes({ now: 1, request: { doc: 0, level: 3, expiresAt: 5 } }).subarray(0, -1)),
    (e) => e.code === "INVALID_ARGUMENT" && e.message === "" && engineMessage(e) === "access batch is not the length its counts state",
  );
  // So is a batch with numbers after its last column: it is not the batch its counts describe.
  assert.equal(engine.resolve(ints, accessTimes({ now: 1 })).length, 1, "the exact batch resolves");
  assert.throws(
    () => engine.resolve(Uint32Array.of(...ints, 0), accessTimes({ now: 1 })),
    (e) => e.code === "INVALID_ARGUMENT" && engineMessage(e) === "access batch is not the length its counts state",
  );
});
