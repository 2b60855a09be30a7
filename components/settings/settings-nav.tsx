"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { cn } from "~/components/ui/cn";

const SECTIONS = [
  { href: "/settings/users", label: "Users" },
  { href: "/settings/tokens", label: "API tokens" },
] as const;

/** The settings sections, as links styled like tabs (each is its own page). */
export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="flex gap-1 border-b border-slate-200 dark:border-slate-800">
      {SECTIONS.map((section) => {
        const active = pathname.startsWith(section.href);
        return (
          <Link
            key={section.href}
            href={section.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "-mb-px border-b-2 px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-sky-600",
              active
                ? "border-sky-600 text-sky-800 dark:border-sky-400 dark:text-sky-200"
                : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100",
            )}
          >
            {section.label}
          </Link>
        );
      })}
    </nav>
  );
}
