import { expect, test, type Page } from "@playwright/test";

import { readDemoCredentials, signIn } from "./support/auth";

/**
 * Login, roles, tokens, audit and the web tier's hardening, in Chromium against the demo stack.
 * Specs run signed in as the demo admin by default (playwright.config.ts); the viewer and the
 * anonymous visitor get their own contexts.
 */
const anonymous = { storageState: { cookies: [], origins: [] } };

/** Collects Content-Security-Policy violations (console messages and securitypolicyviolation events). */
async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return violations;
}

test.describe("anonymous visitors", () => {
  test.use(anonymous);

  test("are sent to the login page, see a clear error on a wrong password, and get 401 from the API", async ({ page, request }) => {
    await page.goto("/audit");
    await expect(page).toHaveURL(/\/login\?next=%2Faudit$/);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Wrong username or password." })).toBeVisible();

    expect((await request.get("/api/health")).status()).toBe(200);
    expect((await request.get("/api/audit/export")).status()).toBe(401);
    const trpc = await request.get("/api/trpc/bridge.topology");
    expect(trpc.status()).toBe(401);
    const mutation = await request.post("/api/trpc/vif.detach", { data: { json: { domain: "web1", devid: 0, persist: false } } });
    expect(mutation.status()).toBe(401);
  });

  test("get the login page with a nonce CSP, no framing, no sniffing, and no CSP violation", async ({ page }) => {
    const violations = await watchCsp(page);
    const response = await page.goto("/login");
    const headers = response?.headers() ?? {};
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("same-origin");
    expect(headers["x-frame-options"]).toBe("DENY");
    await expect(page.getByRole("heading", { name: "Sign in to vifdeck" })).toBeVisible();
    expect(violations).toEqual([]);
  });
});

test.describe("the admin", () => {
  test("sees the admin's pages, creates a read-only token shown once, and the audit log records it", async ({ page, request }) => {
    const violations = await watchCsp(page);
    await page.goto("/");
    const user = page.getByRole("group", { name: "Signed-in user" });
    await expect(user).toContainText("admin");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Audit" })).toBeVisible();
    await nav.getByRole("link", { name: "Settings" }).click();
    await expect(page.getByRole("table", { name: "Users" })).toContainText("viewer");

    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("button", { name: "New token" }).click();
    const dialog = page.getByRole("dialog", { name: "New API token" });
    await dialog.getByLabel("Name").fill("e2e-scraper");
    await dialog.getByRole("button", { name: "Create token" }).click();
    const token = await dialog.getByLabel("Token for e2e-scraper").inputValue();
    expect(token).toMatch(/^vfd_[A-Za-z0-9_-]{43}$/);
    await dialog.getByRole("button", { name: "Done" }).click();
    const row = page.getByRole("table", { name: "API tokens" }).getByRole("row", { name: /e2e-scraper/ });
    await expect(row).toContainText(token.slice(0, 10));
    await expect(row).not.toContainText(token);

    // The read-only token reads the audit CSV, and cannot change anything.
    const csv = await request.get("/api/audit/export?operation=token.create", { headers: { authorization: `Bearer ${token}` } });
    expect(csv.status()).toBe(200);
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("id,at,actor,actorKind,source,operation,target,outcome,params,command,exitCode,result,error");
    expect(text).toContain("token.create,e2e-scraper,ok");
    expect(text).not.toContain(token);
    const metrics = await request.get("/api/metrics", { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status()).toBe(200);
    const refused = await request.post("/api/trpc/token.create", {
      headers: { authorization: `Bearer ${token}` },
      data: { json: { name: "escalate", scope: "admin", expiresInDays: null } },
    });
    expect(refused.status()).toBe(403);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
    const events = page.getByRole("table", { name: "Audit events" });
    await expect(events.getByRole("row", { name: /token\.create.*e2e-scraper.*ok/ })).toBeVisible();
    await expect(events.getByRole("row", { name: /token:e2e-scraper.*token\.create.*refused/ })).toBeVisible();
    expect(violations).toEqual([]);
  });

  test("the API refuses oversized bodies (413), non-JSON posts (415) and cross-site cookie mutations (403)", async ({ request }) => {
    const big = await request.post("/api/trpc/config.validate", {
      data: { json: { name: "x.cfg", content: "x".repeat(1_100_000) } },
    });
    expect(big.status()).toBe(413);
    const form = await request.post("/api/trpc/token.revoke", { form: { id: "x" } });
    expect(form.status()).toBe(415);
    const crossSite = await request.post("/api/trpc/token.revoke", {
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      data: { json: { id: "x" } },
    });
    expect(crossSite.status()).toBe(403);
    expect(await crossSite.text()).toContain("cross-site request refused");
  });
});

test.describe("a viewer", () => {
  test.use(anonymous);

  test("reads, sees no admin actions, is refused by the server, and signs out", async ({ page }) => {
    const violations = await watchCsp(page);
    await signIn(page, readDemoCredentials().viewer);
    await expect(page.getByRole("group", { name: "Signed-in user" })).toContainText("viewer");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Audit" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Settings" })).toHaveCount(0);

    // No buttons that change the host on the pages a viewer reads.
    for (const path of ["/", "/vifs", "/domains"]) {
      const response = await page.goto(path);
      if (response?.status() === 404) continue;
      await page.waitForLoadState("networkidle");
      await expect(page.getByRole("button", { name: /^(attach|detach|edit|save)/i }), `admin actions on ${path}`).toHaveCount(0);
    }

    await page.goto("/settings/users");
    await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();

    // The server refuses whatever the page shows: mutations from the viewer's own session.
    const results = await page.evaluate(async () => {
      const call = async (path: string, json: unknown) =>
        (await fetch(`/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json }) })).status;
      return {
        detach: await call("vif.detach", { domain: "web1", devid: 0, persist: false }),
        write: await call("config.write", { name: "web1.cfg", content: "name = 'web1'\n", expectedSha256: null }),
        user: await call("user.create", { username: "mallory", password: "mallory-password", role: "admin" }),
        users: (await fetch("/api/trpc/user.list")).status,
      };
    });
    expect(results).toEqual({ detach: 403, write: 403, user: 403, users: 403 });

    await page.goto("/audit");
    await expect(page.getByRole("table", { name: "Audit events" }).getByRole("row", { name: /viewer.*vif\.detach.*refused/ })).toBeVisible();

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login/);
    expect(violations).toEqual([]);
  });
});
