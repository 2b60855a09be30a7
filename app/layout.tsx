import type { Metadata } from "next";
import type { ReactNode } from "react";

import { AppShell } from "~/components/layout/app-shell";
import { TRPCReactProvider } from "~/components/trpc-provider";

import "./globals.css";

export const metadata: Metadata = {
  title: { default: "vifdeck", template: "%s · vifdeck" },
  description: "The networking of a Xen host: bridges, vifs, bandwidth by stable name.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>
          <AppShell>{children}</AppShell>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
