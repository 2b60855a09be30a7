import { readFileSync } from "node:fs";

/**
 * A capture from the real Xen host (copied verbatim from the shared fixtures):
 * line 1 is the command, the last line `# exit=N time=…`; what lies between is
 * what the command printed.
 */
export function readFixture(dir: string, file: string): { command: string; output: string; exitCode: number } {
  const text = readFileSync(`${dir}/${file}`, "utf8");
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const trailer = lines.pop() ?? "";
  const match = /^# exit=(\d+)/.exec(trailer);
  if (!match?.[1]) throw new Error(`${file}: no "# exit=" trailer`);
  const command = lines.shift() ?? "";
  return { command, output: lines.length > 0 ? `${lines.join("\n")}\n` : "", exitCode: Number(match[1]) };
}
