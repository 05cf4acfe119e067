// The app's components: @convex-dev/auth 2.0's core, mounted under its default (and only
// accepted) name, `auth`.
import { defineApp } from "convex/server";
import auth from "@convex-dev/auth/convex.config.js";

const app = defineApp();
app.use(auth);
export default app;
