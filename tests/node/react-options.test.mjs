// convex-guard/react's options, rendered on the server (react-dom/server): a key
// useRateLimitStatus does not take is a GuardConfigError naming it, never a status left
// `undefined` (as if loading) for ever.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { GuardConfigError } from "convex-guard";
import { defineClientGuard } from "convex-guard/client";
import { useRateLimitStatus } from "convex-guard/react";

const guard = defineClientGuard({ roles: ["user"], rateLimits: { send: { rate: 2, period: 60_000 } } });
const clock = { now: () => 1_000, setTimeout: () => 0, clearTimeout: () => {} };

/** What the hook answers in one server render with `options`. */
function status(options) {
  let seen = "not rendered";
  const Probe = () => {
    seen = useRateLimitStatus(guard, "send", null, options);
    return null;
  };
  renderToString(createElement(Probe));
  return seen;
}

test("useRateLimitStatus decides with its own options", () => {
  assert.equal(status({ serverNow: 1_000, clock }).ok, true);
  assert.equal(status({ serverNow: 1_000, count: 2, shard: 0, clock }).ok, true);
  assert.equal(status({ serverNow: undefined, clock }), undefined);
});

test("useRateLimitStatus refuses a key it does not take, with the key it meant", () => {
  assert.throws(() => status({ servernow: 1_000, clock }), (e) => e instanceof GuardConfigError && /useRateLimitStatus options: unknown key 'servernow' \(did you mean 'serverNow'\?\)/.test(e.message));
  assert.throws(() => status({ serverNow: 1_000, clock, cout: 3 }), (e) => e instanceof GuardConfigError && /'cout' \(did you mean 'count'\?\)/.test(e.message));
  assert.throws(() => status({ serverNow: 1_000, shards: 1, clock }), /unknown key 'shards' \(did you mean 'shard'\?\)/);
  // Refused while the server's time still loads too: the mistake shows at the first render.
  assert.throws(() => status({ serverNow: undefined, clok: clock }), /unknown key 'clok' \(did you mean 'clock'\?\)/);
});

test("useRateLimitStatus refuses options it cannot read, naming the fix (attack41 L2)", () => {
  // Not an object: `5` was `undefined` for ever, `null` and `undefined` a bare TypeError.
  for (const options of [5, null, undefined, "serverNow"]) {
    assert.throws(() => status(options), (e) => e instanceof GuardConfigError && /useRateLimitStatus options must be an object: \{ serverNow/.test(e.message), String(options));
  }
  // A serverNow that is no time was `undefined` (as if loading) for ever.
  for (const serverNow of ["x", "2026-12-07T00:00:00Z", null, Number.NaN, Infinity]) {
    assert.throws(() => status({ serverNow, clock }), (e) => e instanceof GuardConfigError && /serverNow must be the server's time in ms/.test(e.message), String(serverNow));
  }
  // A clock without its functions was `clock.now is not a function`.
  for (const bad of ["x", null, 5, { now: () => 1_000 }, { ...clock, clearTimeout: 1 }]) {
    assert.throws(() => status({ serverNow: 1_000, clock: bad }), (e) => e instanceof GuardConfigError && /clock must be an object with now, setTimeout and clearTimeout/.test(e.message));
  }
  // Refused while the server's time loads too.
  assert.throws(() => status({ serverNow: undefined, clock: "x" }), GuardConfigError);
});
