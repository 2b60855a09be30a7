"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Plus, Save } from "lucide-react";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState } from "react";

import { DomainNav } from "~/components/domain/domain-nav";
import { AdminOnly } from "~/components/auth/session-context";
import { useTRPC } from "~/components/trpc-provider";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";
import { Label, Textarea } from "~/components/ui/input";
import { Skeleton } from "~/components/ui/skeleton";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "~/components/ui/tabs";
import { hrefOfDomain } from "~/components/vif/format";
import type { TDomainDetail } from "~/server/api/routers/domain";
import "~/components/vif/zod-client";
import { insertVifEntry, parseXlConfig, removeVifEntry } from "~/server/xen";

import { DiagnosticsList, type TEditorDiagnostic } from "./diagnostics-list";
import { DiffView } from "./diff-view";
import { SaveConfigDialog } from "./save-config-dialog";
import { VifForm } from "./vif-form";

export type TConfigBase = { content: string; sha256: string };

/** A domain's config file: its vif lines as forms and as text, checked as you type, saved with a diff and conflict detection. */
export function DomainConfigEditor({ name }: { name: string }) {
  const trpc = useTRPC();
  const domain = useQuery(trpc.domain.get.queryOptions({ name }, { refetchOnWindowFocus: false }));
  const configFile = domain.data?.configFile ?? null;
  const file = useQuery({
    ...trpc.config.read.queryOptions({ name: configFile ?? "-" }),
    enabled: configFile !== null,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });

  return (
    <div className="space-y-4">
      <header className="space-y-1">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          <Link href="/domains" className="hover:underline">
            Domains
          </Link>{" "}
          /{" "}
          <Link href={hrefOfDomain(name)} className="hover:underline">
            {name}
          </Link>{" "}
          / config
        </p>
        <h1 className="text-xl font-semibold tracking-tight">
          Config of {name}
          {configFile && <span className="ml-2 font-mono text-base font-normal text-slate-600 dark:text-slate-400">{configFile}</span>}
        </h1>
      </header>
      <DomainNav name={name} />
      {domain.isPending || (configFile !== null && file.isPending) ? (
        <div role="status" aria-busy="true" aria-label="Loading the config file" className="space-y-3">
          <Skeleton className="h-10" />
          <Skeleton className="h-72" />
        </div>
      ) : domain.isError ? (
        <EmptyState title={`Cannot read ${name}`} tone="error">
          {domain.error.message}
        </EmptyState>
      ) : configFile === null ? (
        <EmptyState title="No config file">vifdeck knows no config file for {name}, so there is nothing to edit.</EmptyState>
      ) : file.isError ? (
        <EmptyState title={`Cannot read ${configFile}`} tone="error">
          {file.error.message}
        </EmptyState>
      ) : file.data ? (
        <EditorBody
          key={file.data.name}
          fileName={file.data.name}
          initial={{ content: file.data.content, sha256: file.data.sha256 }}
          domain={domain.data}
          reload={async () => {
            const fresh = await file.refetch();
            return fresh.data ? { content: fresh.data.content, sha256: fresh.data.sha256 } : null;
          }}
        />
      ) : null}
    </div>
  );
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

function EditorBody({
  fileName,
  initial,
  domain,
  reload,
}: {
  fileName: string;
  initial: TConfigBase;
  domain: TDomainDetail;
  reload: () => Promise<TConfigBase | null>;
}) {
  const trpc = useTRPC();
  const [base, setBase] = useState<TConfigBase>(initial);
  const [draft, setDraft] = useState(initial.content);
  const [tab, setTab] = useState("vifs");
  const [conflict, setConflict] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);

  const parsed = useMemo(() => parseXlConfig(draft, { source: fileName }), [draft, fileName]);
  const validate = useMutation(trpc.config.validate.mutationOptions());
  const [checked, setChecked] = useState<{ draft: string; diagnostics: TEditorDiagnostic[] } | null>(null);
  const { mutateAsync: runValidate } = validate;
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      runValidate({ name: fileName, content: draft })
        .then((r) => {
          if (!cancelled) setChecked({ draft, diagnostics: r.diagnostics });
        })
        .catch(() => {});
    }, 400);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [draft, fileName, runValidate]);

  // The server's verdict (which also knows the host's bridges and every MAC in use) once it is in, else server/xen's here.
  const diagnostics: TEditorDiagnostic[] = checked?.draft === draft ? checked.diagnostics : parsed.diagnostics;
  const hasErrors = diagnostics.some((d) => d.severity === "error");
  const dirty = draft !== base.content;

  const goTo = (line: number, column: number) => {
    setTab("raw");
    requestAnimationFrame(() => {
      const el = textRef.current;
      if (!el) return;
      const at = offsetOf(draft, line, column);
      el.focus();
      el.setSelectionRange(at, Math.min(draft.length, at + 1));
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20;
      el.scrollTop = Math.max(0, (line - 3) * lineHeight);
    });
  };

  const addVif = () => {
    const vifs = parsed.config.vifList.vifs;
    const bridge = domain.networkMode === "bridge" ? (domain.bridges[0] ?? "xenbr0") : null;
    const edit = insertVifEntry(parsed.config, vifs.length, bridge ? `bridge=${bridge}` : "ip=");
    if (edit.applied) setDraft(edit.config.text);
  };

  return (
    <div className="space-y-4">
      {conflict && (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          <p className="font-semibold">The file changed on disk since you opened it.</p>
          <p className="mt-1">{conflict}</p>
          <p className="mt-1">Nothing was written. Your edits are kept: compare them with the file as it is now, then save again.</p>
          <Button
            size="sm"
            className="mt-2"
            onClick={async () => {
              const fresh = await reload();
              if (fresh) setBase(fresh);
              setConflict(null);
              setTab("diff");
            }}
          >
            Compare with the file on disk
          </Button>
        </div>
      )}
      {saved && (
        <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
          {saved}
        </p>
      )}
      <Tabs value={tab} onValueChange={setTab} className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
          <TabsList aria-label="Editor views">
            <TabsTrigger value="vifs">Vifs (form)</TabsTrigger>
            <TabsTrigger value="raw">Raw text</TabsTrigger>
            <TabsTrigger value="diff">
              Diff preview
              {dirty && (
                <Badge tone="info" className="ml-1.5">
                  changed
                </Badge>
              )}
            </TabsTrigger>
          </TabsList>
        <div className="ml-auto flex items-center gap-2">
          <Button disabled={!dirty} onClick={() => setDraft(base.content)}>
            Discard changes
          </Button>
          <AdminOnly fallback={<span className="text-xs text-slate-600 dark:text-slate-400">Read only: saving is for admins.</span>}>
          <SaveConfigDialog
            fileName={fileName}
            domain={domain}
            base={base}
            draft={draft}
            disabled={!dirty || hasErrors}
            onSaved={(next, message) => {
              setBase(next);
              setSaved(message);
              setConflict(null);
            }}
            onConflict={(message) => {
              setConflict(message);
              setSaved(null);
            }}
            trigger={
              <Button variant="primary" disabled={!dirty || hasErrors} title={hasErrors ? "Fix the errors first" : undefined}>
                <Save className="size-4" aria-hidden />
                Save…
              </Button>
            }
          />
          </AdminOnly>
        </div>
      </div>

      <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="min-w-0">
          <TabsContent value="vifs" className="space-y-3">
            {!parsed.config.syntaxOk ? (
              <EmptyState title="The file does not parse" tone="error">
                Fix the syntax in the raw text first; the forms need a file xl can read.
              </EmptyState>
            ) : (
              <>
                {parsed.config.vifList.vifs.length === 0 && (
                  <p className="text-sm text-slate-600 dark:text-slate-400">This config has no vif: the guest starts without a network interface.</p>
                )}
                {parsed.config.vifList.vifs.map((vif) => (
                  <VifForm
                    key={vif.index}
                    vif={vif}
                    config={parsed.config}
                    bridges={domain.bridges}
                    diagnostics={diagnostics.filter((d) => d.line === vif.line)}
                    onChange={setDraft}
                    onRemove={() => {
                      const edit = removeVifEntry(parsed.config, vif.index);
                      if (edit.applied) setDraft(edit.config.text);
                    }}
                  />
                ))}
                <Button size="sm" onClick={addVif}>
                  <Plus className="size-3.5" aria-hidden />
                  Add a vif
                </Button>
              </>
            )}
          </TabsContent>
          <TabsContent value="raw" className="space-y-1">
            <Label htmlFor="config-text">Text of {fileName}</Label>
            <Textarea
              id="config-text"
              ref={textRef}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              spellCheck={false}
              rows={Math.min(30, Math.max(10, draft.split("\n").length + 1))}
              className="text-xs leading-5"
              aria-invalid={hasErrors ? true : undefined}
              aria-describedby="config-problems"
            />
          </TabsContent>
          <TabsContent value="diff">
            <DiffView before={base.content} after={draft} fileName={fileName} />
          </TabsContent>
        </div>
        <div id="config-problems">
          <DiagnosticsList diagnostics={diagnostics} onGoTo={goTo} pending={checked?.draft !== draft} />
        </div>
      </div>
      </Tabs>
    </div>
  );
}
