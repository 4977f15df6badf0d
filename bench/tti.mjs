// Time to interactive, as a visitor feels it: from navigation start to the
// answer of the first click, in Debian's Chromium, each load in a fresh
// context (empty cache, no cookie). Prints one JSON line for bench/run.
//   (cd end2end && node ../bench/tti.mjs BASE_URL [LOADS])
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Playwright is end2end's dependency: resolved from the folder this runs in.
const { chromium } = createRequire(join(process.cwd(), 'package.json'))('@playwright/test');

const [base, loads = '20'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const tti = [];
const fcp = [];
const hydrated = [];
const click = [];
const answer = [];
for (let i = 0; i < Number(loads); i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  // When hydration flips the marker, read by the page itself: Playwright's
  // own polling would add its latency.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('section[data-hydrated="true"]')) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, childList: true });
    // The page's own part of a click: from the click event to the answer on
    // screen (its fetch and render), on the page's clock.
    document.addEventListener('click', (e) => { window.__clickAt ??= e.timeStamp; }, true);
    new MutationObserver((_, observer) => {
      if (document.querySelector('[role="status"]')?.textContent.includes('Welcome Anonymous')) {
        window.__answerAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, characterData: true, childList: true });
  });
  await page.goto(base);
  // The button works before hydration too (a form post); waiting for the
  // hydrated marker measures the in-place answer the page is built for.
  await page.locator('section[data-hydrated="true"]').waitFor({ timeout: 10_000 });
  const clicking = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: 'Get session', exact: true }).click();
  await page.getByRole('status').getByText('Welcome Anonymous').waitFor({ timeout: 10_000 });
  const [answered, painted, ready, inPage] = await page.evaluate(() => [
    performance.now(),
    performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    window.__hydratedAt ?? null,
    window.__answerAt && window.__clickAt ? window.__answerAt - window.__clickAt : null,
  ]);
  tti.push(answered);
  if (painted !== null) fcp.push(painted);
  if (ready !== null) hydrated.push(ready);
  // From Playwright's click call to the answer shown: its actionability
  // checks and round trips are part of it, on this machine's CPU.
  click.push(answered - clicking);
  if (inPage !== null) answer.push(inPage);
  await context.close();
}
await browser.close();
console.log(JSON.stringify({ kind: 'tti', tti_ms: tti, fcp_ms: fcp, hydrated_ms: hydrated, click_ms: click, answer_ms: answer }));
