import { expect, test } from "@playwright/test";

test("the Vifs page lists, searches, filters and sorts every vif, and opens one", async ({ page }) => {
  await page.goto("/vifs");
  await expect(page.getByRole("heading", { name: "Vifs", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Vifs" });
  await expect(table.getByRole("row").nth(1)).toBeVisible();
  const count = page.getByRole("status").filter({ hasText: / vifs$/ });
  const total = Number((await count.innerText()).replace(/\D/g, ""));
  expect(total).toBeGreaterThanOrEqual(10);

  // Search: by stable name, MAC, IP or domain.
  await page.getByRole("searchbox", { name: "Search vifs" }).fill("winfront");
  await expect(count).toHaveText(`2 of ${total} vifs`);
  await expect(table.getByRole("cell", { name: /winfront-emu/ })).toBeVisible();

  // Filter by kind: only the HVM guest's emulated twins.
  await page.getByRole("searchbox", { name: "Search vifs" }).fill("");
  await page.getByLabel("Kind").selectOption("emu");
  await expect(table.getByRole("row")).toHaveCount(1 + Number((await count.innerText()).split(" ")[0]));
  for (const cell of await table.getByRole("row").locator("td:first-child").all()) await expect(cell).toContainText("emu");
  await page.getByLabel("Kind").selectOption("");

  // Sort: numbers largest first, then the other way round.
  const devid = table.getByRole("columnheader", { name: /Devid/ });
  await devid.getByRole("button").click();
  await expect(devid).toHaveAttribute("aria-sort", "descending");
  await expect(table.getByRole("row").nth(1).getByRole("cell").nth(3)).toHaveText("2");
  await devid.getByRole("button").click();
  await expect(devid).toHaveAttribute("aria-sort", "ascending");
  await expect(table.getByRole("row").nth(1).getByRole("cell").nth(3)).toHaveText("0");
  // Text columns start from A.
  const domain = table.getByRole("columnheader", { name: /Domain/ });
  await domain.getByRole("button").click();
  await expect(domain).toHaveAttribute("aria-sort", "ascending");
  await expect(table.getByRole("row").nth(1).getByRole("cell").nth(2)).toHaveText("build");

  // Open a vif by its stable name.
  await page.getByRole("searchbox", { name: "Search vifs" }).fill("web1");
  await table.getByRole("link", { name: "web1", exact: true }).first().click();
  await expect(page).toHaveURL(/\/vifs\/web1$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("web1");
  const config = page.getByRole("region", { name: "Config as written" });
  await expect(config).toContainText("web1.cfg, line");
  await expect(config).toContainText("vifname=web1");
  await expect(page.getByRole("region", { name: "Security findings" })).toBeVisible();
});

test("a vif without a vifname is reached by domain and devid", async ({ page }) => {
  await page.goto("/vifs/db1/1");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("db1/1");
  await expect(page.getByText(/devid 1 of/)).toBeVisible();
  await expect(page.getByRole("link", { name: "db1", exact: true })).toHaveAttribute("href", "/domains/db1");
});
