// Proactive campaigns on the demo store (crates/server/demo/campaigns.json),
// with Playwright's fake clock so "15 seconds on the page" takes no time. The
// widget reads the campaign feed once per page view and decides in the page.
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
  // GA4's recommended promotion event too (not about the cart: no value).
  expect(pushed).toContainEqual({
    event: 'view_promotion',
    ecommerce: {
      promotion_id: 'bf-sitewide', promotion_name: 'Black Friday – sitewide discount',
      creative_slot: 'default', items: [],
    },
  });

  await message.getByRole('button', { name: 'Dismiss' }).click();
  await expect(message).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).dataLayer)).toContainEqual({
    event: 'aisle_campaign_dismissed', aisle_campaign: 'bf-sitewide',
  });

  // Same session, same page again: once per session means not again.
  const evaluated = page.waitForResponse(/campaigns\/feed/);
  await store.visit('/');
  await loadWidget(page, store);
  await evaluated;
  await page.clock.fastForward(30_000);
  await expect(message).toHaveCount(0);
});

test('a campaign shows on its timer with no interaction at all, and only then does the panel get built', async ({ page }) => {
  await page.clock.install();
  const store = new Store(page);
  await store.visit('/');
  const message = page.getByRole('group', { name: 'Message from the store' });
  // Idle time loads the widget; the shopper never points at the launcher.
  await waitFor(page, message.getByText(blackFriday));
  await expect(store.launcher).toHaveAttribute('aria-expanded', 'false');
  await expect(store.panel).toBeHidden();
  await message.getByRole('button', { name: 'Dismiss' }).click();
  await store.open();
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
  await expect(page).toHaveURL(/\/collections\/winter\?quiz=parka&utm_source=aisle&utm_medium=chat&utm_campaign=parka-quiz$/);
});

test("a stub's queued Aisle('trigger', id) loads the widget at once and shows the campaign, with no interaction", async ({ page }) => {
  // The merchant's stub queues the command before aisle.js runs; idle never
  // comes and nobody touches the page: the command alone loads the widget.
  await page.addInitScript(() => {
    (window as any).requestIdleCallback = () => 0;
    const stub: any = function () { (stub.q = stub.q || []).push(arguments); };
    (window as any).Aisle = stub;
    stub('trigger', 'parka-quiz');
  });
  const store = new Store(page);
  await store.visit('/cart');
  const message = page.getByRole('group', { name: 'Message from the store' });
  await expect(message).toContainText('Not sure which parka is warm enough?');
});

test('a cart between $30 and $50 gets the free-shipping nudge, with product cards for what the cart lacks', async ({ page }) => {
  // The page's dataLayer, kept across the navigation a card makes (through
  // `dataLayer.push`, which tag managers replace too).
  await page.addInitScript(() => {
    const w = window as any;
    w.dataLayer = [];
    w.dataLayer.push = function (event: any) {
      const kept = JSON.parse(sessionStorage.getItem('test:dataLayer') ?? '[]');
      kept.push(event);
      sessionStorage.setItem('test:dataLayer', JSON.stringify(kept));
      return Array.prototype.push.call(this, event);
    };
  });
  const store = new Store(page);
  await store.visit('/cart');
  await loadWidget(page, store);
  await page.evaluate(() => (window as any).Aisle('cart', { value: 39, currency: 'USD', items: ['NW-BEANIE'] }));
  const message = page.getByRole('group', { name: 'Message from the store' });
  await expect(message).toContainText("You're close to free shipping");

  // The beanie is in the cart already: only the fleece is suggested.
  const cards = message.getByRole('list', { name: 'Suggested products' });
  await expect(cards.getByRole('listitem')).toHaveCount(1);
  await expect(cards).not.toContainText('Merino Beanie');
  const fleece = cards.getByRole('link', { name: /Trail Fleece/ });
  await expect(fleece).toContainText('$89.00');
  const picture = fleece.getByRole('img', { name: 'Trail Fleece' });
  await expect(picture).toHaveAttribute('width', '56');
  await expect(picture).toHaveAttribute('height', '56');
  await expect(picture).toHaveAttribute('loading', 'lazy');
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  const kept = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('test:dataLayer') ?? '[]'));
  // About the cart: GA4's event carries its value and currency.
  expect(await kept()).toContainEqual({
    event: 'view_promotion',
    ecommerce: {
      promotion_id: 'free-shipping-nudge', promotion_name: 'Cart – free shipping nudge',
      creative_slot: 'default', items: [], value: 39, currency: 'USD',
    },
  });

  // By keyboard: the card is a link to the product, UTM-tagged, and counts as a click.
  const clicked = page.waitForRequest((r) => r.url().endsWith('/campaigns/events') && (r.postData() ?? '').includes('"clicked"'));
  await fleece.focus();
  await expect(fleece).toBeFocused();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/collections\/winter\?product=trail-fleece&utm_source=aisle&utm_medium=chat&utm_campaign=free-shipping-nudge/);
  expect(JSON.parse((await clicked).postData()!)).toMatchObject({ campaign: 'free-shipping-nudge', kind: 'clicked' });
  const events = await kept();
  expect(events).toContainEqual({ event: 'aisle_campaign_clicked', aisle_campaign: 'free-shipping-nudge' });
  expect(events).toContainEqual({
    event: 'select_promotion',
    ecommerce: {
      promotion_id: 'free-shipping-nudge', promotion_name: 'Cart – free shipping nudge',
      creative_slot: 'default', items: [], value: 39, currency: 'USD',
    },
  });
});

