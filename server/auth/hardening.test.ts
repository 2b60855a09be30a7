import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { formatAuditCsvRow, formatCsvField, type TAuditEvent } from "~/server/audit/audit-repository";
import { formatAuditJson } from "~/server/audit/redact";
import { formatCommandLine } from "~/server/api/trpc";
import { generateApiToken, hashApiToken, readBearerToken } from "~/server/auth/api-tokens";
import { isCrossSiteRequest, readExpectedOrigin } from "~/server/auth/csrf";
import { limitApiRequest } from "~/server/auth/request-limits";
import { readAuthSecret } from "~/server/auth/secret";
import { PEER_ADDRESS_HEADER, readSourceAddress } from "~/server/auth/source-address";
import { migrate } from "~/server/migrate";

describe("source address", () => {
  it("uses the peer address and ignores X-Forwarded-For without trusted proxies", () => {
    const headers = new Headers({ [PEER_ADDRESS_HEADER]: "::ffff:10.0.0.5", "x-forwarded-for": "6.6.6.6" });
    expect(readSourceAddress(headers, 0)).toBe("10.0.0.5");
  });
  it("takes the n-th address from the right behind n trusted proxies", () => {
    const headers = new Headers({ [PEER_ADDRESS_HEADER]: "127.0.0.1", "x-forwarded-for": "6.6.6.6, 203.0.113.4, 10.0.0.2" });
    expect(readSourceAddress(headers, 1)).toBe("10.0.0.2");
    expect(readSourceAddress(headers, 2)).toBe("203.0.113.4");
    expect(readSourceAddress(new Headers({ [PEER_ADDRESS_HEADER]: "127.0.0.1" }), 1)).toBe("127.0.0.1");
  });
});

describe("cross-site checks", () => {
  const expected = readExpectedOrigin(new Headers({ host: "dom0:3000" }), undefined, 0);
  it("accepts same-origin requests and requests without browser headers", () => {
    expect(isCrossSiteRequest(new Headers({ "sec-fetch-site": "same-origin", origin: "http://dom0:3000" }), expected)).toBe(false);
    expect(isCrossSiteRequest(new Headers(), expected)).toBe(false);
  });
  it("refuses other sites, sibling subdomains and opaque origins", () => {
    expect(isCrossSiteRequest(new Headers({ "sec-fetch-site": "cross-site" }), expected)).toBe(true);
    expect(isCrossSiteRequest(new Headers({ "sec-fetch-site": "same-site" }), expected)).toBe(true);
    expect(isCrossSiteRequest(new Headers({ origin: "http://evil:3000" }), expected)).toBe(true);
    expect(isCrossSiteRequest(new Headers({ origin: "null" }), expected)).toBe(true);
  });
  it("compares with the public URL's origin when there is one", () => {
    const pub = readExpectedOrigin(new Headers({ host: "127.0.0.1:3000" }), "https://dom0.example.org", 0);
    expect(isCrossSiteRequest(new Headers({ origin: "https://dom0.example.org" }), pub)).toBe(false);
    expect(isCrossSiteRequest(new Headers({ origin: "http://dom0.example.org" }), pub)).toBe(true);
  });
});

describe("API tokens", () => {
  it("are vfd_ + 256 random bits, stored as SHA-256", () => {
    const token = generateApiToken();
    expect(token).toMatch(/^vfd_[A-Za-z0-9_-]{43}$/);
    expect(hashApiToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(generateApiToken()).not.toBe(token);
  });
  it("are read from Authorization: Bearer", () => {
    expect(readBearerToken(new Headers({ authorization: "Bearer vfd_abc" }))).toBe("vfd_abc");
    expect(readBearerToken(new Headers({ authorization: "Basic xyz" }))).toBe("");
    expect(readBearerToken(new Headers())).toBeNull();
  });
});

describe("request limits", () => {
  const post = (body: BodyInit, headers: Record<string, string>) => new Request("http://x/api/trpc/a", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  it("refuses bodies over the limit with 413, declared or streamed", async () => {
    const declared = await limitApiRequest(post("x".repeat(2000), { "content-type": "application/json" }), 1024);
    expect(declared).toBeInstanceOf(Response);
    expect((declared as Response).status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("y".repeat(400)));
        controller.close();
      },
    });
    const streamed = await limitApiRequest(post(stream, { "content-type": "application/json" }), 1024);
    expect((streamed as Response).status).toBe(413);
  });
  it("refuses POSTs that are not JSON with 415 (HTML forms cannot send JSON)", async () => {
    const form = await limitApiRequest(post("a=1", { "content-type": "application/x-www-form-urlencoded" }), 1024);
    expect((form as Response).status).toBe(415);
    const plain = await limitApiRequest(post("{}", { "content-type": "text/plain" }), 1024);
    expect((plain as Response).status).toBe(415);
  });
  it("passes JSON within the limit through, body intact", async () => {
    const passed = await limitApiRequest(post('{"a":1}', { "content-type": "application/json; charset=utf-8" }), 1024);
    expect(passed).toBeInstanceOf(Request);
    expect(await (passed as Request).text()).toBe('{"a":1}');
  });
});

describe("audit formatting", () => {
  it("redacts secrets at any depth and cuts long values", () => {
    const json = formatAuditJson({ user: { password: "p", name: "n" }, token: "t", list: [{ apiKey: "k" }], n: 10n });
    expect(JSON.parse(json ?? "")).toEqual({ user: { password: "[redacted]", name: "n" }, token: "[redacted]", list: [{ apiKey: "[redacted]" }], n: "10" });
    expect(formatAuditJson({ content: "x".repeat(40_000) })?.endsWith("…[cut]")).toBe(true);
  });
  it("quotes CSV fields and defuses spreadsheet formulas", () => {
    expect(formatCsvField('say "hi", then')).toBe('"say ""hi"", then"');
    expect(formatCsvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(formatCsvField(null)).toBe("");
    const row = formatAuditCsvRow({
      id: 1,
      at: new Date("2026-01-02T03:04:05Z"),
      actor: "alice",
      actorKind: "user",
      userId: "u",
      tokenId: null,
      source: "10.0.0.1",
      operation: "vif.attach",
      target: "web1",
      outcome: "ok",
      ok: true,
      params: '{"a":1}',
      command: "xl network-attach web1",
      exitCode: 0,
      result: null,
      error: null,
    } satisfies TAuditEvent);
    expect(row).toBe('1,2026-01-02T03:04:05.000Z,alice,user,10.0.0.1,vif.attach,web1,ok,"{""a"":1}",xl network-attach web1,0,,\r\n');
  });
  it("writes command lines a shell would split the same way", () => {
    expect(formatCommandLine(["xl", "network-attach", "web 1", "it's"])).toBe(`xl network-attach 'web 1' 'it'\\''s'`);
  });
});

describe("file modes", () => {
  it("creates the SQLite database 0600 (and tightens an existing one)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vifdeck-mode-"));
    const file = path.join(dir, "db.sqlite");
    fs.writeFileSync(file, "", { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await migrate("deploy", { databaseUrl: `file:${file}` });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("creates the auth secret 0600 and refuses one that others can read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vifdeck-secret-"));
    const file = path.join(dir, "auth.secret");
    const secret = readAuthSecret({ secret: undefined, file });
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readAuthSecret({ secret: undefined, file })).toBe(secret);
    fs.chmodSync(file, 0o644);
    expect(() => readAuthSecret({ secret: undefined, file })).toThrow(/readable by others/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
