import { defineConfig } from '@playwright/test';
import { launchOptions } from './chromium';

// Only for scripts/check-dev-loop.sh, which starts `make watch` itself.
export default defineConfig({
  testDir: './dev-loop',
  forbidOnly: true,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: process.env.DEV_LOOP_URL,
    trace: 'retain-on-failure',
    launchOptions,
  },
});
