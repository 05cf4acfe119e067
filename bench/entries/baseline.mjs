// The floor every other entry pays: a context, a script, and convex/values' ConvexError (which
// each entry bundles, for its requirePermission).
import { ConvexError } from "convex/values";

export { ConvexError };
export const result = typeof ConvexError === "function";
