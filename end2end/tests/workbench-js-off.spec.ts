import { expect, test } from '@playwright/test';
import { ANSWERS, press } from './session';
import {
  browserSide,
  everyRefusal,
  fingerprints,
  listedValue,
  lookAtEveryScreen,
  popButton,
  serverHtmlOnly,
  serverSide,
  setKey,
  WORKBENCH,
} from './workbench';

test('with JavaScript off any key is set, listed and popped: forms post, the server redirects back', async ({ page }) => {
  await page.goto('/');
  await setKey(page, 'colour', '{"shade":"blue"}');
  expect(new URL(page.url()).search).toBe('?answer=key-set');
  await expect(listedValue(page, 'colour')).toHaveText('{\n  "shade": "blue"\n}');
  await press(page, 'Set session', ANSWERS.set);
  const [browser, server] = await fingerprints(page);
  expect(server).toBe(browser);
  await popButton(page, 'colour').click();
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.keyPopped);
  await expect(popButton(page, 'colour')).toHaveCount(0);
  await expect(listedValue(page, 'Username')).toHaveText('Admin');
  await page.getByRole('button', { name: 'Clear session', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(WORKBENCH.cleared);
  await expect(browserSide(page)).toContainText(WORKBENCH.noCookie);
  await expect(serverSide(page)).toContainText(WORKBENCH.noSession);
  await expect(browserSide(page)).toContainText('With JavaScript on, this line shows');
});

test('with JavaScript off every refusal is shown beside its field and changes nothing', async ({ page }) => {
  await page.goto('/');
  await everyRefusal(page);
});

test('every screen: no sideways scroll, no axe violation, screenshots (JS off)', async ({ page, browser }, testInfo) => {
  await page.goto('/');
  await press(page, 'Set session', ANSWERS.set);
  await setKey(page, 'a-key-of-sixty-four-characters-without-any-space-to-break-it-xx', 'x'.repeat(300));
  await setKey(page, 'json', '{"shade":"blue","rgb":[0,0,255]}');
  const scan = await serverHtmlOnly(browser, page);
  await expect(scan.getByText('With JavaScript on, this line shows')).toBeVisible();
  await lookAtEveryScreen(page, testInfo, 'js-off', scan);
  await scan.context().close();
});
