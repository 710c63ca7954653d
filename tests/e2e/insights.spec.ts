// The console's Insights page on the demo's six weeks of history: the key
// figures, every chart with its data table, the CSV export, the staffing
// forecast for a Black Friday week (×3), keyboard use and an axe-core audit.
import { test, expect, type Page } from '@playwright/test';
import { AgentConsole } from './agent-console';

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document);
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

test('insights: figures with data tables, CSV export, and the staffing forecast for growth', async ({ browser }) => {
  // The console's Content-Security-Policy rightly refuses injected scripts such as axe.
  const page = await browser.newPage({ bypassCSP: true });
  // Closed at the end, so no agent stays online for the tests after this one.
  try {
    await insights(page);
  } finally {
    await page.close();
  }
});

async function insights(page: Page) {
  const agent = new AgentConsole(page);
  await agent.ready();
  await page.getByRole('button', { name: 'Insights' }).click();
  await expect(page.getByRole('heading', { name: 'Insights', level: 2 })).toBeVisible();

  // The demo's history fills the last four weeks.
  const perDay = page.getByRole('table', { name: 'Conversations per day' });
  await expect(perDay).toBeVisible();
  expect(await perDay.getByRole('row').count()).toBeGreaterThan(20);
  await expect(page.getByRole('img', { name: 'Conversations per day' })).toBeVisible();
  const heat = page.getByRole('table', { name: 'Conversations by weekday and hour' });
  await expect(heat.getByRole('rowheader')).toHaveText(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
  await expect(page.getByRole('img', { name: 'Conversations by weekday and hour' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Ratings' })).toBeVisible();
  await expect(page.getByText(/median \d+ min, 90% within \d+ min/).first()).toBeVisible();
  await expect(page.getByRole('table').filter({ hasText: 'Robin' })).toBeVisible();

  // A shorter range, from the keyboard.
  const from = page.getByLabel('From', { exact: true });
  const to = page.getByLabel('To', { exact: true });
  const last = await to.inputValue();
  const weekBefore = new Date(Date.parse(last) - 6 * 86400000).toISOString().slice(0, 10);
  await from.fill(weekBefore);
  await from.press('Enter');
  await expect(perDay.getByRole('row')).toHaveCount(8); // header + 7 days

  // The export is the same days as CSV.
  const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const csv = await page.request.get(href!);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const lines = (await csv.text()).trim().split('\n');
  expect(lines[0]).toBe('day,conversations,first_response_median_seconds,resolution_median_seconds,csat_average');
  expect(lines).toHaveLength(8);
  expect(lines[1].startsWith(weekBefore)).toBe(true);

  // Black Friday: three times the traffic needs more agents.
  await page.getByLabel('Growth (×)').fill('1');
  await page.getByRole('button', { name: 'Forecast' }).click();
  const usual = Number((await page.getByText(/Busiest hour: \d+ agents/).textContent())!.match(/\d+/)![0]);
  await page.getByLabel('Growth (×)').fill('3');
  await page.getByRole('button', { name: 'Forecast' }).click();
  await expect(page.getByText(/× 3,/)).toBeVisible();
  const peak = Number((await page.getByText(/Busiest hour: \d+ agents/).textContent())!.match(/\d+/)![0]);
  expect(peak).toBeGreaterThan(usual);
  await expect(page.getByRole('table', { name: 'Agents needed by weekday and hour' })).toBeVisible();
  await expect(page.getByText(/Erlang C/).first()).toBeVisible();

  expect(await axe(page)).toEqual([]);
}
