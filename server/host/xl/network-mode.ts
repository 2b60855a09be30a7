import type { TNetworkMode } from "~/server/host/inventory";

import { parseXendNetworkConfig, parseXlConfig, readXlConfDefaults } from "~/server/xen";

/**
 * The host's vif script and networking mode: xl.conf first (xl's own
 * default), then xend-config.sxp, then xl's built-in default `vif-bridge`.
 */
export function determineNetworkMode(sources: { xlConf?: string | null; xendConfig?: string | null }): {
  networkMode: TNetworkMode;
  vifScript: string;
} {
  // Both files are read with server/xen's parsers, the ones xl and xend use.
  const xl = sources.xlConf ? readXlConfDefaults(parseXlConfig(sources.xlConf, { source: "xl.conf" }).config) : null;
  const xend = sources.xendConfig ? parseXendNetworkConfig(sources.xendConfig) : null;
  const networkScript = xend?.networkScript?.script ?? null;
  const fromNetworkScript = networkScript ? networkScript.replace(/^.*\//, "").replace(/^network-/, "vif-") : null;
  const vifScript = shortScriptName(xl?.script ?? xend?.vifScript?.script ?? fromNetworkScript ?? "vif-bridge");
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
