/**
 * A child process for the fault-injection test: writes one config file over
 * and over through ConfigStore, each version self-checking (its first line
 * holds the hash of the rest), until it is killed.
 */
import { createHash } from "node:crypto";

import { ConfigStore } from "../config-store";

const [dir, name] = process.argv.slice(2) as [string, string];

function makeVersion(n: number): string {
  const body = Array.from({ length: 2_000 }, (_, i) => `# filler line ${i} of version ${n}\n`).join("") + `name = "v${n}"\n`;
  return `# ${createHash("sha256").update(body).digest("hex")}\n${body}`;
}

const store = await ConfigStore.open(dir);
let current = await store.read(name);
process.stdout.write("ready\n");
for (let n = 1; ; n++) {
  const written = await store.write(name, makeVersion(n), current.sha256);
  current = { ...current, sha256: written.sha256 };
  process.stdout.write(`wrote ${n}\n`);
}
