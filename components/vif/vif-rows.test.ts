import { describe, expect, it } from "vitest";

import { toVifColumns, type TVifRow } from "~/server/api/routers/vif";

import { toVifRows } from "./vif-rows";

const ROWS: TVifRow[] = [
  { key: "web1", kernelName: "vif3.0", kind: "vif", domain: "web", domid: 3, devid: 0, vifname: "web1", mac: "00:16:3e:00:00:01", ips: ["10.0.0.2"], bridge: "xenbr0", rateLimit: "10MB/s", state: "up", inBps: 1234.6, outBps: 0.4, monthIn: 5_000_000_000, monthOut: 12 },
  { key: "win/0", kernelName: "vif4.0-emu", kind: "emu", domain: "win", domid: 4, devid: 0, vifname: null, mac: "00:16:3e:00:00:02", ips: [], bridge: null, rateLimit: null, state: "down", inBps: null, outBps: null, monthIn: null, monthOut: null },
];

describe("vif.table columns", () => {
  it("give back the rows of vif.list, rates rounded to whole bits per second", () => {
    expect(toVifRows(toVifColumns(ROWS), ROWS.length)).toEqual([
      { ...ROWS[0], inBps: 1235, outBps: 0 },
      ROWS[1],
    ]);
  });

  it("of no vif are no rows", () => {
    expect(toVifRows(toVifColumns([]), 0)).toEqual([]);
  });
});
