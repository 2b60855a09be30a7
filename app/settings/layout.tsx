import { headers } from "next/headers";
import type { ReactNode } from "react";

import { SettingsNav } from "~/components/settings/settings-nav";
import { EmptyState } from "~/components/ui/empty-state";
import { readPrincipal } from "~/server/auth/server";

/** Users and API tokens: admins only (the tRPC procedures refuse others whatever this page shows). */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const principal = await readPrincipal(await headers());
  if (principal.kind !== "user" || principal.role !== "admin") {
    return <EmptyState title="Admins only">Settings (users and API tokens) are for admins. Ask one if you need a change.</EmptyState>;
  }
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Settings</h1>
      <SettingsNav />
      {children}
    </div>
  );
}
