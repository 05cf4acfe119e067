// The fixes of rules.ts `RULES` that name an access level: written once here, with the default
// levels' names (what `RULES` holds), and with the app's own (levels.ts `levelledFix`, for a
// guard whose `access.levels` are others: `reader, poster, manager, owner`).

/** How a fix names the levels: the owner level's phrase (`"owner" by default`), the change level's (`"editor" of the default levels`), and the change level's bare name. */
export interface LevelNames {
  owner: string;
  change: string;
  changeName: string;
}

export const DEFAULT_NAMES: LevelNames = { owner: '"owner" by default', change: '"editor" of the default levels', changeName: "editor" };

export const LEVELLED_FIXES: Readonly<Record<string, (l: LevelNames) => string>> = {
  "unchecked-id-delete": (l) =>
    `Check the caller's access to that document first (guard.requireAccess(ctx, table, id, level) at your owner level, ${l.owner}; the builder's access, a role or permission), or compare its owner with the caller; an audit row records the delete, it does not stop it.`,
  "unchecked-id-write": (l) =>
    `Check the caller's access to that document first (const { doc } = await guard.requireAccess(ctx, table, id, level) at the level a write takes, ${l.change}, then write doc._id; the builder's access; a role or permission), or compare its owner with the caller: requireUser alone lets any signed-in caller rewrite any document, its owner field included.`,
  "decision-tested-as-boolean": (l) =>
    `Test its ok field: if (!guard.canShare(level, "${l.changeName}").ok) ..., const { ok } = await guard.checkRateLimit(...); the answer itself is an object, always truthy, whatever the decision.`,
};
