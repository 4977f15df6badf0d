import { expect, type Locator, type Page } from '@playwright/test';

export const ANSWERS = {
  set: 'The session has been Set',
  admin: 'Welcome Admin',
  anonymous: 'Welcome Anonymous',
  deleted: 'Session Deleted',
  noteSaved: 'Note saved',
} as const;

type ButtonName = 'Set session' | 'Get session' | 'Pop session' | 'Save note';

/** How a flow (re)opens the page. */
export type Open = (page: Page, path?: string) => Promise<void>;

/**
 * The page's signal that hydration is done: the workbench sets
 * `data-hydrated` from an effect, and effects run only once `hydrate_body`
 * has attached the page's handlers (the server's HTML never has it).
 */
async function hydrated(page: Page) {
  await expect(page.locator('section[data-hydrated="true"]')).toBeVisible();
}

/** Opens the page and waits until hydration is done (JavaScript on). */
export const openHydrated: Open = async (page, path = '/') => {
  await page.goto(path);
  await hydrated(page);
};

/** Reloads the page and waits until the new document is hydrated (JavaScript on). */
export async function reloadHydrated(page: Page) {
  await page.reload();
  await hydrated(page);
}

/** Opens the page as the server sent it: nothing to wait for (JavaScript off). */
export const openServerHtml: Open = async (page, path = '/') => {
  await page.goto(path);
};

/**
 * Clicks a form's button and waits for the server's answer to the post (the
 * JSON answer with JavaScript on, the redirect with it off). The status line
 * may already show what the click should bring (a second Set session, a
 * second key set); a click that posts nothing fails here all the same.
 */
export async function submit(page: Page, button: Locator) {
  const action = await button.locator('xpath=ancestor::form[1]').getAttribute('action');
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action,
    { timeout: 10_000 },
  );
  await button.click();
  await answered;
}

/** Presses a button, waits for its post's answer, then for `answer` in the status line. */
export async function press(page: Page, name: ButtonName, answer: string | RegExp) {
  await submit(page, page.getByRole('button', { name, exact: true }));
  await expect(page.getByRole('status')).toHaveText(answer);
}

/** The note field, found by its label as a user would. */
export function noteField(page: Page) {
  return page.getByLabel('Note, kept in the session next to the user');
}

/**
 * A note and a pop: the pop removes the user and keeps the session, so the
 * note is still there after the page is opened again with `open`
 * (`openHydrated` with JavaScript on, `openServerHtml` off).
 */
export async function notePopAndReload(page: Page, open: Open) {
  await press(page, 'Set session', ANSWERS.set);
  await noteField(page).fill('buy milk');
  await press(page, 'Save note', ANSWERS.noteSaved);
  await press(page, 'Pop session', ANSWERS.deleted);
  await open(page);
  await expect(noteField(page)).toHaveValue('buy milk');
  await press(page, 'Get session', ANSWERS.anonymous);
  // With JavaScript off the answer is a new page, whose field the server
  // filled. With it on the Get changes nothing in place: the field is the
  // one already checked, so a check here would be true before the click.
  if (open === openServerHtml) await expect(noteField(page)).toHaveValue('buy milk');
}
