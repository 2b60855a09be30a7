// A stand-in for `xl` and `xenstore-ls` in tests: prints what the real tools
// printed on the captured Xen 4.17 host (the fixtures beside this file), and
// their real error texts. Which tool it plays comes from FAKE_XEN_TOOL.
import { readFileSync } from "node:fs";

const dir = new URL(".", import.meta.url).pathname;

function fixture(file) {
  const lines = readFileSync(`${dir}${file}`, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.pop(); // "# exit=…"
  lines.shift(); // the command
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

const DOMAINS = { "Domain-0": 0, web1: 1, db1: 2 };
const NETWORK_LIST = { web1: "07-xl-network-list-web1.txt", db1: "08-xl-network-list-db1.txt", "Domain-0": "10-xl-network-list-dom0.txt" };
const args = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function domainName(id) {
  const byId = Object.entries(DOMAINS).find(([, domid]) => String(domid) === id);
  if (id in DOMAINS) return id;
  if (byId) return byId[0];
  return fail(`${id} is an invalid domain identifier (rc=-6)`);
}

if (process.env.FAKE_XEN_TOOL === "xenstore-ls") {
  if (args.join(" ") === "-f /local/domain/0/backend/vif") process.stdout.write(fixture("21-xenstore-ls-f-backend-vif.txt"));
  else fail(`fake xenstore-ls: unsupported arguments ${JSON.stringify(args)}`);
} else {
  const [command, ...rest] = args;
  if (command === "list" && rest.length === 0) process.stdout.write(fixture("03-xl-list.txt"));
  else if (command === "list" && rest.join(" ") === "-l") process.stdout.write(fixture("04-xl-list-l.txt"));
  else if (command === "info" && rest.length === 0) process.stdout.write(fixture("00-xl-info.txt"));
  else if (command === "network-list" && rest.length > 0) {
    const header = fixture("07-xl-network-list-web1.txt").split("\n")[0];
    const rows = rest.map((id) => fixture(NETWORK_LIST[domainName(id)]).split("\n").slice(1).join("\n"));
    process.stdout.write(`${header}\n${rows.join("")}`);
  } else if (command === "network-detach" && rest.length === 2) {
    domainName(rest[0]);
    fail(`Unknown device ${rest[1]}.`);
  } else if (command === "sleep") {
    setTimeout(() => {}, 60_000);
  } else fail(`fake xl: unsupported arguments ${JSON.stringify(args)}`);
}
