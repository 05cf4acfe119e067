// js/generated/wire.ts and messages.ts (the TypeScript rendered from src/wire.rs), loaded as
// they are written: transpiled by esbuild and imported, for tests that check the generated code
// itself.
import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";

const load = (file) => {
  const source = readFileSync(new URL(`../../js/generated/${file}`, import.meta.url), "utf8");
  const { code } = transformSync(source, { loader: "ts", format: "esm" });
  return import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
};
export const wire = await load("wire.ts");
/** Every template of the full module, by id (`ENGINE_MESSAGES` of messages.ts). */
export const { ENGINE_MESSAGES } = await load("messages.ts");

/** An engine error's message, as the TypeScript layer fills it (`fillEngineMessage`). */
export const engineMessage = (e) => wire.fillEngineMessage(ENGINE_MESSAGES, e.parts);

/**
 * The `ints` of an access batch for the raw engine: the head (the caller, its groups, the counts
 * `n` and `m`, where `ACCESS_HEAD` puts them), then each of `columns` (by name, `n` or `m`
 * numbers) where the generated table puts it (`ACCESS_COLUMNS`), so that a test's batch follows
 * the engine's order, whatever it is.
 */
export function accessInts({ caller, groups = [], n, m, columns }) {
  const { caller: at, groupCount, groups: first, documentCount, grantCount, length } = wire.ACCESS_HEAD;
  const g = groups.length;
  const head = g + length;
  const [docs, grants] = wire.ACCESS_COLUMNS_END;
  const ints = new Uint32Array(head + docs * n + grants * m);
  ints[at] = caller;
  ints[groupCount] = g;
  ints.set(groups, first);
  ints[g + documentCount] = n;
  ints[g + grantCount] = m;
  for (const [name, [d, gr]] of Object.entries(wire.ACCESS_COLUMNS)) ints.set(columns[name] ?? [], head + d * n + gr * m);
  return ints;
}

/**
 * The `times` of an access batch for the raw engine: `now` and the `expiries` where
 * `ACCESS_TIMES` puts them, then a share `request` ({ doc, level, expiresAt }), if any, each
 * field where `ACCESS_REQUEST` puts it: `expiresAt` undefined asks for none, and `expiry`, when
 * given, is written as it is (else the flag that says whether one is asked for).
 */
export function accessTimes({ now, expiries = [], request }) {
  const { now: at, expiries: first } = wire.ACCESS_TIMES;
  const asked = first + expiries.length;
  const times = new Float64Array(asked + (request === undefined ? 0 : wire.ACCESS_REQUEST.length));
  times[at] = now;
  times.set(expiries, first);
  if (request !== undefined) {
    const asks = request.expiresAt !== undefined;
    const expiry = request.expiry ?? (asks ? wire.ACCESS_EXPIRY_ASKED : wire.ACCESS_EXPIRY_NONE);
    const fields = { doc: request.doc, level: request.level, expiresAt: asks ? request.expiresAt : 0, expiry };
    for (const [field, value] of Object.entries(fields)) times[asked + wire.ACCESS_REQUEST[field]] = value;
  }
  return times;
}
