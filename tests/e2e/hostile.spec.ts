// Hostile text both ways through the real interfaces: every string of
// tests/hostile/strings.json (markup and script injection, bidi overrides,
// zalgo, emoji, lone surrogates, http:// before multi-byte characters,
// control characters, strings at and over the 2000-character limit…) goes
// from a shopper in the widget to an agent in the console and back. Each must
// arrive as the same text, nothing may run, nothing may crash, and only
// http(s) URLs may become links, showing their URL.
import { test, expect, type Page, type Locator } from '@playwright/test';
import { Store } from './store';
import { AgentConsole, ShopperSocket } from './agent-console';

const corpus: string[] = require('../hostile/strings.json').strings;

/** Message limit in characters (Unicode scalar values), as the server counts. */
const MAX_CHARS = 2000;
/** The server's allowance per connection: 20 messages per 10 s (crates/server/src/chat/mod.rs). */
const SEND_LIMIT = 20;
const SEND_WINDOW_MS = 10_500;

/**
 * The text that arrives for what was typed: a lone surrogate (a JavaScript
 * string can hold one, a Rust string cannot) becomes U+FFFD, and a text box
 * turns CR LF and CR into LF.
 */
function arrives(typed: string): string {
  return (typed as any).toWellFormed().replace(/\r\n?/g, '\n');
}

const chars = (text: string) => [...text].length;

/**
 * The corpus as messages: short strings packed, each after a `⟦index⟧` mark,
 * into messages of at most 2000 UTF-16 units (the widget's `maxlength`); a
 * long one on its own; those over the limit apart.
 */
function messages(): { packed: string[]; over: string[] } {
  const packed: string[] = [];
  const over: string[] = [];
  let current = '';
  for (const [i, typed] of corpus.entries()) {
    const text = arrives(typed);
    if (chars(text) > MAX_CHARS || text.length > MAX_CHARS) {
      over.push(typed);
      continue;
    }
    const piece = `⟦${i}⟧ ${typed}\n`;
    if (piece.length + 4 > MAX_CHARS) {
      packed.push(typed);
      continue;
    }
    if (current.length + piece.length + 4 > MAX_CHARS) {
      packed.push(current + '⟦/⟧');
      current = '';
    }
    current += piece;
  }
  if (current) packed.push(current + '⟦/⟧');
  return { packed, over };
}

/** Spaces sends so that no connection goes over the server's allowance. */
class Pacer {
  private sent: number[] = [];
  constructor(private readonly page: Page) {}
  async next() {
    if (this.sent.length >= SEND_LIMIT) {
      const wait = this.sent[this.sent.length - SEND_LIMIT] + SEND_WINDOW_MS - Date.now();
      if (wait > 0) await this.page.waitForTimeout(wait);
    }
    this.sent.push(Date.now());
  }
}

