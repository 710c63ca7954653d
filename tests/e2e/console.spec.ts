// The agent console (/console/): login, the waiting queue with the shopper's
// context, accept, reply, live messages both ways, close with tags, and an
// axe-core audit. The shopper side is a raw chat WebSocket from a demo store
// page in a second browser context (protocol: crates/core/src/protocol.rs).
import { test, expect, type Page } from '@playwright/test';
import { AgentConsole, ShopperSocket, DEMO_AGENT } from './agent-console';

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document);
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

test('logging in: a wrong password is refused clearly, the right one shows the agent, log out returns', async ({ page }) => {
  const agent = new AgentConsole(page);
  await agent.visit();
  await expect(agent.email).toBeFocused();
  await agent.logIn(DEMO_AGENT.email, 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await expect(agent.password).toHaveAttribute('aria-invalid', 'true');
  await expect(agent.password).toBeFocused();
  await expect(agent.password).toHaveValue('');

  // Keyboard only: type the password and press Enter.
  await agent.password.fill(DEMO_AGENT.password);
  await page.keyboard.press('Enter');
  await expect(page.getByText('Signed in as Robin')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Waiting' })).toBeAttached();
  await expect(page.getByRole('button', { name: 'Online' })).toHaveAttribute('aria-pressed', 'true');

  // The HttpOnly cookie keeps the agent logged in across a reload.
  await page.reload();
  await expect(page.getByText('Signed in as Robin')).toBeVisible();

  await agent.logOutButton.click();
  await expect(agent.logInButton).toBeVisible();
  await page.reload();
  await expect(agent.logInButton).toBeVisible();
  const me = await page.evaluate(async () => (await fetch('/api/agent/me')).status);
  expect(me, 'the session is over on the server too').toBe(401);
});

test('a rate-limited login says when to try again', async ({ page }) => {
  await page.route('**/api/agent/login', (route) => route.fulfill({
    status: 429,
    contentType: 'application/json',
    headers: { 'retry-after': '840' },
    body: JSON.stringify({ code: 'rate_limited', message: 'too many failed attempts; retry in 840 s', retry_after: 840 }),
  }));
  const agent = new AgentConsole(page);
  await agent.visit();
  await agent.logIn();
  await expect(page.getByRole('alert')).toHaveText('Too many failed attempts. Try again in 14 min.');
});

test('a shopper asks for a person: the agent sees the context, accepts, replies, hears back and closes with a tag', async ({ page, browser }) => {
  const agent = new AgentConsole(page);
  await agent.ready();

  const shopper = await ShopperSocket.open(browser);
  const session = await shopper.proveOrder('#1001', 'ada@example.com');
  expect(session).toBeTruthy();
  await shopper.send({
    type: 'start',
    locale: 'en-US',
    context: {
      page_url: 'http://127.0.0.1:8181/products/alpine-parka',
      page_title: 'Alpine parka',
      pages: ['http://127.0.0.1:8181/', 'http://127.0.0.1:8181/collections/winter'],
      cart: { value_minor: 12900, currency: 'USD', items: [{ sku: 'PARKA-M', title: 'Alpine parka', quantity: 1 }] },
      campaign: 'winter-parka-help',
      assist_session: session,
    },
  });
  const started = await shopper.frame('started');
  expect(started.conversation).toBeTruthy();

  // In "Waiting", with what the shopper shared.
  const row = agent.row('ada@example.com');
  await expect(row).toBeVisible();
  await expect(row).toContainText('VIP');
  await expect(row).toContainText('Alpine parka');
  await expect(row).toContainText('USD 129.00');
  await expect(row).toContainText('#1001');
  await expect(row).toContainText('winter-parka-help');
  await expect(row).toContainText('en-US');
  await expect(row).toContainText(/waiting (less than a minute|\d+ min)/);
  await expect(agent.status).toContainText('A shopper is waiting.');
  // What the shopper asks while waiting shows in the row, as text.
  await shopper.send({ type: 'send', client_id: 'w-1', text: 'Is my <i>parka</i> on its way?' });
  await expect(row).toContainText('Is my <i>parka</i> on its way?');
  await expect(row.locator('i')).toHaveCount(0);

  await agent.acceptButton('ada@example.com').click();
  await expect(agent.waiting.getByRole('listitem')).toHaveCount(0);
  const log = page.getByRole('log', { name: 'Conversation with ada@example.com' });
  await expect(log).toBeVisible();
  await expect(agent.reply).toBeFocused();
  // The queue row has a summary; the whole context comes with the conversation.
  const context = page.getByRole('complementary', { name: 'Shopper context' });
  await expect(context).toContainText('1 × Alpine parka (PARKA-M)');
  await expect(context).toContainText('/collections/winter');
  await expect(context).toContainText('identify:track');
  await shopper.frame('agent_joined', (f) => f.name === 'Robin');

  // Enter sends; Shift+Enter is a new line; the counter counts.
  await agent.reply.pressSequentially('Hi Ada!');
  await agent.reply.press('Shift+Enter');
  await agent.reply.pressSequentially('Let me check <b>your</b> parcel.');
  await expect(page.getByText('40 / 2000')).toBeVisible();
  await agent.reply.press('Enter');
  await expect(agent.reply).toHaveValue('');
  await expect(page.getByText('0 / 2000')).toBeVisible();
  const sent = await shopper.frame('message', (f) => f.author === 'agent');
  expect(sent.text).toBe('Hi Ada!\nLet me check <b>your</b> parcel.');
  expect(sent.name).toBe('Robin');
  const mine = log.locator('.msg-agent').last();
  await expect(mine).toContainText('Let me check <b>your</b> parcel.');
  await expect(mine.locator('b')).toHaveCount(0);
  await expect(mine).toContainText('Sent');

  // The shopper reads it, then writes: the agent sees both live.
  await shopper.send({ type: 'read', seq: sent.seq });
  await expect(mine).toContainText('Read');
  await shopper.send({ type: 'typing', typing: true });
  await expect(page.getByText('The shopper is typing…')).toBeVisible();
  await shopper.send({ type: 'send', client_id: 's-1', text: 'Thanks! It is https://example.com/x <img src=x onerror=alert(1)>' });
  await shopper.frame('ack', (f) => f.client_id === 's-1');
  const theirs = log.locator('.msg-shopper').last();
  await expect(theirs).toContainText('Thanks! It is');
  await expect(theirs).toContainText('<img src=x onerror=alert(1)>');
  await expect(theirs.locator('img')).toHaveCount(0);
  await expect(theirs.getByRole('link', { name: /https:\/\/example\.com\/x/ })).toHaveAttribute('href', 'https://example.com/x');
  await expect(page.getByText('The shopper is typing…')).toBeHidden();
  // The agent has the conversation on screen: the shopper hears it was read.
  await shopper.frame('read');

  // Close with a tag: the shopper is asked for a rating.
  await page.getByRole('textbox', { name: 'Tags' }).fill('shipping, tracking');
  await page.getByRole('button', { name: 'Close conversation' }).click();
  const closed = await shopper.frame('closed');
  expect(closed).toMatchObject({ by: 'agent', rate: true });
  await expect(page.getByText('Conversation closed. The shopper was asked for a rating.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Dismiss' })).toBeFocused();
  await shopper.send({ type: 'rate', score: 5 });
  await expect(page.getByText('Rated 5 of 5')).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByText('No conversations yet. Accept one from Waiting.')).toBeVisible();
  await shopper.close();
});

