// What a guard answers to the shared vectors (tests/vectors) and to malformed input, as plain
// JSON-able data: run in Node with the server entry's `defineGuard` and in Chromium with the
// browser entries' `defineClientGuard`, so client.test.mjs can compare the two answer by answer.
// No imports: the page bundles this file as it is.

/** A JSON number of the vectors, or one of the strings "NaN", "Infinity", "-Infinity". */
const num = (v) => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v);

/** Runs `f`: its JSON-able answer, or `{ error: code }` for a guard error (anything else throws). */
function answer(f) {
  try {
    const value = f();
    return value === undefined ? null : JSON.parse(JSON.stringify(value));
  } catch (e) {
    const code = e?.data?.code ?? e?.code;
    if (typeof code !== "string") throw e;
    return { error: code, message: e?.data?.message ?? e.message };
  }
}

function policy(define, cases) {
  return cases.map((c) => {
    const guard = define(c.config);
    const validated = answer(() => guard.validate());
    if (validated !== null) return { validate: validated };
    // A case the vectors expect refused, accepted (the roles-only entry leaves the check of roles written highest first out: client.test.mjs).
    if (c.checks === undefined) return { accepted: true };
    return c.checks.map((check) =>
      answer(() => ("can" in check ? guard.can(check.subject, check.can) : guard.roleAtLeast(check.subject, check.atLeast))),
    );
  });
}

function access(define, cases) {
  return cases.map((c) => {
    const guard = define({ roles: ["user"], access: c.config });
    const facts = () => ({ now: c.now, caller: c.caller, groups: c.groups, documents: c.documents });
    switch (c.op) {
      case "levels":
        return answer(() => guard.accessLevels());
      case "resolve":
        return answer(() => guard.resolveAccess(facts()));
      case "share":
        return answer(() => guard.canShare(c.callerLevel, c.grantLevel));
      case "shareGrant":
        return answer(() => guard.resolveShare(facts(), c.request));
      case "transfer":
        return answer(() => guard.canTransfer(c.callerSource));
      case "atLeast":
        return answer(() => ({ atLeast: guard.levelAtLeast(c.level, c.min) }));
      default:
        throw new Error(`unknown op ${c.op}`);
    }
  });
}

function spec(l) {
  const s = { rate: num(l.rate), period: num(l.period) };
  for (const k of ["kind", "capacity", "shards"]) if (l[k] !== undefined) s[k] = num(l[k]);
  return s;
}

/** Each request's countdown (`rateLimitStatus`) and decision (`decideRateLimits`, then `decideRateLimit`), in order. */
function ratelimit(define, cases) {
  return cases.map((c) => {
    if (c.batches) {
      const rateLimits = Object.fromEntries(c.limits.map((l, i) => [`l${i}`, spec(l)]));
      const guard = define({ roles: ["user"], rateLimits });
      const rows = c.limits.map(() => null);
      return c.batches.map((b) =>
        answer(() => {
          const r = guard.decideRateLimits(
            b.counts.map((count, j) => ({ name: `l${j}`, state: rows[j], count: num(count) })),
            num(b.now),
            { consume: b.consume ?? true },
          );
          r.outcomes.forEach((o, j) => o.state && (rows[j] = o.state));
          return r;
        }),
      );
    }
    const guard = define({ roles: ["user"], rateLimits: { limit: spec(c.limit) } });
    if (!c.requests) return answer(() => guard.validate());
    const rows = new Map();
    if (c.state) rows.set(0, { t: num(c.state.t), a: num(c.state.a), b: num(c.state.b), log: c.state.log.map(num) });
    return c.requests.map((r) => {
      if (r.reset) {
        rows.clear();
        return null;
      }
      const shard = r.shard ?? 0;
      const count = r.count === undefined ? 1 : num(r.count);
      const state = rows.get(shard) ?? null;
      const status = answer(() => guard.rateLimitStatus("limit", state, num(r.now), { count, shard }));
      const decision = answer(() => {
        const d = guard.decideRateLimits([{ name: "limit", state, count, shard }], num(r.now), { consume: r.consume ?? true });
        if (d.outcomes[0].state) rows.set(shard, d.outcomes[0].state);
        return d;
      });
      // The single-limit call on the state before the batch's: the batch's outcome again.
      const one = answer(() => guard.decideRateLimit("limit", state, num(r.now), { count, shard, consume: r.consume ?? true }));
      return { status, decision, one };
    });
  });
}

