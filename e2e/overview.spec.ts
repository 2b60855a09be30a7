import { expect, test } from "@playwright/test";

test("the Overview shows the simulated host, its bridges with their ports and the domains behind them", async ({ page }) => {
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

  // The topology: bridge → ports → domains, with STP states; vifs link to their pages.
  const topology = page.getByRole("region", { name: "Topology" });
  await expect(topology.getByRole("list", { name: "Ports of xenbr0" }).getByRole("listitem").filter({ hasText: "web1" })).toContainText("forwarding");
  await topology.getByRole("link", { name: "winfront-emu" }).click();
  await expect(page).toHaveURL(/\/vifs\/winfront$/);
});
