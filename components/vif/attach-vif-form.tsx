"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RefreshCw } from "lucide-react";
import { useDeferredValue, useId, useMemo, useState } from "react";

import { useTRPC } from "~/components/trpc-provider";
import { Button } from "~/components/ui/button";
import { DialogClose } from "~/components/ui/dialog";
import { FieldHint, Input, Label, Select } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import "~/components/vif/zod-client";
import { formatNetworkAttachArgv, isValidIpOrCidr, normalizeMac, parseVifSpec, formatVifSpec, type TDiagnostic, type TVif } from "~/server/xen";

import { CommandLine } from "./command-line";

/**
 * The attach dialog's form. It checks values with server/xen (the parser, zod schemas and MAC
 * rules), the biggest part of a page's JavaScript, so attach-vif-dialog.tsx loads this module
 * only when the dialog opens: the Vifs and domain pages' first load stays light.
 */

type TMacMode = "generate" | "ip" | "typed";

const FIELD_OF_CODE: ReadonlyArray<[RegExp, TField]> = [
  [/^VIF_VIFNAME/, "vifname"],
  [/^VIF_MAC/, "mac"],
  [/^VIF_RATE/, "rate"],
  [/^VIF_IP|^VIF_ROUTE_NEEDS_IP|^VIF_NO_IP/, "ips"],
  [/^VIF_BRIDGE|^VIF_ROUTE_BRIDGE/, "bridge"],
];
type TField = "vifname" | "mac" | "rate" | "ips" | "bridge" | "script";

function fieldOf(d: TDiagnostic): TField | null {
  for (const [re, field] of FIELD_OF_CODE) if (re.test(d.code)) return field;
  return null;
}

