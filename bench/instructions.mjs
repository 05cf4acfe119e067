// Instructions per hot call, counted by valgrind's callgrind (a diagnostic, not part of
// `make bench`): on a shared, noisy machine two builds' nanoseconds swing by 2x between runs,
// while instruction counts repeat within a few percent.
//
//   node bench/instructions.mjs [PKG_DIR=pkg ...] [--calls=100000] [--only=can,role,decide]
//
// For each build and workload it runs Node under callgrind twice, with 0 and with `calls`
// timed calls (both after the same 50,000 warm-up calls, V8 single-threaded so that its
// compilers run on the counted thread), and prints the difference divided by `calls`.
// Workloads go through the installed API as an app would: `guard.can`, `guard.roleAtLeast`
// and a pure rate-limit decision (`guard.decideRateLimits`). Needs valgrind (Debian's
// package); each run takes 15 to 30 s.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const dirs = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const calls = Number(option("calls", "100000"));
const only = option("only", "can,role,decide").split(",");

// The child: define a guard from the package at argv[2], warm up, then make argv[3] calls of
// workload argv[4]; prints how many were allowed (so that nothing is optimised away).
const CHILD = `
const m = await import(process.argv[2]);
const n = Number(process.argv[3]);
const users = [{ role: "user" }, { role: "admin" }, { role: "moderator" }, { role: "nope" }];
const g = m.defineGuard({
  roles: ["user", "moderator", "admin"],
  permissions: { user: ["read:x"], admin: ["users:*"] },
  rateLimits: { api: { kind: "token bucket", rate: 1e6, period: 60000, capacity: 1e6 } },
});
let allowed = 0, state = null;
const loops = {
  can: (n) => { for (let i = 0; i < n; i++) if (g.can(users[i & 3], "users:ban")) allowed++; },
  role: (n) => { for (let i = 0; i < n; i++) if (g.roleAtLeast(users[i & 3], "moderator")) allowed++; },
  decide: (n) => {
    for (let i = 0; i < n; i++) {
      const [o] = g.decideRateLimits([{ name: "api", state, count: 1 }], 1e12 + i).outcomes;
      if (o.ok) { state = o.state; allowed++; }
    }
  },
};
loops[process.argv[4]](50000);
loops[process.argv[4]](n);
console.log(allowed);
`;

const child = `${root}/target/bench/instructions-child.mjs`;
mkdirSync(dirname(child), { recursive: true });
writeFileSync(child, CHILD);

/** The instructions callgrind counts for one child run (its total, reported on stderr). */
function collected(pkg, n, workload) {
  const args = ["--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath, "--single-threaded", child];
  const run = spawnSync("valgrind", [...args, `${pkg}/index.js`, String(n), workload], { encoding: "utf8" });
  const total = /Collected : (\d+)/.exec(run.stderr ?? "");
  if (run.status !== 0 || total === null) {
    throw new Error(`callgrind failed for ${pkg} ${workload}: ${run.error?.message ?? run.stderr}`);
  }
  return Number(total[1]);
}

const builds = (dirs.length > 0 ? dirs : [`${root}/pkg`]).map((d) => resolve(d));
for (const workload of only) {
  for (const pkg of builds) {
    const per = (collected(pkg, calls, workload) - collected(pkg, 0, workload)) / calls;
    console.log(`${workload.padEnd(7)} ${String(Math.round(per)).padStart(6)} instructions per call  ${pkg}`);
  }
}
