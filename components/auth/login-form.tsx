"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Button } from "~/components/ui/button";
import { FieldHint, Input, Label } from "~/components/ui/input";

/** Username and password, posted to better-auth's sign-in route; errors and throttling spelled out. */
export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function signIn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const response = await fetch("/api/auth/sign-in/username", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
      });
      if (response.ok) {
        router.replace(next);
        router.refresh();
        return;
      }
      const body = (await response.json().catch(() => ({}))) as { message?: string };
      setError(
        response.status === 429
          ? (body.message ?? "Too many failed sign-ins: wait, then try again.")
          : response.status === 401
            ? "Wrong username or password."
            : (body.message ?? `Sign-in failed (HTTP ${response.status}).`),
      );
    } catch {
      setError("Cannot reach vifdeck. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={signIn} className="space-y-4" aria-describedby={error ? "login-error" : undefined} noValidate>
      <div className="space-y-1.5">
        <Label htmlFor="username">Username</Label>
        <Input id="username" name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus aria-invalid={error ? true : undefined} />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="password">Password</Label>
        <Input id="password" name="password" type="password" autoComplete="current-password" required aria-invalid={error ? true : undefined} />
      </div>
      {error && (
        <FieldHint id="login-error" tone="error" role="alert">
          {error}
        </FieldHint>
      )}
      <Button type="submit" variant="primary" className="w-full" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
