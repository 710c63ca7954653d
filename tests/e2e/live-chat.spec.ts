// Live handoff from the shopper's side: "Talk to a person" opens a WebSocket
// conversation; an agent (here a logged-in agent socket in a second browser
// context, speaking the protocol in crates/core/src/protocol.rs) accepts and
// answers. Driven by accessible role and name, as a shopper would.
import { test, expect, type Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { Store } from './store';

/** An agent connected to /ws/v1/agent from a page on the server's origin (the login cookie authenticates it). */
class Agent {
  constructor(readonly page: Page) {}

  static async connect(page: Page, who = { email: 'agent@demo.test', password: 'demo-agent' }): Promise<Agent> {
    await page.goto('/healthz');
    await page.evaluate(async (who) => {
      const login = await fetch('/api/agent/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(who),
      });
      if (!login.ok) throw new Error(`login: ${login.status}`);
      const w = window as any;
      w.frames_ = [];
      w.ws = new WebSocket(`ws://${location.host}/ws/v1/agent`);
      w.ws.onmessage = (e: MessageEvent) => w.frames_.push(JSON.parse(e.data));
      await new Promise((ok, fail) => { w.ws.onopen = ok; w.ws.onerror = fail; });
      w.ws.send(JSON.stringify({ type: 'hello' }));
      w.ws.send(JSON.stringify({ type: 'presence', online: true }));
    }, who);
    return new Agent(page);
  }

  send(frame: object) {
    return this.page.evaluate((f) => (window as any).ws.send(JSON.stringify(f)), frame);
  }

  /** Waits for a frame matching `pick` and returns it. */
  async frame(pick: (f: any) => boolean): Promise<any> {
    const source = pick.toString();
    const handle = await this.page.waitForFunction(
      (src) => (window as any).frames_.find(eval(src)) ?? false,
      source,
    );
    return handle.jsonValue();
  }
}

