import { expect, test } from "@playwright/test";

test("attach a vif through the dialog, then detach it with a confirmation", async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto("/vifs");
  await page.getByRole("button", { name: "Attach vif" }).click();
  const dialog = page.getByRole("dialog", { name: "Attach a vif" });
  await expect(dialog).toBeVisible();

  await dialog.getByLabel("Domain").selectOption("dns");
  await dialog.getByLabel("Bridge").selectOption("xenbr1");
  // vifname: checked as it is typed (15 is the kernel's limit, over 8 a warning).
  const vifname = dialog.getByLabel("vifname");
  await vifname.fill("dns-backend-number2");
  await expect(dialog.getByText("19/15")).toBeVisible();
  await expect(dialog.getByText(/is 19 bytes; Linux interface names have at most 15/)).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Attach", exact: true })).toBeDisabled();
  await vifname.fill("dnsb");
  await dialog.getByLabel("IP address(es)").fill("192.168.100.53");
  // A generated MAC, checked against the host and every config file.
  await expect(dialog.getByLabel("MAC", { exact: true })).toHaveValue(/^00:16:3e(:[0-9a-f]{2}){3}$/);
  const mac = await dialog.getByLabel("MAC", { exact: true }).inputValue();

  // The exact command, before it runs.
  const command = dialog.getByRole("figure");
  await expect(command).toContainText(`xl network-attach dns mac=${mac} bridge=xenbr1 ip=192.168.100.53 vifname=dnsb`);
  await dialog.getByRole("button", { name: "Attach", exact: true }).click();

  await expect(page.getByText("Attached dnsb to dns")).toBeVisible();
  await expect(dialog).toBeHidden();
  await page.getByRole("searchbox", { name: "Search vifs" }).fill("dnsb");
  const row = page.getByRole("table", { name: "Vifs" }).getByRole("row").filter({ hasText: mac });
  await expect(row).toContainText("xenbr1");
  await expect(row).toContainText("192.168.100.53");

  // Detach from the vif's page: the confirmation names the vif and the domain.
  await row.getByRole("link", { name: "dnsb" }).click();
  await expect(page).toHaveURL(/\/vifs\/dnsb$/);
  await expect(page.getByRole("region", { name: "Config as written" })).toContainText("vifname=dnsb");
  await page.getByRole("button", { name: "Detach dnsb from dns" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Detach dnsb from dns?" });
  await expect(confirm).toContainText("xl network-detach dns 1");
  await expect(confirm.getByRole("checkbox", { name: /Also remove it from the config file/ })).toBeChecked();
  await confirm.getByRole("button", { name: "Detach dnsb" }).click();
  await expect(page.getByText("Detached dnsb from dns")).toBeVisible();
  await expect(page).toHaveURL(/\/vifs$/);
  await page.getByRole("searchbox", { name: "Search vifs" }).fill("dnsb");
  await expect(page.getByText("No vif matches these filters.")).toBeVisible();
});

test("an attach the agent refuses shows its reason plainly", async ({ page }) => {
  await page.goto("/domains/dns");
  await page.getByRole("button", { name: "Attach vif" }).click();
  const dialog = page.getByRole("dialog", { name: "Attach a vif to dns" });
  await dialog.getByRole("radio", { name: "Type one" }).check();
  await dialog.getByLabel("MAC", { exact: true }).fill("00:16:3e:zz");
  await expect(dialog.getByText("Not a MAC: six two-digit hex groups separated by ':'.")).toBeVisible();
  // web1's vifname is taken: the agent refuses before xl runs.
  await dialog.getByLabel("MAC", { exact: true }).fill("00:16:3e:4a:4b:4c");
  await expect(dialog.getByText("Free: no running vif and no config file uses 00:16:3e:4a:4b:4c.")).toBeVisible();
  await dialog.getByLabel("vifname").fill("web1");
  await dialog.getByRole("button", { name: "Attach", exact: true }).click();
  await expect(dialog.getByRole("alert")).toContainText("an interface named web1 already exists on this host");
});
