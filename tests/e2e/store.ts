// Page object for the demo store with the Aisle widget, driven by accessible
// role and name as a shopper (or a screen reader) would.
import { expect, type Page, type Locator } from '@playwright/test';

export class Store {
  constructor(readonly page: Page) {}

  async visit(path = '/') {
    await this.page.goto(path);
  }

  get launcher(): Locator {
    return this.page.getByRole('button', { name: 'Chat with us' });
  }

  get panel(): Locator {
    return this.page.getByRole('dialog', { name: 'How can we help?' });
  }

  get log(): Locator {
    return this.panel.getByRole('log', { name: 'Conversation' });
  }

  async open() {
    await this.launcher.click();
    await expect(this.panel).toBeVisible();
  }

  async trackOrder(order: string, email: string) {
    await this.identify('Track order', order, email);
  }

  /** Chooses a menu entry and proves an order with its number and email. */
  async identify(menuEntry: string, order: string, email: string) {
    await this.panel.getByRole('button', { name: menuEntry }).click();
    await this.panel.getByRole('textbox', { name: 'Order number' }).fill(order);
    await this.panel.getByRole('textbox', { name: 'Email' }).fill(email);
    await this.panel.getByRole('button', { name: 'Find my order' }).click();
  }
}