/** Records whatever would mean a payload ran or a page broke. */
function watch(page: Page, who: string, trouble: string[]) {
  page.on('dialog', async (dialog) => {
    trouble.push(`${who}: a ${dialog.type()} dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on('pageerror', (error) => trouble.push(`${who}: page error: ${error.message}`));
  page.on('crash', () => trouble.push(`${who}: the page crashed`));
  // A wasm panic or a script error logs an error; a refused request (the
  // console's "who am I" before login) is the network's, not the page's.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      trouble.push(`${who}: console error: ${message.text()}`);
    }
  });
}

/** What each message element shows (without screen-reader-only text), in order. */
function shown(messages: Locator, text: string): Promise<string[]> {
  return messages.evaluateAll((elements, text) => elements.map((element) => {
    const part = text ? element.querySelector(text)! : element;
    const copy = part.cloneNode(true) as Element;
    copy.querySelectorAll('.visually-hidden').forEach((hidden) => hidden.remove());
    return copy.textContent ?? '';
  }), text);
}

/** Every link in `area`, as [href attribute, visible text]; and any element that is not plain text markup. */
function linksAndMarkup(area: Locator, allowed: string[]): Promise<{ links: string[][]; markup: string[] }> {
  return area.evaluate((root, allowed) => {
    const links = [...root.querySelectorAll('a')].map((a) => {
      const copy = a.cloneNode(true) as Element;
      copy.querySelectorAll('.visually-hidden').forEach((hidden) => hidden.remove());
      return [a.getAttribute('href') ?? '', copy.textContent ?? ''];
    });
    // The log's own control (the console's "Load earlier messages") is not
    // from the messages.
    const markup = [...root.querySelectorAll('*')]
      .filter((el) => !el.closest('.load-earlier'))
      .map((el) => el.tagName.toLowerCase())
      .filter((tag) => !allowed.includes(tag));
    return { links, markup };
  }, allowed);
}

test('every hostile string arrives as text both ways: nothing runs, nothing crashes, only http(s) links', async ({ page, browser }) => {
  test.setTimeout(90_000);
  expect(corpus.length).toBeGreaterThanOrEqual(200);
  const { packed, over } = messages();
  const trouble: string[] = [];

  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  watch(agentPage, 'console', trouble);
  watch(page, 'widget', trouble);
  const agent = new AgentConsole(agentPage);
  await agent.ready();

  // A shopper asks for a person from a page no other test uses.
  const store = new Store(page);
  await store.visit('/products/alpine-parka?hostile-text');
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  const who = 'visitor on /products/alpine-parka?hostile-text';
  await agent.acceptButton(who).click();
  await expect(store.log.getByText('Robin joined the chat.')).toBeVisible();
  const agentLog = agentPage.getByRole('log', { name: `Conversation with ${who}` });
  const fromShopper = agentLog.locator('.msg-shopper');
  const fromAgent = store.log.locator('.msg-agent');
  /** Waits for `count` messages in `lines`; on failure, says what went wrong in the pages. */
  const arrived = async (lines: Locator, count: number) => {
    try {
      await expect(lines).toHaveCount(count);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nin the pages:\n${trouble.join('\n')}`);
    }
  };

  // Shopper → agent. (The widget's log already shows the menu choice as the shopper's.)
  const ownLines = store.log.locator('.msg-shopper');
  const before = await ownLines.count();
  const box = store.panel.getByRole('textbox', { name: 'Message' });
  // The counter counts as the box's maxlength does: an emoji is two.
  await box.fill('😀'.repeat(1000));
  await expect(store.panel.getByText(`${MAX_CHARS} / ${MAX_CHARS}`)).toBeVisible();
  const shopperPace = new Pacer(page);
  const sentByShopper: string[] = [];
  for (const message of packed) {
    await shopperPace.next();
    await box.fill(message);
    await box.press('Enter');
    sentByShopper.push(arrives(message));
    await arrived(fromShopper, sentByShopper.length);
  }
  // Over the limit: the message box stops at 2000 (its maxlength); what it
  // holds is what arrives.
  for (const typed of over) {
    await box.fill(typed);
    const held = await box.inputValue();
    expect(held.length).toBe(MAX_CHARS);
    expect(arrives(typed).startsWith(held)).toBe(true);
    await shopperPace.next();
    await box.press('Enter');
    sentByShopper.push(held);
    await arrived(fromShopper, sentByShopper.length);
  }
  expect(await shown(fromShopper, '.text')).toEqual(sentByShopper);
  // The widget shows the shopper's own messages as typed, too.
  await expect(ownLines).toHaveCount(before + sentByShopper.length);
  expect((await shown(ownLines, ':scope > span:first-child')).slice(before)).toEqual(sentByShopper);

  // Agent → shopper.
  const agentPace = new Pacer(agentPage);
  const sentByAgent: string[] = [];
  for (const message of packed) {
    await agentPace.next();
    await agent.reply.fill(message);
    await agent.reply.press('Enter');
    await expect(agent.reply).toHaveValue('');
    sentByAgent.push(arrives(message));
    await arrived(fromAgent, sentByAgent.length);
  }
  // Over the limit: the console refuses to send and says how far over it is.
  for (const typed of over) {
    await agent.reply.fill(typed);
    await agent.reply.press('Enter');
    await expect(agentPage.getByText(`${chars(arrives(typed))} / ${MAX_CHARS}`)).toBeVisible();
    await expect(agent.reply).toHaveValue(arrives(typed));
  }
  await agent.reply.fill('');
  expect(await shown(fromAgent, ':scope > span:not(.meta)')).toEqual(sentByAgent);
  expect(await shown(agentLog.locator('.msg-agent'), '.text')).toEqual(sentByAgent);

  // Only http(s) URLs are links, each showing the URL it goes to; no other markup.
  for (const [where, area, allowed] of [
    ['console', agentLog, ['div', 'p', 'span', 'a', 'time']],
    ['widget', store.log, ['div', 'span', 'a']],
  ] as const) {
    const { links, markup } = await linksAndMarkup(area, [...allowed]);
    expect(markup, `${where}: elements from the messages`).toEqual([]);
    expect(links.length, `${where}: links`).toBeGreaterThan(10);
    for (const [href, text] of links) {
      expect(href, `${where}: link target`).toMatch(/^https?:\/\/\S/i);
      expect(text, `${where}: a link shows its URL`).toBe(href);
    }
  }
  // The URL that once took the console down is a link on both sides.
  await expect(agentLog.getByRole('link', { name: /^http:\/\/é\.example/ }).first()).toBeVisible();
  await expect(store.log.getByRole('link', { name: /^http:\/\/é\.example/ }).first()).toBeVisible();

  // Nothing ran, nothing crashed, both sides still work.
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(await agentPage.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(trouble).toEqual([]);
  await agentPace.next();
  await agent.reply.fill('Still here?');
  await agent.reply.press('Enter');
  await expect(store.log.getByText('Still here?')).toBeVisible();

  // The next page restores the same text from the widget's saved state.
  await store.visit('/products/alpine-parka?hostile-text');
  await expect(fromAgent).toHaveCount(sentByAgent.length + 1);
  expect(await shown(fromAgent, ':scope > span:not(.meta)')).toEqual([...sentByAgent, 'Still here?']);
  expect((await shown(ownLines, ':scope > span:first-child')).slice(before)).toEqual(sentByShopper);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(trouble).toEqual([]);
  await agentPage.getByRole('button', { name: 'Close conversation' }).click();
  await expect(store.log.getByText('The chat has ended.')).toBeVisible();
  await agentContext.close();
});

