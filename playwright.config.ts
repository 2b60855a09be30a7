import { defineConfig, devices } from "@playwright/test";

import { CHROMIUM_FLAGS, CHROMIUM_PATH } from "./e2e/support/chromium";

import { ADMIN_STORAGE_STATE, E2E_DATA_DIR } from "./e2e/support/auth";

/**
 * Browser tests against the demo stack (agent on the simulated host, collector,
 * `next start`) in Debian's Chromium. `npm run build` must have run first;
 * `npm run test:all` does both.
 */
const PORT = 3210;

export default defineConfig({
  testDir: "./e2e",
  // Not test-results/ itself: Playwright empties its outputDir, and the Vitest report lives there.
  outputDir: "test-results/playwright",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      // Signs in as the demo admin (e2e/auth.setup.ts) once, before every other spec.
      name: "setup",
      testMatch: /.*\.setup\.ts/,
      use: { launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS } },
    },
    {
      name: "chromium",
      dependencies: ["setup"],
      testIgnore: /.*\.setup\.ts/,
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1440, height: 900 },
        launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS },
        // Signed in as the demo admin; a spec that needs another user opens its own context.
        storageState: ADMIN_STORAGE_STATE,
      },
    },
  ],
  webServer: {
    command: `node_modules/.bin/tsx scripts/stack.ts --port ${PORT} --host 127.0.0.1 --data-dir ${E2E_DATA_DIR} --fresh`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    // The collector ticks every 2 s here (10 s in the demo), so live charts move within a test's time.
    env: { VIFDECK_SIM_EVENTS: "off", LOG_LEVEL: "warn", VIFDECK_COLLECT_INTERVAL_S: "2" },
  },
});
