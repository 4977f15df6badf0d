import { expect, type Page } from '@playwright/test';

export const ANSWERS = {
  set: 'The session has been Set',
  admin: 'Welcome Admin',
  anonymous: 'Welcome Anonymous',
  deleted: 'Session Deleted',
  noteSaved: 'Note saved',
} as const;

type ButtonName = 'Set session' | 'Get session' | 'Pop session' | 'Save note';

/** Opens the page and waits until hydration is done (JavaScript on). */
export async function openHydrated(page: Page, path = '/') {
  await page.goto(path);
  await expect(page.locator('section[data-hydrated="true"]')).toBeVisible();
}

/** Presses a button and waits for the answer in the status line. */
export async function press(page: Page, name: ButtonName, answer: string) {
  await page.getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(answer);
}

/** The note field, found by its label as a user would. */
export function noteField(page: Page) {
  return page.getByLabel('Note, kept in the session next to the user');
}

/**
 * A note and a pop: the pop removes the user and keeps the session, so the
 * note is still there after a reload. Works with JavaScript on or off.
 */
export async function notePopAndReload(page: Page) {
  await press(page, 'Set session', ANSWERS.set);
  await noteField(page).fill('buy milk');
  await press(page, 'Save note', ANSWERS.noteSaved);
  await press(page, 'Pop session', ANSWERS.deleted);
  await page.goto('/');
  await expect(noteField(page)).toHaveValue('buy milk');
  await press(page, 'Get session', ANSWERS.anonymous);
  await expect(noteField(page)).toHaveValue('buy milk');
}
