/**
 * The engine's objects as JavaScript sees them: thin wrappers holding a handle (an index into
 * the engine's table of objects, src/bindings/mod.rs) and the generation of the instance it
 * lives in. Each method writes its strings and arrays into the engine's I/O area, calls one
 * export with numbers, and reads the answer or the engine's error back (engine.ts).
 *
 * An object of a discarded instance throws when used (its generation is not the live one), as
 * does a builder after `build` (which consumes it, successful or not). The engine frees an
 * object when its wrapper is garbage-collected: one FinalizationRegistry for every handle,
 * made at the first object; its callback frees nothing of an instance that was discarded
 * since (the handle's generation is kept with it).
 * @internal
 */
import {
  ABI_ABSENT,
  ABI_HAS_ACTOR_FAILURES,
  ABI_HAS_ACTOR_WINDOW,
  ABI_HAS_BINDING_FAILURES,
  ABI_HAS_BINDING_WINDOW,
  ABI_HAS_CAPACITY,
  ABI_HAS_SHARDS,
  ABI_HAS_TTL,
  ABI_KIND_LEVELS,
  ABI_KIND_LIMITER,
  CODE_GENERATE,
  MAX_GRANTS,
  MAX_ROLES,
  opAccessCanShare,
  opAccessCanTransfer,
  opAccessInfo,
  opAccessLevels,
  opAccessResolve,
  opCodesMessage,
  opCodesNew,
  opCodesVerify,
  opCodesIssue,
  opCreate,
  opLevelsBuild,
  opLevelsLevel,
  opLimiterAdd,
  opLimiterCapacity,
  opLimiterDecide,
  opLimiterIo,
  opPolicyCompile,
  opPolicyHolders,
  opRelease,
  type EngineExports,
} from "./generated/wire.js";
import { engine, enter, leave, live, randomReady } from "./engine.js";
import { address, advance, align, answerBytes, answerNumbers, answerText, asciiNames, bytes, check, checked, input, ioArea, reserve, text } from "./engine-io.js";

const STALE = "convex-guard: an engine object of a discarded instance (or a builder already built) was used";

/** Handles and generations share one number in the registry: `generation * SPAN + handle`. */
const SPAN = 2 ** 32;
/** The registry of every wrapper (`null`: the platform has none; `undefined`: not made yet). */
let registry: FinalizationRegistry<number> | null | undefined;

/** Frees the engine object of a collected wrapper, unless its instance was discarded since. */
function release(held: number): void {
  if (Math.floor(held / SPAN) !== live.generation) return;
  try {
    const g = enter();
    leave(g, opRelease(live.exports, held % SPAN));
  } catch {
    // The instance is discarded (the export never returned to `leave`); a finalizer throws nothing.
  }
}

/**
 * What every wrapper holds: the engine object's handle `h` and its instance's generation `g`.
 * Each wrapper is a base class calling {@link hold}: a derived class's first `new` costs a
 * fresh context more, as does a declared field's initializer (hence `declare`).
 */
type Held = { h: number; g: number };

/**
 * Makes `o` the wrapper of the engine object `h` of the live instance, registered so that the
 * engine frees `h` when `o` is collected. A builder (`consumable`) is registered with itself
 * as the unregister token, for {@link consume}; the other wrappers are never unregistered.
 */
function hold(o: Held, h: number, consumable: boolean): void {
  o.h = h;
  o.g = live.generation;
  if (registry === undefined) registry = typeof FinalizationRegistry === "function" ? new FinalizationRegistry(release) : null;
  if (consumable) registry?.register(o, o.g * SPAN + h, o);
  else registry?.register(o, o.g * SPAN + h);
}

/**
 * The live exports, for an object of the live instance; else it throws (discarding it). Each
 * export is then called between `const g = enter()` and `leave(g, ...)` (engine.ts), its
 * arguments computed first.
 */
function use(o: Held): EngineExports {
  if (o.g !== live.generation) throw new Error(STALE);
  return live.exports;
}

/** Uses builder `o` for the last time: its engine object is consumed by the call. */
function consume(o: Held): EngineExports {
  const ex = use(o);
  registry?.unregister(o);
  o.g = -1;
  return ex;
}

