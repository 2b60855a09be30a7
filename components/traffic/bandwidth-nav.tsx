"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { cn } from "~/components/ui/cn";

const SECTIONS = [
  { href: "/bandwidth", label: "Charts" },
  { href: "/bandwidth/accounting", label: "Monthly accounting" },
] as const;

/** The two parts of the Bandwidth page. */
export function BandwidthNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Bandwidth sections" className="flex gap-1 border-b border-slate-200 dark:border-slate-800">
      {SECTIONS.map((s) => {
        const active = pathname === s.href;
        return (
          <Link
            key={s.href}
            href={s.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "-mb-px border-b-2 px-3 py-2 text-sm text-slate-700 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-slate-300 dark:hover:text-slate-100",
              active ? "border-sky-600 font-medium text-slate-900 dark:text-slate-100" : "border-transparent",
            )}
          >
            {s.label}
          </Link>
        );
      })}
    </nav>
  );
}
