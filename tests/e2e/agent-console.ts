// Page objects for the agent console (/console/) and for a shopper who talks
// to it over the chat WebSocket, driven by accessible role and name as an
// agent (or a screen reader) would.
import { expect, type Browser, type Page, type Locator } from '@playwright/test';

export const DEMO_AGENT = { email: 'agent@demo.test', password: 'demo-agent', name: 'Robin' };

export class AgentConsole {
  constructor(readonly page: Page) {}

  async visit() {
    await this.page.goto('/console/');
  }

  get email(): Locator { return this.page.getByRole('textbox', { name: 'Email' }); }
  get password(): Locator { return this.page.getByRole('textbox', { name: 'Password' }); }
  get logInButton(): Locator { return this.page.getByRole('button', { name: 'Log in' }); }
  get logOutButton(): Locator { return this.page.getByRole('button', { name: 'Log out' }); }
  get waiting(): Locator { return this.page.getByRole('list', { name: 'Waiting' }); }
  get log(): Locator { return this.page.getByRole('log'); }
  get reply(): Locator { return this.page.getByRole('textbox', { name: 'Reply' }); }
  get status(): Locator { return this.page.getByRole('status').first(); }

  async logIn(email = DEMO_AGENT.email, password = DEMO_AGENT.password) {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.logInButton.click();
  }

  /** Logs in as the demo agent and waits until the console is live. */
  async ready() {
    await this.visit();
    await this.logIn();
    await expect(this.page.getByText(`Signed in as ${DEMO_AGENT.name}`)).toBeVisible();
    await expect(this.page.getByText('Connected', { exact: true })).toBeVisible();
  }

  /** The waiting row for a shopper, by what identifies them (email or page). */
  row(who: string): Locator {
    return this.waiting.getByRole('listitem').filter({ has: this.page.getByRole('button', { name: `Accept ${who}` }) });
  }

  acceptButton(who: string): Locator {
    return this.waiting.getByRole('button', { name: `Accept ${who}` });
  }
}

/** A shopper's chat socket, opened from a demo store page in its own browser context. */
export class ShopperSocket {
  private constructor(readonly page: Page) {}

  static async open(browser: Browser, path = '/products/alpine-parka'): Promise<ShopperSocket> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(path);
    await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/ws/v1?site=demo`);
      const chat = { ws, frames: [] as any[] };
      (window as any).chat = chat;
      ws.onmessage = (e) => chat.frames.push(JSON.parse(e.data));
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      ws.send(JSON.stringify({ type: 'hello' }));
    });
    const shopper = new ShopperSocket(page);
    await shopper.frame('welcome');
    return shopper;
  }

  /** Self-service: proves an order (number + email), as the widget's Track order does; returns the session. */
  async proveOrder(order: string, email: string): Promise<string> {
    return this.page.evaluate(async ({ order, email }) => {
      const assist = async (body: object) => {
        const r = await fetch('/api/sites/demo/assist', {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
        });
        return r.json();
      };
      const first = await assist({ locale: 'en', action: 'track' });
      const second = await assist({
        session: first.session, locale: 'en', action: 'identify:track',
        values: [['order', order], ['email', email]],
      });
      return second.session as string;
    }, { order, email });
  }

  send(frame: object) {
    return this.page.evaluate((f) => (window as any).chat.ws.send(JSON.stringify(f)), frame);
  }

  /** Waits for the first frame of `type` (matching `where`) and returns it. */
  async frame(type: string, where: (f: any) => boolean = () => true): Promise<any> {
    let found: any;
    await expect.poll(async () => {
      const frames: any[] = await this.page.evaluate(() => (window as any).chat.frames);
      found = frames.find((f) => f.type === type && where(f));
      return found !== undefined;
    }, { message: `a "${type}" frame` }).toBe(true);
    return found;
  }

  async close() {
    await this.page.context().close();
  }
}
