// Checks across the vifs of one config file.

import { makeDiagnostic, type TDiagnostic } from "./diagnostics";
import type { TConfigVif } from "./config";

/** The number of vifs older Xen (xm/xend era) allowed per guest. */
export const OLD_XEN_VIF_LIMIT = 8;
/** From this devid on, xl refuses further hot-attaches (devids are compared as strings). */
export const DEVID_ATTACH_LIMIT = 10;

export function checkVifList(vifs: readonly TConfigVif[]): TDiagnostic[] {
  const out: TDiagnostic[] = [];
  const macs = new Map<string, TConfigVif>();
  const devids = new Map<number, TConfigVif>();
  const names = new Map<string, TConfigVif>();
  let devidWarned = false;
  for (const v of vifs) {
    const where = { line: v.line, column: v.column };
    const mac = v.effective.mac;
    if (mac !== null) {
      const other = macs.get(mac);
      if (other) {
        out.push(
          makeDiagnostic("VIF_MAC_DUPLICATE", `MAC ${mac} is used by vif ${other.index} and vif ${v.index} of this file: a MAC conflict takes the network down.`, where, "Give each vif its own MAC (generate one in 00:16:3e)."),
        );
      } else macs.set(mac, v);
    }
    const otherDevid = devids.get(v.devid);
    if (otherDevid && v.devid >= 0) {
      out.push(makeDiagnostic("VIF_DEVID_DUPLICATE", `devid ${v.devid} is used by vif ${otherDevid.index} and vif ${v.index}: the second one cannot be created.`, where, "Remove the explicit devid= or make them different."));
    } else devids.set(v.devid, v);
    if (v.devid >= DEVID_ATTACH_LIMIT && !devidWarned) {
      devidWarned = true;
      out.push(
        makeDiagnostic("VIF_DEVID_10", `This vif gets devid ${v.devid}: once a guest has devid 10, xl refuses every further network-attach to it ("device already exists in xenstore").`, where, "Keep devids below 10 if you hot-attach vifs to this guest."),
      );
    }
    const name = v.effective.vifname;
    if (name !== null && name !== "") {
      const other = names.get(name);
      if (other) {
        out.push(makeDiagnostic("VIF_VIFNAME_DUPLICATE", `vifname '${name}' is used by vif ${other.index} and vif ${v.index}: the second rename fails and that vif is left down.`, where, "Give each vif its own vifname."));
      } else names.set(name, v);
    }
  }
  if (vifs.length > OLD_XEN_VIF_LIMIT) {
    const v = vifs[OLD_XEN_VIF_LIMIT];
    if (v) out.push(makeDiagnostic("VIF_TOO_MANY", `${vifs.length} vifs: Xen before 4.x (xm/xend) allowed at most ${OLD_XEN_VIF_LIMIT}; current xl has no limit.`, { line: v.line, column: v.column }, "Fine on current xl; keep to 8 if older hosts must read this file."));
  }
  return out;
}
