// The self-service journeys on a store whose orders live in WooCommerce: the
// site "harbor" (tests/e2e/harbor-site.json) reads and acts on orders through
// the WooCommerce stand-in on :8183 (crates/server/examples/woocommerce_standin.rs:
// REST API v3 and the Shipment Tracking extension), and the stand-in's /log
// shows what reached "WooCommerce".
import { test, expect, type Page } from '@playwright/test';
import { Store } from './store';

const STANDIN = 'http://127.0.0.1:8183';

/** A page of the WooCommerce-backed store: the merchant snippet with data-site="harbor". */
async function visitHarbor(page: Page): Promise<Store> {
  await page.route('**/harbor-store/', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbor Goods</title></head>' +
        '<body><h1>Harbor Goods</h1><script src="/widget/aisle.js" data-site="harbor" async></script></body></html>',
    }));
  const store = new Store(page);
  await store.visit('/harbor-store/');
  await store.open();
  return store;
}

/** (path, body) of every `method` call whose path contains `path`. */
async function calls(page: Page, method: string, path: string): Promise<[string, any][]> {
  const log: [string, string, any][] = await (await page.request.get(`${STANDIN}/log`)).json();
  return log.filter(([m, p]) => m === method && p.includes(path)).map(([, p, body]) => [p, body]);
}

test('tracking a WooCommerce order shows its Shipment Tracking carrier and link', async ({ page }) => {
  const store = await visitHarbor(page);
  await store.trackOrder('#702', 'alan@example.com');
  const card = store.log.getByRole('article', { name: 'Order #702' });
  await expect(card.getByText('Delivered').first()).toBeVisible();
  await expect(card.getByText('USPS', { exact: true })).toBeVisible();
  await expect(card.getByText('9400111899560000000000')).toBeVisible();
});

test('cancelling a WooCommerce order refunds it through the gateway, then cancels it', async ({ page }) => {
  const store = await visitHarbor(page);
  await store.identify('Cancel order', '#701', 'grace@example.com');
  await store.panel.getByRole('button', { name: 'Yes, cancel the order' }).click();
  await expect(store.log.getByText(/Order #701 is cancelled/)).toBeVisible();
  const refunds = await calls(page, 'POST', '/orders/701/refunds');
  expect(refunds).toHaveLength(1);
  expect(refunds[0][1]).toMatchObject({ amount: '89.50', api_refund: true });
  const updates = await calls(page, 'PUT', '/wc/v3/orders/701');
  expect(updates.map(([, body]) => body)).toEqual([{ status: 'cancelled' }]);
});

test('a WooCommerce return leaves a private order note and gives the shopper a reference', async ({ page }) => {
  const store = await visitHarbor(page);
  await store.identify('Return items', '#702', 'alan@example.com');
  // The final-sale socks cannot be picked: one item to choose.
  const items = store.panel.getByRole('spinbutton');
  await expect(items).toHaveCount(1);
  await items.first().fill('1');
  await store.panel.getByRole('combobox', { name: 'Reason for the return' }).selectOption({ label: 'Wrong item sent' });
  await store.panel.getByRole('button', { name: 'Review return' }).click();
  await store.panel.getByRole('button', { name: 'Confirm return' }).click();
  const done = store.log.getByText(/Your return R-[A-Z0-9]{6} is registered/);
  await expect(done).toBeVisible();
  const reference = (await done.textContent())!.match(/R-[A-Z0-9]{6}/)![0];
  const notes = await calls(page, 'POST', '/orders/702/notes');
  expect(notes).toHaveLength(1);
  expect(notes[0][1].customer_note).toBe(false);
  expect(notes[0][1].note).toContain(reference);
  expect(notes[0][1].note).toContain('1 × Trail Boots');
});
