// A test helper shared by the function builders' tests: a builder like Convex's, a mutation
// ctx over an in-memory rate-limit table, two callers, and a call's outcome as a code.

/** A builder like Convex's: it keeps the definition (the registered function is an object). */
export const builder = (def) => Object.assign(() => {}, { _handler: def.handler, exportArgs: () => "{}" });

/** A mutation ctx whose caller is `user` (or nobody), with an in-memory rate-limit table. */
export function ctx(user, rows = []) {
  const chain = { withIndex: (_i, range) => {
    const want = {};
    const q = { eq: (f, v) => ((want[f] = v), q) };
    range(q);
    const found = rows.filter((r) => Object.entries(want).every(([f, v]) => r[f] === v));
    return { first: async () => found[0] ?? null, take: async (n) => found.slice(0, n), collect: async () => found };
  } };
  return {
    auth: { getUserIdentity: async () => (user ? { tokenIdentifier: user.tokenIdentifier } : null) },
    db: {
      query: (table) => (table === "users" ? { withIndex: () => ({ take: async () => (user ? [user] : []) }) } : chain),
      insert: async (_t, row) => rows.push({ _id: `r${rows.length}`, ...row }),
      patch: async (id, fields) => Object.assign(rows.find((r) => r._id === id), fields),
      delete: async (id) => rows.splice(rows.findIndex((r) => r._id === id), 1),
    },
  };
}
export const uma = { _id: "u1", tokenIdentifier: "i|uma", role: "user" };
export const ada = { _id: "u2", tokenIdentifier: "i|ada", role: "admin" };
/** "ok", or the denial's code (the error's name when it is no guard denial). */
export const code = (p) => p.then(() => "ok", (e) => e.data?.code ?? e.name);
