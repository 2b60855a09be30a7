"use client";

import { Trash2 } from "lucide-react";

import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { FieldHint, Input, Label, Select } from "~/components/ui/input";
import "~/components/vif/zod-client";
import { quoteXlString, type TConfigVif, type TVifEntry, type TXlConfig } from "~/server/xen";

import type { TEditorDiagnostic } from "./diagnostics-list";

/** The editable keys of the structured form, in xl's canonical order. */
const FORM_KEYS = ["mac", "bridge", "ip", "vifname", "rate", "script"] as const;
type TFormKey = (typeof FORM_KEYS)[number];

const PLACEHOLDER: Record<TFormKey, string> = {
  mac: "00:16:3e:12:34:56",
  bridge: "",
  ip: "10.0.2.40",
  vifname: "web1-int",
  rate: "10Mb/s",
  script: "vif-bridge",
};

const LABEL: Record<TFormKey, string> = { mac: "MAC", bridge: "Bridge", ip: "IP address(es)", vifname: "vifname", rate: "Rate limit", script: "Script" };

function valueOf(entries: readonly TVifEntry[], key: string): string {
  let v = "";
  for (const e of entries) if (e.key === key && e.value !== null) v = e.value;
  return v;
}

/** The spec with one key set (or removed when empty), other entries kept in place. */
function withEntry(entries: readonly TVifEntry[], key: TFormKey, value: string): string {
  const out: TVifEntry[] = [];
  let placed = false;
  for (const e of entries) {
    if (e.key !== key) {
      out.push(e);
      continue;
    }
    if (!placed && value !== "") out.push({ key, value });
    placed = true;
  }
  if (!placed && value !== "") {
    // Keep xl's canonical order: before the first key that comes after this one.
    const rank = (k: string) => {
      const i = (FORM_KEYS as readonly string[]).indexOf(k);
      return i < 0 ? FORM_KEYS.length : i;
    };
    const at = out.findIndex((e) => rank(e.key) > rank(key));
    out.splice(at < 0 ? out.length : at, 0, { key, value });
  }
  return out.map((e) => (e.value === null ? e.key : `${e.key}=${e.value}`)).join(",");
}

/** Puts `spec` in place of the vif's string in the file, keeping its quote and every other byte. */
export function spliceVifSpec(config: TXlConfig, vif: TConfigVif, spec: string): string {
  const node = vif.node;
  const quote = node.kind === "string" ? node.quote : "'";
  return config.text.slice(0, node.start) + quoteXlString(spec, quote) + config.text.slice(node.end);
}

function fieldOfCode(code: string): TFormKey | null {
  if (code.startsWith("VIF_VIFNAME")) return "vifname";
  if (code.startsWith("VIF_MAC")) return "mac";
  if (code.startsWith("VIF_RATE")) return "rate";
  if (code.startsWith("VIF_IP") || code === "VIF_ROUTE_NEEDS_IP" || code === "VIF_NO_IP") return "ip";
  if (code.startsWith("VIF_BRIDGE")) return "bridge";
  return null;
}

/** One vif of the list as a form; every change rewrites only this vif's string in the draft. */
export function VifForm({
  vif,
  config,
  bridges,
  diagnostics,
  onChange,
  onRemove,
}: {
  vif: TConfigVif;
  config: TXlConfig;
  bridges: string[];
  diagnostics: TEditorDiagnostic[];
  onChange: (text: string) => void;
  onRemove: () => void;
}) {
  const id = `vif-${vif.index}`;
  const others = vif.entries.filter((e) => !(FORM_KEYS as readonly string[]).includes(e.key));
  const set = (key: TFormKey, value: string) => onChange(spliceVifSpec(config, vif, withEntry(vif.entries, key, value.replace(/,/g, ""))));
  const hintsFor = (key: TFormKey) => diagnostics.filter((d) => fieldOfCode(d.code) === key);
  const bridge = valueOf(vif.entries, "bridge");
  return (
    <fieldset className="rounded-lg border border-slate-200 p-3 dark:border-slate-800" aria-label={`vif ${vif.index + 1} (devid ${vif.devid}, line ${vif.line})`}>
      <legend className="flex items-center gap-2 px-1 text-sm font-medium">
        vif {vif.index + 1}
        <span className="text-xs font-normal text-slate-600 dark:text-slate-400">
          devid {vif.devid} · line {vif.line}
        </span>
        {vif.fatal && <Badge tone="bad">xl stops here</Badge>}
      </legend>
      <div className="grid grid-cols-3 gap-3">
        {FORM_KEYS.map((key) => {
          const value = valueOf(vif.entries, key);
          const hints = hintsFor(key);
          const invalid = hints.some((d) => d.severity === "error");
          return (
            <div key={key} className="space-y-1">
              <Label htmlFor={`${id}-${key}`} className="text-xs">
                {LABEL[key]}
              </Label>
              {key === "bridge" ? (
                <Select id={`${id}-${key}`} value={bridge} onChange={(e) => set("bridge", e.target.value)} className="font-mono" aria-describedby={`${id}-${key}-hint`}>
                  <option value="">default</option>
                  {[...new Set([...bridges, ...(bridge ? [bridge] : [])])].map((b) => (
                    <option key={b} value={b}>
                      {b}
                      {bridges.includes(b) ? "" : " (not on this host)"}
                    </option>
                  ))}
                </Select>
              ) : (
                <Input
                  id={`${id}-${key}`}
                  className="font-mono"
                  value={value}
                  placeholder={PLACEHOLDER[key]}
                  onChange={(e) => set(key, e.target.value)}
                  aria-invalid={invalid ? true : undefined}
                  aria-describedby={`${id}-${key}-hint`}
                  spellCheck={false}
                />
              )}
              <div id={`${id}-${key}-hint`}>
                {key === "vifname" && value !== "" && (
                  <FieldHint tone={value.length > 15 ? "error" : value.length > 8 ? "warn" : "muted"}>
                    <span className="tabular-nums">{value.length}/15</span> characters
                  </FieldHint>
                )}
                {hints.map((d, i) => (
                  <FieldHint key={i} tone={d.severity === "error" ? "error" : d.severity === "warning" ? "warn" : "muted"}>
                    {d.message}
                  </FieldHint>
                ))}
              </div>
            </div>
          );
        })}
      </div>
      <div className="mt-2 flex items-center gap-2">
        {others.length > 0 && (
          <p className="text-xs text-slate-600 dark:text-slate-400">
            Other keys (edit them in the raw text):{" "}
            <span className="font-mono">{others.map((e) => (e.value === null ? e.key : `${e.key}=${e.value}`)).join(", ")}</span>
          </p>
        )}
        <Button size="sm" variant="ghost" className="ml-auto text-red-700 dark:text-red-400" onClick={onRemove} aria-label={`Remove vif ${vif.index + 1} from the list`}>
          <Trash2 className="size-3.5" aria-hidden />
          Remove
        </Button>
      </div>
    </fieldset>
  );
}
