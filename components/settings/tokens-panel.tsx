"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy, KeyRound } from "lucide-react";
import { useState, type FormEvent } from "react";

import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardHeader, CardTitle } from "~/components/ui/card";
import { Dialog, DialogContent, DialogTrigger } from "~/components/ui/dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { FieldHint, Input, Label, Select } from "~/components/ui/input";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, Td, Th, THead, Tr } from "~/components/ui/table";
import { toast } from "~/components/ui/toaster";
import { LocalTime } from "~/components/ui/local-time";

/** API tokens for scripts, /api/metrics and CSV export: created (shown once), listed, revoked. */
export function TokensPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.token.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.token.list.queryKey() });
  const revoke = useMutation(
    trpc.token.revoke.mutationOptions({
      onSuccess: () => toast.success("Token revoked"),
      onError: (error) => toast.error(error.message),
      onSettled: refresh,
    }),
  );

  return (
    <Card>
      <CardHeader>
        <CardTitle>API tokens</CardTitle>
        <CreateTokenDialog onCreated={refresh} />
      </CardHeader>
      <p className="px-4 pt-3 text-sm text-slate-600 dark:text-slate-400">
        Send as <code className="font-mono">Authorization: Bearer vfd_…</code>. Read tokens can read everything (tRPC queries,{" "}
        <code className="font-mono">/api/metrics</code>, CSV exports); admin tokens can also change the host. Only a hash is kept.
      </p>
      {tokens.isPending ? (
        <Skeleton className="m-4 h-24" />
      ) : tokens.isError ? (
        <EmptyState title="Cannot list the tokens" tone="error">
          {tokens.error.message}
        </EmptyState>
      ) : tokens.data.length === 0 ? (
        <div className="p-4">
          <EmptyState title="No API tokens yet" />
        </div>
      ) : (
        <Table aria-label="API tokens">
          <THead>
            <Tr>
              <Th>Name</Th>
              <Th>Scope</Th>
              <Th>Token</Th>
              <Th>Created</Th>
              <Th>Last used</Th>
              <Th>State</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </Tr>
          </THead>
          <tbody>
            {tokens.data.map((token) => {
              const expired = token.expiresAt !== null && token.expiresAt <= new Date();
              return (
                <Tr key={token.id}>
                  <Td className="font-medium">{token.name}</Td>
                  <Td>
                    <Badge tone={token.scope === "admin" ? "warn" : "info"}>{token.scope}</Badge>
                  </Td>
                  <Td className="font-mono text-xs">{token.prefix}…</Td>
                  <Td className="whitespace-nowrap">
                    <LocalTime date={token.createdAt} /> by {token.createdBy}
                  </Td>
                  <Td className="whitespace-nowrap">{token.lastUsedAt ? <LocalTime date={token.lastUsedAt} /> : "never"}</Td>
                  <Td>
                    {token.revokedAt ? (
                      <Badge tone="bad">revoked</Badge>
                    ) : expired ? (
                      <Badge tone="neutral">expired</Badge>
                    ) : (
                      <Badge tone="good">
                        active
                        {token.expiresAt && (
                          <>
                            {" "}
                            until <LocalTime date={token.expiresAt} style="date" />
                          </>
                        )}
                      </Badge>
                    )}
                  </Td>
                  <Td className="text-right">
                    {!token.revokedAt && (
                      <Button size="sm" variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: token.id })}>
                        Revoke {token.name}
                      </Button>
                    )}
                  </Td>
                </Tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

function CreateTokenDialog({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const create = useMutation(trpc.token.create.mutationOptions({ onSuccess: onCreated }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = Number(form.get("expiresInDays") ?? "");
    create.mutate({
      name: String(form.get("name") ?? "").trim(),
      scope: form.get("scope") === "admin" ? "admin" : "read",
      expiresInDays: Number.isInteger(days) && days > 0 ? days : null,
    });
  }

  return (
    <Dialog open={open} onOpenChange={(next) => (setOpen(next), create.reset())}>
      <DialogTrigger asChild>
        <Button size="sm" variant="primary">
          <KeyRound className="size-4" aria-hidden />
          New token
        </Button>
      </DialogTrigger>
      <DialogContent title="New API token" description="The token is shown once, now. Store it in your script's secret store.">
        {create.data ? (
          <div className="space-y-3">
            <Label htmlFor="new-token">Token for {create.data.record.name}</Label>
            <div className="flex gap-2">
              <Input id="new-token" readOnly value={create.data.token} className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} />
              <Button
                aria-label="Copy the token"
                onClick={() =>
                  navigator.clipboard.writeText(create.data.token).then(
                    () => toast.success("Copied"),
                    () => toast.error("Copy failed: select the token and copy it"),
                  )
                }
              >
                <Copy className="size-4" aria-hidden />
              </Button>
            </div>
            <FieldHint tone="warn">It will not be shown again.</FieldHint>
            <Button variant="primary" onClick={() => setOpen(false)}>
              Done
            </Button>
          </div>
        ) : (
          <form onSubmit={submit} className="space-y-3">
            <div className="space-y-1">
              <Label htmlFor="token-name">Name</Label>
              <Input id="token-name" name="name" required maxLength={64} placeholder="prometheus" autoComplete="off" />
            </div>
            <div className="space-y-1">
              <Label htmlFor="token-scope">Scope</Label>
              <Select id="token-scope" name="scope" defaultValue="read">
                <option value="read">read (metrics, exports, reads)</option>
                <option value="admin">admin (can change the host)</option>
              </Select>
            </div>
            <div className="space-y-1">
              <Label htmlFor="token-expiry">Expires after (days, empty: never)</Label>
              <Input id="token-expiry" name="expiresInDays" type="number" min={1} max={3650} inputMode="numeric" />
            </div>
            {create.error && (
              <FieldHint tone="error" role="alert">
                {create.error.message}
              </FieldHint>
            )}
            <Button type="submit" variant="primary" disabled={create.isPending}>
              Create token
            </Button>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