/** A new engine object of a `KIND_*` (instantiating the engine if needed). */
function created(kind: number): number {
  engine();
  const g = enter();
  return check(leave(g, opCreate(live.exports, kind)));
}

/** `x` is given (an optional argument's rule, as it always was: neither undefined nor null). */
const given = (x: unknown): boolean => x !== undefined && x !== null;

/**
 * Collects roles (lowest first) and grants, then compiles them into a {@link CompiledPolicy}
 * in one engine call (`policy_compile`): V8 compiles each WebAssembly function at its first
 * call, and a context's first request pays for every export it runs, so one export for the
 * whole configuration costs less than one call per role and per grant. The engine checks the
 * entries in order, as one call per entry did, and refuses the first one it refuses.
 */
export class PolicyBuilder {
  private readonly roles: string[] = [];
  private readonly grants: string[] = [];
  private built = false;
  /** Declares the next role, above all earlier ones (checked by `check` and `build`). */
  role(name: string): void {
    this.open().roles.push(name);
  }
  /** Grants `permission` to `role` and every role above it (checked by `check` and `build`). */
  grant(role: string, permission: string): void {
    this.open().grants.push(role, permission);
  }
  /** Checks the entries so far without compiling them. Throws INVALID_CONFIG. */
  check(): void {
    checkPolicy(this.open().roles, this.grants);
  }
  /** Validates and compiles the policy (consumes the builder). Throws INVALID_CONFIG. */
  build(): CompiledPolicy {
    this.open().built = true;
    return policyOf(this.roles, this.grants);
  }
  private open(): this {
    if (this.built) throw new Error(STALE);
    return this;
  }
}

/**
 * Whether the engine refuses `roles` and `grants` (`role, permission` pairs) whatever comes
 * next: one role past MAX_ROLES or one grant past MAX_GRANTS is refused, if no earlier entry is.
 */
export function policyFull(roles: readonly string[], grants: readonly string[]): boolean {
  return roles.length > MAX_ROLES || grants.length > 2 * MAX_GRANTS;
}

/**
 * Validates and compiles `roles` (lowest first) and `grants` (`role, permission` pairs, in
 * order) in one engine call, as {@link PolicyBuilder} does, without a builder. Throws INVALID_CONFIG.
 */
export function policyOf(roles: readonly string[], grants: readonly string[]): CompiledPolicy {
  const n = roles.length;
  const handle = compilePolicy(roles, grants, 1);
  // The "at least" table, written by the same call: (n + 1) * n bytes for n roles.
  return new CompiledPolicy(handle, answerBytes((n + 1) * n));
}

/** Checks `roles` and `grants` as {@link policyOf} would, compiling nothing. Throws INVALID_CONFIG. */
export function checkPolicy(roles: readonly string[], grants: readonly string[]): void {
  compilePolicy(roles, grants, 0);
}

/** `policy_compile`: lengths first (`u32`), then the strings; see src/bindings/policy.rs. */
function compilePolicy(roles: readonly string[], grants: readonly string[], build: number): number {
  engine();
  const ex = live.exports;
  let t = input();
  // Names are ASCII in practice: written in one go. Otherwise (or a name that is not a
  // string, which `text` refuses), written again from the start, one string at a time.
  if (!asciiNames(roles, grants)) {
    t = input();
    const n = roles.length + grants.length;
    reserve(4 * n);
    advance(4 * n);
    const lens = new Uint32Array(n);
    let i = 0;
    // Index loops over this layer's own arrays: nothing of the caller's (nor a patched
    // Array iterator) runs while the I/O area's address is held.
    for (let r = 0; r < roles.length; r++) lens[i++] = text(roles[r]!);
    for (let g = 0; g < grants.length; g++) lens[i++] = text(grants[g]!);
    // The area's address now: writing the strings may have moved it.
    new Uint32Array(live.memory!.buffer, ioArea(), n).set(lens);
  }
  const g = enter();
  return checked(t, leave(g, opPolicyCompile(ex, roles.length, grants.length / 2, build)));
}

