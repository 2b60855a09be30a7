import type { Metadata } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";

import { AppShell } from "~/components/layout/app-shell";
import { THEME_COOKIE, toTheme } from "~/components/layout/theme";
import { TRPCReactProvider } from "~/components/trpc-provider";
import { Toaster } from "~/components/ui/toaster";

import "./globals.css";

export const metadata: Metadata = {
  title: { default: "vifdeck", template: "%s · vifdeck" },
  description: "The networking of a Xen host: bridges, vifs, bandwidth by stable name.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const theme = toTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <html lang="en" className={theme}>
      <body>
        <TRPCReactProvider>
          <AppShell theme={theme}>{children}</AppShell>
          <Toaster />
        </TRPCReactProvider>
      </body>
    </html>
  );
}
