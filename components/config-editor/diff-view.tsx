"use client";

import { diffLines } from "diff";
import { useMemo } from "react";

import { cn } from "~/components/ui/cn";

type TLine = { kind: "add" | "del" | "same"; text: string; oldNo: number | null; newNo: number | null };

/** Lines of a unified diff, with their numbers in the old and the new file. */
export function computeDiffLines(before: string, after: string): TLine[] {
  const out: TLine[] = [];
  let oldNo = 1;
  let newNo = 1;
  for (const change of diffLines(before, after)) {
    const lines = change.value.replace(/\n$/, "").split("\n");
    for (const text of lines) {
      if (change.added) out.push({ kind: "add", text, oldNo: null, newNo: newNo++ });
      else if (change.removed) out.push({ kind: "del", text, oldNo: oldNo++, newNo: null });
      else out.push({ kind: "same", text, oldNo: oldNo++, newNo: newNo++ });
    }
  }
  return out;
}

/** The whole file's diff, unchanged runs folded to three lines of context. */
export function DiffView({ before, after, fileName }: { before: string; after: string; fileName: string }) {
  const lines = useMemo(() => computeDiffLines(before, after), [before, after]);
  const added = lines.filter((l) => l.kind === "add").length;
  const removed = lines.filter((l) => l.kind === "del").length;
  if (added === 0 && removed === 0) {
    return (
      <p role="status" className="rounded-md border border-slate-200 p-4 text-sm text-slate-600 dark:border-slate-800 dark:text-slate-400">
        No changes: the draft is the file as it is on disk.
      </p>
    );
  }
  const shown = lines.map((l, i) => {
    if (l.kind !== "same") return true;
    for (let d = -3; d <= 3; d++) if (lines[i + d] && lines[i + d]?.kind !== "same") return true;
    return false;
  });
  return (
    <section aria-label={`Diff of ${fileName}`} className="overflow-hidden rounded-md border border-slate-200 dark:border-slate-800">
      <header className="flex items-center gap-3 border-b border-slate-200 bg-slate-50 px-3 py-1.5 text-xs dark:border-slate-800 dark:bg-slate-900">
        <span className="font-mono font-medium">{fileName}</span>
        <span className="text-emerald-800 dark:text-emerald-300">+{added}</span>
        <span className="text-red-800 dark:text-red-300">−{removed}</span>
      </header>
      <pre className="max-h-96 overflow-auto font-mono text-xs leading-5">
        {lines.map((l, i) =>
          shown[i] ? (
            <div
              key={i}
              className={cn(
                "flex",
                l.kind === "add" && "bg-emerald-50 text-emerald-950 dark:bg-emerald-950/60 dark:text-emerald-100",
                l.kind === "del" && "bg-red-50 text-red-950 dark:bg-red-950/60 dark:text-red-100",
              )}
            >
              <span className="w-10 shrink-0 pr-2 text-right text-slate-500 select-none">{l.oldNo ?? ""}</span>
              <span className="w-10 shrink-0 pr-2 text-right text-slate-500 select-none">{l.newNo ?? ""}</span>
              <span className="w-4 shrink-0 select-none" aria-hidden>
                {l.kind === "add" ? "+" : l.kind === "del" ? "−" : " "}
              </span>
              <span className="sr-only">{l.kind === "add" ? "added: " : l.kind === "del" ? "removed: " : ""}</span>
              <span className="pr-3 whitespace-pre">{l.text}</span>
            </div>
          ) : shown[i - 1] ? (
            <div key={i} className="bg-slate-50 px-3 text-slate-500 select-none dark:bg-slate-900" aria-hidden>
              ⋯
            </div>
          ) : null,
        )}
      </pre>
    </section>
  );
}