test('the login, conversation and tickets screens have no axe-core accessibility violations', async ({ browser }) => {
  // The console's Content-Security-Policy rightly refuses injected scripts such as axe.
  const page = await browser.newPage({ bypassCSP: true });
  const agent = new AgentConsole(page);
  await agent.visit();
  await expect(agent.logInButton).toBeVisible();
  expect(await axe(page)).toEqual([]);
  await agent.logIn(DEMO_AGENT.email, 'wrong');
  await expect(page.getByRole('alert')).not.toBeEmpty();
  expect(await axe(page)).toEqual([]);

  await agent.logIn();
  await expect(page.getByText('Connected', { exact: true })).toBeVisible();
  const shopper = await ShopperSocket.open(browser, '/cart');
  await shopper.send({
    type: 'start', locale: 'en',
    context: { page_url: 'http://127.0.0.1:8181/cart', page_title: 'Cart', pages: ['http://127.0.0.1:8181/'] },
  });
  await shopper.frame('started');
  await expect(agent.acceptButton('visitor on /cart')).toBeVisible();
  expect(await axe(page)).toEqual([]);
  await agent.acceptButton('visitor on /cart').click();
  await expect(agent.log).toBeVisible();
  await shopper.send({ type: 'send', client_id: 's-1', text: 'Do you ship to Norway?' });
  await expect(agent.log).toContainText('Do you ship to Norway?');
  await agent.reply.fill('We do!');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(agent.log).toContainText('We do!');
  expect(await axe(page)).toEqual([]);
  await page.getByRole('button', { name: 'Close conversation' }).click();
  await expect(page.getByRole('button', { name: 'Dismiss' })).toBeVisible();
  expect(await axe(page)).toEqual([]);
  await shopper.close();
  await page.evaluate(() => fetch('/api/sites/demo/assist', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ locale: 'en', action: 'message', values: [['email', 'grace@example.com'], ['message', 'Call me?']] }),
  }));
  await page.getByRole('button', { name: 'Tickets' }).click();
  await expect(page.getByRole('table', { name: 'Tickets' })).toContainText('Call me?');
  expect(await axe(page)).toEqual([]);
  await page.close();
});

