// Benchmark: parse and validate 1,000 generated domain config files together,
// with the cross-file and host MAC checks. Prints files/s, MB/s and total ms
// (median of several runs after a warm-up). Run: npx tsx scripts/bench/xen-parse.bench.ts

import { validateXlConfigs, type THostFacts } from "../../server/xen/index";

const FILES = 1000;
const RUNS = 7;

function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function generateConfig(i: number, random: () => number): { name: string; text: string } {
  const name = `guest${i}`;
  const vifCount = 1 + Math.floor(random() * 8);
  const hvm = random() < 0.3;
  const quote = random() < 0.5 ? "'" : '"';
  const vifs: string[] = [];
  for (let d = 0; d < vifCount; d++) {
    const n = i * 8 + d;
    const parts = [`mac=00:16:3e:${hex2((n >> 16) & 0x7f)}:${hex2((n >> 8) & 0xff)}:${hex2(n & 0xff)}`, `bridge=xenbr${d % 2}`];
    if (random() < 0.7) parts.push(`ip=10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`);
    if (random() < 0.3) parts.push(`vifname=g${i}e${d}`);
    if (random() < 0.2) parts.push("rate=10Mb/s@20ms");
    if (hvm && random() < 0.5) parts.push("model=e1000");
    vifs.push(quote + parts.join(random() < 0.2 ? ", " : ",") + quote);
  }
  const multiline = random() < 0.5;
  const vifText = multiline ? `[\n${vifs.map((v) => `    ${v},`).join("\n")}\n]` : `[ ${vifs.join(", ")} ]`;
  const lines = [
    `# ${name}: generated for the benchmark`,
    `name = "${name}"`,
    `type = "${hvm ? "hvm" : "pv"}"`,
    hvm ? `boot = "c"` : `kernel = "/boot/vmlinuz-6.1.0-${i % 30}-amd64"`,
    hvm ? `vnc = 1` : `ramdisk = "/boot/initrd.img-6.1.0-${i % 30}-amd64"`,
    hvm ? "" : `extra = "root=/dev/xvda1 ro console=hvc0"`,
    `memory = ${512 * (1 + (i % 8))}`,
    `vcpus = ${1 + (i % 4)}`,
    "",
    "# network",
    `vif = ${vifText}`,
    `disk = [ 'phy:/dev/vg0/${name}-disk,xvda,w', 'phy:/dev/vg0/${name}-swap,xvdb,w' ]`,
    `on_poweroff = "destroy"`,
    `on_reboot = "restart"`,
    `on_crash = "restart"`,
    "",
  ];
  return { name: `/etc/xen/${name}.cfg`, text: lines.join("\n") };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const random = createRandom(42);
const files = Array.from({ length: FILES }, (_, i) => generateConfig(i, random));
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
const host: THostFacts = {
  bridges: ["xenbr0", "xenbr1"],
  macsInUse: Array.from({ length: 200 }, (_, k) => ({ mac: `00:16:3e:7f:${hex2(k >> 8)}:${hex2(k & 0xff)}`, where: `other${k}/0` })),
  networkMode: "bridge",
};

// Warm-up (JIT), then measured runs.
let check = validateXlConfigs(files, host);
for (let w = 0; w < 3; w++) check = validateXlConfigs(files, host);
const times: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  check = validateXlConfigs(files, host);
  times.push(performance.now() - t0);
}
const ms = median(times);
const vifs = check.files.reduce((n, f) => n + f.config.vifList.vifs.length, 0);
const errors = check.diagnostics.filter((d) => d.severity === "error").length;
console.log(`xen-parse: ${FILES} files, ${vifs} vifs, ${(bytes / 1024).toFixed(1)} KiB, ${errors} errors (expected 0)`);
console.log(`  runs (ms): ${times.map((t) => t.toFixed(1)).join(" ")}`);
console.log(`  median: ${ms.toFixed(1)} ms total for parse + validate + cross-file MAC check`);
console.log(`  ${(FILES / (ms / 1000)).toFixed(0)} files/s, ${(bytes / 1_000_000 / (ms / 1000)).toFixed(2)} MB/s`);
console.log(`  goal: ${FILES} files under 1000 ms: ${ms < 1000 ? "met" : "NOT met"}`);
