import { test as setup } from "@playwright/test";

import { ADMIN_STORAGE_STATE, readDemoCredentials, signIn } from "./support/auth";

/** Every other spec starts signed in as the demo admin (playwright.config.ts: storageState). */
setup("sign in as the demo admin", async ({ page }) => {
  await signIn(page, readDemoCredentials().admin);
  await page.context().storageState({ path: ADMIN_STORAGE_STATE });
});
