/**
 * `npm run bench`: runs every benchmark in scripts/bench/ (plain scripts that
 * print their figures), one after the other, or those named on the command line:
 *   npm run bench -- xen-parse accounting
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const dir = path.join(ROOT, "scripts/bench");
const wanted = process.argv.slice(2);
const benches = fs
  .readdirSync(dir)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort();
if (benches.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}: see ${path.relative(ROOT, dir)}/`);
  process.exit(2);
}
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(dir, file)], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
