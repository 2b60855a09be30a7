import fs from "node:fs";

import { expect, type Page } from "@playwright/test";

/**
 * Signing in for the browser tests. scripts/stack.ts (the webServer) creates the demo admin and
 * viewer with random passwords and writes them to DEMO_CREDENTIALS_FILE; e2e/auth.setup.ts signs in
 * as the admin and stores the state every spec starts with (playwright.config.ts).
 */
export const E2E_DATA_DIR = "test-results/e2e-data";
export const DEMO_CREDENTIALS_FILE = `${E2E_DATA_DIR}/demo-credentials.json`;
export const ADMIN_STORAGE_STATE = "test-results/e2e-auth/admin.json";

export type DemoUser = { username: string; password: string };

export function readDemoCredentials(): { admin: DemoUser; viewer: DemoUser } {
  return JSON.parse(fs.readFileSync(DEMO_CREDENTIALS_FILE, "utf8")) as { admin: DemoUser; viewer: DemoUser };
}

/** Signs in through the login form and waits for the app. */
export async function signIn(page: Page, user: DemoUser): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The first page after sign-in is the first server render of a freshly started stack (its tRPC
  // modules load, then its prefetch): on a busy 2-core machine that took over the default 5 s once.
  await expect(page.getByRole("group", { name: "Signed-in user" })).toContainText(user.username, { timeout: 15_000 });
}
