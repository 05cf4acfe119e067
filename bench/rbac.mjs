// The role-based policy every library in the policy benchmark implements, and the probes its
// answers are checked against. One source of truth for convex-guard, CASL and casbin; the plain
// TypeScript version (plain.ts) writes the same tables out by hand, as an application would,
// and the benchmark refuses to run if its answers differ.

/** Lowest first: each role inherits every permission of the roles below it. */
export const ROLES = ["user", "moderator", "admin", "superadmin"];

/** Each role's own grants; `resource:*` grants every permission under `resource:`. */
export const PERMISSIONS = {
  user: ["read:users"],
  moderator: ["write:users"],
  admin: ["delete:users"],
  superadmin: ["admin:*"],
};

export const GUARD_CONFIG = { roles: ROLES, permissions: PERMISSIONS };

/**
 * The first decision a request makes in the fresh-context benchmark: it needs inheritance (an
 * admin writes users through the moderator role), so no library can answer it trivially.
 */
export const FIRST_CHECK = { user: { _id: "u1", role: "admin" }, permission: "write:users", expected: true };

/** Users of every role, plus one whose role the policy does not know (always denied). */
// `@__PURE__`: an entry that does not use these probes (the fresh-context ones) leaves their
// construction out of its bundle, so it is not counted in a library's extra cost.
export const USERS = /* @__PURE__ */ [...ROLES, "guest"].map((role, i) => ({ _id: `u${i}`, role }));

/** Permissions checked on the hot path: one per role's grant, the last through a wildcard. */
export const CHECKED_PERMISSIONS = ["read:users", "write:users", "delete:users", "admin:system"];

/** The expected answer of `can(user, permission)`, written out rather than computed. */
export const EXPECTED_CAN = {
  user: [true, false, false, false],
  moderator: [true, true, false, false],
  admin: [true, true, true, false],
  superadmin: [true, true, true, true],
  guest: [false, false, false, false],
};

/** Probes for `can`: every user against every checked permission. */
export const CAN_PROBES = /* @__PURE__ */ USERS.flatMap((user) =>
  CHECKED_PERMISSIONS.map((permission, j) => ({ subject: user, arg: permission, expected: EXPECTED_CAN[user.role][j] })),
);

/** Probes for `roleAtLeast`: every user against every minimum role. */
export const ROLE_PROBES = /* @__PURE__ */ USERS.flatMap((user) =>
  ROLES.map((minRole, j) => ({ subject: user, arg: minRole, expected: ROLES.indexOf(user.role) >= j })),
);

/**
 * The same roles and permissions with every other capability configured too (access levels
 * and tables, rate limits of each kind, confirmation codes with the audit trail), as an app
 * using the whole package defines its guard: the fresh-context figure the targets use makes
 * the same first permission check with this guard.
 */
export const FULL_GUARD_CONFIG = {
  ...GUARD_CONFIG,
  access: {
    levels: ["viewer", "commenter", "editor", "owner"],
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
    groups: { managers: { role: "admin" } },
  },
  rateLimits: {
    sendMessage: { kind: "sliding window", rate: 10, period: 60_000 },
    upload: { kind: "token bucket", rate: 3, period: 60_000, capacity: 3 },
    uploadGlobal: { kind: "fixed window", rate: 100, period: 60_000, shards: 4 },
    login: { kind: "sliding log", rate: 3, period: 600_000 },
  },
  confirmations: { audit: { readers: { permission: "admin:audit" } } },
};
