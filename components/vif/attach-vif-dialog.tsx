"use client";

import { Plus } from "lucide-react";
import dynamic from "next/dynamic";
import { useState, type ReactNode } from "react";

import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "~/components/ui/dialog";

/** Loaded on open (or when the pointer or focus reaches the button), not with the page: see attach-vif-form.tsx. */
const loadForm = () => import("./attach-vif-form");
const AttachVifForm = dynamic(() => loadForm().then((m) => m.AttachVifForm), {
  ssr: false,
  loading: () => (
    <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
      Loading the form…
    </p>
  ),
});

/** Attach a vif to a running guest: every value checked as it is typed, the exact xl command shown before it runs. */
export function AttachVifDialog({ domain: fixedDomain, trigger }: { domain?: string; trigger?: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild onPointerEnter={() => void loadForm()} onFocus={() => void loadForm()}>
        {trigger ?? (
          <Button variant="primary">
            <Plus className="size-4" aria-hidden />
            Attach vif
          </Button>
        )}
      </DialogTrigger>
      <DialogContent
        title={fixedDomain ? `Attach a vif to ${fixedDomain}` : "Attach a vif"}
        description="xl network-attach on the running guest; optionally also written to its config file so it survives a stop and start."
        className="max-w-2xl"
      >
        {open && <AttachVifForm fixedDomain={fixedDomain} onDone={() => setOpen(false)} />}
      </DialogContent>
    </Dialog>
  );
}