export function AttachVifForm({ fixedDomain, onDone }: { fixedDomain?: string; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const options = useQuery(trpc.vif.attachOptions.queryOptions());

  const [domain, setDomain] = useState(fixedDomain ?? "");
  const [bridge, setBridge] = useState("");
  const [macMode, setMacMode] = useState<TMacMode>("generate");
  const [typedMac, setTypedMac] = useState("");
  const [ipsText, setIpsText] = useState("");
  const [vifname, setVifname] = useState("");
  const [rate, setRate] = useState("");
  const [script, setScript] = useState("");
  const [persist, setPersist] = useState(true);
  const [failure, setFailure] = useState<string | null>(null);

  const mode = options.data?.networkMode ?? "bridge";
  const domainInfo = options.data?.domains.find((d) => d.name === domain);
  const ips = useMemo(() => ipsText.split(/\s+/).filter(Boolean), [ipsText]);
  const firstIpv4 = ips.map((ip) => ip.split("/")[0] ?? "").find((ip) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip));

  const generated = useQuery({
    ...trpc.vif.suggestMac.queryOptions({ scheme: "random" }),
    enabled: macMode === "generate",
    staleTime: Infinity,
  });
  const derived = useQuery({
    ...trpc.vif.suggestMac.queryOptions({ scheme: "ipv4", ipv4: firstIpv4 ?? "" }),
    enabled: macMode === "ip" && firstIpv4 !== undefined,
  });
  const typedNormalized = normalizeMac(typedMac.trim());
  const deferredTyped = useDeferredValue(typedNormalized);
  const typedCheck = useQuery({
    ...trpc.vif.checkMac.queryOptions({ mac: deferredTyped ?? "" }),
    enabled: macMode === "typed" && deferredTyped !== null,
  });

  const mac = macMode === "generate" ? (generated.data?.mac ?? null) : macMode === "ip" ? (derived.data?.mac ?? null) : typedNormalized;
  const macProblem =
    macMode === "generate"
      ? (generated.data?.problem ?? (generated.isError ? generated.error.message : null))
      : macMode === "ip"
        ? firstIpv4 === undefined
          ? "Give an IPv4 address below: the MAC is made from it."
          : (derived.data?.problem ?? (derived.isError ? derived.error.message : null))
        : typedMac.trim() === ""
          ? "Type a MAC, like 00:16:3e:12:34:56."
          : typedNormalized === null
            ? "Not a MAC: six two-digit hex groups separated by ':'."
            : typedCheck.data && typedCheck.data.usedBy.length > 0
              ? `Already used by ${typedCheck.data.usedBy.join(", ")}: two vifs with one MAC take each other's traffic.`
              : null;
  const macPending = macMode === "generate" ? generated.isPending : macMode === "ip" ? firstIpv4 !== undefined && derived.isPending : typedNormalized !== null && typedCheck.isFetching;

  const vif: TVif = useMemo(
    () => ({
      ...(mac ? { mac } : {}),
      ...(mode === "bridge" && bridge ? { bridge } : {}),
      ...(ips.length > 0 ? { ip: ips.join(" ") } : {}),
      ...(vifname.trim() ? { vifname: vifname.trim() } : {}),
      ...(script.trim() ? { script: script.trim() } : {}),
      ...(rate.trim() ? { rate: rate.trim() } : {}),
    }),
    [mac, mode, bridge, ips, vifname, script, rate],
  );

  const check = useMemo(() => {
    const formatted = formatVifSpec(vif);
    const parsed = parseVifSpec(formatted.spec, { context: "attach", guestType: domainInfo?.type ?? null });
    const argv = formatNetworkAttachArgv(domain || "<domain>", vif);
    const diagnostics = [...formatted.diagnostics, ...parsed.diagnostics].filter((d) => d.severity !== "info");
    const byField = new Map<TField, TDiagnostic[]>();
    for (const d of diagnostics) {
      const f = fieldOf(d);
      if (f) byField.set(f, [...(byField.get(f) ?? []), d]);
    }
    return { argv: ["xl", ...argv.argv], diagnostics, byField, argvOk: argv.ok };
  }, [vif, domain, domainInfo?.type]);

  const ipErrors = ips.filter((ip) => !isValidIpOrCidr(ip));
  const ipsProblem =
    ipErrors.length > 0
      ? `Not an IP address: ${ipErrors.join(", ")}`
      : mode !== "bridge" && ips.length === 0
        ? `In ${mode} mode a vif needs an IP: vif-${mode} routes and filters by the guest's address.`
        : null;
  const vifnameLength = vifname.trim().length;
  const errors = [
    !domain && "Choose a domain.",
    macProblem,
    ipsProblem,
    ...check.diagnostics.filter((d) => d.severity === "error" && fieldOf(d) !== "mac").map((d) => d.message),
  ].filter((x): x is string => typeof x === "string" && x !== "");

  const attach = useMutation(
    trpc.vif.attach.mutationOptions({
      onSuccess: async (result) => {
        toast.success(`Attached ${result.kernelName} to ${result.domain}`, {
          description: [
            `devid ${result.devid}, MAC ${result.mac}`,
            result.persisted ? `added to ${result.persisted.name}` : null,
            ...result.warnings,
          ]
            .filter(Boolean)
            .join(" · "),
        });
        await queryClient.invalidateQueries();
        onDone();
      },
      onError: (error) => {
        setFailure(error.message);
        toast.error("The vif was not attached", { description: error.message });
      },
    }),
  );

  const submit = () => {
    setFailure(null);
    if (errors.length > 0 || !mac) return;
    attach.mutate({
      domain,
      persist,
      vif: {
        mac,
        ...(mode === "bridge" && bridge ? { bridge } : {}),
        ...(ips.length > 0 ? { ip: ips } : {}),
        ...(vifname.trim() ? { vifname: vifname.trim() } : {}),
        ...(rate.trim() ? { rate: rate.trim() } : {}),
        ...(script.trim() ? { script: script.trim() } : {}),
      },
    });
  };

  if (options.isPending) return <p className="text-sm text-slate-600 dark:text-slate-400">Reading the host…</p>;
  if (options.isError) {
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        Cannot read the host: {options.error.message}
      </p>
    );
  }

  const hint = (field: TField) =>
    (check.byField.get(field) ?? []).map((d) => (
      <FieldHint key={d.code + d.message} tone={d.severity === "error" ? "error" : "warn"}>
        {d.message}
      </FieldHint>
    ));

  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="grid grid-cols-2 gap-4">
        <div className="space-y-1">
          <Label htmlFor={`${id}-domain`}>Domain</Label>
          <Select id={`${id}-domain`} value={domain} onChange={(e) => setDomain(e.target.value)} disabled={fixedDomain !== undefined} required>
            <option value="">Choose a running guest…</option>
            {options.data.domains.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name} (domid {d.domid}, {d.vifCount} vif{d.vifCount === 1 ? "" : "s"})
              </option>
            ))}
          </Select>
        </div>
        <div className="space-y-1">
          <Label htmlFor={`${id}-bridge`}>Bridge</Label>
          {mode === "bridge" ? (
            <>
              <Select id={`${id}-bridge`} value={bridge} onChange={(e) => setBridge(e.target.value)} aria-describedby={`${id}-bridge-hint`}>
                <option value="">default (xl.conf&apos;s vif.default.bridge)</option>
                {options.data.bridges.map((b) => (
                  <option key={b} value={b}>
                    {b}
                  </option>
                ))}
              </Select>
              <FieldHint id={`${id}-bridge-hint`}>Only bridges that exist on this host.</FieldHint>
            </>
          ) : (
            <FieldHint id={`${id}-bridge`}>
              None: the host is in {mode} mode, so {options.data.vifScript} gives the vif a host route instead of a bridge port.
            </FieldHint>
          )}
        </div>
      </div>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800 dark:text-slate-200">MAC address</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          {(
            [
              ["generate", "Generate (00:16:3e)"],
              ["ip", "From the IPv4 address"],
              ["typed", "Type one"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex items-center gap-1.5">
              <input type="radio" name={`${id}-macmode`} value={value} checked={macMode === value} onChange={() => setMacMode(value)} className="accent-sky-700" />
              {label}
            </label>
          ))}
        </div>
        <div className="flex items-center gap-2">
          <Label htmlFor={`${id}-mac`} className="sr-only">
            MAC
          </Label>
          <Input
            id={`${id}-mac`}
            className="w-56 font-mono"
            value={macMode === "typed" ? typedMac : (mac ?? "")}
            readOnly={macMode !== "typed"}
            placeholder={macMode === "typed" ? "00:16:3e:12:34:56" : macPending ? "checking…" : ""}
            onChange={(e) => setTypedMac(e.target.value)}
            aria-invalid={macProblem ? true : undefined}
            aria-describedby={`${id}-mac-hint`}
          />
          {macMode === "generate" && (
            <Button size="sm" variant="ghost" onClick={() => void generated.refetch()} aria-label="Generate another MAC">
              <RefreshCw className="size-3.5" aria-hidden />
              Another
            </Button>
          )}
        </div>
        <div id={`${id}-mac-hint`} aria-live="polite">
          {macProblem ? (
            <FieldHint tone="error">{macProblem}</FieldHint>
          ) : macPending ? (
            <FieldHint>Checking against every MAC on the host and in every config file…</FieldHint>
          ) : macMode === "generate" && generated.data ? (
            <FieldHint>
              Free: checked against {generated.data.macsKnown.toLocaleString("en")} MACs in use. Random MACs collide by the birthday paradox: with this many,
              the odds that two ever clash are {(generated.data.collisionOdds * 100).toFixed(2)}%.
            </FieldHint>
          ) : macMode === "ip" && mac ? (
            <FieldHint>Locally administered, derived from {firstIpv4}: unique as long as the address is.</FieldHint>
          ) : macMode === "typed" && mac ? (
            <FieldHint>Free: no running vif and no config file uses {mac}.</FieldHint>
          ) : null}
          {hint("mac")}
        </div>
      </fieldset>

      <div className="grid grid-cols-2 gap-4">
        <div className="space-y-1">
          <Label htmlFor={`${id}-ips`}>IP address(es)</Label>
          <Input
            id={`${id}-ips`}
            className="font-mono"
            placeholder="10.0.2.40 2001:db8::40"
            value={ipsText}
            onChange={(e) => setIpsText(e.target.value)}
            aria-invalid={ipsProblem ? true : undefined}
            aria-describedby={`${id}-ips-hint`}
          />
          <div id={`${id}-ips-hint`}>
            {ipsProblem ? (
              <FieldHint tone="error">{ipsProblem}</FieldHint>
            ) : (
              <FieldHint>Separated by spaces. With ip= the antispoofing rules can pin the guest to its address.</FieldHint>
            )}
          </div>
        </div>
        <div className="space-y-1">
          <Label htmlFor={`${id}-vifname`}>vifname</Label>
          <Input
            id={`${id}-vifname`}
            className="font-mono"
            placeholder="web1-int"
            value={vifname}
            onChange={(e) => setVifname(e.target.value)}
            aria-invalid={check.byField.get("vifname")?.some((d) => d.severity === "error") ? true : undefined}
            aria-describedby={`${id}-vifname-hint`}
          />
          <div id={`${id}-vifname-hint`} aria-live="polite">
            <FieldHint>
              <span className="tabular-nums">{vifnameLength}/15</span> characters. A stable name for accounting; over 15 the hotplug rename fails, over 8 some
              iptables mismatch.
            </FieldHint>
            {hint("vifname")}
          </div>
        </div>
        <div className="space-y-1">
          <Label htmlFor={`${id}-rate`}>Rate limit</Label>
          <Input id={`${id}-rate`} className="font-mono" placeholder="10Mb/s or 1MB/s@20ms" value={rate} onChange={(e) => setRate(e.target.value)} aria-describedby={`${id}-rate-hint`} />
          <div id={`${id}-rate-hint`}>
            <FieldHint>Empty: no limit.</FieldHint>
            {hint("rate")}
          </div>
        </div>
        <div className="space-y-1">
          <Label htmlFor={`${id}-script`}>Script</Label>
          <Input id={`${id}-script`} className="font-mono" placeholder={options.data.vifScript} value={script} onChange={(e) => setScript(e.target.value)} aria-describedby={`${id}-script-hint`} />
          <FieldHint id={`${id}-script-hint`}>Empty: the host&apos;s default, {options.data.vifScript}.</FieldHint>
        </div>
      </div>

      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" checked={persist} onChange={(e) => setPersist(e.target.checked)} className="mt-0.5 accent-sky-700" />
        <span>
          Also add it to the config file{domainInfo?.configFile ? <span className="font-mono"> {domainInfo.configFile}</span> : null}
          <span className="block text-xs text-slate-600 dark:text-slate-400">
            Without this, the vif is gone after the guest is shut down and started again.
          </span>
        </span>
      </label>

      <CommandLine argv={check.argv} label="This command runs on the host" />

      {failure && (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          <p className="font-medium">The vif was not attached.</p>
          <p className="mt-1">{failure}</p>
        </div>
      )}

      <div className="flex items-center justify-end gap-2">
        {errors.length > 0 && domain !== "" && (
          <p className="mr-auto text-xs text-slate-600 dark:text-slate-400">{errors.length === 1 ? "One thing to fix first." : `${errors.length} things to fix first.`}</p>
        )}
        <DialogClose asChild>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" disabled={errors.length > 0 || !mac || macPending || attach.isPending}>
          {attach.isPending ? "Attaching…" : "Attach"}
        </Button>
      </div>
    </form>
  );
}
