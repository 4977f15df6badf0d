import { defineConfig } from '@playwright/test';
import { launchOptions } from './chromium';
import { instances, release } from './instances';

// scripts/test.sh picks free ports; workers inherit them through the environment.
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
    launchOptions,
  },
  projects: [
    { name: 'js-on', testMatch: /js-on\.spec\.ts/ },
    { name: 'js-off', testMatch: /js-off\.spec\.ts/, use: { javaScriptEnabled: false } },
    { name: 'two-instances', testMatch: /two-instances\.spec\.ts/ },
  ],
  webServer: [
    // The release build, as users deploy it, on a fresh SQLite file.
    release(port, { DATA_DIR: '../target/e2e-data' }, 'rm -rf ../target/e2e-data && '),
    // Two instances on one Redis and two on one PostgreSQL (started by test.sh).
    ...instances().map((i) => release(i.port, { SESSION_STORE: i.store })),
  ],
});
