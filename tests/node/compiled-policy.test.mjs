// A compiled policy (`compiledPolicy`, written by `npx convex-guard compile`): the engine's
// role and permission decisions computed ahead of time. With tables that match the
// configuration, a request's checks on configured names never start the engine; with any
// other tables (stale, another version, edited, malformed) the engine decides as before, and
// `validate()` says what is wrong. The decisions are the engine's either way.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defineGuard, GuardConfigError } from "convex-guard";
import { fresh } from "./fresh-process.mjs";

const TABLES = Symbol.for("convex-guard.policyTables");
const CONFIG = {
  roles: ["user", "moderator", "admin", "superadmin"],
  permissions: { user: ["read:users"], moderator: ["write:users", "read:users"], admin: ["delete:users"], superadmin: ["admin:*"] },
  rateLimits: { send: { kind: "token bucket", rate: 3, period: 1000 } },
};
const SUBJECTS = ["user", "moderator", "admin", "superadmin", "guest", null, { role: "admin" }, { role: "Admin" }];
const ASKED = ["read:users", "write:users", "delete:users", "admin:*", "admin:audit", "posts:read"];

/** Every answer a guard gives on the subjects and names above, with what each threw. */
function answers(guard) {
  const out = [];
  for (const s of SUBJECTS) {
    for (const p of ASKED) out.push(["can", s, p, guard.can(s, p)]);
    for (const r of CONFIG.roles) out.push(["roleAtLeast", s, r, guard.roleAtLeast(s, r)]);
  }
  for (const bad of ["", "read users", 7]) {
    try {
      guard.can("admin", bad);
      out.push(["can", bad, "no error"]);
    } catch (e) {
      out.push(["can", bad, e.data?.code, e.message]);
    }
  }
  return out;
}

const tablesOf = (config) => defineGuard(config)[TABLES]();

test("the tables are the engine's decisions, one row per granted name", () => {
  const tables = tablesOf(CONFIG);
  assert.deepEqual(tables.roles, CONFIG.roles);
  assert.deepEqual(tables.grants, ["user", "read:users", "moderator", "write:users", "moderator", "read:users", "admin", "delete:users", "superadmin", "admin:*"]);
  assert.deepEqual(tables.holders.map(([name]) => name), ["read:users", "write:users", "delete:users", "admin:*"]);
  const guard = defineGuard(CONFIG);
  for (const [name, row] of tables.holders) {
    assert.equal(row.length, CONFIG.roles.length + 1);
    CONFIG.roles.forEach((role, i) => assert.equal(row[i] === 1, guard.can(role, name), `${role} ${name}`));
    assert.equal(row[CONFIG.roles.length], 0, "no role holds nothing");
  }
  CONFIG.roles.forEach((role, i) =>
    CONFIG.roles.forEach((min, j) => assert.equal(tables.atLeast[i * CONFIG.roles.length + j] === 1, guard.roleAtLeast(role, min))),
  );
  assert.equal(JSON.stringify(JSON.parse(JSON.stringify(tables))), JSON.stringify(tables), "plain JSON data");
});

test("with matching tables a request's checks on configured names start no engine, and answer as the engine does", () => {
  const run = (withTables) =>
    fresh(`
      let modules = 0;
      const M = WebAssembly.Module;
      WebAssembly.Module = function (...a) { modules++; return new M(...a); };
      const { defineGuard } = await import("convex-guard");
      const config = ${JSON.stringify(CONFIG)};
      ${withTables ? `config.compiledPolicy = ${JSON.stringify(tablesOf(CONFIG))};` : ""}
      const guard = defineGuard(config);
      const out = [guard.can({ _id: "u", role: "admin" }, "write:users"), guard.can("user", "delete:users"),
        guard.roleAtLeast("moderator", "admin"), guard.roleAtLeast("superadmin", "user"), guard.isRole("admin"), guard.isRole("Admin")];
      const before = modules;
      out.push(guard.can("superadmin", "admin:audit")); // matched by a wildcard: not in the tables
      console.log(JSON.stringify({ before, after: modules, out }));
    `);
  const tabled = run(true);
  assert.equal(tabled.before, 0, "no engine before a name the tables lack");
  assert.equal(tabled.after, 1, "that name starts the engine");
  const plain = run(false);
  assert.equal(plain.before, 1);
  assert.deepEqual(tabled.out, plain.out);
  assert.deepEqual(tabled.out, [true, false, false, true, true, false, true]);
});

test("every answer and every refusal is the same with the tables and without them", () => {
  const tabled = defineGuard({ ...CONFIG, compiledPolicy: tablesOf(CONFIG) });
  assert.deepEqual(answers(tabled), answers(defineGuard(CONFIG)));
  tabled.validate();
});

