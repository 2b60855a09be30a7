import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { SERVICE_NODE_FLAGS } from "./heap";

const ROOT = path.resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** The node options before the script in a command line (`node [flags] --import tsx script` or `tsx [flags] script`). */
function flagsBefore(commandLine: string, script: string): string[] {
  const words = commandLine.trim().split(/\s+/);
  const at = words.indexOf(script);
  if (at === -1) throw new Error(`${script} not in: ${commandLine}`);
  return words.slice(1, at).filter((word) => word.startsWith("--") && word !== "--import");
}

describe("the services' node flags", () => {
  const launchers = [
    { service: "agent", script: "server/agent/main.ts", unit: "scripts/systemd/vifdeck-agent.service" },
    { service: "collector", script: "server/accounting/main.ts", unit: "scripts/systemd/vifdeck-collector.service" },
  ] as const;

  for (const { service, script, unit } of launchers) {
    it(`${service}: the systemd unit starts node with SERVICE_NODE_FLAGS.${service}`, () => {
      const execStart = read(unit)
        .split("\n")
        .find((line) => line.startsWith("ExecStart="));
      expect(execStart).toBeDefined();
      expect(flagsBefore((execStart as string).slice("ExecStart=".length), script)).toEqual([...SERVICE_NODE_FLAGS[service]]);
    });

    it(`${service}: \`npm run ${service}\` passes SERVICE_NODE_FLAGS.${service}`, () => {
      const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
      expect(flagsBefore(scripts[service] as string, script)).toEqual([...SERVICE_NODE_FLAGS[service]]);
    });
  }

  it("node starts with each service's flags and gives it the young generation they ask for", () => {
    for (const flags of Object.values(SERVICE_NODE_FLAGS)) {
      const size = Number(/--max-semi-space-size=(\d+)/.exec(flags.join(" "))?.[1]);
      const probe = spawnSync(
        process.execPath,
        [...flags, "-e", 'process.stdout.write(String(require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size))'],
        { encoding: "utf8" },
      );
      expect(probe.stderr).toBe("");
      // One semi-space of `size` MB is the new space's usable size (the other is the copy target).
      expect(Number(probe.stdout)).toBe(size * 1024 * 1024);
    }
  });
});