test('what only the shopper says is marked unverified, and page links show their URL', async ({ page, browser }) => {
  const agent = new AgentConsole(page);
  await agent.ready();
  const trouble: string[] = [];
  watch(page, 'console', trouble);
  const context = page.getByRole('complementary', { name: 'Shopper context' });
  const field = (term: string) => context.locator('.field').filter({ has: page.getByRole('term').filter({ hasText: term }) });

  // A raw socket claims an email (and that it is verified), a big cart, and a
  // page title that reads like another site's address.
  const claimer = await ShopperSocket.open(browser);
  await claimer.send({
    type: 'start', locale: 'en',
    context: {
      email: 'boss@shop.example',
      email_verified: true,
      page_url: 'https://evil.example/products/alpine-parka',
      page_title: 'https://shop.example/account',
      pages: ['javascript:__pwned=1', 'https://evil.example/'],
      cart: { value_minor: 999_999, currency: 'USD' },
      campaign: '<img src=x onerror=__pwned=1>',
    },
  });
  await claimer.frame('started');
  await agent.acceptButton('boss@shop.example').click();
  await expect(context).toBeVisible();
  await expect(field('Email')).toHaveText(/boss@shop\.example\s*unverified/);
  await expect(field('Priority')).toHaveText(/High cart value\s*unverified/);
  await expect(field('Cart')).toContainText('unverified');
  await expect(field('Campaign')).toHaveText(/<img src=x onerror=__pwned=1>\s*unverified/);
  await expect(context).toContainText('Unverified: sent by the shopper');
  // The link is named by where it goes; the title is text beside it.
  const current = field('Current page');
  await expect(current.getByRole('link')).toHaveCount(1);
  await expect(current.getByRole('link')).toHaveAttribute('href', 'https://evil.example/products/alpine-parka');
  await expect(current.getByRole('link')).toContainText('https://evil.example/products/alpine-parka');
  await expect(current).toContainText('https://shop.example/account');
  await expect(current).toContainText('unverified');
  // Only http(s) pages are links.
  await expect(field('Pages before').getByRole('link')).toHaveCount(1);
  await expect(field('Pages before')).toContainText('javascript:__pwned=1');
  await page.getByRole('button', { name: 'Close conversation' }).click();
  await page.getByRole('button', { name: 'Dismiss' }).click();

  // A shopper who proved an order: their email and orders are verified.
  const prover = await ShopperSocket.open(browser);
  const session = await prover.proveOrder('#1002', 'grace@example.com');
  await prover.send({ type: 'start', locale: 'en', context: { assist_session: session, page_url: 'http://127.0.0.1/' } });
  await prover.frame('started');
  await agent.acceptButton('grace@example.com').click();
  await expect(field('Email')).toHaveText(/grace@example\.com\s*verified/);
  await expect(field('Verified orders')).toHaveText(/#1002\s*verified/);
  await page.getByRole('button', { name: 'Close conversation' }).click();
  await page.getByRole('button', { name: 'Dismiss' }).click();

  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(trouble).toEqual([]);
  await claimer.close();
  await prover.close();
});

test('hostile strings in what the shopper shares are shown as text in the queue and the context', async ({ page, browser }) => {
  const agent = new AgentConsole(page);
  await agent.ready();
  const trouble: string[] = [];
  watch(page, 'console', trouble);
  // Every corpus string as a page visited or a cart line (and some as a page,
  // its title, a campaign, a language): up to 60 a conversation, as the server
  // keeps 30 pages, 30 lines and 500 characters a text, in frames under its
  // 16 KB limit.
  const strings = corpus.map((s) => [...arrives(s)].slice(0, 500).join(''));
  const shoppers: ShopperSocket[] = [];
  const batches: string[][] = [];
  let current: string[] = [];
  for (const s of strings) {
    if (current.length === 60 || Buffer.byteLength(JSON.stringify([...current, s])) > 12_000) {
      batches.push(current);
      current = [];
    }
    current.push(s);
  }
  batches.push(current);
  for (const [k, batch] of batches.entries()) {
    const shopper = await ShopperSocket.open(browser);
    shoppers.push(shopper);
    const half = batch.slice(0, 30);
    const rest = batch.slice(30);
    await shopper.send({
      type: 'start', locale: batch[0],
      context: {
        email: `hostile-${k}@example.com`,
        page_url: batch[1],
        page_title: batch[2],
        campaign: batch[3],
        pages: half,
        cart: { value_minor: 12_900, currency: batch[4], items: rest.map((title, i) => ({ sku: `SKU-${i}`, title, quantity: 1 })) },
      },
    });
    await shopper.frame('started');
  }
  for (const k of batches.keys()) await expect(agent.acceptButton(`hostile-${k}@example.com`)).toBeVisible();

  const dangerous = 'script, img, svg, iframe, object, embed, style, math, video, audio, form, input, details, marquee, template, base, meta, link, textarea, select';
  const check = async (where: string, area: import('@playwright/test').Locator) => {
    expect(await area.locator(dangerous).count(), `${where}: elements from what the shopper shared`).toBe(0);
    for (const [href, text] of (await linksAndMarkup(area, [])).links) {
      expect(href, `${where}: link target`).toMatch(/^https?:\/\/\S/i);
      expect(text, `${where}: a link shows its URL`).toBe(href);
    }
  };
  await check('queue', agent.waiting);

  // Each conversation's full context, once accepted.
  const context = page.getByRole('complementary', { name: 'Shopper context' });
  for (const [k, batch] of batches.entries()) {
    await agent.acceptButton(`hostile-${k}@example.com`).click();
    await expect(context).toContainText(`hostile-${k}@example.com`);
    await check(`context ${k}`, context);
    if (batch[2]?.trim()) {
      await expect(context.locator('.page-title')).toHaveText(batch[2], { useInnerText: false });
    }
    await page.getByRole('button', { name: 'Close conversation' }).click();
    await page.getByRole('button', { name: 'Dismiss' }).click();
  }
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(trouble).toEqual([]);
  for (const shopper of shoppers) await shopper.close();
});

test('a page with a 20,000-character address and title still reaches a person', async ({ page, browser }) => {
  const agentContext = await browser.newContext();
  const agent = new AgentConsole(await agentContext.newPage());
  await agent.ready();
  const trouble: string[] = [];
  watch(page, 'widget', trouble);
  const query = 'long'.repeat(5000);
  const store = new Store(page);
  await store.visit(`/products/alpine-parka?${query}`);
  await page.evaluate(() => { document.title = '<b>Parka</b> '.repeat(2000); });
  // And the loader's page history holds it too.
  await store.visit(`/cart?${query}`);
  await store.open();
  await store.panel.getByRole('button', { name: 'Talk to a person' }).click();
  await expect(store.panel.getByRole('status')).toHaveText(/You're number \d+ in line/);
  // The queue row shows the start of the address (summaries keep 80 characters)…
  const row = agent.waiting.getByRole('listitem').filter({ hasText: `/cart?${query.slice(0, 40)}` });
  await expect(row).toHaveCount(1);
  // …and the accepted conversation the address as the server keeps it (500 characters).
  await row.getByRole('button', { name: /^Accept / }).click();
  await expect(store.log.getByText('Robin joined the chat.')).toBeVisible();
  const context = agent.page.getByRole('complementary', { name: 'Shopper context' });
  const href = await context.getByRole('link', { name: /\/cart\?/ }).first().getAttribute('href');
  expect(href).toMatch(/^http:\/\/[^/]+\/cart\?(long)+/);
  expect(href!.length).toBe(500);
  // Closed, so that no one is left waiting for later tests.
  await agent.page.getByRole('button', { name: 'Close conversation' }).click();
  await expect(store.log.getByText('The chat has ended.')).toBeVisible();
  expect(trouble).toEqual([]);
  await agentContext.close();
});
