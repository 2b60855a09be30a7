/**
 * Splits a stream of text chunks into lines without rescanning what it has
 * seen: each chunk is searched once, so a multi-megabyte response costs
 * linear time however it is cut into chunks.
 */
export type LineReader = {
  /** Feeds a chunk; calls onLine for each line it completes. */
  push(chunk: string): void;
  /** Characters held of the unfinished line. */
  readonly pendingLength: number;
};

export function createLineReader(onLine: (line: string) => void): LineReader {
  let parts: string[] = [];
  let pendingLength = 0;
  return {
    push(chunk: string) {
      let start = 0;
      let newline = chunk.indexOf("\n");
      while (newline !== -1) {
        parts.push(chunk.slice(start, newline));
        const line = parts.length === 1 ? (parts[0] as string) : parts.join("");
        parts = [];
        pendingLength = 0;
        onLine(line);
        start = newline + 1;
        newline = chunk.indexOf("\n", start);
      }
      if (start < chunk.length) {
        parts.push(chunk.slice(start));
        pendingLength += chunk.length - start;
      }
    },
    get pendingLength() {
      return pendingLength;
    },
  };
}
