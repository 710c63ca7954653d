// Tickets in the agent console come a page at a time: "Show older" adds the
// next page until there is none, each ticket once.
import { test, expect } from '@playwright/test';
import { AgentConsole } from './agent-console';

test('tickets page: "Show older" adds older tickets until all are shown, each once', async ({ page }) => {
  const agent = new AgentConsole(page);
  await agent.ready();
  // More messages left for the team than one page (50) holds.
  const run = Date.now();
  const statuses = await page.evaluate(async (run) => {
    const leave = (i: number) => fetch('/api/sites/demo/assist', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locale: 'en', action: 'message', values: [['email', 'grace@example.com'], ['message', `Paging ${run} #${i}`]] }),
    }).then((r) => r.status);
    const out = [];
    for (let i = 1; i <= 55; i++) out.push(await leave(i));
    return out;
  }, run);
  expect(statuses.every((s) => s === 200)).toBe(true);
  const total = await page.evaluate(async () => {
    const r = await fetch('/api/agent/tickets?limit=200');
    return (await r.json()).tickets.length;
  });
  expect(total).toBeGreaterThan(50);

  await page.getByRole('button', { name: 'Tickets' }).click();
  const table = page.getByRole('table', { name: 'Tickets' });
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(50);
  // The newest first: the last one left is on the first page.
  await expect(rows.first()).toContainText(`Paging ${run} #55`);
  const older = page.getByRole('button', { name: 'Show older' });
  while (await rows.count() < total) {
    const before = await rows.count();
    await older.click();
    await expect(rows).not.toHaveCount(before);
  }
  await expect(rows).toHaveCount(total);
  await expect(older).toHaveCount(0);
  const references = await table.locator('tbody tr th').allTextContents();
  expect(new Set(references).size).toBe(total);
  await expect(table.getByRole('row').filter({ hasText: new RegExp(`Paging ${run} #1(?!\\d)`) })).toHaveCount(1);
});
