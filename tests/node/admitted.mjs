// A test helper shared by the rate-limit tests: `n` requests of limit `name`, 1 ms apart from
// `start`, each decided purely (guard.decideRateLimits) with the state the previous admitted
// one left. Answers how many were admitted and the last state: what a caller that stores the
// state the engine hands back would see.
export function admitted(guard, name, n, start = 1000) {
  let state = null;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const r = guard.decideRateLimits([{ name, state }], start + i);
    if (r.ok) count++;
    state = r.outcomes[0].state ?? state;
  }
  return { admitted: count, state };
}
