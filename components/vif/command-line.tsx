import { Terminal } from "lucide-react";

import { cn } from "~/components/ui/cn";

/** An argument as a POSIX shell would need it quoted to mean the same word (display only: nothing runs a shell). */
export function quoteShellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function formatCommandLine(argv: readonly string[]): string {
  return argv.map(quoteShellWord).join(" ");
}

/** The exact command the agent runs (as an argument vector, never through a shell). */
export function CommandLine({ argv, label = "Command", className }: { argv: readonly string[]; label?: string; className?: string }) {
  return (
    <figure className={cn("rounded-md border border-slate-200 bg-slate-950 text-slate-100 dark:border-slate-700", className)}>
      <figcaption className="flex items-center gap-1.5 border-b border-slate-800 px-2.5 py-1 text-xs text-slate-300">
        <Terminal className="size-3.5" aria-hidden />
        {label}
      </figcaption>
      <pre className="overflow-x-auto px-2.5 py-2 font-mono text-xs leading-relaxed">
        <code>{formatCommandLine(argv)}</code>
      </pre>
    </figure>
  );
}
