import { expect, test } from '@playwright/test';
import { ANSWERS, notePopAndReload, openHydrated, press, reloadHydrated } from './session';

test('the seed flow runs in place, without a page load', async ({ page }) => {
  let loads = 0;
  page.on('load', () => loads++);
  await openHydrated(page);
  // A marker on window survives only if no navigation replaces the document.
  await page.evaluate(() => ((window as unknown as { kept: boolean }).kept = true));

  const calls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/')) calls.push(new URL(r.url()).pathname);
  });

  await press(page, 'Get session', ANSWERS.anonymous);
  await press(page, 'Set session', ANSWERS.set);
  await press(page, 'Get session', ANSWERS.admin);
  await press(page, 'Pop session', ANSWERS.deleted);
  await press(page, 'Get session', ANSWERS.anonymous);

  expect(await page.evaluate(() => (window as unknown as { kept?: boolean }).kept)).toBe(true);
  expect(loads).toBe(1);
  expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/');
  expect(calls).toEqual([
    '/api/get_session',
    '/api/set_session',
    '/api/get_session',
    '/api/pop_session',
    '/api/get_session',
  ]);
});

test('a second browser stays anonymous while the first is Admin', async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();
  await openHydrated(a);
  await openHydrated(b);

  await press(a, 'Set session', ANSWERS.set);
  await press(b, 'Get session', ANSWERS.anonymous);
  await press(a, 'Get session', ANSWERS.admin);

  await first.close();
  await second.close();
});

test('a reload keeps the session', async ({ page }) => {
  await openHydrated(page);
  await press(page, 'Set session', ANSWERS.set);
  await reloadHydrated(page);
  await press(page, 'Get session', ANSWERS.admin);
});

test('the page and the plain routes share one session', async ({ page }) => {
  await openHydrated(page);
  await press(page, 'Set session', ANSWERS.set);
  const res = await page.request.get('/getsession');
  expect(res.headers()['content-type']).toContain('text/plain');
  expect(await res.text()).toBe(ANSWERS.admin);

  await page.request.get('/popsession');
  await press(page, 'Get session', ANSWERS.anonymous);
});

test('the session cookie is HttpOnly: page scripts cannot read it', async ({ page, context }) => {
  await openHydrated(page);
  await press(page, 'Set session', ANSWERS.set);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Strict');
  expect(await page.evaluate(() => document.cookie)).not.toContain('session=');
});

test('a note outlives a pop and a reload', async ({ page }) => {
  await openHydrated(page);
  await notePopAndReload(page, openHydrated);
});

test('the assets arrive brotli-compressed and cacheable for a year', async ({ page }) => {
  const assets: { url: string; encoding?: string; cache?: string }[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/pkg/')) {
      const h = r.headers();
      assets.push({ url: r.url(), encoding: h['content-encoding'], cache: h['cache-control'] });
    }
  });
  await openHydrated(page);
  const kinds = assets.map((a) => a.url.split('.').pop()).sort();
  expect(kinds).toEqual(['css', 'js', 'wasm']);
  for (const asset of assets) {
    expect(asset.encoding, asset.url).toBe('br');
    expect(asset.cache, asset.url).toBe('public, max-age=31536000, immutable');
  }
});
