// Playwright end-to-end tests (tests/e2e): a shopper on the demo store, in
// Debian's Chromium (Playwright's own browser download cannot work here).
// Run through `cargo xtask test`, which builds the widget and the server first.
import { defineConfig } from '@playwright/test';

const port = 8181;
const standin = 8182;
const woo = 8183;
const smtp = 8184;
const db = 'sqlite://target/e2e/aisle.db';

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'off',
  },
  webServer: [
    {
      // The Shopify stand-in the "north" site's orders come from
      // (tests/e2e/shopify.spec.ts; built by `cargo xtask test`).
      command: `target/debug/examples/shopify_standin --listen 127.0.0.1:${standin}`,
      url: `http://127.0.0.1:${standin}/log`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The WooCommerce stand-in the "harbor" site's orders come from
      // (tests/e2e/woocommerce.spec.ts; built by `cargo xtask test`).
      command: `target/debug/examples/woocommerce_standin --listen 127.0.0.1:${woo}`,
      url: `http://127.0.0.1:${woo}/log`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The mail server of the site "lantern" (tests/e2e/ticket-email.spec.ts):
      // aiosmtpd from the venv `cargo xtask setup` makes; every message it
      // receives is written to target/e2e/mail.
      command: `target/smtp-venv/bin/python crates/server/tests/support/smtp_sink.py ` +
        `--dir target/e2e/mail --port ${smtp} --until-killed`,
      port: smtp,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The demo store plus the Shopify-backed site "north" and the
      // WooCommerce-backed site "harbor". Every browser of
      // the suite is 127.0.0.1: lift the per-address chat limits and the
      // limit on tickets (tests/e2e/records.spec.ts leaves 55).
      command: `sh -c 'target/debug/aisle site import tests/e2e/north-site.json --db ${db} && ` +
        `target/debug/aisle site import tests/e2e/harbor-site.json --db ${db} && ` +
        `target/debug/aisle site import tests/e2e/lantern-site.json --db ${db} && ` +
        `(target/debug/aisle agents add agent@lantern.test --site lantern --name Sam --db ${db} || true) && ` +
        `exec target/debug/aisle serve --demo --listen 127.0.0.1:${port} --db ${db} --assets dist ` +
        `--max-sockets-per-address 10000 --max-open-per-address 10000 --tickets-per-hour 1000'`,
      url: `http://127.0.0.1:${port}/healthz`,
      env: {
        AISLE_E2E_SHOPIFY_TOKEN: 'shpat_test_token',
        AISLE_E2E_WC_KEY: 'ck_test_key',
        AISLE_E2E_WC_SECRET: 'cs_test_secret',
        AISLE_AGENT_PASSWORD: 'lantern-agent',
      },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
