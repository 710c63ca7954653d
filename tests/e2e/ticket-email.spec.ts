// Email on the site "lantern" (tests/e2e/lantern-site.json), whose mail goes
// to a real SMTP server (aiosmtpd, crates/server/tests/support/smtp_sink.py)
// that writes each message to target/e2e/mail: a shopper's ticket gets its
// "ticket received" email, and the agent answers it by email from the
// console's Tickets view, threaded under that email.
import { test, expect, type Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

const MAIL = 'target/e2e/mail';
const AGENT = { email: 'agent@lantern.test', password: 'lantern-agent' };

/** The messages the mail server received that mention `reference`, oldest first. */
function mailsAbout(reference: string): { raw: string; summary: any }[] {
  if (!fs.existsSync(MAIL)) return [];
  return fs.readdirSync(MAIL)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      raw: fs.readFileSync(path.join(MAIL, f.replace(/\.json$/, '.eml')), 'utf8'),
      summary: JSON.parse(fs.readFileSync(path.join(MAIL, f), 'utf8')),
    }))
    .filter((m) => m.raw.includes(reference));
}

function header(summary: any, name: string): string | undefined {
  const found = summary.headers.find((h: [string, string]) => h[0].toLowerCase() === name.toLowerCase());
  return found?.[1];
}

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document);
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  });
}

test('a ticket is acknowledged by email, and the agent answers it by email from the console', async ({ browser }) => {
  // The console's Content-Security-Policy rightly refuses injected scripts such as axe.
  const page = await browser.newPage({ bypassCSP: true });
  const left = await page.request.post('/api/sites/lantern/assist', {
    data: {
      locale: 'fr-FR', action: 'message',
      values: [['email', 'zoe@example.com'], ['message', '<b>Où</b> est ma commande ?']],
    },
  });
  expect(left.ok()).toBe(true);
  const said = (await left.json()).said.map((s: any) => s.text).join(' ');
  const reference = said.match(/T-[A-Z0-9]{6}/)![0];

  await expect.poll(() => mailsAbout(reference).length, { timeout: 10_000 }).toBe(1);
  const received = mailsAbout(reference)[0].summary;
  expect(received.content_type).toBe('multipart/alternative');
  expect(received.subject).toBe(`Lantern Supply : nous avons reçu votre demande ${reference}`);

  await page.goto('/console/');
  await page.getByRole('textbox', { name: 'Email' }).fill(AGENT.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(AGENT.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Tickets' }).click();
  const row = page.getByRole('table', { name: 'Tickets' }).getByRole('row').filter({ hasText: reference });
  await expect(row).toContainText('<b>Où</b> est ma commande ?');
  await expect(row.getByRole('cell', { name: 'Sent', exact: true })).toBeVisible();

  const open = page.getByRole('button', { name: `Reply to ${reference}` });
  await open.click();
  await expect(open).toHaveAttribute('aria-expanded', 'true');
  const thread = page.getByRole('region', { name: `Email thread of ${reference}` });
  await expect(thread).toContainText('No replies yet.');
  expect(await axe(page)).toEqual([]);

  await thread.getByRole('textbox', { name: 'Reply by email to zoe@example.com' })
    .fill('Elle part aujourd’hui.\n<i>Bonne journée</i>');
  await thread.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByText(`Your reply to ${reference} is on its way.`)).toBeVisible();
  await expect(thread).toContainText('Elle part aujourd’hui.');
  await expect(thread.getByRole('combobox', { name: 'State' })).toHaveValue('pending');
  await expect(thread).toContainText('Assigned to Sam');

  await expect.poll(() => mailsAbout(reference).length, { timeout: 10_000 }).toBe(2);
  const answer = mailsAbout(reference)[1].summary;
  expect(answer.rcpt_tos).toEqual(['zoe@example.com']);
  expect(answer.subject).toBe(`Re: Lantern Supply : nous avons reçu votre demande ${reference}`);
  expect(header(answer, 'In-Reply-To')).toBe(header(received, 'Message-ID'));
  const html = answer.parts.find((p: any) => p.content_type === 'text/html').body;
  expect(html).toContain('&lt;i&gt;Bonne journée&lt;/i&gt;');

  await thread.getByRole('combobox', { name: 'State' }).selectOption('solved');
  await expect.poll(async () => {
    const r = await page.evaluate((ref) => fetch(`/api/agent/tickets/${ref}/messages`).then((x) => x.json()), reference);
    return r.status;
  }).toBe('solved');
  expect(await axe(page)).toEqual([]);
  await thread.screenshot({ path: 'target/e2e/ticket-thread.png' });
  await page.close();
});

// An agent who switched the console to French and asks for a password link
// gets the email in French: the console sends its language with the request.
test('a password link asked for from the console in French comes by email in French', async ({ page }) => {
  const resets = () => mailsAbout('')
    .map((m) => m.summary)
    .filter((m) => m.rcpt_tos.includes(AGENT.email)
      && m.parts.some((p: any) => String(p.body).includes('/console/#/reset/')));
  const before = resets().length;
  await page.goto('/console/');
  await page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  await page.getByRole('button', { name: 'Mot de passe oublié ?' }).click();
  await page.getByRole('textbox', { name: 'E-mail' }).fill(AGENT.email);
  await page.getByRole('button', { name: 'Envoyer le lien' }).click();
  await expect(page.getByRole('status')).toContainText('un lien pour choisir un nouveau mot de passe est en route');
  await expect.poll(() => resets().length, { timeout: 10_000 }).toBe(before + 1);
  const mail = resets()[before];
  expect(header(mail, 'Content-Language')).toBe('fr');
  expect(mail.subject).toBe('Nouveau mot de passe pour Lantern Supply');
  const body = String(mail.parts[0].body);
  expect(body).toContain('Quelqu’un a demandé un nouveau mot de passe pour votre compte Aisle chez Lantern Supply.');
  expect(body).toMatch(/\/console\/#\/reset\/[0-9a-f]{64}/);
});