test('presence, typing both ways and a transfer back to the queue', async ({ page, browser }) => {
  const agent = new AgentConsole(page);
  await agent.ready();

  // Away: shoppers are offered the message form instead of a chat.
  await page.getByRole('button', { name: 'Away' }).click();
  await expect(page.getByRole('button', { name: 'Away' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: 'Online' })).toHaveAttribute('aria-pressed', 'false');
  const early = await ShopperSocket.open(browser, '/');
  await early.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/' } });
  expect(await early.frame('offline')).toMatchObject({ reason: 'no_agent_online' });
  await early.close();

  await page.getByRole('button', { name: 'Online' }).click();
  await expect(page.getByRole('button', { name: 'Online' })).toHaveAttribute('aria-pressed', 'true');
  const shopper = await ShopperSocket.open(browser, '/collections/winter');
  await expect.poll(async () => {
    await shopper.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/collections/winter' } });
    return (await shopper.page.evaluate(() => (window as any).chat.frames.map((f: any) => f.type))).includes('started');
  }, { message: 'the server sees the agent online again' }).toBe(true);
  await agent.acceptButton('visitor on /collections/winter').click();
  await expect(agent.reply).toBeFocused();

  // The agent types: the shopper hears it, with the agent's name.
  await agent.reply.pressSequentially('One moment');
  expect(await shopper.frame('typing', (f) => f.typing)).toMatchObject({ typing: true, name: 'Robin' });

  // Transfer: the conversation leaves the agent and waits again.
  await page.getByRole('button', { name: 'Transfer to queue' }).click();
  await expect(agent.status).toContainText('The conversation went back to the queue.');
  await expect(agent.acceptButton('visitor on /collections/winter')).toBeVisible();
  await expect(page.getByText('No conversations yet. Accept one from Waiting.')).toBeVisible();
  await shopper.send({ type: 'end' });
  await expect(agent.acceptButton('visitor on /collections/winter')).toBeHidden();
  await shopper.close();
});

