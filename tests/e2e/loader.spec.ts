// The loader (`aisle.js`) on its own, before any wasm: the launcher it draws
// speaks the shopper's language, with the words `cargo xtask build` wrote into
// it from the widget's locale tables (issue #13). Once the widget loads, the
// loader fetches that language's table beside the wasm, and the widget, in
// that language, finds it there.
import { test, expect } from '@playwright/test';

for (const [locale, name, table] of [
  ['fr-FR', 'Discuter avec nous', 'fr'],
  ['fi-FI', 'Keskustele kanssamme', 'fi'],
  ['zh-CN', '在线咨询', 'zh-Hans'],
  ['zh-TW', '線上諮詢', 'zh-Hant'],
  ['th-TH', 'แชทกับเรา', 'th'],
  ['de-DE', 'Chat with us', 'en'],
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
    // The shopper points at the launcher: the widget loads, its language
    // table is fetched beside the wasm (the file exists under the name the
    // loader builds), and the widget's own launcher keeps the same words.
    const fetched = page.waitForResponse((r) => r.url().endsWith(`.${table}.json`));
    await page.getByRole('button', { name, exact: true }).hover();
    expect((await fetched).status()).toBe(200);
    await expect(page.locator('aisle-chat button.launcher')).toHaveText(name);
    // Asked for by the loader beside the wasm, before even the widget's glue
    // (the widget itself would ask only once it has booted).
    const at = (pattern: RegExp) => wasm.findIndex((u) => pattern.test(u));
    expect(at(/\.json$/)).toBeGreaterThanOrEqual(0);
    expect(at(/\.json$/)).toBeLessThan(at(/aisle-widget\.[0-9a-f]+\.js$/));
    await context.close();
  });
}
