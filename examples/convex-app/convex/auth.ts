// @convex-dev/auth 2.0's convex/auth.ts, as its docs write it: the session functions its
// clients call. Its sign-in methods (setupUsernamePassword(auth, ...).attachUserCallbacks(...))
// would be exported here too; auth-providers.test.ts signs in through the core component
// directly, as every method does once it has verified the user. The users live in the app's
// `authUsers` table (`usersTable`), which convexAuthGuard (authProviders.ts) reads.
import { setupConvexAuth } from "@convex-dev/auth/server";
import { components } from "./_generated/api";

const auth = setupConvexAuth({ component: components.auth, usersTable: "authUsers" });
export const { signOut, refreshSession, isAuthenticated } = auth;
