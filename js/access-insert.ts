/**
 * Data access boundaries: the public interface of inserting a document (with its owner and
 * parent fields), part of {@link Access} (access.ts, split out for length). The method is
 * access-documents.ts's; filing into the parent is the engine's share decision, as a move's.
 */
import type { DocumentByName, GenericDataModel, TableNamesInDataModel, WithoutSystemFields } from "convex/server";
import type { GenericId } from "convex/values";
import type { WriterCtx } from "./ctx.js";

/** Inserting a document owned by the caller, under a parent. See {@link Access}. */
export interface AccessInsert {
  /**
   * Inserts a document of an access table, owned by the caller, and answers its id: the
   * guarded way to create a document with its parent field (a transaction in its account, a
   * document in a folder), so the schema can keep that field required.
   *
   * **The owner field** (`access.tables.<table>.owner`) is the caller's id: left out, it is
   * filled in; naming anyone else is `FORBIDDEN`, not `INVALID_ARGUMENT`: a well-formed user id
   * the caller has no right to give (it would plant the document in that user's listing,
   * owned by them), refused as a share with oneself is.
   *
   * **The parent field** (`parent`), when given (neither `undefined` nor `null`), takes what
   * {@link Access.moveDocument} takes of a destination, checked the same way: a document
   * of the table's `parentTable` the caller can see and may share (the share level on it: the
   * level that lists its grants), or holds the table's `fileLevel` on when it has one
   * (`fileLevel: "commenter"`: whoever may comment on a post creates comments under it). Whoever holds a level on that parent then inherits it on the
   * new document. A new document cannot make a loop, so there is no loop check. The other
   * fields (the visibility too: the caller owns the document) are written as given; the
   * schema checks them.
   *
   * Write the parent field at insert only through this call (a viewer-level check then
   * `ctx.db.insert` would let a viewer file into a parent they only view), and later only
   * through {@link Access.moveDocument}.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Document not found" when the caller
   * cannot see the parent (the same for a missing, malformed or other-table id); `FORBIDDEN`
   * "You can only create a document you own", "Access level 'editor' or higher on the parent
   * required to create a document under it" (naming the level it takes); `INVALID_ARGUMENT` for a table not configured, or a `doc` that is
   * not an object (both before the caller is looked at).
   * @example
   * ```ts
   * // The account's editors and owner may file into it; its viewers get FORBIDDEN.
   * const id = await guard.insertDocument(ctx, "transactions", { amount, accountId, ownerId: user._id });
   * ```
   */
  insertDocument<DM extends GenericDataModel, Tb extends TableNamesInDataModel<DM>>(
    ctx: WriterCtx<DM>,
    table: Tb,
    doc: WithoutSystemFields<DocumentByName<DM, Tb>>,
  ): Promise<GenericId<Tb>>;
}
