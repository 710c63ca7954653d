// Single-use discount codes, end to end (issue #12): the marketer publishes a
// campaign with `"codes": "pool"` and uploads two codes with the CLI; a
// shopper's widget asks for their own code before showing the message, the
// shopper copies it with "Copy code" and buys, and the console shows the
// conversion, its revenue and the pool's figures. A second shopper gets the
// other code; a third, with the pool run dry, is shown nothing. The demo's
// campaign file is put back at the end, for the specs after this one.
import { test, expect, type Browser, type Response } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentConsole } from './agent-console';
import { signedCustomer, withCampaigns } from './campaign-file';
import { Store } from './store';

// Unique per run, so the spec can be repeated against the same server
// (`--repeat-each`): each run has its own campaign and its own full pool.
const RUN = Date.now().toString(36).toUpperCase();
const CAMPAIGN = `e2e-pool-${RUN.toLowerCase()}`;
const CODES = [`E2E-POOL-ONE-${RUN}`, `E2E-POOL-TWO-${RUN}`];
const OWN_CODE = new RegExp(`Your own code: (${CODES.join('|')})`);

/**
 * A new shopper triggers the pooled-code campaign; the code endpoint's
 * answer. `withPage` gets the shopper's page and their `shown` event's
 * answer (`null` if none came before the page closed): a shopper whose
 * message showed is awaited until the server has counted it, before their
 * browser closes.
 */
async function shopperAsks(
  browser: Browser,
  withPage: (store: Store, shown: Promise<Response | null>) => Promise<void>,
) {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  try {
    const store = new Store(await context.newPage());
    await store.visit('/');
    const asked = store.page.waitForResponse((r) => r.url().endsWith('/campaigns/code'));
    const shown = store.page.waitForResponse((r) =>
      r.url().endsWith('/campaigns/events') && r.request().postDataJSON()?.kind === 'shown')
      .catch(() => null);
    await store.page.evaluate((id) => (window as any).Aisle('trigger', id), CAMPAIGN);
    const answer = await asked;
    await withPage(store, shown);
    return answer;
  } finally {
    await context.close();
  }
}

test('a shopper gets their own pooled code, copies it and buys; the console counts it', async ({ browser }) => {
  const order = `E2E-CODE-${Date.now()}`;
  const page = await browser.newPage({ bypassCSP: true });
  try {
    const agent = new AgentConsole(page);
    await agent.ready();
    await withCampaigns(page, [{
      id: CAMPAIGN,
      codes: 'pool',
      frequency: 'always',
      when: { path: { is: '/e2e-never' } },
      message: 'Your own code: {{campaign.code}}',
    }], async () => {
      // The marketer's pool, as `aisle campaigns codes add` takes it.
      const dir = mkdtempSync(join(tmpdir(), 'aisle-codes-'));
      writeFileSync(join(dir, 'codes.txt'), CODES.join('\n') + '\n');
      const added = execFileSync('target/debug/aisle', ['campaigns', 'codes', 'add', 'demo', CAMPAIGN,
        join(dir, 'codes.txt'), '--db', 'sqlite://target/e2e/aisle.db']).toString();
      expect(added).toContain('2');

      // The first shopper: the message shows with their code, they copy it and buy.
      let first = '';
      const answer = await shopperAsks(browser, async (store, shown) => {
        const message = store.page.getByRole('group', { name: 'Message from the store' });
        await expect(message).toContainText(OWN_CODE);
        first = (await message.textContent())!.match(OWN_CODE)![1];
        const clicked = store.page.waitForResponse((r) =>
          r.url().endsWith('/campaigns/events') && r.request().postDataJSON()?.kind === 'clicked');
        await message.getByRole('button', { name: 'Copy code' }).click();
        // Said on the button, inside the message's live region.
        await expect(message.getByRole('button', { name: 'Code copied' })).toBeVisible();
        expect(await store.page.evaluate(() => navigator.clipboard.readText())).toBe(first);
        await message.screenshot({ path: 'target/e2e/campaign-code.png' });
        expect((await clicked).status()).toBe(204);
        expect((await shown)?.status()).toBe(204);
        const bought = await store.page.evaluate((o) =>
          (window as any).Aisle('purchase', { order: o, value: 80, currency: 'EUR' }), order);
        expect(bought).toEqual({ counted: true, campaign: CAMPAIGN });
      });
      expect(answer.status()).toBe(200);

      // The second shopper gets the other code.
      await shopperAsks(browser, async (store, shown) => {
        const message = store.page.getByRole('group', { name: 'Message from the store' });
        const other = CODES.find((c) => c !== first)!;
        await expect(message).toContainText(`Your own code: ${other}`);
        expect((await shown)?.status()).toBe(204);
      });

      // The third: the pool is dry, so no offer without a code is shown.
      const dry = await shopperAsks(browser, async (store) => {
        await expect(store.page.getByRole('group', { name: 'Message from the store' })).toHaveCount(0);
      });
      expect(dry.status()).toBe(404);

      // The console: shown twice, one conversion worth 80 EUR, both codes out.
      await page.getByRole('button', { name: 'Campaigns', exact: true }).click();
      const figures = page.getByRole('table', { name: 'Campaigns', exact: true });
      const line = figures.getByRole('row').filter({ has: page.getByRole('rowheader', { name: CAMPAIGN, exact: true }) });
      const cells = line.getByRole('cell');
      await expect(cells.nth(0)).toHaveText('2');
      await expect(cells.nth(4)).toHaveText('1');
      await expect(cells.nth(5)).toContainText('80');
      await expect(cells.nth(5)).toContainText('EUR');
      await expect(cells.nth(6)).toHaveText('2 handed out, 0 left');
    });
  } finally {
    await page.close();
  }
});

