// Demo section: data access boundaries (viewer < commenter < editor < owner).
import { expect } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { guard } from "../convex/guard";
import { newTest, outcome } from "../convex/test.setup";
import { ISSUER, show } from "./show";

export async function access() {
  const t = newTest();
  const user: Record<string, Id<"users">> = {};
  for (const name of ["olive", "eddie", "vic", "gina", "nate"]) {
    user[name] = await t.run((ctx) => ctx.db.insert("users", { tokenIdentifier: `${ISSUER}|${name}`, name }));
  }
  const as = (name: string) => t.withIdentity({ subject: name, issuer: ISSUER });
  const { plan, gone } = await t.run(async (ctx) => {
    const plan = await ctx.db.insert("documents", { title: "Plan", body: "v1", ownerId: user.olive!, visibility: "private" });
    const gone = await ctx.db.insert("documents", { title: "Gone", body: "", ownerId: user.olive!, visibility: "private" });
    await ctx.db.delete(gone);
    return { plan, gone };
  });
  const { groupId: eng } = await as("olive").mutation(api.groups.createGroup, { name: "eng" });
  await as("olive").mutation(api.groups.addMember, { groupId: eng, userId: user.gina! }); // an invitation
  await as("gina").mutation(api.groups.acceptInvite, { groupId: eng }); // membership takes consent

  console.log("\nData access boundaries (viewer < commenter < editor < owner; Olive owns the private 'Plan')");
  const story: [string, string, () => Promise<unknown>, string][] = [
    ["anonymous", "getSharedDocument(Plan)", () => t.query(api.documents.getSharedDocument, { id: plan }), "null"],
    ["Nate (stranger)", "getSharedDocument(Plan)", () => as("nate").query(api.documents.getSharedDocument, { id: plan }), "null"],
    ["Nate (stranger)", "getSharedDocument(deleted)", () => as("nate").query(api.documents.getSharedDocument, { id: gone }), "null"],
    ["Nate (stranger)", "updateDocument(Plan)", () => as("nate").mutation(api.documents.updateDocument, { id: plan, body: "x" }), "NOT_FOUND"],
    ["Nate (stranger)", "updateDocument(deleted)", () => as("nate").mutation(api.documents.updateDocument, { id: gone, body: "x" }), "NOT_FOUND"],
    ["Olive (owner)", "share(Plan, Eddie, editor)", () => as("olive").mutation(api.documents.shareDocument, { id: plan, userId: user.eddie!, level: "editor" }), "ok"],
    ["Olive (owner)", "share(Plan, eng, commenter)", () => as("olive").mutation(api.documents.shareDocument, { id: plan, groupId: eng, level: "commenter" }), "ok"],
    ["Eddie (editor)", "share(Plan, Vic, viewer)", () => as("eddie").mutation(api.documents.shareDocument, { id: plan, userId: user.vic!, level: "viewer" }), "ok"],
    // share's type leaves the owner level out; past it, the guard refuses at run time.
    ["Eddie (editor)", "share(Plan, Vic, owner)", () => as("eddie").run((ctx) => guard.share(ctx, "documents", plan, { userId: user.vic!, level: "owner" as never })), "FORBIDDEN"],
    ["Vic (viewer)", "getSharedDocument(Plan)", () => as("vic").query(api.documents.getSharedDocument, { id: plan }), "ok"],
    ["Vic (viewer)", "updateDocument(Plan)", () => as("vic").mutation(api.documents.updateDocument, { id: plan, body: "x" }), "FORBIDDEN"],
    ["Gina (in eng)", "getSharedDocument(Plan)", () => as("gina").query(api.documents.getSharedDocument, { id: plan }), "ok"],
    ["Eddie (editor)", "updateDocument(Plan)", () => as("eddie").mutation(api.documents.updateDocument, { id: plan, body: "v2" }), "ok"],
    ["Eddie (editor)", "getSensitiveItem(Plan)", () => as("eddie").query(api.documents.getSensitiveItem, { id: plan }), "null"],
    ["Olive (owner)", "revoke(Plan, Vic)", () => as("olive").mutation(api.documents.revokeDocument, { id: plan, userId: user.vic! }), "ok"],
    ["Vic (revoked)", "getSharedDocument(Plan)", () => as("vic").query(api.documents.getSharedDocument, { id: plan }), "null"],
    ["Eddie (editor)", "transfer(Plan, Eddie)", () => as("eddie").mutation(api.documents.transferDocument, { id: plan, newOwnerId: user.eddie! }), "FORBIDDEN"],
    ["Olive (owner)", "listMine", () => as("olive").query(api.documents.listMine, { paginationOpts: { numItems: 10, cursor: null } }), "ok"],
  ];
  for (const [who, call, run, want] of story) {
    const result = show(who, call, await outcome(run()));
    const got = "ok" in result ? (result.ok === null ? "null" : "ok") : result.code;
    expect(got, `${who} ${call}`).toBe(want);
  }
}
