// A stand-in for `xl` and `xenstore-ls` whose domains change while a test
// runs: it prints, in the formats of the captured Xen 4.17 host (see
// server/host/xl/testdata), the domains described by the JSON file named in
// FAKE_XEN_STATE, which the test rewrites at every guest reboot:
//
//   { "domains": [ { "name": "db1", "domid": 3, "vifs": [ { "devid": 0, "mac": "00:16:3e:…", "bridge": "xenbr0", "vifname": null } ] } ] }
//
// Which tool it plays comes from FAKE_XEN_TOOL ("xl" or "xenstore-ls").
// Supported: xl list, xl list -l, xl info, xl network-list <domain…>,
// xenstore-ls -f /local/domain/0/backend/vif. Anything else fails as xl would.
import { readFileSync } from "node:fs";

const captured = new URL("../../host/xl/testdata/", import.meta.url).pathname;
const args = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** A capture's output: the command line and the "# exit=…" trailer dropped. */
function fixture(file) {
  const lines = readFileSync(`${captured}${file}`, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.pop();
  lines.shift();
  return `${lines.join("\n")}\n`;
}

const state = JSON.parse(readFileSync(process.env.FAKE_XEN_STATE ?? fail("FAKE_XEN_STATE is not set"), "utf8"));
const domains = [{ name: "Domain-0", domid: 0, vifs: [], memory: 1024, vcpus: 2, flags: "r-----", time: 220.5 }, ...state.domains];

function domainOf(id) {
  const domain = domains.find((d) => d.name === id || String(d.domid) === id);
  return domain ?? fail(`${id} is an invalid domain identifier (rc=-6)`);
}

const pad = (value, width) => String(value).padEnd(width);
const padLeft = (value, width) => String(value).padStart(width);

/** xl list: printf("%-40s %5d %5lu %5d     %s %8.1f\n", …) under xl's header. */
function printList() {
  const rows = domains.map(
    (d) => `${pad(d.name, 40)} ${padLeft(d.domid, 5)} ${padLeft(d.memory ?? 128, 5)} ${padLeft(d.vcpus ?? 1, 5)}     ${d.flags ?? "-b----"} ${padLeft((d.time ?? 10.5).toFixed(1), 9)}`,
  );
  return `Name                                        ID   Mem VCPUs\tState\tTime(s)\n${rows.join("\n")}\n`;
}

/** xl list -l: libxl's JSON of each domain's config (4-space indent, as xl prints it). */
function printListLong() {
  const entries = domains.map((d) => {
    const c_info = d.domid === 0 ? { type: "pv", name: d.name } : { type: "pv", name: d.name, domid: 4294967295, uuid: d.uuid ?? "00000000-0000-4000-8000-000000000000", run_hotplug_scripts: "True" };
    const config = { c_info, b_info: { max_memkb: (d.memory ?? 128) * 1024, target_memkb: (d.memory ?? 128) * 1024 } };
    if (d.vifs.length > 0) {
      config.nics = d.vifs.map((v) => ({ devid: v.devid, mac: v.mac, bridge: v.bridge, ...(v.vifname ? { ifname: v.vifname } : {}), nictype: "vif" }));
      config.on_reboot = "restart";
    }
    return { domid: d.domid, config };
  });
  return `${JSON.stringify(entries, null, 4)}\n\n`;
}

/** xl network-list <domain…>: one header, a row per vif. */
function printNetworkList(ids) {
  const header = "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       ";
  const rows = ids.flatMap((id) =>
    domainOf(id).vifs.map(
      (v) => `${pad(v.devid, 3)} ${pad(0, 2)} ${v.mac} ${padLeft(v.devid, 5)} ${padLeft(4, 5)} ${padLeft(-1, 6)}   ${pad(`${520 + 514 * v.devid}/${521 + 514 * v.devid}`, 15)} /local/domain/0/backend/vif/${domainOf(id).domid}/${v.devid}`,
    ),
  );
  return `${header}\n${rows.map((r) => `${r}\n`).join("")}`;
}

/** xenstore-ls -f of the backend vifs, with the keys vifdeck reads. */
function printBackendVifs() {
  const lines = [];
  for (const d of domains.filter((x) => x.domid !== 0 && x.vifs.length > 0)) {
    const base = `/local/domain/0/backend/vif/${d.domid}`;
    lines.push(`${base} = ""`);
    for (const v of d.vifs) {
      const dir = `${base}/${v.devid}`;
      lines.push(
        `${dir} = ""`,
        `${dir}/bridge = "${v.bridge}"`,
        `${dir}/frontend = "/local/domain/${d.domid}/device/vif/${v.devid}"`,
        `${dir}/frontend-id = "${d.domid}"`,
        `${dir}/handle = "${v.devid}"`,
        `${dir}/hotplug-status = "connected"`,
        `${dir}/mac = "${v.mac}"`,
        `${dir}/online = "1"`,
        `${dir}/script = "/etc/xen/scripts/vif-bridge"`,
        `${dir}/state = "4"`,
        `${dir}/type = "vif"`,
        ...(v.vifname ? [`${dir}/vifname = "${v.vifname}"`] : []),
      );
    }
  }
  if (lines.length === 0) fail("xenstore-ls: could not access /local/domain/0/backend/vif: No such file or directory");
  return `${lines.join("\n")}\n`;
}

if (process.env.FAKE_XEN_TOOL === "xenstore-ls") {
  if (args.join(" ") === "-f /local/domain/0/backend/vif") process.stdout.write(printBackendVifs());
  else fail(`fake xenstore-ls: unsupported arguments ${JSON.stringify(args)}`);
} else {
  const [command, ...rest] = args;
  if (command === "list" && rest.length === 0) process.stdout.write(printList());
  else if (command === "list" && rest.join(" ") === "-l") process.stdout.write(printListLong());
  else if (command === "info" && rest.length === 0) process.stdout.write(fixture("00-xl-info.txt"));
  else if (command === "network-list" && rest.length > 0) process.stdout.write(printNetworkList(rest));
  else fail(`fake xl: unsupported arguments ${JSON.stringify(args)}`);
}
