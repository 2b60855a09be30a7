import { expect, test } from "@playwright/test";

test("the security page groups the host's and the vifs' findings by severity, with why and how to fix", async ({ page }) => {
  await page.goto("/security");
  await expect(page.getByRole("heading", { name: "Security", level: 1 })).toBeVisible();

  const hostCritical = page.getByRole("region", { name: "Host: Critical" });
  const forward = hostCritical.getByRole("article", { name: /FORWARD policy is ACCEPT/ });
  await expect(forward).toBeVisible();
  await expect(forward.getByText("Why it matters")).toBeVisible();
  await expect(forward.getByText(/iptables -P FORWARD DROP/)).toBeVisible();
  await expect(page.getByRole("region", { name: "Host: Passed" })).toBeVisible();

  const vifs = page.getByRole("region", { name: "Vifs" });
  await expect(vifs.getByRole("heading", { name: "Vifs" })).toBeVisible();
  const groups = vifs.getByRole("region", { name: /^Vifs: (Critical|Warning|Info)$/ });
  expect(await groups.count()).toBeGreaterThan(0);

  // The Overview lists the open alerts and links here.
  await page.goto("/");
  const alerts = page.getByRole("region", { name: "Open alerts" });
  await expect(alerts.getByText(/\d+ critical/)).toBeVisible();
  await expect(alerts.getByRole("list", { name: "Worst security findings" })).toContainText("FORWARD policy is ACCEPT");
});
