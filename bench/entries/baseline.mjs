// The floor every other entry pays: a context, a script, and convex/values' ConvexError (which
// each entry bundles, for its requirePermission).
// Every Convex function module imports convex/server (its query/mutation builders come from
// _generated/server), so each entry includes it: the comparison measures the library's own cost.
import { queryGeneric } from "convex/server";
import { ConvexError } from "convex/values";

export { ConvexError };
export const result = typeof ConvexError === "function";
export { queryGeneric };
