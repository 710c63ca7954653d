// Helpers for specs that change what marketers publish or what a store
// signs: the demo's campaign file with extra campaigns for the length of a
// test, and a customer signed with the demo site's secret, as a store's
// server would sign one (`data-customer` / `Aisle('identify')`).
import { expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';

/**
 * Publishes the demo's live campaign file with `extra` campaigns appended
 * (through `page`, an agent's logged-in console), runs `run` with the source
 * published, and puts the demo's file back whatever happens, for the specs
 * after this one.
 */
export async function withCampaigns(page: Page, extra: object[], run: (source: string) => Promise<void>) {
  const demo: string = (await (await page.request.get('/api/agent/campaigns')).json()).live.source;
  const file = JSON.parse(demo);
  file.campaigns.push(...extra);
  const source = JSON.stringify(file, null, 2);
  try {
    const published = await page.request.post('/api/agent/campaigns', { data: { source } });
    expect(published.status()).toBe(201);
    await run(source);
  } finally {
    const back = await page.request.post('/api/agent/campaigns', { data: { source: demo } });
    expect(back.status()).toBe(201);
  }
}

/**
 * A customer of the demo site signed with its secret (`aisle site secret`):
 * the identity signature over the email, and the profile signature over
 * `profileTags` and the first name (sign other tags than `tags` to make a
 * claim the store did not sign).
 */
export function signedCustomer(email: string, tags: string, firstName: string, profileTags = tags) {
  const secret = execFileSync('target/debug/aisle', ['site', 'secret', 'demo',
    '--db', 'sqlite://target/e2e/aisle.db']).toString().trim();
  const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return {
    email, exp, signature: hmac(`aisle-identity-v1\ndemo\n${email}\n${exp}`),
    tags, first_name: firstName,
    profile_signature: hmac(`aisle-profile-v1\ndemo\n${email}\n${exp}\n${profileTags}\n${firstName}`),
  };
}
