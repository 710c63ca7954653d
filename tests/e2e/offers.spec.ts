// A/B variants (issue #12), end to end: the marketer publishes a campaign
// with two variants and a fixed discount code; a shopper whose browser has a
// visitor id reads the variant the core's hash gives that id (the same one
// on every page), the code and the cart's value filled in by the widget
// (again when the cart changes while it shows), and their events name the
// variant;
// the console's Campaigns view shows the campaign and that variant on their
// own lines. The demo's campaign file is put back at the end, for the specs
// after this one.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentConsole } from './agent-console';
import { signedCustomer, withCampaigns } from './campaign-file';
import { Store } from './store';

const VISITOR = 'e2e-visitor-0001';

test('a shopper reads their own A/B variant with the code, and the console counts it per variant', async ({ browser }) => {
  const page = await browser.newPage({ bypassCSP: true });
  try {
    const agent = new AgentConsole(page);
    await agent.ready();
    await withCampaigns(page, [{
      id: 'e2e-ab',
      code: 'WINTER10',
      frequency: 'always',
      when: { path: { is: '/e2e-never' } },
      variants: [
        { id: 'a', weight: 50, message: 'Variant A <b>{{campaign.code}}</b> for {{customer.first_name|you}}, cart {{cart.value|unknown}}' },
        { id: 'b', weight: 50, message: 'Variant B <b>{{campaign.code}}</b> for {{customer.first_name|you}}, cart {{cart.value|unknown}}' },
      ],
    }], async (source) => {
      // The variant this visitor reads, as `aisle campaigns simulate` says.
      const dir = mkdtempSync(join(tmpdir(), 'aisle-ab-'));
      writeFileSync(join(dir, 'campaigns.json'), source);
      const simulated = JSON.parse(execFileSync('target/debug/aisle', ['campaigns', 'simulate',
        join(dir, 'campaigns.json'), '--url', '/e2e-never', '--visitor-id', VISITOR]).toString());
      expect(simulated.show).toBe('e2e-ab');
      const variant: string = simulated.variant;
      expect(['a', 'b']).toContain(variant);

      // The shopper, with that visitor id in their browser.
      const shopper = await browser.newContext();
      try {
        await shopper.addInitScript((id) => localStorage.setItem('aisle:v1:visitor', id), VISITOR);
        const store = new Store(await shopper.newPage());
        for (const path of ['/', '/collections/winter']) {
          await store.visit(path);
          const shown = store.page.waitForResponse((r) =>
            r.url().endsWith('/campaigns/events') && r.request().postDataJSON()?.kind === 'shown');
          await store.page.evaluate(() => (window as any).Aisle('trigger', 'e2e-ab'));
          const message = store.page.getByRole('group', { name: 'Message from the store' });
          // Text, never markup: the <b> the marketer typed shows as characters.
          await expect(message).toContainText(`Variant ${variant.toUpperCase()} <b>WINTER10</b> for you, cart unknown`);
          // The cart changes while the message shows: it is filled again.
          await store.page.evaluate(() => (window as any).Aisle('cart', { value: 12.5, currency: 'EUR' }));
          await expect(message).toContainText(`Variant ${variant.toUpperCase()} <b>WINTER10</b> for you, cart €12.50`);
          const event = (await shown).request().postDataJSON();
          expect(event).toMatchObject({ campaign: 'e2e-ab', kind: 'shown', visitor: VISITOR, variant });
          expect((await shown).status()).toBe(204);
        }
      } finally {
        await shopper.close();
      }

      // A signed customer: the widget asks the server once what the store
      // vouches for, and fills in the signed first name, as text.
      const firstName = '<i>Ada</i>';
      const customer = signedCustomer('ada@example.com', '', firstName);
      const signed = await browser.newContext();
      try {
        await signed.addInitScript((id) => localStorage.setItem('aisle:v1:visitor', id), VISITOR);
        const store = new Store(await signed.newPage());
        await store.visit('/');
        const asked = store.page.waitForResponse((r) => r.url().endsWith('/campaigns/customer'));
        await store.page.evaluate((c) => (window as any).Aisle('identify', c), customer);
        expect(await (await asked).json()).toMatchObject({ verified: true, first_name: firstName });
        await store.page.evaluate(() => (window as any).Aisle('trigger', 'e2e-ab'));
        const message = store.page.getByRole('group', { name: 'Message from the store' });
        await expect(message).toContainText(`Variant ${variant.toUpperCase()} <b>WINTER10</b> for <i>Ada</i>, cart unknown`);
      } finally {
        await signed.close();
      }

      // The console: the campaign's line and its variant's line.
      await page.getByRole('button', { name: 'Campaigns', exact: true }).click();
      const figures = page.getByRole('table', { name: 'Campaigns', exact: true });
      const line = (name: string) =>
        figures.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
      await expect(line('e2e-ab').getByRole('cell').first()).toHaveText('3');
      await expect(line(`e2e-ab, variant ${variant}`).getByRole('cell').first()).toHaveText('3');
    });
  } finally {
    await page.close();
  }
});
