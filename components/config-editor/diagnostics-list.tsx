"use client";

import { AlertCircle, AlertTriangle, Info } from "lucide-react";

import { cn } from "~/components/ui/cn";

export type TEditorDiagnostic = { code: string; severity: "error" | "warning" | "info"; message: string; line: number; column: number; hint?: string };

const ICON = { error: AlertCircle, warning: AlertTriangle, info: Info } as const;

/** server/xen's diagnostics with their line and column; choosing one puts the cursor there. */
export function DiagnosticsList({ diagnostics, onGoTo, pending }: { diagnostics: TEditorDiagnostic[]; onGoTo: (line: number, column: number) => void; pending?: boolean }) {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  return (
    <section aria-label="Problems" className="rounded-md border border-slate-200 dark:border-slate-800">
      <header className="flex items-center gap-2 border-b border-slate-200 bg-slate-50 px-3 py-1.5 text-xs dark:border-slate-800 dark:bg-slate-900">
        <h2 className="font-semibold">Problems</h2>
        <span role="status" aria-live="polite" className="text-slate-600 dark:text-slate-400">
          {errors === 0 && warnings === 0 ? "none: xl accepts this file" : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`}
          {pending ? " · checking against the host…" : ""}
        </span>
      </header>
      {diagnostics.length > 0 && (
        <ul className="max-h-64 divide-y divide-slate-100 overflow-auto text-sm dark:divide-slate-800">
          {diagnostics.map((d, i) => {
            const Icon = ICON[d.severity];
            return (
              <li key={`${d.code}-${d.line}-${d.column}-${i}`}>
                <button
                  type="button"
                  onClick={() => onGoTo(d.line, d.column)}
                  className="flex w-full items-start gap-2 px-3 py-1.5 text-left hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-600 dark:hover:bg-slate-800/50"
                >
                  <Icon
                    className={cn(
                      "mt-0.5 size-4 shrink-0",
                      d.severity === "error" ? "text-red-700 dark:text-red-400" : d.severity === "warning" ? "text-amber-700 dark:text-amber-400" : "text-sky-700 dark:text-sky-400",
                    )}
                    role="img" aria-label={d.severity}
                  />
                  <span className="min-w-0">
                    <span className="font-mono text-xs text-slate-600 dark:text-slate-400">
                      line {d.line}, column {d.column}
                    </span>{" "}
                    <span>{d.message}</span>
                    {d.hint && <span className="block text-xs text-slate-600 dark:text-slate-400">Fix: {d.hint}</span>}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
