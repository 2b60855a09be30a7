import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { readFixture } from "~/server/host/linux/testdata/read-fixture";
import { parseXlError, toXlHostError } from "~/server/host/xl/xl-errors";

const DIR = join(import.meta.dirname, "testdata");
const capture = (file: string) => readFixture(DIR, file);

describe("parseXlError on the captured failures", () => {
  it.each([
    ["35-err-bad-mac.txt", "invalid-parameter", "INVALID_INPUT", /mac=/],
    ["37-err-unknown-bridge.txt", "hotplug-script", "NOT_FOUND", /Could not find bridge device nosuchbr0\. Create the bridge first.*devid 9/],
    ["39-err-nonexistent-domain.txt", "invalid-domain", "NOT_FOUND", /No domain "nosuchdom"/],
    ["40-err-nonexistent-domid.txt", "invalid-domain", "NOT_FOUND", /No domain with domid 4242/],
    ["41-err-duplicate-vifname.txt", "hotplug-script", "CONFLICT", /An interface with name web1 already exists.*another vifname.*devid 10/],
    ["42-err-vifname-too-long.txt", "device-exists", "CONFLICT", /devid 10 exists.*detach/],
    ["43-err-bad-option.txt", "unrecognized-argument", "INVALID_INPUT", /"bogus=1"/],
    ["44-err-bad-rate.txt", "config-parse", "INVALID_INPUT", /invalid rate in `fast'/],
    ["45-err-duplicate-mac.txt", "device-exists", "CONFLICT", /already in xenstore/],
    ["51-err-detach-nonexistent-devid.txt", "unknown-device", "NOT_FOUND", /no vif 42 /],
    ["52-err-detach-unknown-mac.txt", "unknown-device", "NOT_FOUND", /no vif 00:16:3e:99:99:99/],
    ["53-err-detach-nonexistent-domain.txt", "invalid-domain", "NOT_FOUND", /nosuchdom/],
    ["77-xl-shutdown-nonexistent.txt", "invalid-domain", "NOT_FOUND", /nosuchdom/],
    ["78-xl-destroy-nonexistent.txt", "invalid-domain", "NOT_FOUND", /domid 4242/],
    ["101-clean-err-vifname-too-long.txt", "hotplug-script", "INVALID_INPUT", /averyverylongvifname failed\. .*15 characters/],
    ["107-leftover-1-failed-attach.txt", "hotplug-script", "CONFLICT", /devid 5/],
    ["131-many-vifs-2-attach-12th.txt", "device-exists", "CONFLICT", /string/],
  ])("%s → %s", (file, kind, code, message) => {
    const { output, exitCode } = capture(file);
    expect(exitCode).toBe(1);
    const error = parseXlError(output);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it("keeps the script's own message and the devid it used", () => {
    const error = parseXlError(capture("37-err-unknown-bridge.txt").output);
    expect(error.scriptMessage).toBe("Could not find bridge device nosuchbr0");
    expect(error.devid).toBe(9);
  });

  it("ignores debug chatter and falls back to the last error line", () => {
    const error = parseXlError("libxl: debug: libxl_nic.c:540: something\nlibxl: error: libxl_foo.c:1:bar: it broke\nlibxl_device_nic_add failed.\n");
    expect(error).toMatchObject({ kind: "failed", code: "COMMAND_FAILED", line: "libxl_device_nic_add failed." });
  });

  it("makes a HostError naming the command", () => {
    const error = toXlHostError({ command: ["/usr/sbin/xl", "network-detach", "web1", "42"], exitCode: 1, stderr: capture("51-err-detach-nonexistent-devid.txt").output });
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toBe("network-detach web1 42: The domain has no vif 42 (no such devid or MAC).");
    expect(error.details.exitCode).toBe(1);
  });
});