test('macros fill in the shopper, the order and its tracking link, and say what is missing', async ({ page, browser }) => {
  const agent = new AgentConsole(page);
  await agent.ready();
  const shopper = await ShopperSocket.open(browser);
  const session = await shopper.proveOrder('1001', 'ada@example.com');
  await shopper.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/', assist_session: session } });
  await shopper.frame('started');
  await agent.acceptButton('ada@example.com').click();
  await expect(agent.reply).toBeFocused();

  const macro = page.getByRole('combobox', { name: 'Macro' });
  await macro.selectOption({ label: 'Tracking link' });
  await page.getByRole('button', { name: 'Insert macro' }).click();
  await expect(agent.reply).toHaveValue(
    "Your order #1001 is on its way. You can follow it on the carrier's site: https://www.ups.com/track?tracknum=1Z999AA10123456784");
  await expect(agent.reply).toBeFocused();
  await agent.reply.press('Enter');
  const sent = await shopper.frame('message', (f) => f.author === 'agent');
  expect(sent.text).toContain('https://www.ups.com/track?tracknum=1Z999AA10123456784');
  await expect(agent.log.getByRole('link', { name: /ups\.com/ })).toHaveAttribute(
    'href', 'https://www.ups.com/track?tracknum=1Z999AA10123456784');

  await macro.selectOption({ label: 'Greeting' });
  await page.getByRole('button', { name: 'Insert macro' }).click();
  await expect(agent.reply).toHaveValue("Hi Ada, thanks for waiting! I'm Robin from Northwind Outfitters. How can I help?");
  await agent.reply.fill('');
  await page.getByRole('button', { name: 'Close conversation' }).click();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await shopper.close();

  // Without a proved order, the agent is told what to fill in.
  const visitor = await ShopperSocket.open(browser, '/cart');
  await visitor.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/cart' } });
  await visitor.frame('started');
  await agent.acceptButton('visitor on /cart').click();
  await macro.selectOption({ label: 'Tracking link' });
  await page.getByRole('button', { name: 'Insert macro' }).click();
  await expect(agent.reply).toHaveValue(
    "Your order {{order.number}} is on its way. You can follow it on the carrier's site: {{order.tracking_url}}");
  await expect(agent.reply).toHaveAccessibleDescription(/Fill in before sending: \{\{order\.number\}\}, \{\{order\.tracking_url\}\}/);
  await page.getByRole('button', { name: 'Close conversation' }).click();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await visitor.close();
});

test('a message left for the team shows under Tickets and can be marked done', async ({ page }) => {
  const agent = new AgentConsole(page);
  await agent.ready();
  const text = `Please call me back about my parka (${Date.now()})`;
  const left = await page.evaluate(async (message) => {
    const r = await fetch('/api/sites/demo/assist', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locale: 'en', action: 'message', values: [['email', 'linus@example.com'], ['message', message]] }),
    });
    return r.status;
  }, text);
  expect(left).toBe(200);

  await page.getByRole('button', { name: 'Tickets' }).click();
  await expect(page.getByRole('button', { name: 'Tickets' })).toHaveAttribute('aria-current', 'page');
  const table = page.getByRole('table', { name: 'Tickets' });
  const row = table.getByRole('row').filter({ hasText: text });
  await expect(row).toContainText('linus@example.com');
  await expect(row).toContainText('open');
  await row.getByRole('button', { name: /^Mark done: / }).click();
  await expect(row).toContainText('done');
  // Only "Reply" is left: a done ticket can still be answered by email.
  await expect(row.getByRole('button', { name: /^Mark done: / })).toHaveCount(0);
  await expect(row.getByRole('button')).toHaveAccessibleName(/^Reply to T-/);
  await expect(agent.status).toContainText('is done.');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(table.getByRole('row').filter({ hasText: text })).toContainText('done');

  await page.getByRole('button', { name: 'Returns' }).click();
  await expect(page.getByRole('heading', { name: 'Return requests' })).toBeVisible();
  await expect(page.getByText(/No return requests\.|Reference/).first()).toBeVisible();
});
