// Console notifications: off until the agent turns them on (the browser's
// permission is asked from that click), then a desktop notification when a
// shopper starts waiting or writes while the console's tab is hidden, and
// none while it is in view. Notifications are counted by a spy around the
// browser's own Notification constructor.
import { test, expect } from '@playwright/test';
import { AgentConsole, ShopperSocket } from './agent-console';

test('with notifications on, a hidden console tells the agent of a new shopper and of their messages', async ({ browser }) => {
  const context = await browser.newContext({ permissions: ['notifications'] });
  await context.addInitScript(() => {
    const Real = window.Notification;
    (window as any).notes = [];
    class Spy extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        (window as any).notes.push({ title, body: options?.body ?? '' });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Spy, configurable: true });
    // The test decides whether the tab is in view.
    (window as any).hiddenTab = false;
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => ((window as any).hiddenTab ? 'hidden' : 'visible'),
    });
  });
  const page = await context.newPage();
  const notes = () => page.evaluate(() => (window as any).notes as { title: string; body: string }[]);
  const hide = (hidden: boolean) => page.evaluate((h) => { (window as any).hiddenTab = h; }, hidden);
  try {
    const agent = new AgentConsole(page);
    await agent.ready();
    const alerts = page.getByRole('group', { name: 'Alerts' });
    const toggle = alerts.getByRole('button', { name: 'Notifications' });
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');

    // Off: nothing, even hidden.
    await hide(true);
    const first = await ShopperSocket.open(browser, '/cart');
    await first.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/cart' } });
    await first.frame('started');
    await expect(agent.acceptButton('visitor on /cart')).toBeAttached();
    expect(await notes()).toEqual([]);
    await first.send({ type: 'end' });
    await first.close();

    // On (the permission is granted to this context), and the setting stays.
    await hide(false);
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await page.reload();
    await expect(page.getByRole('group', { name: 'Alerts' }).getByRole('button', { name: 'Notifications' }))
      .toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByText('Connected', { exact: true })).toBeVisible();

    // In view: the page's own announcement is enough.
    const second = await ShopperSocket.open(browser, '/products/alpine-parka');
    await second.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/products/alpine-parka' } });
    await second.frame('started');
    await expect(agent.acceptButton('visitor on /products/alpine-parka')).toBeVisible();
    expect(await notes()).toEqual([]);
    await agent.acceptButton('visitor on /products/alpine-parka').click();
    await expect(agent.log).toBeVisible();

    // Hidden: a new shopper waiting, and a message in the agent's chat.
    await hide(true);
    const third = await ShopperSocket.open(browser, '/');
    await third.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/' } });
    await third.frame('started');
    await expect.poll(notes).toContainEqual({ title: 'Aisle agent console', body: 'A shopper is waiting.' });
    await second.send({ type: 'send', client_id: 'n-1', text: 'Is it warm enough for Helsinki?' });
    await expect.poll(notes).toContainEqual(
      { title: 'Aisle agent console', body: 'visitor on /products/alpine-parka wrote to you' },
    );
    await third.send({ type: 'end' });
    await second.send({ type: 'end' });
    await third.close();
    await second.close();
  } finally {
    await context.close();
  }
});
