// The agent console in the widget's six languages: the browser's language
// picks the login's, the switcher (login screen and top bar) rewords every
// screen at once without losing the session, the open conversation or a
// typed reply, the choice is remembered, axe-core finds nothing in French,
// Thai and Traditional Chinese, and no Thai or Chinese label overflows its
// box on the conversations and Insights screens, wide or narrow.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { AgentConsole, ShopperSocket, DEMO_AGENT } from './agent-console';

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document);
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

/** Buttons (the view tabs are buttons), links styled as buttons, selects,
 *  table headers and queue rows whose text is wider than their box. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const boxes = document.querySelectorAll<HTMLElement>(
      'button, a.button, select, label, th, .waiting-row, .waiting-row .row-head, .view-tab',
    );
    let checked = 0;
    for (const box of boxes) {
      if (box.offsetParent === null || box.closest('.visually-hidden') || box.clientWidth === 0) continue;
      checked += 1;
      if (box.scrollWidth > box.clientWidth) {
        out.push(`${box.tagName.toLowerCase()}.${box.className} "${box.innerText.slice(0, 40)}" ${box.scrollWidth} > ${box.clientWidth}`);
      }
    }
    if (checked < 10) out.push(`only ${checked} boxes on screen to check`);
    return out;
  });
}

/** A shopper on `path` asking for a person (the demo site). */
async function shopperOn(browser: Browser, path: string): Promise<ShopperSocket> {
  const shopper = await ShopperSocket.open(browser, path);
  await shopper.send({
    type: 'start', locale: 'en',
    context: { page_url: `http://127.0.0.1:8181${path}`, page_title: path, pages: ['http://127.0.0.1:8181/'] },
  });
  await shopper.frame('started');
  return shopper;
}

const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 800, height: 800 }];

