// An action calling an external service: authenticated callers only, the API key only from
// the environment, the upstream's errors never shown, the response sanitized, every call
// audited (by guard.safeAction).
import { v } from "convex/values";
import { action } from "./_generated/server";
import { guard } from "./guard";

export const lookupCompany = action(
  guard.safeAction({
    name: "external.lookupCompany",
    args: { domain: v.string() },
    // Audit rows say which company was looked up.
    resourceType: "companies",
    resourceId: "domain",
    // Signed-in users with a user row (the default check, guard.requireUser: a deleted user's
    // live session is UNAUTHENTICATED), at most 10 lookups in any 10 minutes each: the key is
    // the actor the check returned (the user row's _id), taken through
    // convex/guardFunctions.ts. And the API's quota, shared by everyone: both limits are taken
    // all or nothing, so a call the quota refuses spends none of the caller's own budget, and
    // a caller over their own budget spends none of everyone's quota. A denial is
    // RATE_LIMITED, audited as "denied".
    rateLimit: [{ name: "externalLookup" }, { name: "externalLookupGlobal", key: () => "global" }],
    handler: async (_ctx, { domain }): Promise<{ name: string; employees: number | null }> => {
      const key = process.env.EXTERNAL_API_KEY;
      const response = await fetch(
        `https://companies.example/v1/lookup?domain=${encodeURIComponent(domain)}`,
        { headers: { Authorization: `Bearer ${key}` } },
      );
      if (!response.ok) {
        // The upstream's answer may quote the request, key included, even as a field name: it
        // rides on the error to the audit row (redacted and made storable there), never to
        // the caller, who gets UPSTREAM_UNAVAILABLE.
        const text = await response.text();
        throw Object.assign(new Error(`upstream ${response.status}`), { body: parsed(text) });
      }
      const body = (await response.json()) as { name?: unknown; employees?: unknown };
      // Sanitized: only the fields the app shows, with their types checked.
      return {
        name: typeof body.name === "string" ? body.name : "unknown",
        employees: typeof body.employees === "number" ? body.employees : null,
      };
    },
  }),
);

/** `text` as JSON when it is JSON, else the text itself. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