/** Runs `f` with console.warn captured; returns what it warned. */
function warned(f) {
  const lines = [];
  const warn = console.warn;
  console.warn = (...a) => lines.push(a.join(" "));
  try {
    f();
  } finally {
    console.warn = warn;
  }
  return lines;
}

test("stale tables are not used: the engine decides, one warning, and validate() names what differs", () => {
  const old = tablesOf(CONFIG);
  const grown = { ...CONFIG, permissions: { ...CONFIG.permissions, user: ["read:users", "delete:users"] } };
  const guard = defineGuard({ ...grown, compiledPolicy: old });
  const lines = warned(() => {
    assert.equal(guard.can("user", "delete:users"), true, "the configuration's grant, not the tables'");
    assert.equal(guard.can("user", "write:users"), false);
  });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /compiledPolicy was compiled for other permissions: the engine decides instead\. Run `npx convex-guard compile` again/);
  assert.throws(() => guard.validate(), (e) => e instanceof GuardConfigError && /'grants' differs/.test(e.message) && /npx convex-guard compile/.test(e.message));
  // Roles changed, and another engine version: the same.
  const renamed = defineGuard({ ...CONFIG, roles: ["user", "moderator", "admin", "root"], permissions: { user: ["read:users"] }, compiledPolicy: old });
  assert.match(warned(() => assert.equal(renamed.roleAtLeast("root", "admin"), true))[0], /was compiled for other roles/);
  assert.throws(() => renamed.validate(), /'engine'|'roles' differs/);
  const other = defineGuard({ ...CONFIG, compiledPolicy: { ...old, engine: "0.0.1" } });
  assert.deepEqual(
    warned(() => assert.equal(other.can("admin", "write:users"), true)).map((l) => /was compiled by convex-guard 0\.0\.1, not \d+\.\d+\.\d+/.test(l)),
    [true],
  );
  assert.throws(() => other.validate(), /'engine' differs/);
});

test("malformed tables are not used, whatever their shape", () => {
  const good = tablesOf(CONFIG);
  const bad = [
    null,
    "tables",
    { ...good, atLeast: good.atLeast.slice(1) },
    { ...good, atLeast: good.atLeast.join("") },
    { ...good, holders: [["read:users", [1, 1, 1, 1, 1, 1]]] },
    { ...good, holders: [["read:users"]] },
    { ...good, holders: "read:users" },
    { ...good, roles: undefined },
  ];
  for (const compiledPolicy of bad) {
    const guard = defineGuard({ ...CONFIG, compiledPolicy });
    const lines = warned(() => assert.deepEqual(answers(guard), answers(defineGuard(CONFIG))));
    assert.equal(lines.length, 1, JSON.stringify(compiledPolicy));
    assert.throws(() => guard.validate(), GuardConfigError);
  }
});

test("edited tables are the app's own data at run time, and validate() refuses them", () => {
  const tables = tablesOf(CONFIG);
  // A user's row for "delete:users" flipped to 1: same roles, same grants, same version.
  const edited = { ...tables, holders: tables.holders.map(([n, row]) => [n, n === "delete:users" ? [1, ...row.slice(1)] : row]) };
  const guard = defineGuard({ ...CONFIG, compiledPolicy: edited });
  assert.throws(() => guard.validate(), (e) => e instanceof GuardConfigError && /'holders' differs/.test(e.message));
  const flipped = defineGuard({ ...CONFIG, compiledPolicy: { ...tables, atLeast: [0, ...tables.atLeast.slice(1)] } });
  assert.throws(() => flipped.validate(), /'atLeast' differs/);
});

test("a configuration mistake is the same error with tables as without them", () => {
  for (const broken of [
    { roles: ["a", "a"] },
    { roles: ["a"], permissions: { a: "x" } },
    { roles: ["a"], permissions: { b: ["x:y"] } },
    { roles: ["a"], users: { table: 5 } },
  ]) {
    let expected;
    try {
      defineGuard(broken).can("a", "x:y");
    } catch (e) {
      expected = e.message;
    }
    assert.ok(expected, JSON.stringify(broken));
    const tables = { engine: "0.1.0", roles: broken.roles, grants: [], atLeast: [0], holders: [] };
    assert.throws(() => defineGuard({ ...broken, compiledPolicy: tables }).can("a", "x:y"), (e) => e.message === expected);
  }
});

test("the browser's roles guard ignores the tables: its engine decides, and nothing is warned", async () => {
  const { defineClientGuard } = await import("convex-guard/client/roles");
  const tables = tablesOf(CONFIG);
  const edited = { ...tables, holders: tables.holders.map(([n]) => [n, [1, 1, 1, 1, 1]]) };
  const lines = warned(() => {
    const guard = defineClientGuard({ ...CONFIG, compiledPolicy: edited });
    assert.equal(guard.can("user", "delete:users"), false, "the engine's answer, not the edited tables'");
    guard.validate();
  });
  assert.deepEqual(lines, []);
});

