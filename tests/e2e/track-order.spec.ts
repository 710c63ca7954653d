// A shopper tracks an order from the demo store: the launcher, the panel as a
// dialog, the Track order flow, wrong pairs, keyboard and focus, navigation.
import { test, expect } from '@playwright/test';
import { Store } from './store';

test('the launcher is there at once, before any wasm is fetched', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (r) => { if (/aisle-widget\./.test(r.url())) wasm.push(r.url()); });
  // Hold back idle time so only the loader may run.
  await page.addInitScript(() => { (window as any).requestIdleCallback = () => 0; });
  const store = new Store(page);
  await store.visit('/');
  await expect(store.launcher).toBeVisible();
  await page.waitForLoadState('load');
  expect(wasm, 'nothing but the loader before interaction or idle').toEqual([]);
});

test('tracking an in-transit order shows state, carrier, tracking link and timeline', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.trackOrder('#1001', 'ada@example.com');
  const card = store.log.getByRole('article', { name: 'Order #1001' });
  await expect(card).toBeVisible();
  await expect(card.getByText('In transit').first()).toBeVisible();
  await expect(card.getByText('UPS', { exact: true })).toBeVisible();
  await expect(card.getByText('1Z999AA10123456784')).toBeVisible();
  const link = card.getByRole('link', { name: /Track on the UPS website/ });
  await expect(link).toHaveAttribute('href', 'https://www.ups.com/track?tracknum=1Z999AA10123456784');
  await expect(card.getByRole('listitem')).toHaveCount(3);
  await expect(card.getByRole('listitem').first()).toContainText('Salt Lake City');
});

test('a wrong email gets the same answer as an unknown order', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.trackOrder('1001', 'grace@example.com');
  await expect(store.log.getByText("We couldn't find an order with that number and email")).toBeVisible();
  await expect(store.log.getByRole('article')).toHaveCount(0);
});

test('invalid input is explained next to the field and focused, nothing is looked up', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.trackOrder('abc', 'not-an-email');
  const order = store.panel.getByRole('textbox', { name: 'Order number' });
  await expect(order).toHaveAttribute('aria-invalid', 'true');
  await expect(order).toHaveAccessibleDescription('Order numbers are digits, like #1001.');
  await expect(order).toBeFocused();
  await expect(store.panel.getByText('Enter an email like name@example.com.')).toBeVisible();
});

