import { defineConfig, devices } from "@playwright/test";

/**
 * Browser tests against the demo stack (agent on the simulated host, collector,
 * `next start`) in Debian's Chromium. `npm run build` must have run first;
 * `npm run test:all` does both.
 */
const PORT = 3210;
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

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
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1440, height: 900 },
        launchOptions: { executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS },
      },
    },
  ],
  webServer: {
    command: `node_modules/.bin/tsx scripts/stack.ts --port ${PORT} --host 127.0.0.1 --data-dir test-results/e2e-data --fresh`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: { VIFDECK_SIM_EVENTS: "off", LOG_LEVEL: "warn" },
  },
});
