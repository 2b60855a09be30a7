import { ArrowDownToLine, ArrowUpFromLine } from "lucide-react";

import { cn } from "~/components/ui/cn";

/**
 * The one direction convention of every bandwidth view, stated where the
 * figures are: in = received by the guest, out = sent by the guest.
 */
export function DirectionNote({ className }: { className?: string }) {
  return (
    <p className={cn("flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600 dark:text-slate-400", className)}>
      <span className="font-medium text-slate-700 dark:text-slate-300">As seen from the guest:</span>
      <span className="inline-flex items-center gap-1">
        <ArrowDownToLine className="size-3.5" aria-hidden /> in = received by the guest
      </span>
      <span className="inline-flex items-center gap-1">
        <ArrowUpFromLine className="size-3.5" aria-hidden /> out = sent by the guest
      </span>
    </p>
  );
}