test('keyboard only: focus moves into the panel, Escape closes it and focus returns', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.launcher.focus();
  await page.keyboard.press('Enter');
  await expect(store.panel).toBeVisible();
  await expect(store.panel.getByRole('button', { name: 'Track order' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(store.panel.getByRole('textbox', { name: 'Order number' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(store.panel).toBeHidden();
  await expect(store.launcher).toBeFocused();
  await expect(store.launcher).toHaveAttribute('aria-expanded', 'false');

  await page.keyboard.press('Enter');
  await expect(store.panel).toBeVisible();
  await store.panel.getByRole('button', { name: 'Close' }).click();
  await expect(store.panel).toBeHidden();
  await expect(store.launcher).toBeFocused();
});

test('navigating to another store page keeps the open panel and what was typed', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Track order' }).click();
  await store.panel.getByRole('textbox', { name: 'Order number' }).fill('#1003');
  await store.panel.getByRole('textbox', { name: 'Email' }).fill('alan@exa');
  await page.goto('/products/alpine-parka');
  await expect(store.panel).toBeVisible();
  await expect(store.panel.getByRole('textbox', { name: 'Order number' })).toHaveValue('#1003');
  await expect(store.panel.getByRole('textbox', { name: 'Email' })).toHaveValue('alan@exa');
  await store.panel.getByRole('textbox', { name: 'Email' }).fill('alan@example.com');
  await store.panel.getByRole('button', { name: 'Find my order' }).click();
  await expect(store.log.getByRole('article', { name: 'Order #1003' })).toContainText('Delivered');
  await page.goto('/cart');
  await expect(store.log.getByRole('article', { name: 'Order #1003' })).toBeVisible();
});

test('before any interaction the panel is not built; the first click opens it within 50 ms, focus inside', async ({ browser }) => {
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const page = await browser.newPage();
    const store = new Store(page);
    await store.visit('/');
    // Loaded at idle, but only the loader's launcher is on the page.
    await page.waitForFunction(() => typeof (window as any).Aisle.handle === 'function');
    await expect(store.launcher).toHaveAttribute('data-aisle-loader', '');
    await expect(page.locator('aisle-chat [role=dialog]')).toHaveCount(0);
    // A click with no pointer movement before it (as from a screen reader).
    times.push(await page.evaluate(() => new Promise<number>((resolve) => {
      const root = document.querySelector('aisle-chat')!.shadowRoot!;
      const start = performance.now();
      root.querySelector('button')!.click();
      const check = () => {
        const panel = root.querySelector('[role=dialog]');
        if (panel && !panel.hasAttribute('hidden')) resolve(performance.now() - start);
        else requestAnimationFrame(check);
      };
      check();
    })));
    await expect(store.panel).toBeVisible();
    await expect(store.panel.getByRole('button', { name: 'Track order' })).toBeFocused();
    await page.close();
  }
  const median = [...times].sort((a, b) => a - b)[1];
  console.log(`first open, view not yet mounted: ${times.map((t) => t.toFixed(1)).join(', ')} ms (median ${median.toFixed(1)})`);
  expect(median).toBeLessThanOrEqual(50);
});

test('Aisle() commands work before the widget has loaded', async ({ page }) => {
  await page.addInitScript(() => { (window as any).requestIdleCallback = () => 0; });
  const store = new Store(page);
  await store.visit('/collections/winter');
  await page.evaluate(() => { (window as any).Aisle('locale', 'fr'); (window as any).Aisle('open'); });
  const panel = page.getByRole('dialog', { name: 'Comment pouvons-nous vous aider ?' });
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Suivre ma commande' })).toBeVisible();
  await page.evaluate(() => (window as any).Aisle('close'));
  await expect(panel).toBeHidden();
});

test('the store page CSS does not reach into the widget, and the widget CSS stays inside', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  const button = store.panel.getByRole('button', { name: 'Track order' });
  // The store's theme sets `button { text-transform: uppercase }`.
  await expect(button).toHaveCSS('text-transform', 'none');
  const storeButtons = page.locator('main button, main a.nw-button').first();
  if (await storeButtons.count()) {
    await expect(storeButtons).not.toHaveCSS('min-height', '44px');
  }
  const host = await page.evaluate(() => {
    const el = document.querySelector('aisle-chat')!;
    return { open: el.shadowRoot?.mode, styleSheetsOutside: [...document.styleSheets].map((s) => s.href) };
  });
  expect(host.open).toBe('open');
  expect(host.styleSheetsOutside.every((href) => href === null || href.endsWith('/store/store.css'))).toBe(true);
});

test('the open widget has no axe-core accessibility violations, menu, card and forms included', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  const audit = async () => {
    await page.addScriptTag({ path: require.resolve('axe-core') });
    return page.evaluate(async () => {
      const result = await (window as any).axe.run({ include: [['aisle-chat']] } as any);
      return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
    });
  };
  expect(await audit()).toEqual([]);
  await store.trackOrder('#1001', 'ada@example.com');
  await expect(store.log.getByRole('article', { name: 'Order #1001' })).toBeVisible();
  await store.panel.getByRole('button', { name: 'Report an issue' }).click();
  await expect(store.panel.getByRole('combobox', { name: 'What happened' })).toBeVisible();
  await store.panel.getByRole('button', { name: 'Send report' }).click();
  await expect(store.panel.getByRole('combobox', { name: 'What happened' })).toHaveAttribute('aria-invalid', 'true');
  expect(await audit()).toEqual([]);
});

test('a closed widget waits for idle again on the next page; an open one comes back at once', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Close' }).click();
  await page.addInitScript(() => { (window as any).requestIdleCallback = () => 0; });
  const wasm: string[] = [];
  page.on('request', (r) => { if (/aisle-widget\./.test(r.url())) wasm.push(r.url()); });
  await page.goto('/cart');
  await expect(store.launcher).toBeVisible();
  await page.waitForLoadState('load');
  expect(wasm).toEqual([]);
  await store.open();
  await page.goto('/collections/winter');
  await expect(store.panel).toBeVisible();
});

test('keyboard focus on the launcher survives the widget taking over from the loader', async ({ page }) => {
  // Hold the widget back until the launcher has focus, then let it load.
  await page.addInitScript(() => { (window as any).requestIdleCallback = () => 0; });
  const store = new Store(page);
  await store.visit('/');
  await store.launcher.focus();
  await page.waitForFunction(() => !document.querySelector('aisle-chat')!.shadowRoot!.querySelector('[data-aisle-loader]'));
  await expect(store.launcher).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(store.panel).toBeVisible();
});