test("the guard's validate() passes with the tables it computed, and its tables method computes them afresh", () => {
  const guard = defineGuard({ ...CONFIG, compiledPolicy: tablesOf(CONFIG) });
  guard.validate();
  assert.deepEqual(guard[TABLES](), tablesOf(CONFIG));
  assert.equal(Object.keys(guard).includes(String(TABLES)), false);
  assert.equal(Object.getOwnPropertySymbols(guard).length, 1, "one symbol-keyed method, not part of the typed API");
});

test("validate() reads the tables as the checks do: a toJSON cannot dress up an edited file, a getter that throws is no table", () => {
  const tables = tablesOf(CONFIG);
  const granting = tables.holders.map(([n, row]) => [n, n === "delete:users" ? [1, 1, 1, 1, 1] : row]);
  granting.toJSON = () => tables.holders;
  const dressed = defineGuard({ ...CONFIG, compiledPolicy: { ...tables, holders: granting } });
  assert.throws(() => dressed.validate(), /'holders' differs/);
  const throwing = { ...tables };
  Object.defineProperty(throwing, "atLeast", { get() { throw new Error("boom"); }, enumerable: true });
  const guard = defineGuard({ ...CONFIG, compiledPolicy: throwing });
  const lines = warned(() => assert.equal(guard.can("admin", "delete:users"), true));
  assert.equal(lines.length, 1, "a table that cannot be read is not used");
  assert.throws(() => guard.validate(), /'atLeast' or 'holders' differs/);
});

test('a quoted "__proto__" key in permissions, which sets the prototype and grants nothing, is refused', () => {
  const permissions = JSON.parse('{ "user": ["read:users"] }');
  Object.setPrototypeOf(permissions, ["x:y"]); // what `{ "__proto__": ["x:y"] }` does in a literal
  assert.throws(() => defineGuard({ roles: ["user", "__proto__"], permissions }).validate(), (e) => e instanceof GuardConfigError && /\["__proto__"\]/.test(e.message));
  const computed = { user: ["read:users"], ["__proto__"]: ["x:y"] };
  assert.equal(defineGuard({ roles: ["user", "__proto__"], permissions: computed }).can("__proto__", "x:y"), true);
});

test("an entry that is not exactly 1 holds nothing: a string, true or 2 denies, and validate() names the table", () => {
  const tables = tablesOf(CONFIG);
  for (const odd of ["1", true, 2]) {
    // admin holds delete:users (role id 2): the row's entry made odd.
    const holders = tables.holders.map(([n, row]) => [n, n === "delete:users" ? row.map((x, i) => (i === 2 ? odd : x)) : row]);
    const guard = defineGuard({ ...CONFIG, compiledPolicy: { ...tables, holders } });
    assert.equal(guard.can("admin", "delete:users"), false, JSON.stringify(odd));
    assert.equal(guard.can("superadmin", "delete:users"), true);
    assert.throws(() => guard.validate(), /'holders' differs/);
  }
});

test("the tables are copied when first read: changing the file's arrays later changes no decision", () => {
  const tables = tablesOf(CONFIG);
  const holders = tables.holders.map(([n, row]) => [n, [...row]]);
  const guard = defineGuard({ ...CONFIG, compiledPolicy: { ...tables, holders } });
  assert.equal(guard.can("user", "delete:users"), false);
  for (const [, row] of holders) row.fill(1);
  assert.equal(guard.can("user", "delete:users"), false);
});

test("validate() checks the copy the checks use: a getter that answers otherwise on a second read is caught", () => {
  const tables = tablesOf(CONFIG);
  const granting = tables.holders.map(([n, row]) => [n, n === "delete:users" ? [1, 1, 1, 1, 0] : row]);
  let reads = 0;
  const shifty = { ...tables };
  Object.defineProperty(shifty, "holders", { get: () => (reads++ === 0 ? granting : tables.holders), enumerable: true });
  const guard = defineGuard({ ...CONFIG, compiledPolicy: shifty });
  assert.equal(guard.can("user", "delete:users"), true, "the copy the checks took holds the crafted row");
  assert.throws(() => guard.validate(), /'holders' differs/);
});

