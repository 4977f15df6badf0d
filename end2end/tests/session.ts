import { expect, type Page } from '@playwright/test';

export const ANSWERS = {
  set: 'The session has been Set',
  admin: 'Welcome Admin',
  anonymous: 'Welcome Anonymous',
  deleted: 'Session Deleted',
} as const;

type ButtonName = 'Set session' | 'Get session' | 'Pop session';

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
