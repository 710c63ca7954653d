// Self-service journeys on the demo store, one per row of README.md's demo
// table, driven by accessible role and name as a shopper would.
import { test, expect } from '@playwright/test';
import { Store } from './store';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';

test('return #1003: pick an item and a reason, confirm, get a reference', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.identify('Return items', '#1003', 'alan@example.com');
  const items = store.panel.getByRole('spinbutton');
  await expect(items).toHaveCount(2);
  await items.first().fill('1');
  await store.panel.getByRole('combobox', { name: 'Reason for the return' }).selectOption({ label: 'Changed my mind' });
  await store.panel.getByRole('textbox', { name: 'Comment (optional)' }).fill('Too warm for me');
  await store.panel.getByRole('button', { name: 'Review return' }).click();
  await expect(store.log.getByText(/You're returning from order #1003: .+ × 1\. Reason: Changed my mind\./)).toBeVisible();
  await store.panel.getByRole('button', { name: 'Confirm return' }).click();
  await expect(store.log.getByText(/Your return R-[A-Z0-9]{6} is registered/)).toBeVisible();
  // Back at the menu, focus where the keyboard can go on.
  await expect(store.panel.getByRole('button', { name: 'Track order' })).toBeFocused();
});

test('return #1004 is refused outside the window and #1005 for its final-sale item; a person is offered', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.identify('Return items', '1004', 'linus@example.com');
  await expect(store.log.getByText(/delivered 45 days ago.*within 30 days/)).toBeVisible();
  await expect(store.panel.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  // The same shopper means another order, placed with another email.
  await store.panel.getByRole('button', { name: 'Another order' }).click();
  await store.panel.getByRole('textbox', { name: 'Order number' }).fill('1005');
  await store.panel.getByRole('textbox', { name: 'Email' }).fill('ada@example.com');
  await store.panel.getByRole('button', { name: 'Find my order' }).click();
  await expect(store.log.getByText(/was sold as final sale and can't be returned/)).toBeVisible();
  await expect(store.panel.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
});

test('cancel #1002 after confirming; it stays cancelled for a new visit; #1001 is refused as shipped', async ({ page, browser }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.identify('Cancel order', '#1002', 'grace@example.com');
  await expect(store.log.getByText("Cancel order #1002? This can't be undone.")).toBeVisible();
  await store.panel.getByRole('button', { name: 'Yes, cancel the order' }).click();
  await expect(store.log.getByText(/Order #1002 is cancelled/)).toBeVisible();

  const other = new Store(await browser.newPage());
  await other.visit('/cart');
  await other.open();
  await other.identify('Cancel order', '1002', 'grace@example.com');
  await expect(other.log.getByText('Order #1002 is already cancelled.')).toBeVisible();
  await other.page.close();

  const ada = new Store(await browser.newPage());
  await ada.visit('/');
  await ada.open();
  await ada.identify('Cancel order', '1001', 'ada@example.com');
  await expect(ada.log.getByText(/#1001 has already shipped.*return it within 30 days/)).toBeVisible();
  await expect(ada.panel.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  await ada.page.close();
});

test('identify once: ada switches between her orders without typing again', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.trackOrder('#1001', 'ada@example.com');
  await expect(store.log.getByRole('article', { name: 'Order #1001' })).toBeVisible();
  await store.panel.getByRole('button', { name: 'Something else' }).click();
  await store.panel.getByRole('button', { name: 'Track order' }).click();
  await store.panel.getByRole('button', { name: /Order #1005/ }).click();
  await expect(store.log.getByRole('article', { name: 'Order #1005' })).toContainText('Delivered');
  await expect(store.panel.getByRole('textbox', { name: 'Order number' })).toHaveCount(0);
});

test("a customer the store signed in sees their orders without a lookup; a forged or email-only signature proves nothing", async ({ page, browser }) => {
  // The store's backend signs site, email and expiry with the site secret (HMAC-SHA256), as in the README.
  const secret = execFileSync('target/debug/aisle', ['site', 'secret', 'demo', '--db', 'sqlite://target/e2e/aisle.db'])
    .toString().trim();
  const sign = (email: string, key = secret) => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const signature = createHmac('sha256', key).update(`aisle-identity-v1\ndemo\n${email}\n${exp}`).digest('hex');
    return { email, exp, signature };
  };
  const store = new Store(page);
  await store.visit('/');
  // The old format (the email alone, no expiry) is refused with a console warning.
  const warned = page.waitForEvent('console', (m) => m.text().includes("'identify' takes {email, exp, signature}"));
  const emailOnly = createHmac('sha256', secret).update('ada@example.com').digest('hex');
  await page.evaluate((signature) => (window as any).Aisle('identify', { email: 'ada@example.com', signature }), emailOnly);
  await page.evaluate((identity) => (window as any).Aisle('identify', identity), sign('ada@example.com', 'guess'));
  await store.open();
  await warned;
  await store.panel.getByRole('button', { name: 'Track order' }).click();
  await expect(store.panel.getByRole('textbox', { name: 'Order number' })).toBeVisible();

  const signedIn = new Store(await (await browser.newContext()).newPage());
  await signedIn.visit('/cart');
  await signedIn.page.evaluate((identity) => (window as any).Aisle('identify', identity), sign('ada@example.com'));
  await signedIn.open();
  await signedIn.panel.getByRole('button', { name: 'Track order' }).click();
  await expect(signedIn.panel.getByRole('button', { name: /Order #1005/ })).toBeVisible();
  await expect(signedIn.panel.getByRole('button', { name: /Order #1001/ })).toBeVisible();
  await expect(signedIn.panel.getByRole('textbox', { name: 'Order number' })).toHaveCount(0);
  await signedIn.page.context().close();
});

test('report an issue on an in-transit order: only late or lost, a description, a ticket', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.identify('Report an issue', '1001', 'ada@example.com');
  const kind = store.panel.getByRole('combobox', { name: 'What happened' });
  await expect(kind.getByRole('option')).toHaveText(['Choose…', "It's late", "It's lost"]);
  await kind.selectOption({ label: "It's late" });
  await store.panel.getByRole('textbox', { name: 'Describe the problem' }).fill('Still not here after a week.');
  await store.panel.getByRole('button', { name: 'Send report' }).click();
  await expect(store.log.getByText(/Ticket T-[A-Z0-9]{6} is open for order #1001/)).toBeVisible();
});

test('quick answers: a question, its answer, "Did this help?", and a person from there', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Common questions' }).click();
  await store.panel.getByRole('button', { name: 'How do your parkas fit?' }).click();
  await expect(store.log.getByText(/cut to fit over a thick sweater/)).toBeVisible();
  await expect(store.log.getByText('Did this help?')).toBeVisible();
  await expect(store.panel.getByRole('button', { name: 'Talk to a person' })).toBeVisible();
  await store.panel.getByRole('button', { name: 'Yes, thanks' }).click();
  await expect(store.log.getByText('Glad it helped.')).toBeVisible();
});

test('a message to the team survives a dropped network and is shown as text, never HTML', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  const typed = '<img src=x onerror="window.__xss=1">Do you ship to Canada?';
  await store.panel.getByRole('textbox', { name: 'Email' }).fill('kim@example.com');
  await store.panel.getByRole('textbox', { name: 'Message' }).fill(typed);
  await page.route('**/assist', (route) => route.abort());
  await store.panel.getByRole('button', { name: 'Send message' }).click();
  await expect(store.log.getByText(/couldn't reach the store/)).toBeVisible();
  await expect(store.panel.getByRole('textbox', { name: 'Message' })).toHaveValue(typed);
  await page.unroute('**/assist');
  await store.panel.getByRole('button', { name: 'Send message' }).click();
  await expect(store.log.getByText(/We received your message \(T-[A-Z0-9]{6}\)/)).toBeVisible();
  await expect(store.log.getByText(typed)).toBeVisible();
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
});

test('the widget and its answers speak the shopper\'s language', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await page.evaluate(() => { (window as any).Aisle('locale', 'fi'); (window as any).Aisle('open'); });
  const panel = page.getByRole('dialog', { name: 'Miten voimme auttaa?' });
  await expect(panel).toBeVisible();
  await panel.getByRole('button', { name: 'Seuraa tilausta' }).click();
  await expect(panel.locator('form label').first()).not.toHaveText('Order number');
  await page.evaluate(() => (window as any).Aisle('locale', 'zh-TW'));
  await expect(page.getByRole('dialog', { name: '有什麼可以幫您？' })).toBeVisible();
});

test("the merchant's greeting and brand colour, in the shopper's language where the merchant wrote one", async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await expect(store.log.getByText("Hi! I'm the Northwind helper.", { exact: false })).toBeVisible();
  // Northwind's green (#1f5f4a) instead of the built-in blue, contrast-checked on import.
  await expect(store.launcher).toHaveCSS('background-color', 'rgb(31, 95, 74)');
  await page.evaluate(() => (window as any).Aisle('locale', 'fr'));
  await expect(page.getByText("Je suis l'assistant Northwind", { exact: false })).toBeVisible();
  // No Thai greeting from the merchant: the built-in Thai one, never English.
  await page.evaluate(() => (window as any).Aisle('locale', 'th'));
  await expect(page.getByText("Northwind helper", { exact: false })).toHaveCount(0);
  await expect(page.getByText("Je suis l'assistant Northwind", { exact: false })).toHaveCount(0);
});

test('in Simplified Chinese: track #1001, its cancellation refused as shipped, #1004 refused outside the window', async ({ page, browser }) => {
  const store = new Store(page);
  await store.visit('/');
  await page.evaluate(() => { (window as any).Aisle('locale', 'zh-CN'); (window as any).Aisle('open'); });
  const panel = page.getByRole('dialog', { name: '有什么可以帮您？' });
  await expect(panel).toBeVisible();
  const prove = async (p: typeof panel, menu: string, order: string, email: string) => {
    await p.getByRole('button', { name: menu, exact: true }).click();
    await p.getByRole('textbox', { name: '订单号' }).fill(order);
    await p.getByRole('textbox', { name: '邮箱' }).fill(email);
    await p.locator('form').getByRole('button', { name: '查询订单' }).click();
  };
  await prove(panel, '查询订单', '1001', 'ada@example.com');
  const card = panel.getByRole('article', { name: '订单 #1001' });
  await expect(card).toContainText('运输中');
  await expect(card.getByRole('link', { name: /UPS/ })).toBeVisible();

  await panel.getByRole('button', { name: '其他问题' }).click();
  await panel.getByRole('button', { name: '取消订单', exact: true }).click();
  await panel.getByRole('button', { name: /订单 #1001/ }).click();
  await expect(panel.getByText(/订单 #1001 已发货，无法再取消/)).toBeVisible();
  await expect(panel.getByRole('button', { name: '联系人工客服' }).last()).toBeVisible();

  const linus = await browser.newPage();
  await linus.goto('/');
  await linus.evaluate(() => { (window as any).Aisle('locale', 'zh-Hans'); (window as any).Aisle('open'); });
  const other = linus.getByRole('dialog', { name: '有什么可以帮您？' });
  await prove(other, '退货', '#1004', 'linus@example.com');
  await expect(other.getByText(/订单 #1004 已于 45 天前送达/)).toBeVisible();
  await linus.close();
});
