import { Network } from "lucide-react";
import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";

import { LoginForm } from "~/components/auth/login-form";
import { Card, CardBody } from "~/components/ui/card";
import { readPrincipal } from "~/server/auth/server";

export const metadata: Metadata = { title: "Sign in" };

/** Only paths of this app: no scheme, no host, no protocol-relative "//". */
function toLocalPath(next: string | string[] | undefined): string {
  const value = Array.isArray(next) ? next[0] : next;
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = toLocalPath((await searchParams).next);
  if ((await readPrincipal(await headers())).kind === "user") redirect(next);
  return (
    <div className="flex min-h-[80vh] items-center justify-center">
      <Card className="w-full max-w-sm">
        <CardBody className="space-y-5 p-6">
          <div className="flex items-center gap-2">
            <Network className="size-6 text-sky-600 dark:text-sky-400" aria-hidden />
            <h1 className="text-lg font-semibold tracking-tight">Sign in to vifdeck</h1>
          </div>
          <LoginForm next={next} />
          <p className="text-xs text-slate-600 dark:text-slate-400">
            No account? An admin creates one in Settings → Users. The first admin is made with{" "}
            <code className="font-mono">npx tsx scripts/create-admin.ts</code> on the host.
          </p>
        </CardBody>
      </Card>
    </div>
  );
}
