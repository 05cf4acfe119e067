// js/generated/wire.ts (the TypeScript rendered from src/wire.rs), loaded as it is written:
// transpiled by esbuild and imported, for tests that check the generated code itself.
import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";

const source = readFileSync(new URL("../../js/generated/wire.ts", import.meta.url), "utf8");
const { code } = transformSync(source, { loader: "ts", format: "esm" });
export const wire = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);

/** An engine error's message, as the TypeScript layer fills it (`fillEngineMessage`). */
export const engineMessage = (e) => wire.fillEngineMessage(e.parts);