test('with nobody online, "Talk to a person" leads to the message form', async ({ page }) => {
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  await expect(store.panel.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await expect(store.panel.getByRole('button', { name: 'Send message' })).toBeVisible();
});

test('a shopper reaches an agent: queue, join, messages both ways, reload, read, close and rating', async ({ page, browser }) => {
  const agent = await Agent.connect(await browser.newPage());
  await agent.frame((f) => f.type === 'welcome');

  const store = new Store(page);
  await store.visit('/products/alpine-parka');
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  await expect(store.panel.getByRole('status')).toHaveText(/You're number 1 in line/);

  // The agent sees the shopper waiting, with the page they are on.
  const queue = await agent.frame((f) => f.type === 'queue' && f.waiting.length > 0);
  const waiting = queue.waiting[0];
  expect(waiting.summary.page_url).toContain('/products/alpine-parka');
  await agent.send({ type: 'accept', conversation: waiting.conversation });
  await expect(store.log.getByText('Robin joined the chat.')).toBeVisible();
  await expect(store.panel.getByRole('status')).toHaveText("You're chatting with Robin.");

  // The shopper writes; it is stored (Sent) and reaches the agent.
  const box = store.panel.getByRole('textbox', { name: 'Message' });
  await box.fill('Does the parka run small?');
  await expect(store.panel.getByText('25 / 2000')).toBeVisible();
  await box.press('Enter');
  await expect(box).toHaveValue('');
  const shopperLine = store.log.locator('.msg-shopper', { hasText: 'Does the parka run small?' });
  await expect(shopperLine).toContainText('Sent');
  const received = await agent.frame((f) => f.type === 'message' && f.message?.text === 'Does the parka run small?');

  // The agent answers, with markup that must stay text.
  await agent.send({
    type: 'send', conversation: waiting.conversation, client_id: 'a1',
    text: 'It runs true to size <img src=x onerror="window.__xss=1"> https://example.com/size',
  });
  await expect(store.log.getByText('It runs true to size <img src=x onerror="window.__xss=1">', { exact: false })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  // Web links become links (new tab); anything else stays text.
  await expect(store.log.getByRole('link', { name: /https:\/\/example\.com\/size/ })).toHaveAttribute('href', 'https://example.com/size');
  await agent.send({ type: 'send', conversation: waiting.conversation, client_id: 'a2', text: 'javascript:alert(1) data:text/html,x' });
  await expect(store.log.getByText('javascript:alert(1) data:text/html,x')).toBeVisible();
  await expect(store.log.getByRole('link')).toHaveCount(1);

  // The agent reads the shopper's message: the shopper sees "Read".
  await agent.send({ type: 'read', conversation: waiting.conversation, seq: received.message.seq });
  await expect(shopperLine).toContainText('Read');

  // A page navigation keeps the conversation and what was half typed.
  await box.fill('One more question');
  await store.visit('/cart');
  await expect(store.log.getByText('Does the parka run small?')).toBeVisible();
  await expect(store.log.getByText('It runs true to size', { exact: false })).toBeVisible();
  const again = store.panel.getByRole('textbox', { name: 'Message' });
  await expect(again).toHaveValue('One more question');
  await again.press('Enter');
  await agent.frame((f) => f.type === 'message' && f.message?.text === 'One more question');
  await expect(store.log.getByText('It runs true to size', { exact: false })).toHaveCount(1);

  // The agent closes; the shopper rates.
  await agent.send({ type: 'close', conversation: waiting.conversation, tags: ['sizing'] });
  await expect(store.log.getByText('The chat has ended.')).toBeVisible();
  const rating = store.panel.getByRole('group', { name: /How was your chat/ });
  await rating.getByRole('button', { name: '5' }).click();
  await expect(store.log.getByText('Thanks for your rating!')).toBeVisible();
  const rated = await agent.frame((f) => f.type === 'rated');
  expect(rated.score).toBe(5);

  // The transcript by email: the demo store has no email block, and says so politely.
  const emailButton = store.panel.getByRole('button', { name: 'Email transcript' });
  await expect(emailButton).toHaveAttribute('aria-expanded', 'false');
  await emailButton.click();
  await expect(emailButton).toHaveAttribute('aria-expanded', 'true');
  const address = store.panel.getByRole('textbox', { name: 'Your email address' });
  await expect(address).toBeFocused();
  await address.fill('lea@example.com');
  await address.press('Enter');
  await expect(store.panel.getByRole('status')).toHaveText(
    "This store doesn't send email. You can save the transcript instead.",
  );
  await store.panel.getByRole('button', { name: 'Back to the menu' }).click();
  await expect(store.panel.getByRole('button', { name: 'Track order' })).toBeVisible();
  await agent.page.close();
});

test('a message typed while the connection is down is delivered once it is back', async ({ page, browser }) => {
  // Lets the test cut the widget's socket and refuse reconnections, as a dead network would.
  await page.addInitScript(() => {
    const w = window as any;
    const Native = window.WebSocket;
    w.__sockets = [];
    w.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(w.__offline ? 'ws://127.0.0.1:9/' : url, protocols);
        w.__sockets.push(this);
      }
    };
  });
  const agent = await Agent.connect(await browser.newPage());
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  const queue = await agent.frame((f) => f.type === 'queue' && f.waiting.length > 0);
  await agent.send({ type: 'accept', conversation: queue.waiting[0].conversation });
  await expect(store.panel.getByRole('status')).toHaveText("You're chatting with Robin.");

  await page.evaluate(() => {
    const w = window as any;
    w.__offline = true;
    for (const ws of w.__sockets) ws.close();
  });
  await expect(store.panel.getByRole('status')).toHaveText(/Reconnecting/);
  const box = store.panel.getByRole('textbox', { name: 'Message' });
  await box.fill('Still there?');
  await box.press('Enter');
  const line = store.log.locator('.msg-shopper', { hasText: 'Still there?' });
  await expect(line).toContainText('Sending');
  await page.evaluate(() => { (window as any).__offline = false; });
  await agent.frame((f) => f.type === 'message' && f.message?.text === 'Still there?');
  await expect(line).toContainText('Sent');
  await expect(store.panel.getByRole('status')).toHaveText("You're chatting with Robin.");
  await agent.page.close();
});

test('a server node that vanishes without closing the socket is noticed by the 25 s ping, and the chat resumes', async ({ page, browser }) => {
  // The widget's socket goes through the test: it can stop passing the
  // server's frames while the socket stays open, as when a node dies
  // without a close (or a route drops silently).
  let connections = 0;
  let silent = false;
  const pings: number[] = [];
  let pongs = 0;
  await page.routeWebSocket(/\/ws\/v1\?site=/, (ws) => {
    const id = ++connections;
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (JSON.parse(String(message)).type === 'ping') pings.push(id);
      server.send(message);
    });
    server.onMessage((message) => {
      if (silent && id === 1) return;
      if (JSON.parse(String(message)).type === 'pong') pongs++;
      ws.send(message);
    });
  });
  await page.clock.install();
  const agent = await Agent.connect(await browser.newPage());
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  const queue = await agent.frame((f) => f.type === 'queue' && f.waiting.length > 0);
  const conversation = queue.waiting[0].conversation;
  await agent.send({ type: 'accept', conversation });
  await expect(store.panel.getByRole('status')).toHaveText("You're chatting with Robin.");

  // 25 s later the open socket pings; the server answers (nothing noticed).
  await page.clock.fastForward(25_000);
  await expect.poll(() => pings.length).toBe(1);
  await expect.poll(() => pongs).toBe(1);
  await page.clock.fastForward(25_000);
  await expect.poll(() => pings.length).toBe(2);
  await expect.poll(() => pongs).toBe(2);
  expect(connections).toBe(1);
  await expect(store.panel.getByRole('status')).toHaveText("You're chatting with Robin.");

  // Now the node is gone: its socket stays open but nothing comes back.
  silent = true;
  await page.clock.fastForward(25_000);
  await expect.poll(() => pings.length).toBe(3);
  await page.clock.fastForward(25_000);
  // The unanswered ping is noticed: a new connection resumes the chat.
  await expect.poll(() => connections).toBe(2);
  await expect(store.panel.getByRole('status')).toHaveText("You're chatting with Robin.");
  await agent.send({ type: 'send', conversation, client_id: 'a-ping', text: 'Back with you.' });
  await expect(store.log.locator('.msg-agent', { hasText: 'Back with you.' })).toBeVisible();
  await agent.page.close();
});

