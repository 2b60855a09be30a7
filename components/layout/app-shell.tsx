import { Activity, Boxes, Cable, LayoutDashboard, Network, ShieldCheck } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";

import { AuthNavItems } from "~/components/auth/auth-nav";
import { UserMenu } from "~/components/auth/user-menu";

import { NavLink } from "./nav-link";
import type { Theme } from "./theme";
import { ThemeToggle } from "./theme-toggle";

/** Pages that work; later pages add themselves here. */
const NAV_ITEMS = [
  { href: "/", label: "Overview", icon: <LayoutDashboard className="size-4" aria-hidden /> },
  { href: "/vifs", label: "Vifs", icon: <Cable className="size-4" aria-hidden /> },
  { href: "/domains", label: "Domains", icon: <Boxes className="size-4" aria-hidden /> },
  { href: "/security", label: "Security", icon: <ShieldCheck className="size-4" aria-hidden /> },
  { href: "/bandwidth", label: "Bandwidth", icon: <Activity className="size-4" aria-hidden /> },
] as const;

export function AppShell({ children, theme }: { children: ReactNode; theme: Theme }) {
  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-56 shrink-0 flex-col border-r border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <Link href="/" className="flex items-center gap-2 px-4 py-4 text-base font-semibold tracking-tight">
          <Network className="size-5 text-sky-600 dark:text-sky-400" aria-hidden />
          vifdeck
        </Link>
        <nav aria-label="Main" className="flex flex-col gap-0.5 px-2">
          {NAV_ITEMS.map((item) => (
            <NavLink key={item.href} href={item.href} icon={item.icon}>
              {item.label}
            </NavLink>
          ))}
          <AuthNavItems />
        </nav>
        <div className="mt-auto space-y-2 px-2 py-3">
          <UserMenu />
          <ThemeToggle initial={theme} />
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-6 py-5">{children}</main>
    </div>
  );
}
