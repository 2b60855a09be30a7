"use client";

import { LogOut, UserRound } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { toast } from "~/components/ui/toaster";

import { useSessionUser } from "./session-context";

/** Who is signed in, with which role, and the way out. */
export function UserMenu() {
  const user = useSessionUser();
  const router = useRouter();
  const [pending, setPending] = useState(false);
  if (!user) return null;

  async function signOut() {
    setPending(true);
    const response = await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => null);
    setPending(false);
    if (!response?.ok) {
      toast.error("Sign-out failed: try again.");
      return;
    }
    router.replace("/login");
    router.refresh();
  }

  return (
    <div className="flex items-center justify-between gap-2 rounded-md px-2 py-1.5" aria-label="Signed-in user" role="group">
      <span className="flex min-w-0 items-center gap-1.5 text-sm">
        <UserRound className="size-4 shrink-0 text-slate-500" aria-hidden />
        <span className="truncate font-medium" data-testid="signed-in-user">
          {user.username}
        </span>
        <Badge tone={user.role === "admin" ? "info" : "neutral"}>{user.role}</Badge>
      </span>
      <Button variant="ghost" size="icon" onClick={signOut} disabled={pending} aria-label="Sign out" title="Sign out">
        <LogOut className="size-4" aria-hidden />
      </Button>
    </div>
  );
}
