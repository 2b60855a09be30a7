"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { cn } from "~/components/ui/cn";
import { hrefOfDomain } from "~/components/vif/format";

/** The two views of a domain: its vifs (running and configured) and its config file in the editor. */
export function DomainNav({ name }: { name: string }) {
  const pathname = usePathname();
  const base = hrefOfDomain(name);
  const links = [
    { href: base, label: "Vifs: running and configured" },
    { href: `${base}/config`, label: "Config editor" },
  ];
  return (
    <nav aria-label={`Views of ${name}`} className="inline-flex gap-1 rounded-md bg-slate-100 p-1 dark:bg-slate-800">
      {links.map((l) => {
        const active = pathname === l.href;
        return (
          <Link
            key={l.href}
            href={l.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "rounded px-2.5 py-1 text-sm text-slate-700 focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-slate-300",
              active && "bg-white font-medium text-slate-900 shadow-sm dark:bg-slate-950 dark:text-slate-100",
            )}
          >
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
