import { expect, test, type Page } from '@playwright/test';
import { ANSWERS, noteField, openHydrated, press, reloadHydrated } from './session';
import {
  browserSide,
  everyRefusal,
  expectAccessible,
  fillToTheLimit,
  fingerprints,
  keyField,
  listedValue,
  lookAtEveryScreen,
  popButton,
  REFUSALS,
  refused,
  serverSide,
  setKey,
  valueField,
  WORKBENCH,
} from './workbench';

test('any key is set, listed and popped in place; JSON is shown formatted', async ({ page }) => {
  let loads = 0;
  page.on('load', () => loads++);
  await openHydrated(page);
  await setKey(page, 'colour', 'blue');
  await expect(listedValue(page, 'colour')).toHaveText('blue');
  await setKey(page, 'size', '{"w":3,"h":[1,2]}');
  await expect(listedValue(page, 'size')).toHaveText('{\n  "h": [\n    1,\n    2\n  ],\n  "w": 3\n}');
  // The seed's user and the note are keys like any other.
  await press(page, 'Set session', ANSWERS.set);
  await expect(listedValue(page, 'Username')).toHaveText('Admin');
  await expect(serverSide(page).getByText('_created_at')).toHaveCount(0);

  await popButton(page, 'colour').click();
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.keyPopped);
  await expect(popButton(page, 'colour')).toHaveCount(0);
  await expect(listedValue(page, 'size')).toBeVisible();
  expect(loads).toBe(1);
});

test('after a load the panels are the server\'s, kept through hydration, and a re-read replaces them', async ({ page }) => {
  await openHydrated(page);
  await setKey(page, 'colour', 'blue');
  // The browser takes the panels' data from the page itself (the server's
  // read while it rendered), not from a read of its own: with that read
  // refused, a reload still shows them.
  let reads = 0;
  await page.route('**/inspector/panels*', (route) => {
    reads++;
    return route.abort();
  });
  await reloadHydrated(page);
  await expect(listedValue(page, 'colour')).toHaveText('blue');
  await expect(browserSide(page).locator('.print')).toBeVisible();
  expect(reads).toBe(0);
  await page.unroute('**/inspector/panels*');
  await popButton(page, 'colour').click();
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.keyPopped);
  await expect(popButton(page, 'colour')).toHaveCount(0);
});

test('every refusal is shown beside its field and changes nothing', async ({ page }) => {
  await openHydrated(page);
  await everyRefusal(page);
  // The limits themselves are allowed, and a success clears the refusal.
  await setKey(page, 'k'.repeat(64), 'v'.repeat(4096));
  // The last refusal was about the Value field: that is the one to see cleared.
  await expect(valueField(page)).not.toHaveAttribute('aria-invalid', 'true');
  await expect(keyField(page)).not.toHaveAttribute('aria-invalid', 'true');
  await expect(serverSide(page).locator('.entries li')).toHaveCount(2);
});

test('a 65th key is refused beside the Key field', async ({ page }) => {
  await openHydrated(page);
  await fillToTheLimit(page);
  await refused(page, 'one-more', 'x', REFUSALS.tooMany, 'Key');
  await reloadHydrated(page);
  await expect(serverSide(page).locator('.entries li')).toHaveCount(64);
});

test('both panels show one fingerprint, and Set session changes it', async ({ page }) => {
  await openHydrated(page);
  await expect(browserSide(page)).toContainText(WORKBENCH.noCookie);
  await expect(serverSide(page)).toContainText(WORKBENCH.noSession);
  await press(page, 'Set session', ANSWERS.set);
  await expect(serverSide(page).locator('code.print')).toBeVisible();
  const [browser, server] = await fingerprints(page);
  expect(browser).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
  expect(server).toBe(browser);
  await expect(serverSide(page)).toContainText('the same id as the browser');

  // The status line says something else first, so the second Set's answer
  // is news; the new id it gives shows as a new fingerprint.
  await press(page, 'Get session', ANSWERS.admin);
  await press(page, 'Set session', ANSWERS.set);
  await expect(browserSide(page).locator('code.print')).not.toHaveText(browser!);
  const [after, afterServer] = await fingerprints(page);
  expect(afterServer).toBe(after);
  // The cookie's attributes, and what the page's own scripts can see.
  await expect(browserSide(page)).toContainText('HttpOnly');
  await expect(browserSide(page)).toContainText('SameSite=Strict');
  await expect(browserSide(page)).toContainText('no session cookie in it: HttpOnly keeps the id');
});

