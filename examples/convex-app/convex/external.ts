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
    handler: async (_ctx, { domain }): Promise<{ name: string; employees: number | null }> => {
      const key = process.env.EXTERNAL_API_KEY;
      const response = await fetch(
        `https://companies.example/v1/lookup?domain=${encodeURIComponent(domain)}`,
        { headers: { Authorization: `Bearer ${key}` } },
      );
      if (!response.ok) {
        // Upstream text may quote the request, key included: it goes to the audit log
        // (redacted), never to the caller.
        throw new Error(`upstream ${response.status}: ${await response.text()}`);
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
