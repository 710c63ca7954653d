// Playwright end-to-end tests (tests/e2e): a shopper on the demo store, in
// Debian's Chromium (Playwright's own browser download cannot work here).
// Run through `cargo xtask test`, which builds the widget and the server first.
import { defineConfig } from '@playwright/test';

const port = 8181;

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
  webServer: {
    // Every browser of the suite is 127.0.0.1: lift the per-address chat
    // limits and the limit on tickets (tests/e2e/records.spec.ts leaves 55).
    command: `target/debug/aisle serve --demo --listen 127.0.0.1:${port} --db sqlite://target/e2e/aisle.db --assets dist --max-sockets-per-address 10000 --max-open-per-address 10000 --tickets-per-hour 1000`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