test('the idle countdown runs, and the last pop leaves no session on either side', async ({ page }) => {
  await openHydrated(page);
  await setKey(page, 'only', 'one');
  const countdown = serverSide(page).locator('[data-ends]');
  await expect(countdown).toHaveText(/^in \d+:\d\d$/);
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first!, { timeout: 3_000 });

  await popButton(page, 'only').click();
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.keyPopped);
  await expect(browserSide(page)).toContainText(WORKBENCH.noCookie);
  await expect(serverSide(page)).toContainText(WORKBENCH.noSession);
});

test('Clear session ends it: record and cookie gone', async ({ page, context }) => {
  await openHydrated(page);
  await press(page, 'Set session', ANSWERS.set);
  await setKey(page, 'colour', 'blue');
  await page.getByRole('button', { name: 'Clear session', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.cleared);
  await expect(serverSide(page)).toContainText(WORKBENCH.noSession);
  expect((await context.cookies()).filter((c) => c.name.endsWith('session'))).toEqual([]);
  await press(page, 'Get session', ANSWERS.anonymous);
});

test('two tabs stay in step both ways, without a reload or polling', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await openHydrated(a);
  await openHydrated(b);
  // Layout shifts no input of b's explains: what an update from a moves,
  // with the whole page in view.
  await b.setViewportSize({ width: 1280, height: 2000 });
  await b.evaluate(() => {
    const w = window as unknown as { shifted: number };
    w.shifted = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!e.hadRecentInput) w.shifted += e.value;
      }
    }).observe({ type: 'layout-shift', buffered: false });
  });
  let loads = 0;
  b.on('load', () => loads++);
  a.on('load', () => loads++);

  await setKey(a, 'colour', 'blue');
  await expect(listedValue(b, 'colour')).toHaveText('blue', { timeout: 1_000 });
  await setKey(a, 'size', 'large');
  await expect(listedValue(b, 'size')).toHaveText('large', { timeout: 1_000 });
  const shifted = await b.evaluate(() => (window as unknown as { shifted: number }).shifted);
  // 0.1 is the bound of a "good" cumulative layout shift (web.dev).
  expect(shifted).toBeLessThan(0.1);
  await press(b, 'Set session', ANSWERS.set);
  await expect(listedValue(a, 'Username')).toHaveText('Admin', { timeout: 1_000 });
  await popButton(b, 'colour').click();
  await expect(popButton(a, 'colour')).toHaveCount(0, { timeout: 1_000 });
  await a.getByRole('button', { name: 'Clear session', exact: true }).click();
  await expect(serverSide(b)).toContainText(WORKBENCH.noSession, { timeout: 1_000 });
  expect(loads).toBe(0);

  // Idle tabs ask the server for nothing, and a read changes nothing to tell.
  const calls: string[] = [];
  b.on('request', (r) => calls.push(r.url()));
  await press(a, 'Get session', ANSWERS.anonymous);
  await a.waitForTimeout(2_000);
  expect(calls).toEqual([]);
});

/** The channel the page's tabs share (`CHANNEL` in src/ui/browser.rs). */
const CHANNEL = 'leptos-sessions';

type Heard = { heard: unknown[] };

/** Collects, in the page, every message on the tabs' channel (`window.heard`). */
async function listen(page: Page) {
  await page.evaluate((name) => {
    const w = window as unknown as Heard;
    w.heard = [];
    new BroadcastChannel(name).onmessage = (e) => w.heard.push(e.data);
  }, CHANNEL);
}

const heard = (page: Page) => page.evaluate(() => (window as unknown as Heard).heard);

