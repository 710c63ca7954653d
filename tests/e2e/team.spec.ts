// The team (issue #15): the demo admin opens Team, invites an agent and gets
// the invitation link once; the agent opens it in their own browser, sets a
// password (a short one is refused clearly), logs in and sees no Team tab;
// the admin disables them and the agent's console is logged out at once.
import { test, expect, type Page } from '@playwright/test';
import { AgentConsole, ShopperSocket } from './agent-console';

// axe-core is injected as a script: the console's CSP would refuse it.
test.use({ bypassCSP: true });

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document);
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

test('an admin invites an agent who sets a password, and disabling them logs them out', async ({ page, browser }) => {
  const admin = new AgentConsole(page);
  await admin.ready();
  await page.getByRole('button', { name: 'Team', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Team', exact: true })).toBeVisible();
  const team = page.getByRole('table');
  await expect(team.getByRole('row', { name: /Robin/ })).toContainText('Admin');

  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Casey <b>Q</b>');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill('casey@demo.test');
  await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption('agent');
  // The invitation email's language: the admin's own until they choose.
  const language = page.getByRole('combobox', { name: 'Their language', exact: true });
  await expect(language).toHaveValue('en');
  await language.selectOption({ label: 'Suomi' });
  const sent = page.waitForRequest((r) => r.url().endsWith('/api/agent/team/invites'));
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  expect((await sent).postDataJSON()).toMatchObject({ email: 'casey@demo.test', language: 'fi' });
  const link = page.getByRole('textbox', { name: 'Link for Casey <b>Q</b>' });
  await expect(link).toHaveValue(/\/console\/#\/invite\/[0-9a-f]{64}$/);
  await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible();
  const row = team.getByRole('row', { name: /casey@demo\.test/ });
  await expect(row).toContainText('Invited');
  await expect(row.getByRole('rowheader')).toHaveText('Casey <b>Q</b>');
  const url = await link.inputValue();
  expect(await axe(page), 'the Team screen').toEqual([]);

  // The invited agent, in a browser of their own.
  const context = await browser.newContext({ bypassCSP: true });
  try {
    const casey = await context.newPage();
    await casey.goto(url);
    await expect(casey.getByRole('heading', { name: 'Set your password' })).toBeVisible();
    expect(await axe(casey), 'the password form').toEqual([]);
    const first = casey.getByLabel('New password');
    await expect(first).toBeFocused();
    await first.fill('short');
    await casey.getByLabel('Repeat the password').fill('short');
    await casey.getByRole('button', { name: 'Set password' }).click();
    await expect(casey.getByRole('alert')).toHaveText('The password needs at least 8 characters.');
    await first.fill('casey-password');
    await casey.getByLabel('Repeat the password').fill('casey-password');
    await casey.getByRole('button', { name: 'Set password' }).click();
    await expect(casey.getByRole('alert')).toHaveText('Your password is set. Log in with it.');
    expect(new URL(casey.url()).hash, 'the token leaves the address bar').toBe('#/');

    const caseyConsole = new AgentConsole(casey);
    await caseyConsole.logIn('casey@demo.test', 'casey-password');
    await expect(casey.getByText('Signed in as Casey <b>Q</b>')).toBeVisible();
    await expect(casey.getByText('Connected', { exact: true })).toBeVisible();
    await expect(casey.getByRole('button', { name: 'Tickets' })).toBeVisible();
    await expect(casey.getByRole('button', { name: 'Team' })).toHaveCount(0);

    // The admin sees them active, then disables them: their console logs out.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(row).toContainText('Active');
    await page.getByRole('button', { name: 'Disable Casey <b>Q</b>' }).click();
    await expect(row).toContainText('Disabled');
    await expect(caseyConsole.logInButton).toBeVisible();
    await expect(casey.getByRole('alert')).toHaveText('This account is disabled. Ask an admin of your team.');
    // And cannot come back.
    await caseyConsole.logIn('casey@demo.test', 'casey-password');
    await expect(casey.getByRole('alert')).toHaveText('This account is disabled. Ask an admin of your team.');
  } finally {
    await context.close();
  }
  // The admin logs out, so no agent stays online for later specs.
  await admin.logOutButton.click();
  await expect(admin.logInButton).toBeVisible();
});

test('an admin writes a macro with a live preview, keeps the tag list, and hours are checked', async ({ page, browser }) => {
  const admin = new AgentConsole(page);
  await admin.ready();
  try {
    await page.getByRole('button', { name: 'Macros', exact: true }).click();
    await page.getByRole('textbox', { name: 'Title' }).fill('Size help');
    const text = page.getByRole('textbox', { name: 'Text' });
    await text.fill('Hi {{customer.name}}, <img src=x onerror=alert(1)>');
    await expect(page.getByText('Unknown variables: {{customer.name}}')).toBeVisible();
    await expect(text).toHaveAttribute('aria-invalid', 'true');
    await text.fill('Hi {{customer.first_name}}, <b>order</b> {{order.number}} fits true to size.');
    const preview = page.getByRole('region', { name: 'Preview with a sample conversation' });
    await expect(preview).toHaveText('Hi Ada, <b>order</b> #1001 fits true to size.');
    await expect(text).not.toHaveAttribute('aria-invalid', 'true');
    expect(await axe(page), 'the macros editor').toEqual([]);
    await page.getByRole('button', { name: 'Save macro' }).click();
    const row = page.getByRole('row', { name: /Size help/ });
    await expect(row).toBeVisible();
    await page.getByRole('button', { name: 'Delete “Size help”' }).click();
    await expect(row).toHaveCount(0);

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('textbox', { name: 'New tag' }).fill('Delivery');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect(page.getByRole('textbox', { name: 'Name of tag Delivery' })).toHaveValue('Delivery');

    // Agents pick it from the list when they close a chat.
    await page.getByRole('button', { name: 'Conversations', exact: true }).click();
    const shopper = await ShopperSocket.open(browser);
    try {
      await shopper.send({ type: 'start', locale: 'en', context: { page_url: 'http://127.0.0.1:8181/collections/winter' } });
      await shopper.frame('started');
      await admin.acceptButton('visitor on /collections/winter').click();
      const pick = page.getByRole('group', { name: "The site's tags" }).getByRole('button', { name: 'Delivery' });
      await expect(pick).toHaveAttribute('aria-pressed', 'false');
      await pick.click();
      await expect(pick).toHaveAttribute('aria-pressed', 'true');
      await expect(page.getByRole('textbox', { name: 'Tags' })).toHaveValue('Delivery');
      await page.getByRole('button', { name: 'Close conversation' }).click();
      await shopper.frame('closed');
      await page.getByRole('button', { name: 'Dismiss' }).click();
    } finally {
      await shopper.close();
    }
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('button', { name: 'Delete tag Delivery' }).click();
    await expect(page.getByText('No tags yet.')).toBeVisible();
    expect(await axe(page), 'the settings').toEqual([]);

    // A wrong time zone is refused with the site file's message; nothing is saved.
    const zone = page.getByRole('textbox', { name: 'Time zone' });
    const before = await zone.inputValue();
    await zone.fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save hours' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'unknown time zone' })).toContainText('Mars/Olympus');
    await page.reload();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expect(page.getByRole('textbox', { name: 'Time zone' })).toHaveValue(before);
  } finally {
    await admin.logOutButton.click();
    await expect(admin.logInButton).toBeVisible();
  }
});
