import { defineGuard } from "convex-guard";

/**
 * The app's one guard. Defining it costs nothing at import: the configuration is compiled
 * into the engine at the first check of a request.
 */
export const guard = defineGuard({
  roles: ["user", "moderator", "admin", "superadmin"], // lowest first
  permissions: {
    user: ["read:users"],
    moderator: ["write:users"], // plus everything below
    admin: ["delete:users"],
    superadmin: ["admin:*"], // every "admin:..." permission
  },
  access: {
    levels: ["viewer", "commenter", "editor", "owner"], // lowest first; the last is the owner's
    tables: {
      folders: { owner: "ownerId", visibility: "visibility", parent: "parentId" },
      documents: { owner: "ownerId", visibility: "visibility", parent: "folderId", parentTable: "folders" },
    },
  },
});
