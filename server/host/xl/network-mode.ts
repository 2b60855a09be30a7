import type { TNetworkMode } from "~/server/host/inventory";

/*
 * Just enough of xl.conf and xend-config.sxp to tell the networking mode.
 * The real xl config parser lives in server/xen; this reads only simple
 * `key = "value"` lines and `(network-script …)` / `(vif-script …)` forms.
 */

export type TXlConfDefaults = { vifScript: string | null; bridge: string | null };

/** `vif.default.script` / `vif.default.bridge` (and the deprecated `vifscript` / `defaultbridge`) from xl.conf. */
export function parseXlConfDefaults(text: string): TXlConfDefaults {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\s*([a-z][._0-9a-z]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s#]+))\s*(?:#.*)?$/.exec(line);
    if (m?.[1]) values.set(m[1], m[2] ?? m[3] ?? m[4] ?? "");
  }
  return {
    vifScript: values.get("vif.default.script") ?? values.get("vifscript") ?? null,
    bridge: values.get("vif.default.bridge") ?? values.get("defaultbridge") ?? null,
  };
}

export type TXendNetworkConfig = { networkScript: string | null; vifScript: string | null };

/** `(network-script 'network-bridge bridge=foo')` and `(vif-script vif-route)` from xend-config.sxp; the script names only. */
export function parseXendConfig(text: string): TXendNetworkConfig {
  const result: TXendNetworkConfig = { networkScript: null, vifScript: null };
  for (const line of text.split("\n")) {
    const m = /^\s*\((network-script|vif-script)\s+(?:'([^']*)'|"([^"]*)"|([^\s)]+))\s*\)/.exec(line);
    if (!m?.[1]) continue;
    const script = (m[2] ?? m[3] ?? m[4] ?? "").trim().split(/\s+/)[0] ?? "";
    if (script === "") continue;
    if (m[1] === "network-script") result.networkScript = script;
    else result.vifScript = script;
  }
  return result;
}

/**
 * The host's vif script and networking mode: xl.conf first (xl's own
 * default), then xend-config.sxp, then xl's built-in default `vif-bridge`.
 */
export function determineNetworkMode(sources: { xlConf?: string | null; xendConfig?: string | null }): {
  networkMode: TNetworkMode;
  vifScript: string;
} {
  const xl = sources.xlConf ? parseXlConfDefaults(sources.xlConf) : null;
  const xend = sources.xendConfig ? parseXendConfig(sources.xendConfig) : null;
  const fromNetworkScript = xend?.networkScript ? xend.networkScript.replace(/^.*\//, "").replace(/^network-/, "vif-") : null;
  const vifScript = shortScriptName(xl?.vifScript ?? xend?.vifScript ?? fromNetworkScript ?? "vif-bridge");
  return { networkMode: networkModeOf(vifScript), vifScript };
}

/** route for vif-route, nat for vif-nat, bridge for vif-bridge, vif-openvswitch and anything else. */
export function networkModeOf(script: string): TNetworkMode {
  const name = script.replace(/^.*\//, "");
  if (/(^|-)route$/.test(name)) return "route";
  if (/(^|-)nat$/.test(name)) return "nat";
  return "bridge";
}

/** Scripts in Xen's own directory are named as the config names them (`vif-bridge`); others keep their path. */
export function shortScriptName(script: string): string {
  return script.replace(/^\/etc\/xen\/scripts\//, "");
}