test("the engine started after tables decides for the entries the tables were read for, as it keeps the ones it first read", () => {
  const permissions = { ...CONFIG.permissions, user: [...CONFIG.permissions.user] };
  for (const compiledPolicy of [tablesOf(CONFIG), undefined]) {
    permissions.user = ["read:users"];
    const config = { ...CONFIG, permissions, compiledPolicy };
    const guard = defineGuard(config);
    assert.equal(guard.can("user", "delete:users"), false);
    permissions.user.push("delete:users"); // the app's object changed after the first check
    assert.equal(guard.can("superadmin", "admin:audit"), true); // a name the tables lack: the engine starts
    assert.equal(guard.can("user", "delete:users"), false, `with${compiledPolicy ? "" : "out"} tables`);
  }
});

test("attacker: tables the engine cannot have written are not used, whatever their stamp says", () => {
  // An attacker's review (attack19) hand-wrote tables with a matching stamp. Each is refused with
  // the stale warning, and the engine decides (or names the configuration's mistake).
  const tables = tablesOf(CONFIG);
  const n = CONFIG.roles.length;
  const engine = defineGuard(CONFIG);
  const crafted = {
    // "No role" holds something: signed out, or an unknown role, could pass.
    noRoleColumn: { ...tables, holders: tables.holders.map(([name, row]) => [name, name === "delete:users" ? [...row.slice(0, n), 1] : row]) },
    noRoleRow: { ...tables, atLeast: tables.atLeast.map((x, i) => (i >= n * n ? 1 : x)) },
    // A row for a name no grant names (only admin:* is granted), and a name given twice.
    ungranted: { ...tables, holders: [...tables.holders, ["admin:refund", [1, 1, 1, 1, 0]]] },
    twice: { ...tables, holders: [...tables.holders, ["delete:users", [1, 1, 1, 1, 0]]] },
    // The five fields inherited, not the file's own.
    inherited: Object.create(tables),
  };
  for (const [what, compiledPolicy] of Object.entries(crafted)) {
    const guard = defineGuard({ ...CONFIG, compiledPolicy });
    const lines = warned(() => assert.deepEqual(answers(guard), answers(engine), what));
    assert.equal(lines.length, 1, what);
    assert.match(lines[0], /the engine decides instead/, what);
    assert.throws(() => guard.validate(), GuardConfigError, what);
  }
  // Fields planted on Object.prototype, for an empty file: the same.
  const planted = Object.entries(tables);
  for (const [k, v] of planted) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true });
  let guard;
  try {
    guard = defineGuard({ ...CONFIG, compiledPolicy: {} });
    assert.equal(warned(() => assert.equal(guard.can(null, "read:users"), false)).length, 1);
  } finally {
    for (const [k] of planted) delete Object.prototype[k];
  }
  assert.deepEqual(answers(guard), answers(engine));
});

test("attacker: tables stamped for a configuration the engine refuses answer nothing: the engine names the mistake", () => {
  // Duplicate roles, and more roles than the engine takes (the stamp cut at its bound, the rows
  // numbered by every role): hand-written ladders made a user an admin (attack19).
  const ladder = (roles) => ({
    engine: tablesOf(CONFIG).engine,
    roles,
    grants: [],
    atLeast: [...roles, null].flatMap((s, i) => roles.map((_, min) => (s !== null && min <= i ? 1 : 0))),
    holders: [],
  });
  const many = Array.from({ length: 66 }, (_, i) => `r${i}`);
  for (const [roles, stamped] of [
    [["user", "admin", "user"], ["user", "admin", "user"]],
    [many, many.slice(0, 65)],
  ]) {
    const guard = defineGuard({ roles, compiledPolicy: ladder(stamped) });
    assert.throws(() => guard.roleAtLeast(roles[0], roles.at(-2)), (e) => e instanceof GuardConfigError, String(roles.length));
    assert.throws(() => guard.validate(), GuardConfigError);
  }
});

test("validate() checks the tables the guard was given, even once the configuration no longer holds them", () => {
  const tables = tablesOf(CONFIG);
  const edited = { ...tables, holders: tables.holders.map(([name, row]) => [name, name === "delete:users" ? [1, ...row.slice(1)] : row]) };
  const config = { ...CONFIG, compiledPolicy: edited };
  const guard = defineGuard(config);
  assert.equal(guard.can("user", "delete:users"), true, "edited tables are used as written (README)");
  delete config.compiledPolicy; // attack19: validate() read the key again, found nothing, and passed
  assert.throws(() => guard.validate(), /'holders' differs/);
  // A 1 that is not `=== 1` (it prints as 1 in JSON) denies at run time, and validate() says so.
  const boxed = { ...tables, holders: tables.holders.map(([name, row]) => [name, name === "delete:users" ? row.map((x) => (x === 1 ? new Number(1) : x)) : row]) };
  const denying = defineGuard({ ...CONFIG, compiledPolicy: boxed });
  assert.equal(denying.can("admin", "delete:users"), false);
  assert.throws(() => denying.validate(), /'holders' differs/);
});
