import { expect, test } from '@playwright/test';
import { ANSWERS, notePopAndReload, openServerHtml, press } from './session';

test('the seed flow works with JavaScript off: forms post, the server redirects back', async ({ page }) => {
  await page.goto('/');
  await press(page, 'Get session', ANSWERS.anonymous);
  await press(page, 'Set session', ANSWERS.set);
  expect(new URL(page.url()).search).toBe('?answer=set');
  await press(page, 'Get session', ANSWERS.admin);
  await press(page, 'Pop session', ANSWERS.deleted);
  await press(page, 'Get session', ANSWERS.anonymous);
});

test('with JavaScript off a reload shows the answer again without re-posting', async ({ page }) => {
  await page.goto('/');
  await press(page, 'Set session', ANSWERS.set);
  await press(page, 'Get session', ANSWERS.admin);
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() !== 'GET') posts.push(`${r.method()} ${r.url()}`);
  });
  await page.reload();
  await expect(page.getByRole('status')).toHaveText(ANSWERS.admin);
  expect(posts).toEqual([]);
});

test('with JavaScript off a note outlives a pop and a reload', async ({ page }) => {
  await openServerHtml(page);
  await notePopAndReload(page, openServerHtml);
});
