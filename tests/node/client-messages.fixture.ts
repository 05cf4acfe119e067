// Ways of typing a message a Convex client can be sent, for tests/node/client-messages.test.mjs:
// each line marked `refused` must be refused (a compile error under js/tsconfig.json, or a
// finding of the test's check), and no other line. Never imported by the package.
import { ConvexError } from "convex/values";
import { existing } from "../../js/access-store.js";
import { deny, engineCall } from "../../js/errors.js";
import { CLIENT_MESSAGE, quoted, unknownRole, type ClientMessage } from "../../js/generated/wire.js";

declare const cond: boolean;
declare const db: Parameters<typeof existing>[0];
declare const text: string;

// The reviewer's five shapes.
export function splitOverLines(): never {
  deny(
    "FORBIDDEN",
    "Role 'admin' or higher required", // refused
  );
}
export function forwarded(id: unknown): Promise<string> {
  return existing(db, "users", id, "unknown user"); // refused
}
export function chosenFirst(): never {
  const m = cond ? "unknown user" : "unknown group";
  deny("INVALID_ARGUMENT", m); // refused
}
export function chosenInline(): never {
  deny("INVALID_ARGUMENT", cond ? "unknown user" : "unknown group"); // refused
}
export function thrownForRethrow(): never {
  return engineCall(() => {
    throw Object.assign(new Error("a stored confirmation hash is empty"), { code: "INVALID_ARGUMENT" }); // refused
  });
}

// Their relatives.
export function templateLiteral(role: unknown): never {
  deny("INVALID_ARGUMENT", `unknown role ${quoted(role)}`); // refused
}
export function plainString(): never {
  deny("FORBIDDEN", text); // refused
}
export function dataLiteral(): never {
  throw new ConvexError({ code: "FORBIDDEN", message: "Only the owner can move a document" }); // refused
}
export function codeAssigned(): never {
  const e = new Error("unknown group") as Error & { code?: string };
  e.code = "INVALID_ARGUMENT"; // refused
  throw e;
}
export function cast(): never {
  deny("FORBIDDEN", "Document not found" as ClientMessage); // refused
}
export function castThroughNever(): never {
  deny("FORBIDDEN", "Document not found" as never); // refused
}

// What the package writes: never refused.
export function fromTheWire(role: unknown): never {
  if (cond) deny("NOT_FOUND", CLIENT_MESSAGE.DOCUMENT_NOT_FOUND);
  if (cond) deny("INVALID_ARGUMENT", cond ? CLIENT_MESSAGE.UNKNOWN_USER : CLIENT_MESSAGE.UNKNOWN_GROUP);
  if (cond) throw new ConvexError({ code: "FORBIDDEN", message: CLIENT_MESSAGE.NOT_OWNER_MOVE });
  deny("INVALID_ARGUMENT", unknownRole(quoted(role)));
}