// `customer_tag` in the browser: the tags the store signed (verified by the
// server once per page) meet it; the same tag claimed without the store's
// signature does not.
test('a campaign for a customer tag shows to the customer the store signed with it, not to a claim', async ({ browser }) => {
  const page = await browser.newPage({ bypassCSP: true });
  try {
    const agent = new AgentConsole(page);
    await agent.ready();
    await withCampaigns(page, [{
      id: 'e2e-vip',
      frequency: 'always',
      when: { all: [{ customer_tag: 'vip' }, { path: { is: '/products/alpine-parka' } }] },
      message: 'Welcome back, {{customer.first_name|friend}}',
    }], async () => {
      const signed = signedCustomer('vip@example.com', 'vip', 'Ada');
      // The same tag claimed, with a profile signature over no tags.
      const claimed = signedCustomer('vip@example.com', 'vip', 'Ada', '');
      // `atTakeOver`: identified the moment the widget takes commands over
      // from the loader, before its campaign runtime has started (a race CI
      // once lost: the question was then never asked).
      const cases = [[signed, true, false], [signed, true, true], [claimed, false, false]] as const;
      for (const [customer, shown, atTakeOver] of cases) {
        const context = await browser.newContext();
        try {
          const store = new Store(await context.newPage());
          await store.visit('/products/alpine-parka');
          const asked = store.page.waitForResponse((r) => r.url().endsWith('/campaigns/customer'), { timeout: 10_000 });
          if (atTakeOver) {
            await store.page.evaluate((c) => {
              const aisle = (window as any).Aisle;
              let handle: unknown;
              Object.defineProperty(aisle, 'handle', {
                get: () => handle,
                set: (h) => { handle = h; aisle('identify', c); },
              });
            }, customer);
          }
          await store.launcher.hover(); // the widget loads now, not when the browser is idle
          const message = store.page.getByRole('group', { name: 'Message from the store' });
          if (!atTakeOver) await store.page.evaluate((c) => (window as any).Aisle('identify', c), customer);
          const verified = await (await asked).json();
          if (shown) {
            expect(verified).toMatchObject({ verified: true, tags: ['vip'], first_name: 'Ada' });
            await expect(message).toContainText('Welcome back, Ada');
          } else {
            // The tags were not what the store signed: none of it counts.
            expect(verified.tags).toEqual([]);
            await expect(message).toHaveCount(0);
          }
        } finally {
          await context.close();
        }
      }
    });
  } finally {
    await page.close();
  }
});
