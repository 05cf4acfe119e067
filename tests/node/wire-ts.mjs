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
