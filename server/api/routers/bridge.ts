import { z } from "zod";

import { stableKeyOf } from "~/server/accounting/identity";
import { readInventory } from "~/server/api/routers/vif";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { ZHostSchema, ZOperStateSchema, ZStpPortStateSchema, type TStpPortState } from "~/server/host/inventory";

/**
 * Bridges as the Overview draws them: bridge → ports (physical NIC, dom0's
 * vif0.x, guest vifs) → domains, with STP states; or, in route and nat mode,
 * uplink → dom0's routing → guest vifs. Guest ports are summarised (counts per
 * STP state and a first few) so the answer stays small on a host with
 * thousands of vifs.
 */

const GUEST_PORT_SAMPLE = 8;

const ZPortSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(["physical", "vif", "emu", "dom0", "other"]),
  stpState: ZStpPortStateSchema,
  operState: ZOperStateSchema,
  /** The guest behind a vif port, and its stable name. */
  domain: z.string().nullable(),
  key: z.string().nullable(),
});

const ZStpCountsSchema = z.strictObject({
  disabled: z.number().int(),
  listening: z.number().int(),
  learning: z.number().int(),
  forwarding: z.number().int(),
  blocking: z.number().int(),
});

const ZTopologyBridgeSchema = z.strictObject({
  name: z.string(),
  bridgeId: z.string(),
  stp: z.boolean(),
  mtu: z.number().int(),
  operState: ZOperStateSchema,
  addresses: z.array(z.string()),
  /** uplink: has a physical NIC; brouter: no NIC but its own address (dom0 routes for it); internal: neither. */
  role: z.enum(["uplink", "brouter", "internal"]),
  hostPorts: z.array(ZPortSchema),
  guestPortCount: z.number().int(),
  guestDomainCount: z.number().int(),
  guestStp: ZStpCountsSchema,
  guestPorts: z.array(ZPortSchema),
});
export type TTopologyBridge = z.infer<typeof ZTopologyBridgeSchema>;

const ZTopologySchema = z.strictObject({
  host: ZHostSchema,
  counts: z.strictObject({
    guests: z.number().int(),
    guestVifs: z.number().int(),
    emuTwins: z.number().int(),
    vifsDown: z.number().int(),
    bridges: z.number().int(),
    nics: z.number().int(),
  }),
  bridges: z.array(ZTopologyBridgeSchema),
  nics: z.array(
    z.strictObject({ name: z.string(), mac: z.string(), master: z.string().nullable(), addresses: z.array(z.string()), operState: ZOperStateSchema }),
  ),
  /** Guest vifs on no bridge (route and nat mode): how many and a first few with their addresses. */
  routed: z.strictObject({
    count: z.number().int(),
    withoutIp: z.number().int(),
    sample: z.array(z.strictObject({ kernelName: z.string(), key: z.string(), domain: z.string(), ips: z.array(z.string()), operState: ZOperStateSchema })),
  }),
  readAt: z.date(),
});
export type TTopology = z.infer<typeof ZTopologySchema>;

function zeroStp(): Record<TStpPortState, number> {
  return { disabled: 0, listening: 0, learning: 0, forwarding: 0, blocking: 0 };
}

export const bridgeRouter = createTRPCRouter({
  /** The host's network as a picture: bridges, their ports and the guests behind them. */
  topology: viewerProcedure.output(ZTopologySchema).query(async ({ ctx }) => {
    const inventory = await readInventory(ctx);
    const vifByName = new Map(inventory.vifs.map((v) => [v.kernelName, v]));
    const bridges = inventory.bridges.map((bridge) => {
      const hostPorts = [];
      const guestPorts = [];
      const guestStp = zeroStp();
      const domains = new Set<string>();
      let guestPortCount = 0;
      for (const port of bridge.ports) {
        const vif = vifByName.get(port.name);
        const entry = { name: port.name, kind: port.kind, stpState: port.stpState, operState: port.operState, domain: vif?.domain ?? null, key: vif ? stableKeyOf(vif) : null };
        if (port.kind === "vif" || port.kind === "emu") {
          guestPortCount++;
          guestStp[port.stpState]++;
          if (vif) domains.add(vif.domain);
          // Ports not forwarding come first: they are the ones to look at.
          if (guestPorts.length < GUEST_PORT_SAMPLE || port.stpState !== "forwarding") guestPorts.push(entry);
        } else {
          hostPorts.push(entry);
        }
      }
      guestPorts.sort((a, b) => Number(a.stpState === "forwarding") - Number(b.stpState === "forwarding"));
      const hasPhysical = bridge.ports.some((p) => p.kind === "physical");
      return {
        name: bridge.name,
        bridgeId: bridge.bridgeId,
        stp: bridge.stp,
        mtu: bridge.mtu,
        operState: bridge.operState,
        addresses: bridge.addresses,
        role: hasPhysical ? ("uplink" as const) : bridge.addresses.length > 0 ? ("brouter" as const) : ("internal" as const),
        hostPorts,
        guestPortCount,
        guestDomainCount: domains.size,
        guestStp,
        guestPorts: guestPorts.slice(0, Math.max(GUEST_PORT_SAMPLE, guestPorts.filter((p) => p.stpState !== "forwarding").length)).slice(0, 50),
      };
    });
    const routedVifs = inventory.vifs.filter((v) => v.kind === "vif" && v.bridge === null);
    const guestVifs = inventory.vifs.filter((v) => v.kind === "vif");
    return {
      host: inventory.host,
      counts: {
        guests: inventory.domains.filter((d) => d.domid !== 0).length,
        guestVifs: guestVifs.length,
        emuTwins: inventory.vifs.length - guestVifs.length,
        vifsDown: guestVifs.filter((v) => v.operState !== "up").length,
        bridges: inventory.bridges.length,
        nics: inventory.nics.length,
      },
      bridges,
      nics: inventory.nics.map((n) => ({ name: n.name, mac: n.mac, master: n.master, addresses: n.addresses, operState: n.operState })),
      routed: {
        count: routedVifs.length,
        withoutIp: routedVifs.filter((v) => v.ips.length === 0).length,
        sample: routedVifs.slice(0, GUEST_PORT_SAMPLE).map((v) => ({ kernelName: v.kernelName, key: stableKeyOf(v), domain: v.domain, ips: v.ips, operState: v.operState })),
      },
      readAt: new Date(),
    };
  }),
});
