import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { guard } from "./guard";
import { newTest, outcome, type Outcome } from "./test.setup";

type Caller = {
  name: string;
  /** undefined: no identity at all; null: an identity with no user row. */
  row?: { role?: string } | null;
};

const callers: Caller[] = [
  { name: "anonymous" },
  { name: "identity without a user row", row: null },
  { name: "user", row: { role: "user" } },
  { name: "moderator", row: { role: "moderator" } },
  { name: "admin", row: { role: "admin" } },
  { name: "superadmin", row: { role: "superadmin" } },
  { name: "unknown role", row: { role: "root" } },
  { name: "missing role field", row: {} },
];

const UNAUTH: Outcome = { code: "UNAUTHENTICATED", message: "Authentication required" };
const forbiddenRole = (r: string): Outcome => ({
  code: "FORBIDDEN",
  message: `Role '${r}' or higher required`,
});
const FORBIDDEN_SYSTEM: Outcome = {
  code: "FORBIDDEN",
  message: "Permission 'admin:system' required",
};

/** The whole matrix: caller -> function -> exact outcome. */
const expected: Record<string, Record<string, Outcome | "ok">> = {
  anonymous: { me: UNAUTH, flagUser: UNAUTH, listUsers: UNAUTH, setMaintenance: UNAUTH },
  "identity without a user row": {
    me: UNAUTH,
    flagUser: UNAUTH,
    listUsers: UNAUTH,
    setMaintenance: UNAUTH,
  },
  user: {
    me: "ok",
    flagUser: forbiddenRole("moderator"),
    listUsers: forbiddenRole("admin"),
    setMaintenance: FORBIDDEN_SYSTEM,
  },
  moderator: {
    me: "ok",
    flagUser: "ok",
    listUsers: forbiddenRole("admin"),
    setMaintenance: FORBIDDEN_SYSTEM,
  },
  admin: { me: "ok", flagUser: "ok", listUsers: "ok", setMaintenance: FORBIDDEN_SYSTEM },
  superadmin: { me: "ok", flagUser: "ok", listUsers: "ok", setMaintenance: "ok" },
  // Fail closed: a role the guard does not know holds nothing; it is never "the lowest role".
  "unknown role": {
    me: "ok",
    flagUser: forbiddenRole("moderator"),
    listUsers: forbiddenRole("admin"),
    setMaintenance: FORBIDDEN_SYSTEM,
  },
  "missing role field": {
    me: "ok",
    flagUser: forbiddenRole("moderator"),
    listUsers: forbiddenRole("admin"),
    setMaintenance: FORBIDDEN_SYSTEM,
  },
};

async function setUp(caller: Caller) {
  const t = newTest();
  const victim = await t.run((ctx) =>
    ctx.db.insert("users", { tokenIdentifier: "issuer|victim", name: "Victim", role: "user" }),
  );
  const subject = "caller";
  if (caller.row) {
    await t.run((ctx) =>
      ctx.db.insert("users", {
        tokenIdentifier: `https://issuer.example|${subject}`,
        name: caller.name,
        ...caller.row,
      }),
    );
  }
  const as =
    caller.row === undefined ? t : t.withIdentity({ subject, issuer: "https://issuer.example" });
  return { t, as, victim };
}

describe("every function against every caller", () => {
  for (const caller of callers) {
    test(caller.name, async () => {
      const { t, as, victim } = await setUp(caller);
      const got: Record<string, Outcome> = {
        me: await outcome(as.query(api.users.me, {})),
        flagUser: await outcome(as.mutation(api.users.flagUser, { userId: victim })),
        listUsers: await outcome(as.query(api.users.listUsers, {})),
        setMaintenance: await outcome(as.mutation(api.system.setMaintenance, { on: true })),
      };
      const want = expected[caller.name]!;
      for (const fn of Object.keys(want)) {
        const w = want[fn]!;
        if (w === "ok") expect(got[fn], `${caller.name} -> ${fn}`).toHaveProperty("ok");
        else expect(got[fn], `${caller.name} -> ${fn}`).toEqual(w);
      }
      // A denied mutation changed nothing.
      const flagged = await t.run(async (ctx) => (await ctx.db.get(victim))?.flagged ?? false);
      expect(flagged).toBe(want.flagUser === "ok");
      const maintenance = await t.run((ctx) =>
        ctx.db
          .query("settings")
          .withIndex("by_key", (q) => q.eq("key", "maintenance"))
          .unique(),
      );
      expect(maintenance?.value ?? false).toBe(want.setMaintenance === "ok");
    });
  }
});

describe("results", () => {
  test("me returns the caller's own row, never another's", async () => {
    const { as } = await setUp({ name: "moderator", row: { role: "moderator" } });
    expect(await as.query(api.users.me, {})).toEqual({ name: "moderator", role: "moderator" });
  });

  test("an identity whose issuer differs is a different user", async () => {
    const { t } = await setUp({ name: "admin", row: { role: "admin" } });
    const impostor = t.withIdentity({ subject: "caller", issuer: "https://evil.example" });
    expect(await outcome(impostor.query(api.users.listUsers, {}))).toEqual(UNAUTH);
  });

  test("two users rows for one identity decide for no one: the guard's error names the look-up, never the rows' ids", async () => {
    // An app's sign-up that ran twice. Convex's unique() error listed both rows' ids, which a
    // development deployment shows its client.
    const { t, as } = await setUp({ name: "admin", row: { role: "admin" } });
    const twin = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: "https://issuer.example|caller", name: "twin", role: "user" }),
    );
    for (const call of [as.query(api.users.me, {}), as.query(api.users.listUsers, {}), as.mutation(api.system.setMaintenance, { on: true })]) {
      const e = await call.then(
        () => expect.fail("decided for a caller with two rows"),
        (e: Error) => e,
      );
      expect(e.name).toBe("GuardConfigError");
      expect(e.message).toContain("users, for the caller's tokenIdentifier claim (index by_tokenIdentifier), has more than one row");
      expect(e.message).not.toContain(twin);
    }
    const maintenance = await t.run((ctx) => ctx.db.query("settings").collect());
    expect(maintenance).toEqual([]);
  });

  test("role names that look like object keys grant nothing", async () => {
    for (const role of ["__proto__", "constructor", "toString", "hasOwnProperty", ""]) {
      const { as } = await setUp({ name: role, row: { role } });
      expect(await outcome(as.query(api.users.listUsers, {}))).toEqual(forbiddenRole("admin"));
    }
  });
});

test("the guard configuration is valid", () => {
  guard.validate();
  expect(guard.roles).toEqual(["user", "moderator", "admin", "superadmin"]);
});
