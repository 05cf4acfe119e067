/**
 * Data access boundaries: the methods of {@link Access}. Here the decisions that read nothing,
 * thin over the engine (access-codec.ts); the methods that read and write documents and
 * grants are access-documents.ts, the group methods access-groups.ts (the browser entries
 * build neither: see scripts/build-pkg.mjs).
 */
import type { Authz } from "./authz.js";
import type { Access } from "./access.js";
import { perInstance } from "./engine.js";
import { deny } from "./errors.js";
import { atLeast, NO_LEVEL, quoted, unknownSource } from "./generated/wire.js";
import { compileAccess, levelId, levelName, type Compiled, type TableInfo } from "./access-config.js";
import { resolveNamed, resolveShareNamed, shareDecision, SOURCES, transferDenial } from "./access-codec.js";
import { documentMethods } from "./access-documents.js";
import { groupMethods } from "./access-groups.js";
import type { AccessConfig } from "./access-types.js";

/** What the guard itself reads from its access part, beyond the public methods. @internal */
export type AccessInternals = {
  validate(): void;
  pageLimit(): number;
  /** The protected tables, compiled (field names with their defaults). */
  tables(): ReadonlyMap<string, TableInfo>;
};

/** `noRows`: the error of a guard without users rows, for the checks that name a user. @internal */
export function createAccess<L extends string>(
  config: AccessConfig<L> | undefined,
  authz: Authz<string, string, string>,
  usersTable: string,
  noRows?: () => Error,
): Access<L> & AccessInternals {
  const compile = perInstance((first?: Compiled) => {
    const c = compileAccess(config, authz, usersTable, first);
    return [c, c] as const;
  });

  const access: Access<L> & AccessInternals = {
    validate(): void {
      compile();
    },

    tables() {
      return compile().tables;
    },

    pageLimit() {
      return compile().maxPageItems;
    },

    accessLevels() {
      const c = compile();
      return {
        levels: c.names as unknown as readonly L[],
        publicLevel: levelName(c, c.publicLevel) as L,
        shareLevel: levelName(c, c.shareLevel) as L,
      };
    },

    resolveAccess(facts) {
      return resolveNamed(compile(), facts);
    },

    canShare(callerLevel: L | null, grantLevel: L) {
      const c = compile();
      const from = callerLevel === null ? NO_LEVEL : levelId(c, callerLevel);
      const reason = shareDecision(c, from, levelId(c, grantLevel));
      return reason === null ? { ok: true } : { ok: false, reason };
    },

    resolveShare(facts, request) {
      return resolveShareNamed(compile(), facts, request);
    },

    levelAtLeast(level: L | null, min: L) {
      const c = compile();
      const at = level === null ? NO_LEVEL : levelId(c, level);
      return atLeast(at, levelId(c, min));
    },

    canTransfer(source: string) {
      const c = compile();
      const code = (SOURCES as readonly string[]).indexOf(source);
      if (code < 0) deny("INVALID_ARGUMENT", unknownSource(quoted(source)));
      const reason = transferDenial(c, code);
      return reason === undefined ? { ok: true } : { ok: false, reason };
    },

    ...documentMethods<L>(compile, noRows),
    ...groupMethods<L>(compile, noRows),
  };
  return access;
}
