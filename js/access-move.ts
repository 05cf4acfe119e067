/**
 * Data access boundaries: the public interface of moving a document (writing its parent
 * field), part of {@link Access} (access.ts, split out for length). The method is
 * access-documents.ts's; its rules are the engine's transfer, share and cycle decisions.
 */
import type { GenericDataModel, TableNamesInDataModel } from "convex/server";
import type { WriterCtx } from "./ctx.js";

/** Moving a document: the guarded write of an existing document's parent field. See {@link Access}. */
export interface AccessMove {
  /**
   * Moves a document under another parent (a document of the table's `parentTable`, a
   * folder), or detaches it (`parentId` `null`). The parent field carries access: whoever
   * holds a level on the new parent or above it inherits it on the document and below (the
   * parent's owner: the owner level), and those on the old one lose theirs. That is what
   * transferring ownership does, so only the document's own owner may (owning a folder
   * above it is not enough), and the mover gains nothing (they already hold the owner level
   * on it and below). The destination must be one the caller may share (the share level on
   * it: the level that lists its grants; the table's `fileLevel` when it has one), and the
   * move must not make a loop (a destination
   * that is the document itself or below it, among the 8 ancestors a read gathers, is
   * refused). Grants on the document stay, the ones made through the old parent included:
   * revoke those too when that matters.
   *
   * Write the parent field only through this call (and the owner field only through
   * {@link Access.transferOwnership}): to create a document in a folder, insert it with
   * {@link Access.insertDocument}, which checks the folder as this call checks a
   * destination.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Document not found" when the caller
   * cannot see the document, or the destination (the same for a missing, malformed or
   * other-table id); `FORBIDDEN` "Only the owner can move a document" (before the destination
   * is looked at), "Access level 'editor' or higher on the destination required to move a
   * document into it" (naming the level it takes);
   * `INVALID_ARGUMENT` when the table has no parent field, or the move would make a loop.
   * @example
   * ```ts
   * await guard.moveDocument(ctx, "documents", id, folderId); // into a folder
   * await guard.moveDocument(ctx, "documents", id, null); // out of every folder
   * ```
   */
  moveDocument<DM extends GenericDataModel>(
    ctx: WriterCtx<DM>,
    table: TableNamesInDataModel<DM>,
    id: string,
    parentId: string | null,
  ): Promise<void>;
}
