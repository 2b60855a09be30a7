import type { Metadata } from "next";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";

import { SessionProvider, type SessionUser } from "~/components/auth/session-context";
import { AppShell } from "~/components/layout/app-shell";
import { THEME_COOKIE, toTheme } from "~/components/layout/theme";
import { TRPCReactProvider } from "~/components/trpc-provider";
import { Toaster } from "~/components/ui/toaster";
import { readPrincipal } from "~/server/auth/server";

import "./globals.css";

export const metadata: Metadata = {
  title: { default: "vifdeck", template: "%s · vifdeck" },
  description: "The networking of a Xen host: bridges, vifs, bandwidth by stable name.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const theme = toTheme((await cookies()).get(THEME_COOKIE)?.value);
  // proxy.ts redirects requests without a session cookie; this catches expired or revoked ones.
  const requestHeaders = await headers();
  const principal = await readPrincipal(requestHeaders);
  const user: SessionUser | null = principal.kind === "user" ? { username: principal.username, role: principal.role } : null;
  const pathname = requestHeaders.get("x-vifdeck-pathname") ?? "/";
  if (!user && !pathname.startsWith("/login")) {
    redirect(pathname === "/" ? "/login" : `/login?next=${encodeURIComponent(pathname)}`);
  }
  return (
    <html lang="en" className={theme}>
      <body>
        <TRPCReactProvider>
          <SessionProvider user={user}>
            {user ? <AppShell theme={theme}>{children}</AppShell> : <main className="px-6 py-5">{children}</main>}
          </SessionProvider>
          <Toaster />
        </TRPCReactProvider>
      </body>
    </html>
  );
}