test('another tab reads its view again when told on the BroadcastChannel, while hidden', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await openHydrated(a);
  await openHydrated(b);
  // Clicks in a page other than the last opened wait about 2 s each (on
  // this machine); headless, this changes neither page's visibility.
  await a.bringToFront();
  // b plays a tab in the background: its document says hidden (headless
  // Chromium shows every page as visible), and the page's other way of
  // reading again, a visibilitychange, never reaches it: only the channel can.
  await b.evaluate(() => {
    const w = window as unknown as { visibilityEvents: number };
    w.visibilityEvents = 0;
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    window.addEventListener(
      'visibilitychange',
      (e) => {
        w.visibilityEvents++;
        e.stopPropagation();
      },
      true,
    );
  });
  await listen(b);
  let loads = 0;
  b.on('load', () => loads++);
  const reads: string[] = [];
  b.on('request', (r) => reads.push(`${r.method()} ${new URL(r.url()).pathname}`));

  await setKey(a, 'colour', 'blue');
  await expect(listedValue(b, 'colour')).toHaveText('blue');
  expect(await heard(b)).toEqual(['changed']);
  // One read of its own view, asked by nothing but the message.
  expect(reads).toEqual(['GET /inspector/panels']);
  expect(await b.evaluate(() => (window as unknown as { visibilityEvents: number }).visibilityEvents)).toBe(0);
  expect(await b.evaluate(() => document.visibilityState)).toBe('hidden');
  expect(loads).toBe(0);
});

test('the message to the other tabs is the word changed and nothing else', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  // What a's page hands the channel, as it calls postMessage.
  await a.addInitScript(() => {
    const w = window as unknown as { posted: unknown[][] };
    w.posted = [];
    const post = BroadcastChannel.prototype.postMessage;
    BroadcastChannel.prototype.postMessage = function (...args: unknown[]) {
      w.posted.push(args);
      return post.apply(this, args as [unknown]);
    };
  });
  await openHydrated(a);
  await openHydrated(b);
  await a.bringToFront();
  await listen(b);

  // Every kind of change, with a value and a note that must not travel,
  // and reads and a refusal, which change nothing and tell nothing.
  await press(a, 'Get session', ANSWERS.anonymous);
  await press(a, 'Set session', ANSWERS.set);
  await setKey(a, 'colour', 'secret-blue');
  await refused(a, '', 'x', REFUSALS.empty, 'Key');
  await noteField(a).fill('secret note');
  await press(a, 'Save note', ANSWERS.noteSaved);
  await popButton(a, 'colour').click();
  await expect(a.getByRole('status')).toHaveText(WORKBENCH.keyPopped);
  await press(a, 'Pop session', ANSWERS.deleted);
  await a.getByRole('button', { name: 'Clear session', exact: true }).click();
  await expect(a.getByRole('status')).toHaveText(WORKBENCH.cleared);

  // Six changes: six posts of one argument, the string "changed".
  const changed = Array(6).fill('changed');
  expect(await a.evaluate(() => (window as unknown as { posted: unknown[][] }).posted)).toEqual(
    changed.map((m) => [m]),
  );
  // And that is what the other tab receives, in full.
  await expect.poll(() => heard(b)).toEqual(changed);
});

test('a tab coming back to the foreground reads its view again', async ({ page }) => {
  await openHydrated(page);
  // A change the page was never told about: a plain route, from outside.
  await page.request.get('/setsession');
  await expect(serverSide(page)).toContainText(WORKBENCH.noSession);
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect(listedValue(page, 'Username')).toHaveText('Admin');
});

test('the seed flow and a custom key by keyboard alone', async ({ page }) => {
  await openHydrated(page);
  const focusOn = async (name: string) => {
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(
        () => document.activeElement?.textContent?.trim() || document.activeElement?.id || '',
      );
      if (focused === name) return;
    }
    throw new Error(`Tab never reached ${name}`);
  };
  await focusOn('Set session');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toHaveText(ANSWERS.set);
  await focusOn('Get session');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toHaveText(ANSWERS.admin);

  await focusOn('key');
  await page.keyboard.type('colour');
  await page.keyboard.press('Tab');
  await expect(valueField(page)).toBeFocused();
  await page.keyboard.type('blue');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.keySet);
  await focusOn('Pop colour');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.keyPopped);
  await expect(popButton(page, 'colour')).toHaveCount(0);
  // The button is gone: the focus waits on its panel, not at the page's top.
  await expect(page.getByRole('heading', { name: 'On the server' })).toBeFocused();
});

test('every screen: no sideways scroll, no axe violation, screenshots (JS on)', async ({ page }, testInfo) => {
  await openHydrated(page);
  await expectAccessible(page);
  await press(page, 'Set session', ANSWERS.set);
  await setKey(page, 'a-key-of-sixty-four-characters-without-any-space-to-break-it-xx', 'x'.repeat(300));
  await setKey(page, 'json', '{"shade":"blue","rgb":[0,0,255]}');
  await lookAtEveryScreen(page, testInfo, 'js-on');
});
