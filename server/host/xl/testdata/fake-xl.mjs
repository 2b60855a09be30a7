// A stand-in for `xl` and `xenstore-ls` in tests: prints what the real tools
// printed on the captured Xen 4.17 host (the fixtures beside this file), and
// their real error texts. Which tool it plays comes from FAKE_XEN_TOOL.
//
// network-attach and network-detach answer from the capture whose command line
// is exactly the one asked for (24–27, 35–45, 51–56, 101, 107, 131…): its output
// on stderr (those captures print nothing on stdout) and its exit status.
import { readdirSync, readFileSync } from "node:fs";

const dir = new URL(".", import.meta.url).pathname;

function readCapture(file) {
  const lines = readFileSync(`${dir}${file}`, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const trailer = lines.pop(); // "# exit=…"
  const command = lines.shift();
  const exitCode = Number(/^# exit=(\d+)/.exec(trailer ?? "")?.[1] ?? "0");
  return { command, output: lines.length > 0 ? `${lines.join("\n")}\n` : "", exitCode };
}

function fixture(file) {
  return readCapture(file).output;
}

/** The capture of exactly this xl command line, if there is one (the first run's when the command was run again later). */
function findCapture(argv) {
  const wanted = ["xl", ...argv].join(" ");
  const files = readdirSync(dir).filter((f) => f.endsWith(".txt"));
  files.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  for (const file of files) {
    const capture = readCapture(file);
    if (capture.command === wanted) return capture;
  }
  return null;
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
  } else if ((command === "network-attach" || command === "network-detach") && rest.length > 0) {
    const capture = findCapture(args);
    if (capture) {
      process.stderr.write(capture.output);
      process.exit(capture.exitCode);
    }
    domainName(rest[0]);
    if (command === "network-detach" && rest.length === 2) {
      if (!rest[1].includes(":")) {
        process.stderr.write(`libxl: error: libxl_xshelp.c:206:libxl__xs_read_mandatory: xenstore read failed: \`/libxl/${DOMAINS[domainName(rest[0])]}/device/vif/${Number.parseInt(rest[1], 10) || 0}': No such file or directory\n`);
      }
      fail(`Unknown device ${rest[1]}.`);
    }
    fail(`fake xl: no capture for ${JSON.stringify(args)}`);
  } else if (command === "sleep") {
    setTimeout(() => {}, 60_000);
  } else fail(`fake xl: unsupported arguments ${JSON.stringify(args)}`);
}
