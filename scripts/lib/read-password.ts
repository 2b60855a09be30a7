import readline from "node:readline";

/**
 * A password from a terminal prompt (typed twice, not echoed) or, when standard input is not a
 * terminal, its first line.
 */
export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return (Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "").trimEnd();
  }
  const first = await promptHidden(prompt);
  const second = await promptHidden("Again: ");
  if (first !== second) throw new Error("the two passwords differ");
  return first;
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const output = process.stdout;
    const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
    // Echo nothing of what is typed (the prompt itself is written before muting).
    output.write(prompt);
    const write = output.write.bind(output);
    output.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
      typeof chunk === "string" && (chunk === "\r\n" || chunk === "\n") ? write(chunk, ...(rest as [])) : true) as typeof output.write;
    rl.question("", (answer) => {
      output.write = write;
      output.write("\n");
      rl.close();
      resolve(answer);
    });
  });
}
