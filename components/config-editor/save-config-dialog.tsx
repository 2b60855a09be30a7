"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { CheckCircle2, CircleDashed, XCircle } from "lucide-react";
import { useMemo, useState, type ReactNode } from "react";

import { useTRPC } from "~/components/trpc-provider";
import { Button } from "~/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogTrigger } from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";
import { formatCommandLine } from "~/components/vif/command-line";
import type { TDomainDetail } from "~/server/api/routers/domain";

import { planApplyNow, type TPlanStep } from "./apply-plan";
import type { TConfigBase } from "./domain-config-editor";
import { DiffView } from "./diff-view";

type TWhen = "now" | "next-start";
type TStepResult = { label: string; status: "done" | "failed" | "skipped"; detail: string };

function isConflict(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "CONFLICT";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Saves the draft: the diff once more, then "apply now" (attach and detach the
 * difference on the running domain, each command shown first) or "at next start"
 * (only the file; the domain must be shut down and started, a reboot does not reread it).
 */
export function SaveConfigDialog({
  fileName,
  domain,
  base,
  draft,
  disabled,
  trigger,
  onSaved,
  onConflict,
}: {
  fileName: string;
  domain: TDomainDetail;
  base: TConfigBase;
  draft: string;
  disabled: boolean;
  trigger: ReactNode;
  onSaved: (next: TConfigBase, message: string) => void;
  onConflict: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [when, setWhen] = useState<TWhen>(domain.running ? "now" : "next-start");
  const [results, setResults] = useState<TStepResult[] | null>(null);
  const [running, setRunning] = useState(false);
  const write = useMutation(trpc.config.write.mutationOptions());
  const attach = useMutation(trpc.vif.attach.mutationOptions());
  const detach = useMutation(trpc.vif.detach.mutationOptions());

  const plan = useMemo(
    () =>
      planApplyNow({
        domain: domain.name,
        before: base.content,
        after: draft,
        running: domain.runningVifs.map((v) => ({ devid: v.devid, mac: v.mac, kernelName: v.kernelName })),
      }),
    [domain, base.content, draft],
  );
  const liveSteps = plan.steps.filter((s) => s.kind !== "skip");
  const applyNow = when === "now" && domain.running !== null;

  const nextStartMessage = `${fileName} saved. It takes effect when ${domain.name} is shut down and started again (xl shutdown -w ${domain.name}, then xl create ${fileName}): a reboot does not reread the config file.`;

  const run = async () => {
    setRunning(true);
    const log: TStepResult[] = [];
    const push = (r: TStepResult) => {
      log.push(r);
      setResults([...log]);
    };
    try {
      if (!applyNow || liveSteps.length === 0) {
        const written = await write.mutateAsync({ name: fileName, content: draft, expectedSha256: base.sha256 });
        push({ label: `write ${fileName}`, status: "done", detail: written.warnings.join("; ") || "saved atomically" });
        const message = applyNow ? `${fileName} saved; the running domain already matches it, nothing to attach or detach.` : nextStartMessage;
        onSaved({ content: draft, sha256: written.sha256 }, message);
        toast.success(`Saved ${fileName}`, { description: applyNow ? "Nothing to change on the running domain." : "Takes effect at the next start (shut down, then start; not a reboot)." });
        setOpen(false);
        return;
      }
      // 1. The file without the vifs to attach (also the conflict check, before the host changes).
      let sha = base.sha256;
      let current = base.content;
      if (plan.intermediate !== null) {
        const first = await write.mutateAsync({ name: fileName, content: plan.intermediate, expectedSha256: sha });
        sha = first.sha256;
        current = plan.intermediate;
        push({ label: `write ${fileName} (without the vifs to attach)`, status: "done", detail: "saved atomically" });
      } else {
        const written = await write.mutateAsync({ name: fileName, content: draft, expectedSha256: sha });
        sha = written.sha256;
        current = draft;
        push({ label: `write ${fileName}`, status: "done", detail: written.warnings.join("; ") || "saved atomically" });
      }
      // 2. Detach, then attach, each vif of the difference.
      let failed = false;
      for (const step of plan.steps) {
        if (step.kind === "skip") {
          push({ label: `'${step.spec}'`, status: "skipped", detail: step.reason });
          continue;
        }
        try {
          if (step.kind === "detach") {
            const r = await detach.mutateAsync({ domain: domain.name, devid: step.devid, persist: false });
            push({ label: formatCommandLine(step.argv), status: "done", detail: `exit ${r.exitCode}${r.warnings.length ? ` · ${r.warnings.join("; ")}` : ""}` });
          } else {
            const r = await attach.mutateAsync({ domain: domain.name, vif: step.vif, persist: false });
            push({ label: formatCommandLine(step.argv), status: "done", detail: `${r.kernelName}, devid ${r.devid}, exit ${r.exitCode}${r.warnings.length ? ` · ${r.warnings.join("; ")}` : ""}` });
          }
        } catch (error) {
          failed = true;
          push({ label: formatCommandLine(step.argv), status: "failed", detail: messageOf(error) });
        }
      }
      // 3. The file as edited.
      if (plan.intermediate !== null) {
        const last = await write.mutateAsync({ name: fileName, content: draft, expectedSha256: sha });
        sha = last.sha256;
        current = draft;
        push({ label: `write ${fileName}`, status: "done", detail: last.warnings.join("; ") || "saved atomically" });
      }
      await queryClient.invalidateQueries();
      onSaved(
        { content: current, sha256: sha },
        failed ? `${fileName} saved, but some changes to the running domain failed: see the steps.` : `${fileName} saved and applied to the running domain ${domain.name}.`,
      );
      if (failed) toast.error(`Saved ${fileName}; not everything was applied`, { description: "See the steps in the dialog." });
      else {
        toast.success(`Saved ${fileName} and applied it to ${domain.name}`);
        setOpen(false);
      }
    } catch (error) {
      if (isConflict(error)) {
        onConflict(messageOf(error));
        toast.error(`${fileName} changed on disk since you opened it`, { description: "Nothing was written." });
        setOpen(false);
      } else {
        push({ label: "save", status: "failed", detail: messageOf(error) });
        toast.error(`${fileName} was not saved`, { description: messageOf(error) });
      }
    } finally {
      setRunning(false);
    }
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (running) return;
        setOpen(next);
        if (next) setResults(null);
      }}
    >
      <DialogTrigger asChild disabled={disabled}>
        {trigger}
      </DialogTrigger>
      <DialogContent title={`Save ${fileName}`} description="Review the change, then choose when it takes effect." className="max-w-3xl">
        <div className="space-y-4">
          <DiffView before={base.content} after={draft} fileName={fileName} />
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">When should it take effect?</legend>
            <label className="flex items-start gap-2 text-sm">
              <input type="radio" name="save-when" className="mt-1 accent-sky-700" checked={when === "now"} disabled={!domain.running} onChange={() => setWhen("now")} />
              <span>
                <span className="font-medium">Apply now</span>
                <span className="block text-xs text-slate-600 dark:text-slate-400">
                  {domain.running
                    ? `Save, and attach or detach the difference on the running ${domain.name}.`
                    : `${domain.name} is not running: there is nothing to apply now.`}
                </span>
              </span>
            </label>
            <label className="flex items-start gap-2 text-sm">
              <input type="radio" name="save-when" className="mt-1 accent-sky-700" checked={when === "next-start"} onChange={() => setWhen("next-start")} />
              <span>
                <span className="font-medium">At next start</span>
                <span className="block text-xs text-slate-600 dark:text-slate-400">
                  Only save the file. The domain must be shut down and started again; a reboot does not reread the config.
                </span>
              </span>
            </label>
          </fieldset>
          {applyNow && <PlanList steps={plan.steps} />}
          {results && <ResultList results={results} />}
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button disabled={running}>{results ? "Close" : "Cancel"}</Button>
            </DialogClose>
            <Button variant="primary" onClick={() => void run()} disabled={running || (results !== null && results.every((r) => r.status !== "failed"))}>
              {running ? "Saving…" : applyNow && liveSteps.length > 0 ? "Save and apply now" : "Save"}
            </Button>
          </div>
        </div>
      </DialogContent>
    </Dialog>
  );
}

