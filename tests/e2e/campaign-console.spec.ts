// Campaign attribution and the console's Campaigns view, end to end: a
// shopper is shown the Black Friday campaign and clicks it, the thank-you
// page calls Aisle('purchase', …), and the agent sees the conversion and its
// revenue; then the agent pastes a campaign file with an error, sees its
// line:column, fixes it, previews it, publishes it and finds the new version
// with their name in the history. The demo's campaign file is put back at
// the end, for the specs after this one.
import { test, expect, type Page } from '@playwright/test';
import { AgentConsole, DEMO_AGENT } from './agent-console';
import { Store } from './store';

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document);
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

const fixed = `{
  "version": 1,
  "campaigns": [
    {
      "id": "winter-help",
      "name": "Winter help",
      "message": { "en": "Need a warmer coat? <b>Ask us</b>" },
      "when": { "all": [ { "path": { "starts_with": "/collections" } },
                         { "time_on_page": { "at_least": 10 } } ] },
      "actions": [ { "label": "Ask us", "open_chat": true } ]
    }
  ]
}`;
// Line 9, column 58: a string where seconds belong.
const broken = fixed.replace('"at_least": 10', '"at_least": "ten"');

test('a purchase after a campaign click shows in Campaigns; the editor checks, previews and publishes', async ({ browser }) => {
  const order = `E2E-${Date.now()}`;

  // The shopper: Black Friday shows on the home page; they click "Shop the sale".
  const shopper = await browser.newContext();
  try {
    const page = await shopper.newPage();
    await page.clock.install();
    const store = new Store(page);
    await store.visit('/');
    await store.launcher.hover();
    const message = page.getByRole('group', { name: 'Message from the store' });
    await expect(async () => {
      await page.clock.fastForward(5_000);
      await expect(message).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 15_000 });
    const clicked = page.waitForResponse((r) =>
      r.url().endsWith('/campaigns/events') && r.request().postDataJSON()?.kind === 'clicked');
    // The sale page loads once the click is counted (as it would on any real network).
    await page.route((url) => url.pathname === '/collections/winter', async (route) => { await clicked; await route.continue(); });
    await message.getByRole('button', { name: 'Shop the sale' }).click();
    expect((await clicked).status()).toBe(204);
    // The link carries the campaign for the store's analytics.
    await expect(page).toHaveURL(/\/collections\/winter\?utm_source=aisle&utm_medium=chat&utm_campaign=bf-sitewide$/);
    // The store's thank-you page reports the order.
    const answer = await page.evaluate((o) =>
      (window as any).Aisle('purchase', { order: o, value: 129.9, currency: 'EUR' }), order);
    expect(answer).toEqual({ counted: true, campaign: 'bf-sitewide' });
    // A reload of the thank-you page does not count it again.
    const again = await page.evaluate((o) =>
      (window as any).Aisle('purchase', { order: o, value: 129.9, currency: 'EUR' }), order);
    expect(again).toEqual({ counted: false, campaign: null });
  } finally {
    await shopper.close();
  }

  // The agent. The console's Content-Security-Policy rightly refuses injected scripts such as axe.
  const page = await browser.newPage({ bypassCSP: true });
  let demoFile: string | undefined;
  try {
    const agent = new AgentConsole(page);
    await agent.ready();
    await page.getByRole('button', { name: 'Campaigns', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Campaigns', level: 2, exact: true })).toBeVisible();
    const figures = page.getByRole('table', { name: 'Campaigns', exact: true });
    const sale = figures.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'bf-sitewide' }) });
    await expect(sale.getByRole('cell').nth(4)).toHaveText('1');
    await expect(sale.getByRole('cell').nth(5)).toHaveText('129.90 EUR');
    await expect(page.getByRole('img', { name: 'Last 30 days of bf-sitewide: shown and conversions per day' })).toBeVisible();
    // What the marketer sees (docs/console-campaigns.png is a copy of it).
    await page.setViewportSize({ width: 1280, height: 1130 });
    await page.screenshot({ path: 'target/e2e/console-campaigns.png' });
    const csv = page.getByRole('link', { name: 'Export CSV' });
    await expect(csv).toHaveAttribute('href', '/api/sites/demo/campaigns/stats.csv');
    const download = await page.request.get('/api/sites/demo/campaigns/stats.csv');
    expect(await download.text()).toContain('bf-sitewide,total,');
    expect(await download.text()).toMatch(/bf-sitewide,total,\d+,\d+,\d+,\d+,1,129\.90/);
    expect(await axe(page)).toEqual([]);

    // The editor: the live file, to put back at the end.
    demoFile = (await (await page.request.get('/api/agent/campaigns')).json()).live.source;
    const source = page.getByRole('textbox', { name: 'Campaign file (JSON)' });
    // Uploads: a file over 256 KiB is refused at once; a file within it fills the editor.
    const upload = page.getByLabel('Upload a campaign file');
    await upload.setInputFiles({ name: 'huge.json', mimeType: 'application/json', buffer: Buffer.alloc(256 * 1024 + 1, ' ') });
    await expect(page.getByRole('alert')).toHaveText('That file is larger than 256 KiB; campaign files are limited to 256 KiB.');
    await upload.setInputFiles({ name: 'campaigns.json', mimeType: 'application/json', buffer: Buffer.from(broken) });
    await expect(source).toHaveValue(broken);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const errors = page.getByRole('alert');
    await expect(errors).toContainText('Errors found: 1. Fix them before publishing:');
    await expect(errors).toContainText('9:58: $.campaigns[0].when.all[1].time_on_page.at_least:');
    // Publishing a broken file changes nothing and lists the same errors.
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(errors).toContainText('9:58:');

    await source.fill(fixed);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.getByText('Valid. Campaigns: 1, enabled: 1.')).toBeVisible();

    await page.getByRole('textbox', { name: 'Page URL' }).fill('/collections/winter');
    await page.getByRole('spinbutton', { name: 'Seconds on page' }).fill('12');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect(page.getByText('This visitor sees “winter-help”:')).toBeVisible();
    // The message is shown as text: the markup in it stays visible characters.
    await expect(page.locator('.preview-message')).toHaveText('Need a warmer coat? <b>Ask us</b>');
    await expect(page.locator('.preview-message b')).toHaveCount(0);
    await page.getByRole('spinbutton', { name: 'Seconds on page' }).fill('4');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect(page.getByText('This visitor sees no campaign.')).toBeVisible();
    await expect(page.getByText('winter-help in 6 s')).toBeVisible();

    await page.getByRole('button', { name: 'Publish' }).click();
    const published = page.getByRole('status').filter({ hasText: /^Version \d+ is live\.$/ });
    await expect(published).toBeVisible();
    const version = (await published.textContent())!.match(/\d+/)![0];
    const history = page.getByRole('table', { name: 'Version history' });
    const newest = history.getByRole('row').nth(1);
    await expect(newest.getByRole('rowheader')).toHaveText(version);
    await expect(newest.getByRole('cell').nth(1)).toHaveText(DEMO_AGENT.name);
    // The demo's first version came from the command line.
    await expect(history.getByRole('row').last().getByRole('cell').nth(1)).toHaveText('command line');
    // The new file is what shoppers' widgets read now.
    const feed = await (await page.request.get('/api/sites/demo/campaigns/feed')).json();
    expect(feed.feed).toContain('winter-help');
    expect(await axe(page)).toEqual([]);
  } finally {
    // Put the demo's campaigns back for the specs after this one.
    if (demoFile) {
      const back = await page.request.post('/api/agent/campaigns', { data: { source: demoFile } });
      expect(back.status()).toBe(201);
    }
    await page.close();
  }
});
