// Demo section: roles and permissions.
import { expect } from "vitest";
import { api } from "../convex/_generated/api";
import { newTest, outcome } from "../convex/test.setup";
import { ISSUER, show } from "./show";

export async function roles() {
  const t = newTest();
  const people = [
    ["uma", "Uma", "user"],
    ["mo", "Mo", "moderator"],
    ["ada", "Ada", "admin"],
    ["sam", "Sam", "superadmin"],
    ["eve", "Eve", "root"], // a role the guard does not know
  ] as const;
  const ids: Record<string, string> = {};
  for (const [subject, name, role] of people) {
    ids[subject] = await t.run((ctx) =>
      ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${subject}`, name, role }),
    );
  }
  const as = (subject: string) => t.withIdentity({ subject, issuer: ISSUER });

  console.log("\nRoles and permissions (user < moderator < admin < superadmin)");
  const story: [string, string, () => Promise<unknown>, string][] = [
    ["anonymous", "users.me", () => t.query(api.users.me, {}), "UNAUTHENTICATED"],
    ["ghost (no user row)", "users.me", () => as("ghost").query(api.users.me, {}), "UNAUTHENTICATED"],
    ["Uma (user)", "users.me", () => as("uma").query(api.users.me, {}), "ok"],
    ["Uma (user)", "users.flagUser(Eve)", () => as("uma").mutation(api.users.flagUser, { userId: ids.eve as never }), "FORBIDDEN"],
    ["Mo (moderator)", "users.flagUser(Eve)", () => as("mo").mutation(api.users.flagUser, { userId: ids.eve as never }), "ok"],
    ["Mo (moderator)", "users.listUsers", () => as("mo").query(api.users.listUsers, {}), "FORBIDDEN"],
    ["Ada (admin)", "users.listUsers", () => as("ada").query(api.users.listUsers, {}), "ok"],
    ["Ada (admin)", "system.setMaintenance(on)", () => as("ada").mutation(api.system.setMaintenance, { on: true }), "FORBIDDEN"],
    ["Sam (superadmin)", "system.setMaintenance(on)", () => as("sam").mutation(api.system.setMaintenance, { on: true }), "ok"],
    ["Eve (unknown 'root')", "users.flagUser(Uma)", () => as("eve").mutation(api.users.flagUser, { userId: ids.uma as never }), "FORBIDDEN"],
  ];
  for (const [who, call, run, want] of story) {
    const result = show(who, call, await outcome(run()));
    expect("ok" in result ? "ok" : result.code, `${who} ${call}`).toBe(want);
  }
}
