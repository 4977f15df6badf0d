import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Page, type TestInfo } from '@playwright/test';
import { press, submit } from './session';

export const WORKBENCH = {
  keySet: 'The key was set',
  keyPopped: 'The key was popped',
  cleared: 'The session was cleared',
  noCookie: 'None: this browser holds no session cookie.',
  noSession: 'No session: the store holds nothing for this browser.',
} as const;

/** The refusals, word for word as the page shows them beside their field. */
export const REFUSALS = {
  empty: 'The key is empty: give it a name. Nothing was changed.',
  long: 'The key is too long: at most 64 characters. Nothing was changed.',
  reserved: "Keys starting with _ are the app's own bookkeeping: choose another name. Nothing was changed.",
  control: 'The key has control characters (such as a line break or a tab): use plain text. Nothing was changed.',
  value: 'The value is too long: at most 4 KB. Nothing was changed.',
  tooMany: 'The session holds 64 keys already: pop one first. Nothing was changed.',
} as const;

export const browserSide = (page: Page) => page.getByRole('region', { name: 'In your browser' });
export const serverSide = (page: Page) => page.getByRole('region', { name: 'On the server' });
export const keyField = (page: Page) => page.getByLabel('Key', { exact: true });
export const valueField = (page: Page) => page.getByLabel('Value', { exact: true });
export const popButton = (page: Page, key: string) =>
  page.getByRole('button', { name: `Pop ${key}`, exact: true });

/** The value the server panel lists for `key`. */
export const listedValue = (page: Page, key: string) =>
  serverSide(page).locator('.entries li').filter({ has: popButton(page, key) }).locator('.value');

export const setKeyButton = (page: Page) => page.getByRole('button', { name: 'Set key', exact: true });

/**
 * Fills the form and sets `key`; waits for the post's answer, then for
 * "The key was set" in the status line (already there after an earlier set:
 * the answer to the post is what this click alone brings).
 */
export async function setKey(page: Page, key: string, value: string) {
  await keyField(page).fill(key);
  await valueField(page).fill(value);
  await submit(page, setKeyButton(page));
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.keySet);
}

/**
 * Sets `key` and expects `refusal` beside the field it is about, and no
 * longer in the status line. A Get session first puts its answer in the
 * status line and clears any earlier refusal, so each expectation here is
 * false until the refused set's answer arrives.
 */
export async function refused(page: Page, key: string, value: string, refusal: string, field: 'Key' | 'Value') {
  await press(page, 'Get session', /^Welcome (Admin|Anonymous)$/);
  const about = field === 'Key' ? keyField(page) : valueField(page);
  await expect(about).not.toHaveAttribute('aria-invalid', 'true');
  await keyField(page).fill(key);
  await valueField(page).fill(value);
  await submit(page, setKeyButton(page));
  await expect(about).toHaveAttribute('aria-invalid', 'true');
  await expect(about).toHaveAccessibleDescription(new RegExp(`^${escape(refusal)}`));
  await expect(page.getByRole('status')).toHaveText('');
}

/**
 * Each refusal once, beside its field, after a key that stays: nothing the
 * refused sets asked for reaches the server.
 */
export async function everyRefusal(page: Page) {
  await setKey(page, 'kept', 'yes');
  await refused(page, '', 'x', REFUSALS.empty, 'Key');
  await refused(page, 'k'.repeat(65), 'x', REFUSALS.long, 'Key');
  await refused(page, '_created_at', 'x', REFUSALS.reserved, 'Key');
  await refused(page, 'tab\there', 'x', REFUSALS.control, 'Key');
  await refused(page, 'big', 'v'.repeat(4097), REFUSALS.value, 'Value');
  await expect(serverSide(page).locator('.entries li')).toHaveCount(1);
}

/** Both panels' id fingerprints: [browser, server]. */
export async function fingerprints(page: Page) {
  return [
    await browserSide(page).locator('code.print').textContent(),
    await serverSide(page).locator('code.print').textContent(),
  ];
}

/** Sets 64 keys through the server function, as the page's forms would. */
export async function fillToTheLimit(page: Page) {
  for (let i = 0; i < 64; i++) {
    const res = await page.request.post('/api/set_key', {
      form: { key: `k${i}`, value: 'v' },
      headers: { Accept: 'application/json' },
    });
    expect(res.status()).toBe(200);
  }
}

/** No element is wider than the screen: nothing scrolls sideways. */
export async function expectNoSidewaysScroll(page: Page) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0], `page width ${widths[0]} px on a ${widths[1]} px screen`).toBeLessThanOrEqual(widths[1]);
}

/** axe finds nothing on the page as it is now. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found).toEqual([]);
}

/**
 * After a set of the seed's and a key with a long value, at 360 and 1280 px
 * in both themes: no sideways scroll, no axe violation, and a full-page
 * screenshot attached to the test (also kept in target/screenshots).
 */
export async function lookAtEveryScreen(page: Page, testInfo: TestInfo, js: 'js-on' | 'js-off', scan = page) {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [360, 1280]) {
      for (const seen of new Set([page, scan])) {
        await seen.emulateMedia({ colorScheme });
        await seen.setViewportSize({ width, height: 900 });
      }
      await expectNoSidewaysScroll(scan);
      await expectAccessible(scan);
      const name = `workbench-${js}-${colorScheme}-${width}.png`;
      const path = `../target/screenshots/${name}`;
      await page.screenshot({ path, fullPage: true });
      await testInfo.attach(name, { path, contentType: 'image/png' });
    }
  }
}

/**
 * axe runs as a script, which a page with JavaScript off cannot: a page of
 * the same session and URL whose script and WebAssembly are never fetched, so it stays
 * exactly the HTML the server sent.
 */
export async function serverHtmlOnly(browser: Browser, page: Page) {
  const context = await browser.newContext({
    javaScriptEnabled: true,
    storageState: await page.context().storageState(),
  });
  await context.route(/\/pkg\/[^/]+\.(js|wasm)$/, (route) => route.abort());
  const scan = await context.newPage();
  await scan.goto(page.url());
  return scan;
}

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
