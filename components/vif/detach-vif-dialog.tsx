"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Unplug } from "lucide-react";
import { useState, type ReactNode } from "react";

import { useTRPC } from "~/components/trpc-provider";
import { Button } from "~/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogTrigger } from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";

import { CommandLine } from "./command-line";

export type TDetachTarget = { domain: string; devid: number; kernelName: string; key: string; configFile: string | null };

/** Detach a vif after a confirmation that names it and its domain; optionally also remove it from the config file. */
export function DetachVifDialog({ target, trigger, onDetached }: { target: TDetachTarget; trigger?: ReactNode; onDetached?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [persist, setPersist] = useState(target.configFile !== null);
  const [failure, setFailure] = useState<string | null>(null);
  const detach = useMutation(
    trpc.vif.detach.mutationOptions({
      onSuccess: async (result) => {
        toast.success(`Detached ${target.kernelName} from ${result.domain}`, {
          description: [result.persisted ? `removed from ${result.persisted.name}` : null, ...result.warnings].filter(Boolean).join(" · ") || undefined,
        });
        setOpen(false);
        await queryClient.invalidateQueries();
        onDetached?.();
      },
      onError: (error) => {
        setFailure(error.message);
        toast.error(`${target.kernelName} was not detached`, { description: error.message });
      },
    }),
  );
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) setFailure(null);
      }}
    >
      <DialogTrigger asChild>
        {trigger ?? (
          <Button variant="secondary" size="sm" aria-label={`Detach ${target.kernelName} from ${target.domain}`}>
            <Unplug className="size-3.5" aria-hidden />
            Detach
          </Button>
        )}
      </DialogTrigger>
      <DialogContent
        role="alertdialog"
        title={`Detach ${target.kernelName} from ${target.domain}?`}
        description={`The guest loses this network interface (devid ${target.devid}, stable name ${target.key}) at once. Its traffic so far stays in the accounts.`}
      >
        <div className="space-y-4">
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              checked={persist}
              disabled={target.configFile === null}
              onChange={(e) => setPersist(e.target.checked)}
              className="mt-0.5 accent-sky-700"
            />
            <span>
              Also remove it from the config file{target.configFile ? <span className="font-mono"> {target.configFile}</span> : " (vifdeck knows none for this domain)"}
              <span className="block text-xs text-slate-600 dark:text-slate-400">Without this, the vif comes back when the guest is next started.</span>
            </span>
          </label>
          <CommandLine argv={["xl", "network-detach", target.domain, String(target.devid)]} label="This command runs on the host" />
          {failure && (
            <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
              {failure}
            </p>
          )}
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button>Cancel</Button>
            </DialogClose>
            <Button variant="danger" disabled={detach.isPending} onClick={() => detach.mutate({ domain: target.domain, devid: target.devid, persist })}>
              {detach.isPending ? "Detaching…" : `Detach ${target.kernelName}`}
            </Button>
          </div>
        </div>
      </DialogContent>
    </Dialog>
  );
}
