"use client";

import { ScrollText, Settings } from "lucide-react";

import { NavLink } from "~/components/layout/nav-link";

import { AdminOnly } from "./session-context";

/** The nav items of login and roles: the audit log (everyone) and settings (admins). */
export function AuthNavItems() {
  return (
    <>
      <NavLink href="/audit" icon={<ScrollText className="size-4" aria-hidden />}>
        Audit
      </NavLink>
      <AdminOnly>
        <NavLink href="/settings" icon={<Settings className="size-4" aria-hidden />}>
          Settings
        </NavLink>
      </AdminOnly>
    </>
  );
}
