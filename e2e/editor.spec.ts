import fs from "node:fs";
import path from "node:path";

import { expect, test, type Page } from "@playwright/test";

/** The simulated host's config directory (playwright.config.ts starts the stack with --data-dir test-results/e2e-data). */
const CONFIG_DIR = path.resolve("test-results/e2e-data/sim/xen");

async function openEditor(page: Page, domain: string) {
  await page.goto(`/domains/${domain}/config`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Config of ${domain}`);
  await expect(page.getByRole("group", { name: /^vif 1/ })).toBeVisible();
}

test("edit a vif line: live validation at line and column, diff preview, save at next start", async ({ page }) => {
  await openEditor(page, "mail");
  const vif = page.getByRole("group", { name: /^vif 1/ });
  const problems = page.getByRole("region", { name: "Problems" });

  await vif.getByLabel("vifname").fill("mail-relay-outbound");
  await expect(problems.getByRole("button", { name: /line \d+, column \d+ vifname 'mail-relay-outbound' is 19 bytes/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save…" })).toBeDisabled();
  // Choosing a problem puts the cursor on it in the raw text.
  await problems.getByRole("button", { name: /vifname 'mail-relay-outbound'/ }).click();
  await expect(page.getByLabel("Text of mail.cfg")).toBeFocused();

  await page.getByRole("tab", { name: "Vifs (form)" }).click();
  await vif.getByLabel("vifname").fill("mailout");
  await expect(problems).toContainText("none: xl accepts this file");

  await page.getByRole("tab", { name: /Diff preview/ }).click();
  const diff = page.getByRole("region", { name: "Diff of mail.cfg" });
  await expect(diff).toContainText("added: ");
  await expect(diff).toContainText("vifname=mailout");

  await page.getByRole("button", { name: "Save…" }).click();
  const save = page.getByRole("dialog", { name: "Save mail.cfg" });
  await save.getByRole("radio", { name: /At next start/ }).check();
  await save.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved mail.cfg")).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "a reboot does not reread the config file" })).toBeVisible();
  expect(fs.readFileSync(path.join(CONFIG_DIR, "mail.cfg"), "utf8")).toContain("vifname=mailout");

  // The domain page now shows the drift between the running vif and the file.
  await page.getByRole("link", { name: "Vifs: running and configured" }).click();
  await expect(page.getByRole("table", { name: "Vif drift" })).toContainText("vifname differs");
});

test("saving a file that changed on disk meanwhile is refused as a conflict", async ({ page }) => {
  await openEditor(page, "web1");
  await page.getByRole("group", { name: /^vif 1/ }).getByLabel("Rate limit").fill("20Mb/s");
  // Someone else edits the file after it was opened.
  const file = path.join(CONFIG_DIR, "web1.cfg");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8") + "# changed by hand\n");

  await page.getByRole("button", { name: "Save…" }).click();
  const save = page.getByRole("dialog", { name: "Save web1.cfg" });
  await save.getByRole("radio", { name: /At next start/ }).check();
  await save.getByRole("button", { name: "Save", exact: true }).click();
  const alert = page.getByRole("alert").filter({ hasText: "The file changed on disk since you opened it." });
  await expect(alert).toBeVisible();
  expect(fs.readFileSync(file, "utf8")).not.toContain("rate=20Mb/s");

  await alert.getByRole("button", { name: "Compare with the file on disk" }).click();
  const diff = page.getByRole("region", { name: "Diff of web1.cfg" });
  await expect(diff).toContainText("# changed by hand");
  await expect(diff).toContainText("rate=20Mb/s");
});

test("apply now: a vif added in the editor is attached to the running domain, with the command shown first", async ({ page }) => {
  await openEditor(page, "win2k19");
  await page.getByRole("button", { name: "Add a vif" }).click();
  const added = page.getByRole("group", { name: /^vif 3/ });
  await added.getByLabel("MAC").fill("00:16:3e:5a:5b:5c");
  await added.getByLabel("IP address(es)").fill("10.0.2.191");

  await page.getByRole("button", { name: "Save…" }).click();
  const save = page.getByRole("dialog", { name: "Save win2k19.cfg" });
  await expect(save.getByRole("radio", { name: /Apply now/ })).toBeChecked();
  await expect(save.getByRole("region", { name: "Commands to run" })).toContainText("xl network-attach win2k19 mac=00:16:3e:5a:5b:5c bridge=xenbr0 ip=10.0.2.191");
  await save.getByRole("button", { name: "Save and apply now" }).click();
  await expect(page.getByText("Saved win2k19.cfg and applied it to win2k19")).toBeVisible();

  await page.getByRole("link", { name: "Vifs: running and configured" }).click();
  await expect(page.getByText("Running and configured vifs agree.")).toBeVisible();
  await expect(page.getByRole("table", { name: "Vif drift" })).toContainText("10.0.2.191");
});