/** Every vector file's answers; `rolesOnly`: the policy file alone. */
export function vectorAnswers(define, vectors, { rolesOnly = false } = {}) {
  const out = { policy: policy(define, vectors.policy.cases) };
  if (!rolesOnly) {
    out.access = access(define, vectors.access.cases);
    out.ratelimit = ratelimit(define, vectors.ratelimit.cases);
  }
  return out;
}

const CONFIG = {
  roles: ["user", "moderator", "admin"],
  permissions: { user: ["read:users"], moderator: ["write:users"], admin: ["users:*"] },
  rateLimits: { send: { rate: 3, period: 1000 } },
};

/**
 * The attacker's inputs: subjects that must hold nothing, names that must be refused, and (with
 * the full client) malformed facts and states. Each answer is the decision or the error code.
 */
export function malformedAnswers(define, { rolesOnly = false } = {}) {
  const guard = define(CONFIG);
  const polluted = Object.create({ role: "admin" });
  const subjects = [
    null,
    undefined,
    "",
    "Admin",
    "admin ",
    "__proto__",
    "constructor",
    polluted,
    { role: ["admin"] },
    { role: { toString: () => "admin" } },
    { role: 2 },
    ["admin"],
    42,
  ];
  const out = {
    subjects: subjects.map((s) => [answer(() => guard.can(s, "read:users")), answer(() => guard.roleAtLeast(s, "user"))]),
    permissions: [42, null, {}, "", "read:", ":users", "users:*:x", "x".repeat(200), "read users", "read:users\u0000"].map((p) =>
      answer(() => guard.can("admin", p)),
    ),
    minRoles: ["root", "", "Admin", null, 0, "__proto__"].map((r) => answer(() => guard.roleAtLeast("admin", r))),
    badConfigs: [{ roles: "admin" }, { roles: [] }, { roles: ["a", "a"] }, { roles: ["a"], permissions: { b: ["x"] } }, null].map(
      (config) => answer(() => define(config).can("a", "x")),
    ),
  };
  if (!rolesOnly) {
    const doc = { id: "d", owner: "bob", visibility: "private", parent: null, grants: [] };
    out.facts = [
      { now: NaN, caller: "alice", groups: [], documents: [doc] },
      { now: 1, caller: "alice", groups: "g", documents: [doc] },
      { now: 1, caller: "alice", groups: [], documents: [{ ...doc, visibility: "PUBLIC" }] },
      null,
    ].map((facts) => answer(() => guard.resolveAccess(facts)));
    // A grant's level that is not configured (a look-alike of an object key too) gives nothing:
    // an answer, never an error and never access.
    const stale = { ...doc, grants: [{ to: "alice", kind: "direct", level: "__proto__" }] };
    out.staleLevel = answer(() => guard.resolveAccess({ now: 1, caller: "alice", groups: [], documents: [stale] }));
    out.share = [["root", "viewer"], ["viewer", "root"], [null, "owner"], ["__proto__", "viewer"]].map(([a, b]) =>
      answer(() => guard.canShare(a, b)),
    );
    out.transfer = ["", "owner ", "__proto__", null].map((s) => answer(() => guard.canTransfer(s)));
    const state = { t: 0, a: 1, b: 0, log: [] };
    out.status = [
      ["nope", state, 0],
      ["send", { ...state, t: NaN }, 0],
      ["send", { ...state, a: -1 }, 0],
      ["send", { ...state, log: "x" }, 0],
      ["send", "state", 0],
      ["send", state, NaN],
      ["send", state, "0"],
      ["__proto__", null, 0],
    ].map(([name, s, now]) => answer(() => guard.rateLimitStatus(name, s, now)));
    out.counts = [-1, 0.5, NaN, 4, "1"].map((count) => answer(() => guard.rateLimitStatus("send", null, 0, { count })));
  }
  return out;
}
