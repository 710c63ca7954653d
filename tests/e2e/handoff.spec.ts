// The whole handoff with both real interfaces: a shopper in the widget on the
// demo store, an agent in the console, each in their own browser context,
// both driven by accessible role and name.
import { test, expect } from '@playwright/test';
import { Store } from './store';
import { AgentConsole } from './agent-console';

/** axe-core violations inside the widget's shadow root, as `rule: targets` lines. */
async function audit(page: import('@playwright/test').Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run({ include: [['aisle-chat']] } as any);
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

test('a shopper who tracked an order talks to an agent in the console; reload mid-chat; close and rating', async ({ page, browser }) => {
  const agentContext = await browser.newContext();
  const agent = new AgentConsole(await agentContext.newPage());
  await agent.ready();

  // The shopper proves #1001, then asks for a person from the menu.
  const store = new Store(page);
  await store.visit('/products/alpine-parka');
  await store.open();
  await store.trackOrder('#1001', 'ada@example.com');
  await expect(store.log.getByRole('article', { name: 'Order #1001' })).toBeVisible();
  await store.panel.getByRole('button', { name: 'Something else' }).click();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  await expect(store.panel.getByRole('status')).toHaveText(/You're number 1 in line/);
  // The store's published promise (demo: 5 min) is shown next to the live estimate.
  await expect(store.panel.getByRole('status')).toContainText('We aim to reply within 5 min.');

  // The agent sees who is waiting, and once they accept, what they already did.
  const row = agent.row('ada@example.com');
  await expect(row).toContainText('#1001');
  await expect(row).toContainText('/products/alpine-parka');
  await agent.acceptButton('ada@example.com').click();
  await expect(agent.page.getByRole('complementary', { name: 'Shopper context' })).toContainText('track');
  await expect(store.log.getByText('Robin joined the chat.')).toBeVisible();

  await agent.reply.fill('Hi Ada, your parka left our warehouse two days ago.');
  await agent.reply.press('Enter');
  await expect(store.log.getByText('Hi Ada, your parka left our warehouse two days ago.')).toBeVisible();
  expect(await audit(page), 'the live chat screen').toEqual([]);

  // A page navigation in the middle of the chat loses nothing.
  await store.visit('/cart');
  await expect(store.log.getByText('Hi Ada, your parka left our warehouse two days ago.')).toBeVisible();
  const box = store.panel.getByRole('textbox', { name: 'Message' });
  await box.fill('Great, thank you!');
  await box.press('Enter');
  const log = agent.page.getByRole('log', { name: 'Conversation with ada@example.com' });
  await expect(log).toContainText('Great, thank you!');
  await expect(store.log.locator('.msg-shopper', { hasText: 'Great, thank you!' })).toContainText('Read');

  // The agent closes; the shopper rates; the agent sees the rating.
  await agent.page.getByRole('textbox', { name: 'Tags' }).fill('tracking');
  await agent.page.getByRole('button', { name: 'Close conversation' }).click();
  await expect(store.log.getByText('The chat has ended.')).toBeVisible();
  expect(await audit(page), 'the rating screen').toEqual([]);
  await store.panel.getByRole('group', { name: /How was your chat/ }).getByRole('button', { name: '4' }).click();
  await expect(store.log.getByText('Thanks for your rating!')).toBeVisible();
  await expect(agent.page.getByText('Rated 4 of 5')).toBeVisible();

  // The shopper keeps the conversation as a text file.
  const download = page.waitForEvent('download');
  await store.panel.getByRole('button', { name: 'Save transcript' }).click();
  const file = await (await download).path();
  const transcript = require('node:fs').readFileSync(file, 'utf8');
  expect(transcript).toContain('Robin: Hi Ada, your parka left our warehouse two days ago.');
  expect(transcript).toContain('You: Great, thank you!');
  await agentContext.close();
});
