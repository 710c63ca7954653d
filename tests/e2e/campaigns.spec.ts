// Proactive campaigns on the demo store (crates/server/demo/campaigns.json),
// with Playwright's fake clock so "15 seconds on the page" takes no time.
import { test, expect, type Page } from '@playwright/test';
import { Store } from './store';

const blackFriday = 'Black Friday: 25% off everything today only.';

/** Loads the widget by pointing at the launcher, as a shopper about to click would. */
async function loadWidget(page: Page, store: Store) {
  await store.launcher.hover();
  await page.waitForFunction(() => !document.querySelector('aisle-chat')!.shadowRoot!.querySelector('[data-aisle-loader]'));
}

/** Lets fake time pass until `message` shows (the first evaluation may still be in flight). */
async function waitFor(page: Page, message: ReturnType<Page['getByText']>) {
  await expect(async () => {
    await page.clock.fastForward(5_000);
    await expect(message).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
}

test('after 15 s on the home page the Black Friday message is announced, and dismissing it is remembered', async ({ page }) => {
  await page.clock.install();
  await page.addInitScript(() => { (window as any).dataLayer = []; });
  const store = new Store(page);
  await store.visit('/');
  await loadWidget(page, store);
  const message = page.getByRole('group', { name: 'Message from the store' });
  await expect(message).toHaveCount(0);
  await waitFor(page, message.getByText(blackFriday));
  await expect(page.locator('aisle-chat').locator('[aria-live=polite]').first()).toContainText(blackFriday);
  const pushed = await page.evaluate(() => (window as any).dataLayer);
  expect(pushed).toContainEqual({ event: 'aisle_campaign_shown', aisle_campaign: 'bf-sitewide' });

  await message.getByRole('button', { name: 'Dismiss' }).click();
  await expect(message).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).dataLayer)).toContainEqual({
    event: 'aisle_campaign_dismissed', aisle_campaign: 'bf-sitewide',
  });

  // Same session, same page again: once per session means not again.
  const evaluated = page.waitForResponse(/campaigns\/evaluate/);
  await store.visit('/');
  await loadWidget(page, store);
  await evaluated;
  await page.clock.fastForward(30_000);
  await expect(message).toHaveCount(0);
});

test('time on page restarts on single-page-app navigation', async ({ page }) => {
  await page.clock.install();
  const store = new Store(page);
  await store.visit('/cart');
  await loadWidget(page, store);
  await page.clock.fastForward(20_000);
  // Now on "/" by pushState: 20 s on the site, but 0 s on this page.
  await page.evaluate(() => history.pushState({}, '', '/'));
  const message = page.getByRole('group', { name: 'Message from the store' });
  await page.clock.fastForward(10_000);
  await expect(message).toHaveCount(0);
  await waitFor(page, message.getByText(blackFriday));
});

test("Aisle('trigger', id) shows a campaign on demand, and its button opens the URL", async ({ page }) => {
  const store = new Store(page);
  await store.visit('/cart');
  await loadWidget(page, store);
  await page.evaluate(() => (window as any).Aisle('trigger', 'parka-quiz'));
  const message = page.getByRole('group', { name: 'Message from the store' });
  await expect(message).toContainText('Not sure which parka is warm enough?');
  await message.getByRole('button', { name: 'Take the quiz' }).click();
  await expect(page).toHaveURL(/\/collections\/winter\?quiz=parka$/);
});

test('a cart between $30 and $50 gets the free-shipping nudge', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/cart');
  await loadWidget(page, store);
  await page.evaluate(() => (window as any).Aisle('cart', { value: 39, currency: 'USD', items: ['NW-BEANIE'] }));
  await expect(page.getByRole('group', { name: 'Message from the store' }))
    .toContainText("You're close to free shipping");
});
