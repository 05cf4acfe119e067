// The call after an interrupted one answers right, wherever the stack ran out. Each decision
// that crosses into the engine is called with the stack filled to every depth, 8 bytes apart,
// from too deep to reach it at all up to where it completes again and again: so the stack runs
// out at each point of the call in turn (in the loader, in the engine's own frames, in the
// catch that handles the interruption). After each interrupted call the same decision is asked
// again at a shallow depth and must answer right. Before the fix, a `can` or a rate decision
// interrupted inside the engine (its state borrowed) whose catch then ran out of stack too
// left the instance in use: the next call threw "the engine refused a malformed call".
// (engine-recovery.test.mjs interrupts every capability in fresh processes; this sweep is
// exhaustive over depths, which a dive that calls at every depth of its own frames is not.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineCodes, defineGuard } from "convex-guard";
import { defineClientGuard } from "convex-guard/client";
import { defineClientGuard as defineRolesGuard } from "convex-guard/client/roles";

const config = {
  roles: ["user", "admin"],
  permissions: { user: ["read:x"], admin: ["write:*"] },
  access: {},
  rateLimits: { send: { rate: 2, period: 1000 } },
};
/** A sliding window of 2 per second that admitted 2 at t=0: full until t=1000. */
const FULL = { t: 0, a: 2, b: 0, log: [] };
const facts = {
  now: 5,
  caller: "u3",
  groups: [],
  documents: [
    { id: "mine", owner: "u1", visibility: "private", parent: null, grants: [] },
    { id: "open", owner: "u2", visibility: "public", parent: null, grants: [] },
  ],
};
const HASH = new Uint8Array(32).fill(7);
const OTHER = new Uint8Array(32).fill(9);

/**
 * The decisions of a guard made by `define`, each with its right answer (compared as JSON). Each
 * crosses into the engine at every call: `can` asks about a name it has not seen, and
 * `roleAtLeast`, a lookup once the policy is compiled, is asked of a new guard (whose first
 * call compiles it).
 */
function decisions(define, { access = true, rates = true } = {}) {
  const guard = define(config);
  let n = 0;
  const out = {
    can: [() => [guard.can("admin", `write:${n++}`), guard.can("user", `write:${n++}`)], [true, false]],
    roleAtLeast: [() => [define(config).roleAtLeast("admin", "user"), define(config).roleAtLeast("user", "admin")], [true, false]],
  };
  if (access) {
    out.resolveAccess = [() => guard.resolveAccess(facts).map((r) => r.level), [null, "viewer"]];
    out["canShare, canTransfer"] = [() => [guard.canShare("viewer", "editor").ok, guard.canTransfer("inherited").ok], [false, false]];
  }
  if (rates) {
    out.rateLimitStatus = [() => [guard.rateLimitStatus("send", null, 5).ok, guard.rateLimitStatus("send", FULL, 5).ok], [true, false]];
    out.decideRateLimits = [() => guard.decideRateLimits([{ name: "send", state: FULL }], 1500).ok, true];
  }
  return out;
}

function codeDecisions() {
  const codes = defineCodes();
  return {
    // The engine draws its random bytes through its one import, inside the call.
    generate: [() => /^[0-9]{8}$/.test(codes.generate()), true],
    "issue, verify": [
      () => {
        const record = codes.issue(HASH, 1000);
        return [codes.verify(record, OTHER, 2000).outcome, codes.verify(record, HASH, 2000).outcome];
      },
      ["wrong", "accepted"],
    ],
    message: [() => codes.message({ actor: "u1", action: "delete" }, "1234-5678", { typed: true }).length > 0, true],
  };
}

const json = (x) => JSON.stringify(x);

/** `call()` with `pad` (an array of numbers) pushed on the stack as arguments first. */
function reach(call, pad) {
  let result;
  function bottom() {
    try {
      result = { value: call() };
    } catch (e) {
      result = { error: e };
    }
  }
  try {
    Reflect.apply(bottom, null, pad);
  } catch {
    // the padding alone exhausted the stack: `bottom` never ran
  }
  return result;
}

/**
 * Calls `call` with the stack filled to each depth in turn, 8 bytes apart, from the deepest at
 * which a call can start up to where `call` has completed 256 times in a row; after every call
 * it interrupted, calls it again here. Returns what it saw.
 */
function sweep(call, right) {
  // The most arguments the stack takes with a bottom that does nothing.
  let lo = 0;
  let hi = 1 << 18;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (reach(() => 0, new Array(mid).fill(0)) === undefined) hi = mid - 1;
    else lo = mid;
  }
  assert.ok(lo < 1 << 18, "the stack ran out");
  const pad = new Array(lo).fill(0);
  const seen = { interrupted: 0, completed: 0, wrongAtEdge: [], wrongAfter: [] };
  for (let streak = 0; streak < 256 && pad.length > 0; pad.length--) {
    const r = reach(call, pad);
    if (r === undefined) continue;
    if ("value" in r) {
      seen.completed++;
      streak++;
      // A call that completes at the edge answers right: never an allow it should not give.
      if (json(r.value) !== json(right)) seen.wrongAtEdge.push({ depth: pad.length, value: r.value });
      continue;
    }
    seen.interrupted++;
    streak = 0;
    let after;
    try {
      after = { value: call() };
    } catch (e) {
      after = { error: `${e?.constructor?.name}: ${e?.message}` };
    }
    if (json(after.value) !== json(right)) {
      seen.wrongAfter.push({ depth: pad.length, interruptedBy: r.error?.constructor?.name, after });
    }
  }
  return seen;
}

const entries = {
  "convex-guard": { ...decisions(defineGuard), ...codeDecisions() },
  "convex-guard/client": decisions(defineClientGuard),
  "convex-guard/client/roles": decisions(defineRolesGuard, { access: false, rates: false }),
};

for (const [entry, calls] of Object.entries(entries)) {
  for (const [name, [call, right]] of Object.entries(calls)) {
    test(`${entry}: ${name}: interrupted at every stack depth, the next call answers right`, () => {
      assert.deepEqual(call(), right, "the answer at a shallow depth");
      const seen = sweep(call, right);
      const label = json({ interrupted: seen.interrupted, completed: seen.completed, wrongAfter: seen.wrongAfter.slice(0, 3) });
      assert.ok(seen.interrupted > 0, `the sweep reached the stack's edge inside the call: ${label}`);
      assert.ok(seen.completed >= 256, `and went up to where the call completes: ${label}`);
      assert.deepEqual(seen.wrongAtEdge, [], "a call that completed at the edge answered right");
      assert.deepEqual(seen.wrongAfter, [], `the call after each interrupted one answered right: ${label}`);
    });
  }
}
