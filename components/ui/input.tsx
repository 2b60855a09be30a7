import type { ComponentProps } from "react";

import { cn } from "./cn";

const FIELD =
  "h-9 w-full rounded-md border border-slate-300 bg-white px-2.5 text-sm text-slate-900 placeholder:text-slate-500 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-600 aria-invalid:border-red-600 dark:border-slate-700 dark:bg-slate-950 dark:text-slate-100 dark:placeholder:text-slate-400";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(FIELD, className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(FIELD, "pr-8", className)} {...props} />;
}

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={cn(FIELD, "h-auto py-2 font-mono", className)} {...props} />;
}

export function Label({ className, ...props }: ComponentProps<"label">) {
  return <label className={cn("text-sm font-medium text-slate-800 dark:text-slate-200", className)} {...props} />;
}

/** A field's help or error line, tied to its input with aria-describedby. */
export function FieldHint({ className, tone = "muted", ...props }: ComponentProps<"p"> & { tone?: "muted" | "error" | "warn" }) {
  return (
    <p
      className={cn(
        "text-xs",
        tone === "muted" && "text-slate-600 dark:text-slate-400",
        tone === "error" && "text-red-700 dark:text-red-400",
        tone === "warn" && "text-amber-800 dark:text-amber-300",
        className,
      )}
      {...props}
    />
  );
}
