// `make demo`: a short story against the example app in convex-test, one section per
// capability, printing each call and what the guard decided. It is a test too: every section
// asserts its decisions, so the demo fails if the story stops being true.
import { test } from "vitest";
import { access } from "./access";
import { ratelimit } from "./ratelimit";
import { codes } from "./codes";
import { roles } from "./roles";

test("convex-guard demo", async () => {
  console.log("\nconvex-guard demo: every call below runs a real Convex function in convex-test");
  await roles();
  await access();
  await ratelimit();
  await codes();
  console.log("");
});
