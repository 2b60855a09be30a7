import type { TVifColumns, TVifRow } from "~/server/api/routers/vif";

/** The `vif.table` answer's columns back to one row per vif, for the table. */
export function toVifRows(columns: TVifColumns, count: number): TVifRow[] {
  const c = columns;
  const rows = new Array<TVifRow>(count);
  for (let i = 0; i < count; i++) {
    rows[i] = {
      key: c.key[i] ?? "",
      kernelName: c.kernelName[i] ?? "",
      kind: c.kind[i] ?? "vif",
      domain: c.domain[i] ?? "",
      domid: c.domid[i] ?? 0,
      devid: c.devid[i] ?? 0,
      vifname: c.vifname[i] ?? null,
      mac: c.mac[i] ?? "",
      ips: c.ips[i] ?? [],
      bridge: c.bridge[i] ?? null,
      rateLimit: c.rateLimit[i] ?? null,
      state: c.state[i] ?? "unknown",
      inBps: c.inBps[i] ?? null,
      outBps: c.outBps[i] ?? null,
      monthIn: c.monthIn[i] ?? null,
      monthOut: c.monthOut[i] ?? null,
    };
  }
  return rows;
}