/** A compiled policy: role and permission decisions as tables (src/bindings/policy.rs). */
export class CompiledPolicy {
  declare h: number;
  declare g: number;
  private declare readonly t: Uint8Array;
  constructor(h: number, atLeast: Uint8Array) {
    hold(this, h, false);
    this.t = atLeast;
  }
  /** `permission` decided for every role id, then 0 for "no role". Throws INVALID_ARGUMENT. */
  holders(permission: string): Uint8Array {
    const ex = use(this);
    const t = input();
    const p = text(permission);
    const g = enter();
    return answerBytes(checked(t, leave(g, opPolicyHolders(ex, this.h, p))));
  }
  /** Every "at least" decision: the byte at `role * n + min` for `n` roles (made by `build`). */
  atLeastTable(): Uint8Array {
    use(this);
    return this.t;
  }
}

/** Collects access level names (lowest first), then compiles them into an {@link AccessEngine}. */
export class AccessLevelsBuilder {
  declare h: number;
  declare g: number;
  constructor() {
    hold(this, created(ABI_KIND_LEVELS), true);
  }
  /** Declares the next level (checked by `build`). */
  level(name: string): void {
    const ex = use(this);
    const t = input();
    const n = text(name);
    const g = enter();
    checked(t, leave(g, opLevelsLevel(ex, this.h, n)));
  }
  /** Validates and compiles the levels (consumes the builder). Throws INVALID_CONFIG. */
  build(publicLevel?: string | null, shareLevel?: string | null): AccessEngine {
    const ex = use(this);
    const t = input();
    const p = given(publicLevel) ? text(publicLevel!) : ABI_ABSENT;
    const s = given(shareLevel) ? text(shareLevel!) : ABI_ABSENT;
    consume(this);
    const g = enter();
    return new AccessEngine(checked(t, leave(g, opLevelsBuild(ex, this.h, p, s))));
  }
}

/** Compiled access levels: resolution and sharing decisions (src/bindings/access.rs). */
export class AccessEngine {
  declare h: number;
  declare g: number;
  constructor(h: number) {
    hold(this, h, false);
  }
  /** The level names, lowest first, separated by single spaces. */
  levels(): string {
    const ex = use(this);
    const g = enter();
    return answerText(check(leave(g, opAccessLevels(ex, this.h))));
  }
  /** `[public level, share level, ...bounds]` (see src/bindings/access.rs `access_info`). */
  info(): Float64Array {
    const ex = use(this);
    const g = enter();
    return answerNumbers(check(leave(g, opAccessInfo(ex, this.h))));
  }
  /** Resolves a batch, or decides a share request on it (layouts: `access_resolve`). Throws INVALID_ARGUMENT. */
  resolve(ints: ArrayLike<number>, times: ArrayLike<number>): Float64Array {
    const ex = use(this);
    const t = input();
    // The address first: making room may grow the memory, which detaches its old buffer.
    const at = reserve(4 * ints.length);
    new Uint32Array(live.memory!.buffer, at, ints.length).set(ints);
    advance(4 * ints.length);
    align();
    const timesAt = reserve(8 * times.length);
    new Float64Array(live.memory!.buffer, timesAt, times.length).set(times);
    const g = enter();
    return answerNumbers(checked(t, leave(g, opAccessResolve(ex, this.h, ints.length, times.length))));
  }
  /** 0 when a caller at `callerLevel` may grant `grantedLevel`, else the denial code. */
  canShare(callerLevel: number, grantedLevel: number): number {
    const ex = use(this);
    const g = enter();
    return check(leave(g, opAccessCanShare(ex, this.h, callerLevel, grantedLevel)));
  }
  /** 0 when a caller whose access came from `source` may transfer ownership, else the denial code. */
  canTransfer(source: number): number {
    const ex = use(this);
    const g = enter();
    return check(leave(g, opAccessCanTransfer(ex, this.h, source)));
  }
}

