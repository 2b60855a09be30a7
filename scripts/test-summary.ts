/**
 * Adds up the Vitest and Playwright JSON reports into one closing line,
 * `N passed, N failed, N skipped`, for people and for CI.
 */
import fs from "node:fs";

import { z } from "zod";

const ZVitestReportSchema = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
  numTodoTests: z.number(),
});
const ZPlaywrightReportSchema = z.object({
  stats: z.object({ expected: z.number(), unexpected: z.number(), flaky: z.number(), skipped: z.number() }),
});

function read(file: string): unknown {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: that test run did not finish`);
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

const [vitestFile, playwrightFile] = process.argv.slice(2) as [string, string];
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const vitest = ZVitestReportSchema.parse(read(vitestFile));
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += vitest.numPendingTests + vitest.numTodoTests;
  const playwright = ZPlaywrightReportSchema.parse(read(playwrightFile));
  passed += playwright.stats.expected + playwright.stats.flaky;
  failed += playwright.stats.unexpected;
  skipped += playwright.stats.skipped;
} catch (error) {
  console.error(`vifdeck: ${error instanceof Error ? error.message : String(error)}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
