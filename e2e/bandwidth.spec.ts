import { expect, test, type Locator, type Page } from "@playwright/test";

/**
 * The Bandwidth page against the demo stack (the collector ticks every 2 s in
 * the e2e stack): live charts that move without a reload and keep moving
 * after the connection drops, history ranges, the one-key and stacked views,
 * and the monthly accounting table. Runs signed in (storageState) when login
 * exists, and without it otherwise.
 */

async function latestStart(card: Locator): Promise<number> {
  return Number((await card.getByTestId("live-latest").getAttribute("data-start")) ?? 0);
}

async function expectLiveToAdvance(card: Locator, timeout = 20_000): Promise<void> {
  await expect(card.getByTestId("live-latest")).toBeVisible({ timeout });
  const before = await latestStart(card);
  await expect.poll(() => latestStart(card), { timeout, message: "the live chart receives new buckets" }).toBeGreaterThan(before);
}

async function openBandwidth(page: Page, path = "/bandwidth"): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole("heading", { level: 1, name: "Bandwidth" })).toBeVisible();
}

test("the stacked view updates live and keeps updating after the connection drops, without a reload", async ({ page }) => {
  await openBandwidth(page);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Bandwidth" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("radiogroup", { name: "View" }).getByRole("radio", { name: "Stacked by domain" })).toHaveAttribute("aria-checked", "true");

  const live = page.getByRole("region", { name: "Live: guests by domain" });
  await expect(live.getByText("As seen from the guest:")).toBeVisible();
  await expect(live.getByTestId("live-status")).toHaveText("Live", { timeout: 20_000 });
  await expectLiveToAdvance(live);

  // Drop the network for a few ticks: the EventSource reconnects with the last event id and the chart goes on.
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  await page.context().setOffline(true);
  await page.waitForTimeout(5_000);
  await page.context().setOffline(false);
  await expectLiveToAdvance(live, 30_000);
  expect(navigations).toBe(0);

  // The stacked chart has a text alternative: a summary and a data table.
  await live.getByRole("button", { name: "Show data table" }).click();
  await expect(live.getByRole("table", { name: /guests by domain, live \(last hour\): data/ })).toBeVisible();
  await expect(live.getByRole("img", { name: /stacked by \d+ series/ })).toBeVisible();
});

test("one stable name: live in/out as seen from the guest, history ranges and totals in bytes", async ({ page }) => {
  await openBandwidth(page, "/bandwidth?view=key&key=web1");
  const live = page.getByRole("region", { name: "Live: web1" });
  await expect(live.getByTestId("live-latest")).toContainText(/in .*bit\/s · out .*bit\/s/, { timeout: 20_000 });
  await expectLiveToAdvance(live);
  await expect(live.getByRole("img", { name: /in \(received by the guest\) averages/ })).toBeVisible();

  const history = page.getByRole("region", { name: "History: web1" });
  const ranges = history.getByRole("radiogroup", { name: "Range" });
  for (const label of ["1 h", "6 h", "24 h", "7 d", "30 d", "90 d", "13 mo"]) await expect(ranges.getByRole("radio", { name: label })).toBeVisible();
  await ranges.getByRole("radio", { name: "7 d" }).click();
  await expect(history.getByText(/last 7 days, from 5-minute buckets/)).toBeVisible();
  await ranges.getByRole("radio", { name: "13 mo" }).click();
  await expect(history.getByText(/last 13 months, from daily buckets/)).toBeVisible();
  const totals = history.getByRole("table", { name: /web1: totals over the last 13 months/ });
  await expect(totals.getByRole("columnheader", { name: "In (received by the guest)" })).toBeVisible();
  await expect(totals.getByRole("row", { name: /web1/ })).toContainText(/\d+(\.\d+)? (B|kB|MB|GB)/);
  await expect(history.getByRole("link", { name: /Download CSV/ })).toHaveAttribute("href", /\/api\/export\/range\?.*key=web1/);

  // Switching to another key by typing its stable name.
  const picker = page.getByRole("search", { name: "Choose a stable name" });
  await picker.getByLabel("Stable name").fill("db1/1");
  await picker.getByRole("button", { name: "Show" }).click();
  await expect(page.getByRole("region", { name: "Live: db1/1" })).toBeVisible();
  await expect(page).toHaveURL(/view=key&key=db1%2F1/);
});

test("stacked by bridge shows the bridges' guests, keyboard-operable", async ({ page }) => {
  await openBandwidth(page);
  const view = page.getByRole("radiogroup", { name: "View" });
  // Arrow keys move between the choices (roving focus), Space chooses. The page is server-rendered:
  // keys pressed before React has hydrated it do nothing, so the first move is tried until it takes.
  await expect(async () => {
    await view.getByRole("radio", { name: "Stacked by domain" }).focus();
    await page.keyboard.press("ArrowRight");
    await expect(view.getByRole("radio", { name: "Stacked by bridge" })).toBeFocused({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await page.keyboard.press("Space");
  await expect(view.getByRole("radio", { name: "Stacked by bridge" })).toHaveAttribute("aria-checked", "true");
  const live = page.getByRole("region", { name: "Live: guests by bridge" });
  await expect(live.getByRole("list", { name: "Legend" })).toContainText("xenbr0", { timeout: 20_000 });
  await expectLiveToAdvance(live);
  await page.screenshot({ path: "test-results/playwright/bandwidth-by-bridge.png", fullPage: true });
});

test("the monthly accounting table: totals, 95th percentile, sorting and the CSV link", async ({ page }) => {
  await openBandwidth(page, "/bandwidth/accounting");
  const card = page.getByRole("region", { name: "Monthly accounting" });
  const table = card.getByRole("table", { name: /^Accounting for \d{4}-\d{2}$/ });
  await expect(table).toBeVisible({ timeout: 20_000 });
  await expect(card.getByText("As seen from the guest:")).toBeVisible();
  await expect(table.getByRole("columnheader", { name: /95th billable, Mbit\/s/ })).toBeVisible();
  await expect(table.getByRole("row").filter({ has: page.getByRole("cell", { name: "web1", exact: true }) })).toBeVisible();
  await expect(card.getByRole("definition").first()).toContainText(/B/);

  const keyHeader = table.getByRole("columnheader", { name: /Stable name/ });
  await expect(keyHeader).toHaveAttribute("aria-sort", "none");
  await keyHeader.getByRole("button").click();
  await expect(keyHeader).toHaveAttribute("aria-sort", "ascending");
  await keyHeader.getByRole("button").click();
  await expect(keyHeader).toHaveAttribute("aria-sort", "descending");

  await card.getByLabel("Filter by stable name").fill("web1");
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(card.getByRole("link", { name: /Download CSV/ })).toHaveAttribute("href", /\/api\/export\/bill\?month=\d{4}-\d{2}/);
});