function PlanList({ steps }: { steps: TPlanStep[] }) {
  if (steps.length === 0) {
    return <p className="text-sm text-slate-600 dark:text-slate-400">The vif list is unchanged: nothing to attach or detach.</p>;
  }
  return (
    <section aria-label="Commands to run" className="space-y-1.5">
      <h3 className="text-sm font-medium">These commands run on the host, in this order</h3>
      <ol className="space-y-1.5">
        {steps.map((s, i) => (
          <li key={i} className="rounded-md bg-slate-950 px-2.5 py-1.5 font-mono text-xs text-slate-100">
            {s.kind === "skip" ? (
              <span className="font-sans text-slate-300">
                skipped &apos;{s.spec}&apos;: {s.reason}
              </span>
            ) : (
              <>
                {formatCommandLine(s.argv)}
                {s.kind === "attach" && s.notes.map((n) => <span key={n} className="block font-sans text-amber-300">note: {n}</span>)}
              </>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function ResultList({ results }: { results: TStepResult[] }) {
  return (
    <section aria-label="Results" className="space-y-1">
      <h3 className="text-sm font-medium">Results</h3>
      <ul className="space-y-1 text-sm">
        {results.map((r, i) => {
          const Icon = r.status === "done" ? CheckCircle2 : r.status === "failed" ? XCircle : CircleDashed;
          return (
            <li key={i} className="flex items-start gap-2" role={r.status === "failed" ? "alert" : undefined}>
              <Icon
                className={r.status === "done" ? "mt-0.5 size-4 text-emerald-700 dark:text-emerald-400" : r.status === "failed" ? "mt-0.5 size-4 text-red-700 dark:text-red-400" : "mt-0.5 size-4 text-slate-500"}
                role="img" aria-label={r.status}
              />
              <span>
                <span className="font-mono text-xs">{r.label}</span>
                <span className="block text-xs text-slate-600 dark:text-slate-400">{r.detail}</span>
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
