// Browser pre-checks: the very guard object the server uses (convex/guard.ts), so the
// browser and the server can never disagree about who may press which button.
import type { RateLimitDecision, RateLimitState, Subject } from "convex-guard";
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

// Rate-limit countdown: the state `api.ratelimit.messageLimitState` returns (here, 10 messages
// sent in the window that started at `t`) and the time, turned into a wait by the same math the
// server uses. A real page re-renders every second with the server's time (Date.now() plus the
// offset it measured), without asking the server again.
function countdown(state: RateLimitState, now: number): RateLimitDecision {
  const status = guard.rateLimitStatus("sendMessage", state, now);
  const button = document.getElementById("send") as HTMLButtonElement;
  button.disabled = !status.ok;
  button.textContent = status.ok ? "Send" : `Send (in ${Math.ceil(status.retryAfter / 1000)} s)`;
  return status;
}
const sent: RateLimitState = { t: Date.UTC(2026, 0, 1, 12), a: 10, b: 0, log: [] };
(window as unknown as { __countdown: RateLimitDecision }).__countdown = countdown(sent, sent.t + 30_000);
document.body.dataset.ready = "true";
