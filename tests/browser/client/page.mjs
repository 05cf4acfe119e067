// The Chromium page of client.test.mjs: both browser entries, as an app imports them.
import { defineClientGuard } from "convex-guard/client";
import { defineClientGuard as defineRolesGuard } from "convex-guard/client/roles";
import { malformedAnswers, vectorAnswers } from "./answers.mjs";

window.__answers = (vectors) => ({
  client: vectorAnswers(defineClientGuard, vectors),
  roles: vectorAnswers(defineRolesGuard, vectors, { rolesOnly: true }),
  clientMalformed: malformedAnswers(defineClientGuard),
  rolesMalformed: malformedAnswers(defineRolesGuard, { rolesOnly: true }),
});
document.body.dataset.ready = "true";
