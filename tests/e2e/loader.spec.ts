// The loader (`aisle.js`) on its own, before any wasm: the launcher it draws
// speaks the shopper's language, with the words `cargo xtask build` wrote into
// it from the widget's locale tables (issue #13).
import { test, expect } from '@playwright/test';

for (const [locale, name] of [
  ['fr-FR', 'Discuter avec nous'],
  ['fi-FI', 'Keskustele kanssamme'],
  ['zh-CN', '在线咨询'],
  ['zh-TW', '線上諮詢'],
  ['th-TH', 'แชทกับเรา'],
  ['de-DE', 'Chat with us'],
] as const) {
  test(`a browser in ${locale} sees the launcher as "${name}" before any wasm is fetched`, async ({ browser }) => {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    const wasm: string[] = [];
    page.on('request', (r) => { if (/aisle-widget\.|locale\./.test(r.url())) wasm.push(r.url()); });
    // Hold back idle time and touch nothing: only the loader runs.
    await page.addInitScript(() => { (window as any).requestIdleCallback = () => 0; });
    await page.goto('/products/alpine-parka');
    await expect(page.getByRole('button', { name, exact: true })).toBeVisible();
    await page.waitForLoadState('load');
    expect(wasm, 'nothing but the loader before interaction or idle').toEqual([]);
    await context.close();
  });
}
