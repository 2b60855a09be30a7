"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { UserPlus } from "lucide-react";
import { useState, type FormEvent } from "react";

import { useSessionUser } from "~/components/auth/session-context";
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

/** Admins create users, set their role, disable them and reset their password. */
export function UsersPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useSessionUser();
  const users = useQuery(trpc.user.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  const setRole = useMutation(
    trpc.user.setRole.mutationOptions({
      onSuccess: (user) => toast.success(`${user.username} is now ${user.role}`),
      onError: (error) => toast.error(error.message),
      onSettled: refresh,
    }),
  );
  const setDisabled = useMutation(
    trpc.user.setDisabled.mutationOptions({
      onSuccess: (user) => toast.success(`${user.username} is ${user.disabled ? "disabled" : "enabled"}`),
      onError: (error) => toast.error(error.message),
      onSettled: refresh,
    }),
  );

  return (
    <Card>
      <CardHeader>
        <CardTitle>Users</CardTitle>
        <CreateUserDialog onCreated={refresh} />
      </CardHeader>
      {users.isPending ? (
        <Skeleton className="m-4 h-32" />
      ) : users.isError ? (
        <EmptyState title="Cannot list the users" tone="error">
          {users.error.message}
        </EmptyState>
      ) : (
        <Table aria-label="Users">
          <THead>
            <Tr>
              <Th>Username</Th>
              <Th>Role</Th>
              <Th>State</Th>
              <Th>Sessions</Th>
              <Th>Created</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </Tr>
          </THead>
          <tbody>
            {users.data.map((user) => (
              <Tr key={user.id}>
                <Td className="font-medium">
                  {user.username}
                  {user.username === me?.username && <span className="ml-1 text-xs text-slate-500">(you)</span>}
                </Td>
                <Td>
                  <Select
                    aria-label={`Role of ${user.username}`}
                    value={user.role}
                    className="h-8 w-28"
                    disabled={setRole.isPending}
                    onChange={(e) => setRole.mutate({ id: user.id, role: e.target.value === "admin" ? "admin" : "viewer" })}
                  >
                    <option value="viewer">viewer</option>
                    <option value="admin">admin</option>
                  </Select>
                </Td>
                <Td>{user.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>}</Td>
                <Td className="tabular-nums">{user.activeSessions}</Td>
                <Td className="whitespace-nowrap"><LocalTime date={user.createdAt} style="date" /></Td>
                <Td className="flex justify-end gap-2">
                  <ResetPasswordDialog id={user.id} username={user.username} onDone={refresh} />
                  <Button
                    size="sm"
                    variant={user.disabled ? "secondary" : "danger"}
                    disabled={setDisabled.isPending}
                    onClick={() => setDisabled.mutate({ id: user.id, disabled: !user.disabled })}
                  >
                    {user.disabled ? `Enable ${user.username}` : `Disable ${user.username}`}
                  </Button>
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

function CreateUserDialog({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const create = useMutation(
    trpc.user.create.mutationOptions({
      onSuccess: (user) => {
        toast.success(`User ${user.username} created`);
        setOpen(false);
        onCreated();
      },
    }),
  );
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      username: String(form.get("username") ?? "").trim(),
      password: String(form.get("password") ?? ""),
      role: form.get("role") === "admin" ? "admin" : "viewer",
    });
  }
  return (
    <Dialog open={open} onOpenChange={(next) => (setOpen(next), create.reset())}>
      <DialogTrigger asChild>
        <Button size="sm" variant="primary">
          <UserPlus className="size-4" aria-hidden />
          New user
        </Button>
      </DialogTrigger>
      <DialogContent title="New user" description="Viewers read everything; admins also change the host and manage users and tokens.">
        <form onSubmit={submit} className="space-y-3">
          <div className="space-y-1">
            <Label htmlFor="new-username">Username</Label>
            <Input id="new-username" name="username" required autoComplete="off" pattern="[a-z0-9][a-z0-9_.\-]{2,31}" aria-describedby="new-username-hint" />
            <FieldHint id="new-username-hint">3–32 lower-case letters, digits, “_”, “.”, “-”.</FieldHint>
          </div>
          <div className="space-y-1">
            <Label htmlFor="new-password">Password</Label>
            <Input id="new-password" name="password" type="password" required minLength={10} autoComplete="new-password" aria-describedby="new-password-hint" />
            <FieldHint id="new-password-hint">At least 10 characters.</FieldHint>
          </div>
          <div className="space-y-1">
            <Label htmlFor="new-role">Role</Label>
            <Select id="new-role" name="role" defaultValue="viewer">
              <option value="viewer">viewer</option>
              <option value="admin">admin</option>
            </Select>
          </div>
          {create.error && (
            <FieldHint tone="error" role="alert">
              {create.error.message}
            </FieldHint>
          )}
          <Button type="submit" variant="primary" disabled={create.isPending}>
            Create user
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function ResetPasswordDialog({ id, username, onDone }: { id: string; username: string; onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const reset = useMutation(
    trpc.user.resetPassword.mutationOptions({
      onSuccess: () => {
        toast.success(`New password set for ${username}; their sessions ended`);
        setOpen(false);
        onDone();
      },
    }),
  );
  return (
    <Dialog open={open} onOpenChange={(next) => (setOpen(next), reset.reset())}>
      <DialogTrigger asChild>
        <Button size="sm">Reset password</Button>
      </DialogTrigger>
      <DialogContent title={`Reset the password of ${username}`} description="Their sessions end; tell them the new password out of band.">
        <form
          className="space-y-3"
          onSubmit={(event) => {
            event.preventDefault();
            reset.mutate({ id, password: String(new FormData(event.currentTarget).get("password") ?? "") });
          }}
        >
          <div className="space-y-1">
            <Label htmlFor={`reset-${id}`}>New password</Label>
            <Input id={`reset-${id}`} name="password" type="password" required minLength={10} autoComplete="new-password" />
          </div>
          {reset.error && (
            <FieldHint tone="error" role="alert">
              {reset.error.message}
            </FieldHint>
          )}
          <Button type="submit" variant="primary" disabled={reset.isPending}>
            Set password
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
