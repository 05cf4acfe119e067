// Browser pre-checks: the very guard object the server uses (convex/guard.ts), so the
// browser and the server can never disagree about who may press which button.
import type { Subject } from "convex-guard";
import { guard } from "../convex/guard";

const personas = [
  { name: "Uma", role: "user" },
  { name: "Mo", role: "moderator" },
  { name: "Ada", role: "admin" },
  { name: "Sam", role: "superadmin" },
  { name: "Eve", role: "root" }, // unknown role: every button disabled
] as const;

const actions = [
  { label: "Edit users", allowed: (u: Subject) => guard.can(u, "write:users") },
  { label: "Delete users", allowed: (u: Subject) => guard.can(u, "delete:users") },
  { label: "Maintenance", allowed: (u: Subject) => guard.can(u, "admin:system") },
  { label: "Moderate", allowed: (u: Subject) => guard.roleAtLeast(u, "moderator") },
];

export type Results = Record<string, Record<string, boolean>>;

function render(): Results {
  const table = document.getElementById("matrix") as HTMLTableElement;
  const head = table.insertRow();
  for (const text of ["", ...actions.map((a) => a.label)]) {
    head.appendChild(document.createElement("th")).textContent = text;
  }
  const results: Results = {};
  for (const persona of personas) {
    const row = table.insertRow();
    row.insertCell().textContent = `${persona.name} (${persona.role})`;
    results[persona.role] = {};
    for (const action of actions) {
      const allowed = action.allowed(persona);
      results[persona.role]![action.label] = allowed;
      const button = row.insertCell().appendChild(document.createElement("button"));
      button.textContent = action.label;
      button.disabled = !allowed;
    }
  }
  return results;
}

const results = render();
(window as unknown as { __precheck: Results }).__precheck = results;
document.body.dataset.ready = "true";
