// The wasm carries no message text: an engine error crosses as template ids and values, and
// the TypeScript layer fills the generated templates. Every template, filled by the generated
// `fillEngineMessage`, must read exactly as the engine's native `Error::message` renders it
// (tests/vectors/engine-messages.json, written by `cargo test --test wire` from the Rust).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ENGINE_MESSAGES, wire } from "./wire-ts.mjs";

const samples = JSON.parse(readFileSync(new URL("../vectors/engine-messages.json", import.meta.url), "utf8"));

test("every template fills in TypeScript exactly as in Rust", () => {
  assert.equal(samples.length, 2 * ENGINE_MESSAGES.length, "a sample of every template, alone and within another");
  for (const { parts, message } of samples) {
    assert.equal(wire.fillEngineMessage(ENGINE_MESSAGES, parts), message, JSON.stringify(parts));
  }
});

test("a placeholder with nothing left becomes nothing, a text is never filled again", () => {
  const shard = ENGINE_MESSAGES.indexOf("shard {n} does not exist: pick a shard index below {n}");
  assert.equal(wire.fillEngineMessage(ENGINE_MESSAGES, [1, shard, 7]), "shard 7 does not exist: pick a shard index below ");
  const role = ENGINE_MESSAGES.indexOf("duplicate role '{s}'");
  assert.equal(wire.fillEngineMessage(ENGINE_MESSAGES, [1, role, "{s}{n}"]), "duplicate role '{s}{n}'");
});

test("the real engine throws parts the layer fills, with the engine's code", () => {
  // Through the package: a duplicate role is the engine's error, seen as a GuardConfigError.
  return import("convex-guard").then(({ defineGuard, GuardConfigError }) => {
    const guard = defineGuard({ roles: ["a", "a"] });
    assert.throws(() => guard.validate(), (e) => e instanceof GuardConfigError && e.message === "duplicate role 'a'");
  });
});
