// The page tests/browser/react.test.mjs renders in Chromium: convex-guard/react's hooks in a
// real React tree, over the built package (installed from the tarball), with a fake clock the
// test drives for one countdown and the page's own clock for another.
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { flushSync } from "react-dom";
import { defineGuard, MINUTE } from "convex-guard";
import { useCan, useRateLimitStatus, useRoleAtLeast } from "convex-guard/react";

const guard = defineGuard({
  roles: ["user", "moderator", "admin"],
  permissions: { user: ["read:users"], admin: ["delete:users"] },
  rateLimits: { sendMessage: { kind: "sliding window", rate: 10, period: MINUTE } },
});

// Counts the decisions the hooks ask for, to see that a re-render with the same arguments
// asks nothing.
let decisions = 0;
const counted = {
  can: (user, permission) => (decisions++, guard.can(user, permission)),
  roleAtLeast: (user, role) => (decisions++, guard.roleAtLeast(user, role)),
};

/** A clock whose time moves only when the test says so; due timers run in order. */
function fakeClock(start) {
  let t = start;
  let next = 1;
  const timers = new Map();
  return {
    now: () => t,
    setTimeout(callback, ms) {
      timers.set(next, { at: t + ms, callback });
      return next++;
    },
    clearTimeout: (handle) => timers.delete(handle),
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = [...timers].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        t = due[1].at;
        flushSync(() => due[1].callback());
      }
      t = end;
    },
    pending: () => timers.size,
  };
}

const users = {
  uma: { name: "Uma", role: "user" },
  mo: { name: "Mo", role: "moderator" },
  ada: { name: "Ada", role: "admin" },
  eve: { name: "Eve", role: ["admin"] }, // not a string: holds nothing
};

function Controls({ user }) {
  const canDelete = useCan(counted, user, "delete:users");
  const moderator = useRoleAtLeast(counted, user, "moderator");
  return (
    <div id="controls">
      <span id="who">{user?.name ?? "loading"}</span>
      {canDelete && <button id="delete">Delete</button>}
      {moderator && <button id="moderate">Moderate</button>}
    </div>
  );
}

function SendButton({ id, state, serverNow, clock }) {
  const status = useRateLimitStatus(guard, "sendMessage", state, { serverNow, clock });
  const wait = status !== undefined && !status.ok ? Math.ceil(status.retryAfter / 1000) : 0;
  const text = status === undefined ? "Loading" : wait > 0 ? `Send (in ${wait} s)` : "Send";
  return (
    <button id={id} disabled={status?.ok !== true}>
      {text}
    </button>
  );
}

// The server's view: 10 messages in the window that started at `windowStart`; the server's
// clock reads 63 s after it, so the 11th message fits in 3 s (the sliding window's 66 s).
// The page's fake clock runs an hour ahead of the server's: only the offset measured from
// `serverNow` makes the countdown right.
const windowStart = Date.UTC(2026, 0, 1, 12);
const sent = { t: windowStart, a: 10, b: 0, log: [] };
const fake = fakeClock(windowStart + 63_000 + 3_600_000);

// The real clock: the same burst 64.5 s ago, so about 1.5 s are left.
const realSent = { t: Date.now() - 64_500, a: 10, b: 0, log: [] };

let setters;
function App() {
  const [user, setUser] = useState(undefined);
  const [serverNow, setServerNow] = useState(undefined);
  const [, setNoise] = useState(0);
  const [realServerNow] = useState(() => Date.now());
  setters = { setUser, setServerNow, setNoise };
  return (
    <>
      <Controls user={user} />
      <SendButton id="fake" state={sent} serverNow={serverNow} clock={fake} />
      <SendButton id="real" state={realSent} serverNow={realServerNow} />
    </>
  );
}

createRoot(document.getElementById("root")).render(<App />);
Object.assign(window, {
  __setUser: (name) => flushSync(() => setters.setUser(name === undefined ? undefined : users[name])),
  __serverAnswers: () => flushSync(() => setters.setServerNow(windowStart + 63_000)),
  __rerender: () => flushSync(() => setters.setNoise((n) => n + 1)),
  __advance: (ms) => fake.advance(ms),
  __pendingTimers: () => fake.pending(),
  __decisions: () => decisions,
});
document.body.dataset.ready = "true";
