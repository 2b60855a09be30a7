import { HostError } from "~/server/host/driver";
import type { TRate } from "~/server/host/inventory";
import { parseXenstoreRate, splitIps } from "~/server/host/xl/parse-xl";

/** `xenstore-ls -f <path>`: `/full/path = "value"` lines, into a map. */
export function parseXenstoreLs(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^(\/\S*) = "(.*)"$/.exec(line);
    if (!m?.[1]) throw new HostError("UNPARSABLE_OUTPUT", `xenstore-ls -f: cannot read "${line.slice(0, 80)}"`);
    entries.set(m[1], unescapeXenstore(m[2] ?? ""));
  }
  return entries;
}

/** xenstore-ls prints `\\`, `\"` and non-printable bytes as `\xNN`. */
function unescapeXenstore(value: string): string {
  return value.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, esc: string) =>
    esc.length === 3 ? String.fromCharCode(Number.parseInt(esc.slice(1), 16)) : esc,
  );
}

export type TBackendVif = {
  domid: number;
  devid: number;
  mac: string | null;
  bridge: string | null;
  vifname: string | null;
  ips: string[];
  script: string | null;
  rate: TRate | null;
  /** XenBus state number (4 = connected). */
  state: number | null;
  hotplugStatus: string | null;
};

export const BACKEND_VIF_ROOT = "/local/domain/0/backend/vif";

/** The backend vifs under `root` (`<root>/<domid>/<devid>/<key>`), sorted by domid then devid. */
export function extractBackendVifs(entries: Map<string, string>, root = BACKEND_VIF_ROOT): TBackendVif[] {
  const vifs = new Map<string, Map<string, string>>();
  const prefix = `${root}/`;
  for (const [path, value] of entries) {
    if (!path.startsWith(prefix)) continue;
    const [domid, devid, key, ...rest] = path.slice(prefix.length).split("/");
    if (!domid || !devid || !/^\d+$/.test(domid) || !/^\d+$/.test(devid)) continue;
    const id = `${domid}/${devid}`;
    const vif = vifs.get(id) ?? new Map<string, string>();
    vifs.set(id, vif);
    if (key && rest.length === 0) vif.set(key, value);
  }
  return [...vifs.entries()]
    .map(([id, keys]) => {
      const [domid, devid] = id.split("/").map(Number);
      const state = keys.get("state");
      return {
        domid: domid ?? 0,
        devid: devid ?? 0,
        mac: keys.get("mac") ?? null,
        bridge: keys.get("bridge") ?? null,
        vifname: keys.get("vifname") || null,
        ips: splitIps(keys.get("ip")),
        script: keys.get("script") ?? null,
        rate: parseXenstoreRate(keys.get("rate")),
        state: state !== undefined && /^\d+$/.test(state) ? Number(state) : null,
        hotplugStatus: keys.get("hotplug-status") ?? null,
      };
    })
    .sort((a, b) => a.domid - b.domid || a.devid - b.devid);
}