test('a French browser gets the French console; the switcher rewords every screen at once and keeps what the agent was doing', async ({ browser }) => {
  // The console's Content-Security-Policy rightly refuses injected scripts such as axe.
  const context = await browser.newContext({ locale: 'fr-FR', bypassCSP: true, viewport: VIEWPORTS[0] });
  const page = await context.newPage();
  await page.goto('/console/');

  // The login, in French.
  await expect(page.getByRole('heading', { name: 'Console agent Aisle', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Se connecter' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Mot de passe' })).toBeVisible();
  const loginPicker = page.getByRole('combobox', { name: 'Langue' });
  await expect(loginPicker).toHaveValue('fr');
  await expect(loginPicker.getByRole('option')).toHaveText(['English', 'Français', 'Suomi', '简体中文', '繁體中文', 'ไทย']);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page).toHaveTitle('Console agent Aisle');
  await page.getByRole('textbox', { name: 'E-mail' }).fill(DEMO_AGENT.email);
  await page.getByRole('textbox', { name: 'Mot de passe' }).fill('pas-le-bon');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('alert')).toHaveText('E-mail ou mot de passe incorrect.');
  expect(await axe(page)).toEqual([]);

  // Logged in: the top bar is French.
  await page.getByRole('textbox', { name: 'Mot de passe' }).fill(DEMO_AGENT.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByText(`Connecté en tant que ${DEMO_AGENT.name}`)).toBeVisible();
  await expect(page.getByText('Connecté', { exact: true })).toBeVisible();
  const views = page.getByRole('navigation', { name: 'Vues' });
  // The demo agent is an admin: Team, Macros and Settings follow.
  await expect(views.getByRole('button')).toHaveText(['Conversations', 'Tickets', 'Retours', 'Demandes boutique', 'Statistiques', 'Campagnes', 'Équipe', 'Macros', 'Réglages']);
  await expect(page.getByRole('group', { name: 'Disponibilité' }).getByRole('button', { name: 'En ligne' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: 'Se déconnecter' })).toBeVisible();

  // One shopper in conversation with a reply being typed, one waiting.
  const talking = await shopperOn(browser, '/cart');
  await page.getByRole('button', { name: 'Accepter visiteur sur /cart' }).click();
  await expect(page.getByRole('log', { name: 'Conversation avec visiteur sur /cart' })).toBeVisible();
  const draft = 'Bonjour ! Je regarde votre panier.';
  await page.getByRole('textbox', { name: 'Réponse' }).fill(draft);
  const waiting = await shopperOn(browser, '/products/alpine-parka');
  await expect(page.getByRole('button', { name: 'Accepter visiteur sur /products/alpine-parka' })).toBeVisible();
  expect(await axe(page)).toEqual([]);

  // Thai, from the top bar: every screen rewords, nothing is lost.
  await page.getByRole('combobox', { name: 'Langue' }).selectOption('th');
  const thaiPicker = page.getByRole('combobox', { name: 'ภาษา' });
  await expect(thaiPicker).toHaveValue('th');
  await expect(thaiPicker).toBeFocused();
  await expect(page.locator('html')).toHaveAttribute('lang', 'th');
  await expect(page.getByRole('button', { name: 'ออกจากระบบ' })).toBeVisible();
  await expect(page.getByText(`เข้าสู่ระบบในชื่อ ${DEMO_AGENT.name}`)).toBeVisible();
  await expect(page.getByRole('log', { name: 'การสนทนากับ ผู้เยี่ยมชมที่ /cart' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'ตอบกลับ' })).toHaveValue(draft);
  await expect(page.getByRole('button', { name: 'รับ ผู้เยี่ยมชมที่ /products/alpine-parka' })).toBeVisible();
  await expect(page.getByText('Connecté', { exact: true })).toHaveCount(0);
  await expect(page.getByText('Un client attend.')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('aisle.console.locale'))).toBe('th');
  expect(await axe(page)).toEqual([]);

  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    expect(await overflowing(page), `Thai conversations at ${viewport.width} px`).toEqual([]);
  }
  await page.setViewportSize(VIEWPORTS[0]);
  await page.getByRole('button', { name: 'ข้อมูลเชิงลึก' }).click();
  await expect(page.getByRole('heading', { name: 'ข้อมูลเชิงลึก', level: 2 })).toBeVisible();
  const perDay = page.getByRole('table', { name: 'การสนทนาต่อวัน' });
  await expect(perDay).toBeVisible();
  await expect(page.getByRole('table', { name: 'การสนทนาตามวันในสัปดาห์และชั่วโมง' }).getByRole('rowheader'))
    .toHaveText(['จ.', 'อ.', 'พ.', 'พฤ.', 'ศ.', 'ส.', 'อา.']);
  await page.getByLabel('การเติบโต (×)').fill('2');
  await page.getByRole('button', { name: 'พยากรณ์' }).click();
  await expect(page.getByText(/ชั่วโมงที่ยุ่งที่สุด: เจ้าหน้าที่ \d+ คน/)).toBeVisible();
  expect(await axe(page)).toEqual([]);
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    expect(await overflowing(page), `Thai Insights at ${viewport.width} px`).toEqual([]);
  }

  // Traditional Chinese, on the Insights page: the page rewords in place.
  await page.setViewportSize(VIEWPORTS[0]);
  await thaiPicker.selectOption('zh-Hant');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hant');
  await expect(page.getByRole('heading', { name: '數據分析', level: 2 })).toBeVisible();
  await expect(page.getByRole('table', { name: '每日對話數' })).toBeVisible();
  await expect(page.getByRole('table', { name: '依星期和時段的對話數' }).getByRole('rowheader'))
    .toHaveText(['週一', '週二', '週三', '週四', '週五', '週六', '週日']);
  await expect(page.getByRole('button', { name: '登出' })).toBeVisible();
  // The forecast made in Thai is still on show, for the same growth.
  await expect(page.getByLabel('成長倍數（×）')).toHaveValue('2');
  await expect(page.getByText(/最忙碌的時段：需要 \d+ 位客服人員。/)).toBeVisible();
  await expect(page.getByText(/ × 2，/)).toBeVisible();
  expect(await axe(page)).toEqual([]);
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    expect(await overflowing(page), `Traditional Chinese Insights at ${viewport.width} px`).toEqual([]);
  }
  await page.setViewportSize(VIEWPORTS[0]);
  await page.getByRole('button', { name: '對話' }).click();
  await expect(page.getByRole('log', { name: '與 正在瀏覽 /cart 的訪客 的對話' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: '回覆' })).toHaveValue(draft);
  await expect(page.getByRole('button', { name: '接受 正在瀏覽 /products/alpine-parka 的訪客' })).toBeVisible();
  expect(await axe(page)).toEqual([]);
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    expect(await overflowing(page), `Traditional Chinese conversations at ${viewport.width} px`).toEqual([]);
  }

  // The reply typed in French is sent as typed.
  await page.getByRole('button', { name: '傳送', exact: true }).click();
  const sent = await talking.frame('message', (f) => f.author === 'agent');
  expect(sent.text).toBe(draft);

  // Leave the demo agent as found: nobody waiting, no conversation.
  await waiting.send({ type: 'end' });
  await expect(page.getByRole('button', { name: '接受 正在瀏覽 /products/alpine-parka 的訪客' })).toBeHidden();
  await page.getByRole('button', { name: '結束對話' }).click();
  await page.getByRole('button', { name: '移除' }).click();
  await expect(page.getByText('還沒有對話。請從「等候中」接受一則。')).toBeVisible();

  // The choice is remembered over the browser's language.
  await page.reload();
  await expect(page.getByRole('combobox', { name: '語言' })).toHaveValue('zh-Hant');
  await expect(page.getByRole('button', { name: '登出' })).toBeVisible();
  await expect(page).toHaveTitle(/Aisle 客服主控台$/);
  await page.getByRole('button', { name: '登出' }).click();
  await expect(page.getByRole('button', { name: '登入' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Aisle 客服主控台', level: 1 })).toBeVisible();

  // Back to English from the login screen, without a reload.
  await page.getByRole('combobox', { name: '語言' }).selectOption('en');
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await talking.close();
  await waiting.close();
  await context.close();
});

test('each browser language gets its own login; typed fields and an open ticket reply stay when the language changes', async ({ browser }) => {
  const cases: [string, string, string][] = [
    ['zh-TW', '登入', 'zh-Hant'],
    ['zh-HK', '登入', 'zh-Hant'],
    ['zh-CN', '登录', 'zh-Hans'],
    ['th-TH', 'เข้าสู่ระบบ', 'th'],
    ['fi-FI', 'Kirjaudu sisään', 'fi'],
    ['de-DE', 'Log in', 'en'],
  ];
  for (const [locale, logIn, tag] of cases) {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto('/console/');
    await expect(page.getByRole('button', { name: logIn, exact: true }), locale).toBeVisible();
    await expect(page.locator('html'), locale).toHaveAttribute('lang', tag);
    await context.close();
  }

  const context = await browser.newContext({ locale: 'fi-FI' });
  const page = await context.newPage();
  const agent = new AgentConsole(page);
  await agent.visit();
  await page.getByRole('textbox', { name: 'Sähköposti' }).fill(DEMO_AGENT.email);
  await page.getByRole('combobox', { name: 'Kieli' }).selectOption('zh-Hans');
  await expect(page.getByRole('textbox', { name: '邮箱' })).toHaveValue(DEMO_AGENT.email);
  await expect(page.getByRole('combobox', { name: '语言' })).toBeFocused();
  await page.getByRole('textbox', { name: '密码' }).fill(DEMO_AGENT.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByText(`已登录：${DEMO_AGENT.name}`)).toBeVisible();
  await expect(page.getByRole('navigation', { name: '视图' }).getByRole('button', { name: '数据分析' })).toBeVisible();

  // A ticket's email reply, half typed, stays open and typed in Thai.
  const text = `请回电 (${Date.now()})`;
  const left = await page.evaluate(async (message) => {
    const r = await fetch('/api/sites/demo/assist', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locale: 'zh-Hans', action: 'message', values: [['email', 'mei@example.com'], ['message', message]] }),
    });
    return r.status;
  }, text);
  expect(left).toBe(200);
  await page.getByRole('button', { name: '工单', exact: true }).click();
  const row = page.getByRole('table', { name: '工单' }).getByRole('row').filter({ hasText: text });
  await row.getByRole('button', { name: /^回复 T-/ }).click();
  const reply = 'กำลังตรวจสอบให้ค่ะ';
  await page.getByRole('textbox', { name: '通过邮件回复 mei@example.com' }).fill(reply);
  await page.getByRole('combobox', { name: '语言' }).selectOption('th');
  await expect(page.getByRole('heading', { name: 'เรื่องที่แจ้ง', level: 2 })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'ตอบกลับทางอีเมลถึง mei@example.com' })).toHaveValue(reply);
  await page.getByRole('button', { name: 'ออกจากระบบ' }).click();
  await expect(page.getByRole('button', { name: 'เข้าสู่ระบบ', exact: true })).toBeVisible();
  await context.close();
});
