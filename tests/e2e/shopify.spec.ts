// The self-service journeys on a store whose orders live in Shopify: the site
// "north" (tests/e2e/north-site.json) reads and acts on orders through the
// Shopify stand-in on :8182 (crates/server/examples/shopify_standin.rs, the
// Admin GraphQL API's documented shapes), and the stand-in's /log shows what
// reached "Shopify".
import { test, expect, type Page } from '@playwright/test';
import { Store } from './store';

const STANDIN = 'http://127.0.0.1:8182';

/** A page of the Shopify-backed store: the merchant snippet with data-site="north". */
async function visitNorth(page: Page): Promise<Store> {
  await page.route('**/north-store/', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Northwind on Shopify</title></head>' +
        '<body><h1>Northwind on Shopify</h1><script src="/widget/aisle.js" data-site="north" async></script></body></html>',
    }));
  const store = new Store(page);
  await store.visit('/north-store/');
  await store.open();
  return store;
}

/** Every (operation, variables) the stand-in was asked. */
async function asked(page: Page, operation: string): Promise<any[]> {
  const log: [string, any][] = await (await page.request.get(`${STANDIN}/log`)).json();
  return log.filter(([op]) => op === operation).map(([, variables]) => variables);
}

test('tracking a Shopify order shows its carrier and tracking link', async ({ page }) => {
  const store = await visitNorth(page);
  await store.trackOrder('#2001', 'ada@example.com');
  const card = store.log.getByRole('article', { name: 'Order #2001' });
  await expect(card.getByText('In transit').first()).toBeVisible();
  await expect(card.getByText('UPS', { exact: true })).toBeVisible();
  const link = card.getByRole('link', { name: /Track on the UPS website/ });
  await expect(link).toHaveAttribute('href', 'https://www.ups.com/track?tracknum=1Z999AA10123456784');
  expect(await asked(page, 'AisleOrderByName')).toContainEqual({ query: 'name:#2001' });
});

test('cancelling a Shopify order sends orderCancel with a refund and says cancelled once the job is done', async ({ page }) => {
  const store = await visitNorth(page);
  await store.identify('Cancel order', '#2002', 'grace@example.com');
  const yes = store.panel.getByRole('button', { name: 'Yes, cancel the order' });
  await yes.click();
  await expect(store.log.getByText(/Order #2002 is cancelled/)).toBeVisible();
  const cancels = await asked(page, 'AisleOrderCancel');
  expect(cancels).toEqual([{
    orderId: 'gid://shopify/Order/5002',
    refundMethod: { originalPaymentMethodsRefund: true },
    restock: true,
    reason: 'CUSTOMER',
    notifyCustomer: true,
    staffNote: 'Cancelled by the customer through Aisle self-service.',
  }]);
  // The store's background job was awaited before saying "cancelled".
  expect((await asked(page, 'AisleJob')).length).toBeGreaterThan(0);
});

test('a return reaches Shopify as a return request with the chosen items and reason', async ({ page }) => {
  const store = await visitNorth(page);
  await store.identify('Return items', '#2003', 'alan@example.com');
  // The final-sale socks cannot be picked: one item to choose.
  const items = store.panel.getByRole('spinbutton');
  await expect(items).toHaveCount(1);
  await items.first().fill('1');
  await store.panel.getByRole('combobox', { name: 'Reason for the return' }).selectOption({ label: 'Damaged or defective' });
  await store.panel.getByRole('textbox', { name: 'Comment (optional)' }).fill('Sole came off');
  await store.panel.getByRole('button', { name: 'Review return' }).click();
  await store.panel.getByRole('button', { name: 'Confirm return' }).click();
  await expect(store.log.getByText(/Your return R-[A-Z0-9]{6} is registered/)).toBeVisible();
  expect(await asked(page, 'AisleReturnRequest')).toEqual([{
    input: {
      orderId: 'gid://shopify/Order/5003',
      returnLineItems: [{
        fulfillmentLineItemId: 'gid://shopify/FulfillmentLineItem/31',
        quantity: 1,
        returnReason: 'DEFECTIVE',
        customerNote: 'Sole came off',
      }],
    },
  }]);
});
