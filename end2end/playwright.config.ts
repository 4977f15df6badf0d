import { defineConfig } from '@playwright/test';

// scripts/test.sh picks a free port; workers inherit it through the environment.
const port = process.env.E2E_PORT ?? '3100';
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list']],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      // Playwright cannot download its own browsers here: Debian's Chromium.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Without these, Chromium keeps dialling outside hosts this network refuses.
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'js-on', testMatch: /js-on\.spec\.ts/ },
    { name: 'js-off', testMatch: /js-off\.spec\.ts/, use: { javaScriptEnabled: false } },
  ],
  webServer: {
    // The release build, as users deploy it, on a fresh SQLite file.
    command: 'rm -rf ../target/e2e-data && exec ../target/release/leptos-sessions',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      LEPTOS_ENV: 'PROD',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: '../target/site',
      DATA_DIR: '../target/e2e-data',
      SESSION_SECRET: 'end-to-end-tests-only-end-to-end-tests-only-end-to-end-tests-only-0123',
      // Plain http on loopback: a Secure cookie would not be sent back.
      SESSION_COOKIE_SECURE: 'false',
    },
  },
});