test('messages sent faster than the server allows are all delivered, a few seconds later', async ({ page, browser }) => {
  const agent = await Agent.connect(await browser.newPage());
  const store = new Store(page);
  await store.visit('/');
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  const queue = await agent.frame((f) => f.type === 'queue' && f.waiting.length > 0);
  await agent.send({ type: 'accept', conversation: queue.waiting[0].conversation });
  await expect(store.panel.getByRole('status')).toHaveText("You're chatting with Robin.");

  // 22 messages at once: the server takes 20 per 10 s and refuses the rest.
  const box = store.panel.getByRole('textbox', { name: 'Message' });
  for (let i = 1; i <= 22; i++) {
    await box.fill(`Burst ${i}.`);
    await box.press('Enter');
  }
  for (let i = 1; i <= 22; i++) {
    await expect(store.log.locator('.msg-shopper', { hasText: `Burst ${i}.` })).toContainText('Sent', { timeout: 20_000 });
  }
  const texts: string[] = await agent.page.evaluate(() =>
    (window as any).frames_.filter((f: any) => f.type === 'message').map((f: any) => f.message.text));
  for (let i = 1; i <= 22; i++) {
    expect(texts.filter((t) => t === `Burst ${i}.`), `Burst ${i}. arrives once`).toHaveLength(1);
  }
  await agent.page.close();
});

/** The messages the lantern site's mail server (tests/e2e/ticket-email.spec.ts) received for `to`. */
function mailsTo(to: string): any[] {
  const dir = 'target/e2e/mail';
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
    .filter((m) => (m.rcpt_tos ?? []).includes(to));
}

test('after a chat on a store that sends email, the shopper emails themselves the transcript', async ({ page, browser }) => {
  const agent = await Agent.connect(await browser.newPage(), { email: 'agent@lantern.test', password: 'lantern-agent' });
  await agent.frame((f) => f.type === 'welcome');
  // The merchant snippet with data-site="lantern", in a page of the server's
  // own origin (a routed page would count as public, and Chromium's local
  // network checks would refuse its socket to 127.0.0.1).
  await page.goto('/healthz');
  const snippet = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lantern Supply</title></head>' +
    '<body><h1>Lantern Supply</h1><script src="/widget/aisle.js" data-site="lantern" async></script></body></html>';
  await page.setContent(snippet);
  const store = new Store(page);
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  const queue = await agent.frame((f) => f.type === 'queue' && f.waiting.length > 0);
  const conversation = queue.waiting[0].conversation;
  await agent.send({ type: 'accept', conversation });
  await store.panel.getByRole('textbox', { name: 'Message' }).fill('Which wick fits the brass lantern?');
  await store.panel.getByRole('textbox', { name: 'Message' }).press('Enter');
  await agent.frame((f) => f.type === 'message' && f.message?.text === 'Which wick fits the brass lantern?');
  await agent.send({ type: 'close', conversation });
  await expect(store.log.getByText('The chat has ended.')).toBeVisible();

  // On the next page the ended chat has no connection: asking opens one for it.
  await page.goto('/healthz');
  await page.setContent(snippet);
  await expect(store.log.getByText('The chat has ended.')).toBeVisible();
  await store.panel.getByRole('button', { name: 'Email transcript' }).click();
  const address = store.panel.getByRole('textbox', { name: 'Your email address' });
  await address.fill('wick.questions@example.com');
  await store.panel.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(store.panel.getByRole('status')).toHaveText('Sent to wick.questions@example.com');
  await expect.poll(() => mailsTo('wick.questions@example.com').length, { timeout: 10_000 }).toBe(1);
  await agent.page.close();
});