/** The app's named limits, compiled once; decisions over numbers in its own I/O buffer. */
export class RateLimiter {
  declare h: number;
  declare g: number;
  constructor() {
    hold(this, created(ABI_KIND_LIMITER), false);
  }
  /** Validates a limit and returns its id. Throws INVALID_CONFIG. */
  add(kind: string, rate: number, period: number, capacity?: number, shards?: number): number {
    const ex = use(this);
    const t = input();
    const k = text(kind);
    const flags = (given(capacity) ? ABI_HAS_CAPACITY : 0) | (given(shards) ? ABI_HAS_SHARDS : 0);
    const g = enter();
    return checked(t, leave(g, opLimiterAdd(ex, this.h, k, rate, period, capacity ?? 0, shards ?? 0, flags)));
  }
  /** The compiled capacity of limit `id`. */
  capacity(id: number): number {
    const ex = use(this);
    const g = enter();
    return check(leave(g, opLimiterCapacity(ex, this.h, id)));
  }
  /** The byte address of the limiter's I/O buffer, constant for its life. */
  io(): number {
    const ex = use(this);
    const g = enter();
    return address(leave(g, opLimiterIo(ex, this.h)));
  }
  /**
   * Decides the `n` requests in the buffer in `mode` (`RL_CHECK`, `RL_CONSUME` or `RL_TAKE`):
   * 1 all admitted, 0 not. Throws INVALID_ARGUMENT.
   */
  decide(n: number, now: number, mode: number): number {
    const ex = use(this);
    const g = enter();
    const status = leave(g, opLimiterDecide(ex, this.h, n, now, mode));
    return status < 0 ? check(status) : status;
  }
}

/** Validated confirmation code settings (src/bindings/codes.rs). */
export class CodeEngine {
  declare h: number;
  declare g: number;
  /** Validates the settings (`undefined`: the engine's default). Throws INVALID_CONFIG. */
  constructor(alphabet: string, length: number, ttl: number, maxAttempts: number, bindingFailures?: number, bindingWindow?: number, actorFailures?: number, actorWindow?: number) {
    engine();
    const t = input();
    const a = text(alphabet);
    const flags =
      (given(bindingFailures) ? ABI_HAS_BINDING_FAILURES : 0) |
      (given(bindingWindow) ? ABI_HAS_BINDING_WINDOW : 0) |
      (given(actorFailures) ? ABI_HAS_ACTOR_FAILURES : 0) |
      (given(actorWindow) ? ABI_HAS_ACTOR_WINDOW : 0);
    const ex = live.exports;
    const g = enter();
    // The optional settings as they are written (a spread would run the Array iterator, which
    // a caller may have patched, while the instance reads as discarded).
    const answer = opCodesNew(ex, a, length, ttl, maxAttempts, bindingFailures ?? 0, bindingWindow ?? 0, actorFailures ?? 0, actorWindow ?? 0, flags);
    hold(this, checked(t, leave(g, answer)), false);
  }
  /** The bytes of a code or of the message to sign, by `mode`. Throws INVALID_ARGUMENT, UNAVAILABLE. */
  message(actor: string, action: string, target: string, code: string, mode: number): Uint8Array {
    const ex = use(this);
    // A new code is the one answer that draws random bytes (src/bindings/codes.rs).
    if (mode === CODE_GENERATE) randomReady();
    const t = input();
    const [a, b, c] = [text(actor), text(action), text(target)];
    const d = text(code);
    const g = enter();
    return answerBytes(checked(t, leave(g, opCodesMessage(ex, this.h, a, b, c, d, mode))));
  }
  /** Issues a record replacing a row that counts `failures`, living `ttl` ms when given (src/bindings/codes.rs `codes_issue`). Throws INVALID_ARGUMENT. */
  issue(hash: Uint8Array, failures: number, lastFailure: number, now: number, ttl: number | undefined): Float64Array {
    const ex = use(this);
    const t = input();
    const h = bytes(hash);
    const g = enter();
    const answer = opCodesIssue(ex, this.h, h, failures, lastFailure, now, ttl ?? 0, given(ttl) ? ABI_HAS_TTL : 0);
    return answerNumbers(checked(t, leave(g, answer)));
  }
  /**
   * Consumes a record (src/bindings/codes.rs `codes_verify`); `used` is `CODE_USED_*`, the
   * stored flag or that it is not a boolean (refused). Throws INVALID_ARGUMENT.
   */
  verify(hash: Uint8Array, expiresAt: number, attemptsLeft: number, used: number, failures: number, lastFailure: number, actorFailures: number, actorLast: number, presented: Uint8Array, now: number): Float64Array {
    const ex = use(this);
    const t = input();
    const [h, p] = [bytes(hash), bytes(presented)];
    const g = enter();
    const answer = opCodesVerify(ex, this.h, h, expiresAt, attemptsLeft, used, failures, lastFailure, actorFailures, actorLast, p, now);
    return answerNumbers(checked(t, leave(g, answer)));
  }
}
