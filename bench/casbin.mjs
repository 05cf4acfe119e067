// The policy of rbac.mjs in casbin (node-casbin): an RBAC model with role inheritance (`g`),
// loaded from strings held in memory (no files), permissions matched by casbin's keyMatch so
// that "admin:*" covers "admin:system". Requests name the user's role as the subject.
import { newEnforcer, newModelFromString, StringAdapter } from "casbin";
import { PERMISSIONS, ROLES } from "./rbac.mjs";

const MODEL = `
[request_definition]
r = sub, perm

[policy_definition]
p = sub, perm

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && keyMatch(r.perm, p.perm)
`;

/** p-lines for every grant, g-lines making each role inherit the one below it. */
function policyText() {
  const lines = [];
  for (const role of ROLES) for (const permission of PERMISSIONS[role]) lines.push(`p, ${role}, ${permission}`);
  for (let i = 1; i < ROLES.length; i++) lines.push(`g, ${ROLES[i]}, ${ROLES[i - 1]}`);
  return lines.join("\n");
}

export async function createEnforcer() {
  return newEnforcer(newModelFromString(MODEL), new StringAdapter(policyText()));
}
