import { expect, test } from "@playwright/test";

test("a domain shows its vifs running and configured side by side, with drift highlighted", async ({ page }) => {
  await page.goto("/domains");
  const table = page.getByRole("table", { name: "Domains" });
  await expect(table.getByRole("link", { name: "build" })).toBeVisible();
  await page.getByRole("searchbox", { name: "Search domains" }).fill("buil");
  await expect(table.getByRole("row")).toHaveCount(2);
  await table.getByRole("link", { name: "build" }).click();

  await expect(page).toHaveURL(/\/domains\/build$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("build");
  const drift = page.getByRole("table", { name: "Vif drift" });
  await expect(drift.getByRole("row")).toHaveCount(4);
  await expect(page.getByText("Running and configured vifs agree.")).toBeVisible();

  // Attach at runtime only (not in the file): the domain now drifts from its config.
  await page.getByRole("button", { name: "Attach vif" }).click();
  const dialog = page.getByRole("dialog", { name: "Attach a vif to build" });
  await dialog.getByLabel("IP address(es)").fill("10.0.2.77");
  await dialog.getByRole("checkbox", { name: /Also add it to the config file/ }).uncheck();
  await expect(dialog.getByLabel("MAC", { exact: true })).toHaveValue(/^00:16:3e/);
  await dialog.getByRole("button", { name: "Attach", exact: true }).click();
  await expect(page.getByText(/^Attached vif\d+\.3 to build$/)).toBeVisible();

  await expect(page.getByText("Drift: 1 vif differs between the running domain and its config file.")).toBeVisible();
  const row = drift.getByRole("row").filter({ hasText: "10.0.2.77" });
  await expect(row).toContainText("not in the config");
  await expect(row).toContainText("— not in the config file");

  // Detach it again (nothing to remove from the file).
  await row.getByRole("button", { name: /^Detach vif\d+\.3 from build$/ }).click();
  const confirm = page.getByRole("alertdialog");
  await confirm.getByRole("checkbox", { name: /Also remove it/ }).uncheck();
  await confirm.getByRole("button", { name: /^Detach vif\d+\.3$/ }).click();
  await expect(page.getByText("Running and configured vifs agree.")).toBeVisible();
});
