import { Badge } from "~/components/ui/badge";
import type { TFinding } from "~/server/host/security/posture";

export const SEVERITY_TONE = { critical: "bad", warning: "warn", info: "info", ok: "good" } as const;
export const SEVERITY_LABEL = { critical: "Critical", warning: "Warning", info: "Info", ok: "Passed" } as const;
export const SEVERITIES = ["critical", "warning", "info", "ok"] as const;

/** One finding: what, why it matters, how to fix it, and the facts behind it. */
export function FindingCard({ finding, targets }: { finding: TFinding; targets?: string[] }) {
  return (
    <article aria-label={finding.title} className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
      <header className="flex flex-wrap items-center gap-2">
        <Badge tone={SEVERITY_TONE[finding.severity]}>{finding.severity}</Badge>
        <h4 className="font-medium">{finding.title}</h4>
        <span className="ml-auto font-mono text-xs text-slate-500 dark:text-slate-400">{finding.id}</span>
      </header>
      {targets && targets.length > 0 && (
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
          {targets.length.toLocaleString("en")} vif{targets.length === 1 ? "" : "s"}: <span className="font-mono">{targets.slice(0, 12).join(", ")}</span>
          {targets.length > 12 && ` and ${(targets.length - 12).toLocaleString("en")} more`}
        </p>
      )}
      <dl className="mt-2 space-y-1.5 text-sm">
        <div>
          <dt className="text-xs font-medium text-slate-600 uppercase dark:text-slate-400">Why it matters</dt>
          <dd>{finding.why}</dd>
        </div>
        {finding.fix && (
          <div>
            <dt className="text-xs font-medium text-slate-600 uppercase dark:text-slate-400">How to fix it{targets && targets.length > 1 ? " (for the first one)" : ""}</dt>
            <dd className="rounded-md bg-slate-100 px-2 py-1 font-mono text-xs whitespace-pre-wrap dark:bg-slate-800">{finding.fix}</dd>
          </div>
        )}
      </dl>
      {finding.evidence.length > 0 && (
        <details className="mt-2 text-xs">
          <summary className="cursor-pointer text-slate-600 dark:text-slate-400">Evidence ({finding.evidence.length})</summary>
          <pre className="mt-1 overflow-x-auto rounded-md bg-slate-100 p-2 dark:bg-slate-800">{finding.evidence.join("\n")}</pre>
        </details>
      )}
    </article>
  );
}
