import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

// The copy of the tree `make watch` runs in (scripts/check-dev-loop.sh).
const dir = process.env.DEV_LOOP_DIR ?? '';

type Marked = { devLoopMarker?: string };

test('a stylesheet edit is swapped in place and a component edit reloads the page', async ({ page }) => {
  expect(dir, 'run through scripts/check-dev-loop.sh').not.toBe('');
  // A Rust edit rebuilds the server and the WASM bundle in debug mode.
  test.setTimeout(10 * 60_000);
  await page.goto('/');
  await expect(page.locator('[data-hydrated="true"]')).toBeVisible();
  // Survives only as long as no reload replaces the document.
  await page.evaluate(() => ((window as Marked).devLoopMarker = 'kept'));

  appendFileSync(join(dir, 'style/main.css'), '\nbody { background-color: rgb(1, 2, 3); }\n');
  await expect
    .poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor), {
      timeout: 60_000,
    })
    .toBe('rgb(1, 2, 3)');
  expect(await page.evaluate(() => (window as Marked).devLoopMarker), 'CSS swapped without a reload').toBe('kept');

  const app = join(dir, 'src/app.rs');
  const source = readFileSync(app, 'utf8');
  const edited = source.replace('<title>"Leptos sessions"</title>', '<title>"Leptos sessions, edited"</title>');
  expect(edited, 'src/app.rs still sets the title this test edits').not.toBe(source);
  writeFileSync(app, edited);
  await expect(page).toHaveTitle('Leptos sessions, edited', { timeout: 9 * 60_000 });
  // The new build's page keeps the stylesheet edit too.
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(1, 2, 3)');
});
