"use client";

import { ToggleGroup } from "radix-ui";

import { cn } from "~/components/ui/cn";

/** A single-choice row of buttons (Radix ToggleGroup: arrow keys move, Space/Enter choose), labelled as a group. */
export function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
  className,
}: {
  label: string;
  value: T;
  options: ReadonlyArray<{ value: T; label: string }>;
  onChange: (value: T) => void;
  className?: string;
}) {
  return (
    <ToggleGroup.Root
      type="single"
      aria-label={label}
      value={value}
      onValueChange={(next) => {
        if (next) onChange(next as T);
      }}
      className={cn("inline-flex flex-wrap gap-1 rounded-md bg-slate-100 p-1 dark:bg-slate-800", className)}
    >
      {options.map((o) => (
        <ToggleGroup.Item
          key={o.value}
          value={o.value}
          className="rounded px-2.5 py-1 text-sm text-slate-700 focus-visible:outline-2 focus-visible:outline-sky-600 data-[state=on]:bg-white data-[state=on]:font-medium data-[state=on]:text-slate-900 data-[state=on]:shadow-sm dark:text-slate-300 dark:data-[state=on]:bg-slate-950 dark:data-[state=on]:text-slate-100"
        >
          {o.label}
        </ToggleGroup.Item>
      ))}
    </ToggleGroup.Root>
  );
}
