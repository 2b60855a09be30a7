import type { Db } from "~/server/db";

import { readCumulativeTotals } from "./queries";

/**
 * Prometheus text exposition of the counter store: reset-corrected
 * cumulative counters per stable name, which keep growing across guest
 * reboots (node_exporter's per-interface counters start again at every new
 * vif). `direction` follows the store's convention: in = into the key's owner
 * (received by the guest; received by a host interface).
 */

const FAMILIES = [
  { name: "vifdeck_traffic_bytes_total", help: "Bytes moved by a stable key since it was first seen, reset-corrected.", in: "inBytes", out: "outBytes" },
  { name: "vifdeck_traffic_packets_total", help: "Packets moved by a stable key since it was first seen, reset-corrected.", in: "inPackets", out: "outPackets" },
  { name: "vifdeck_traffic_drops_total", help: "Packets dropped on a stable key since it was first seen.", in: "inDrops", out: "outDrops" },
  { name: "vifdeck_traffic_errors_total", help: "Errors on a stable key since it was first seen.", in: "inErrors", out: "outErrors" },
] as const;

export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

/**
 * `host` is the agent's host name as the collector stored it from the
 * inventory (the web process may run elsewhere, or under another name);
 * `fallbackHostname` serves until the collector has stored one.
 */
export async function renderMetrics(db: Db, fallbackHostname: string): Promise<string> {
  const keys = await readCumulativeTotals(db);
  const collector = await db.accountingCollector.findUnique({ where: { id: 1 } });
  const hostname = collector?.hostname ?? fallbackHostname;
  const lines: string[] = [];
  for (const family of FAMILIES) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} counter`);
    for (const k of keys) {
      const labels = [
        ["host", hostname],
        ["key", k.key],
        ["kind", k.kind],
        ["domain", k.domain ?? ""],
        ["devid", k.devid === null ? "" : String(k.devid)],
        ["vifname", k.vifname ?? ""],
        ["bridge", k.bridge ?? ""],
      ]
        .map(([name, value]) => `${name}="${escapeLabelValue(value ?? "")}"`)
        .join(",");
      lines.push(`${family.name}{${labels},direction="in"} ${k.counters[family.in].toString()}`);
      lines.push(`${family.name}{${labels},direction="out"} ${k.counters[family.out].toString()}`);
    }
  }
  lines.push(
    "# HELP vifdeck_collector_last_tick_timestamp_seconds When the collector's last stored sample was read.",
    "# TYPE vifdeck_collector_last_tick_timestamp_seconds gauge",
    `vifdeck_collector_last_tick_timestamp_seconds{host="${escapeLabelValue(hostname)}"} ${collector ? Number(collector.lastTickAt) / 1000 : 0}`,
  );
  return `${lines.join("\n")}\n`;
}
