import { expect, test } from "@playwright/test";

test("the Overview shows the simulated host, its bridges with their ports, and its vifs", async ({ page }) => {
  await page.goto("/");

  const host = page.getByRole("region", { name: "Host" });
  await expect(host.getByRole("heading", { name: "xenhost-sim" })).toBeVisible();
  await expect(host.getByText("simulated host")).toBeVisible();

  const xenbr0 = page.getByRole("region", { name: "Bridge xenbr0" });
  await expect(xenbr0.getByRole("list", { name: "Ports of xenbr0" })).toContainText("peth0");
  await expect(xenbr0).toContainText("vif0.0");
  await expect(xenbr0).toContainText("web1");
  const xenbr1 = page.getByRole("region", { name: "Bridge xenbr1" });
  await expect(xenbr1.getByText("internal")).toBeVisible();
  await expect(xenbr1.getByText("STP on")).toBeVisible();

  const vifs = page.getByRole("table", { name: "Guest virtual interfaces" });
  // A renamed vif keeps its name; one without a vifname is keyed by domain and devid.
  const web1 = vifs.getByRole("row").filter({ hasText: "00:16:3e" }).filter({ has: page.getByRole("cell", { name: "web1", exact: true }) });
  await expect(web1.first()).toBeVisible();
  await expect(vifs.getByRole("cell", { name: "db1/1", exact: true })).toBeVisible();
  await expect(vifs.getByRole("cell", { name: /^vif\d+\.1$/ }).first()).toBeVisible();
  await expect(vifs.getByText("winfront-emu")).toBeVisible();
});
