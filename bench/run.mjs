// `make bench`: runs every bench module and writes target/bench/report.json.
//
// A bench module exports `async function run()` returning named metrics
// ({ metric_name: number }); add yours to MODULES. Numbers are printed and stored, never
// asserted: timings depend on the machine.
import { mkdirSync, writeFileSync } from "node:fs";

const MODULES = ["./ratelimit.mjs"];

const root = new URL("..", import.meta.url).pathname;
const metrics = {};
for (const path of MODULES) {
  const { run } = await import(path);
  Object.assign(metrics, await run());
}
mkdirSync(`${root}target/bench`, { recursive: true });
const report = { node: process.version, date: new Date().toISOString(), metrics };
writeFileSync(`${root}target/bench/report.json`, `${JSON.stringify(report, null, 2)}\n`);
const width = Math.max(...Object.keys(metrics).map((k) => k.length));
for (const [name, value] of Object.entries(metrics)) {
  console.log(`${name.padEnd(width)}  ${Number.isInteger(value) ? value : value.toFixed(2)}`);
}
console.log("written: target/bench/report.json");
