/**
 * Data access boundaries: the public interface of deleting a document with its grants, part of
 * {@link Access} (access.ts, split out for length). The method is access-documents.ts's; who may
 * is the engine's transfer decision.
 */
import type { GenericDataModel, TableNamesInDataModel } from "convex/server";
import type { WriterCtx } from "./ctx.js";

/** Deleting a document and every grant on it. See {@link Access}. */
export interface AccessDelete {
  /**
   * Deletes a document and every grant on it (to users and groups, expired ones too), in the
   * one mutation: no grant outlives its document, so no former grantee's `listAccessible`
   * reads it again. Returns how many grants it removed. Only the document's own owner may, as
   * for {@link Access.transferOwnership} (owning a folder above it is not enough): a deletion is
   * never undone.
   *
   * **Bounded:** a document holding more than 1,000 grants is refused before anything is
   * deleted (a mutation writes at most 16,000 documents: this call keeps to a sixteenth of
   * that, leaving the rest to the app); revoke some first ({@link Access.listGrants}, then
   * {@link Access.revoke}), then delete it.
   *
   * **Not deleted:** the documents whose parent field names it. They lose only what they
   * inherited through it (a missing parent gives nothing): their own owners, grants and
   * visibility stay; move or delete them first when that matters.
   *
   * @throws `ConvexError` `UNAUTHENTICATED`; `NOT_FOUND` "Document not found" when the caller
   * cannot see it (the same for a missing, malformed or other-table id); `FORBIDDEN` "Only the
   * owner can delete a document" (before its grants are counted); `INVALID_ARGUMENT` for a
   * table not configured, or a document holding more than 1,000 grants.
   * @example
   * ```ts
   * const removed = await guard.deleteDocument(ctx, "documents", args.id); // grants removed
   * ```
   */
  deleteDocument<DM extends GenericDataModel>(ctx: WriterCtx<DM>, table: TableNamesInDataModel<DM>, id: string): Promise<number>;
}