test('with nothing of theirs in the cart, both products of the nudge are suggested', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/cart');
  await loadWidget(page, store);
  await page.evaluate(() => (window as any).Aisle('cart', { value: 35, currency: 'USD' }));
  const cards = page.getByRole('group', { name: 'Message from the store' }).getByRole('list', { name: 'Suggested products' });
  await expect(cards.getByRole('link')).toHaveText([/Merino Beanie\s*\$29\.00/, /Trail Fleece\s*\$89\.00/]);
  await expect(cards.getByRole('img', { name: 'Merino Beanie' })).toBeVisible();
});

/** Requests the page sends to the Aisle API, as `METHOD /path`. */
function apiRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) seen.push(`${request.method()} ${url.pathname}`);
  });
  return seen;
}

/** Scrolls a page made tall enough to the bottom, in 5% steps. */
async function scrollThrough(page: Page) {
  await page.evaluate(() => { document.body.style.minHeight = '4000px'; });
  for (let step = 1; step <= 20; step++) {
    await page.evaluate((s) => window.scrollTo(0, (document.documentElement.scrollHeight * s) / 20), step);
  }
}

test('a 60-second visit with full scrolls and 3 navigations makes one feed request and posts only events', async ({ page }) => {
  await page.clock.install();
  const api = apiRequests(page);
  const store = new Store(page);
  await store.visit('/');
  await loadWidget(page, store);
  await expect.poll(() => api.filter((r) => r.endsWith('/campaigns/feed')).length).toBe(1);
  for (const path of ['/collections/winter', '/products/alpine-parka', '/cart']) {
    await scrollThrough(page);
    await page.clock.fastForward(15_000);
    await page.evaluate((p) => history.pushState({}, '', p), path);
  }
  await scrollThrough(page);
  // Decided in the page all along: the Black Friday message showed on the home page.
  await expect.poll(() => api.filter((r) => r === 'POST /api/sites/demo/campaigns/events').length)
    .toBeGreaterThan(0);
  const feed = api.filter((r) => r.endsWith('/campaigns/feed'));
  const events = api.filter((r) => r.endsWith('/campaigns/events'));
  const others = api.filter((r) => !feed.includes(r) && !events.includes(r));
  test.info().annotations.push({ type: 'requests', description: JSON.stringify({ total: api.length, feed: feed.length, events: events.length, others }) });
  console.log(`API requests on the visit: ${api.length} (${feed.length} feed, ${events.length} events, others: ${others.join(', ')})`);
  expect(feed).toHaveLength(1);
  expect(api.filter((r) => r.includes('/campaigns/evaluate'))).toHaveLength(0);
  expect(events.every((r) => r.startsWith('POST '))).toBe(true);
  // Besides the feed and the events, only the widget's settings.
  expect(others).toEqual(['GET /api/sites/demo/widget']);
});

test('with the API unreachable after a first visit, the stored feed still shows campaigns', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/cart');
  await loadWidget(page, store);
  await expect.poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('aisle:v1:feed:'))))
    .toBe(true);
  let refused = 0;
  await page.route('**/api/**', (route) => { refused++; return route.abort(); });
  await store.visit('/cart');
  await loadWidget(page, store);
  await page.evaluate(() => (window as any).Aisle('cart', { value: 39, currency: 'USD', items: ['NW-BEANIE'] }));
  await expect(page.getByRole('group', { name: 'Message from the store' }))
    .toContainText("You're close to free shipping");
  expect(refused).toBeGreaterThan(0);
});
