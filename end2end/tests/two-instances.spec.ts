import { expect, test } from '@playwright/test';
import { instances } from '../instances';
import { ANSWERS, openHydrated, press } from './session';

// One browser, two app instances on different ports of the same host: the
// cookie is shared (cookies ignore ports), so either instance may serve it.
for (const store of ['redis', 'postgres']) {
  const [a, b] = instances().filter((i) => i.name.startsWith(store));
  const at = (i: typeof a, path = '/') => `http://127.0.0.1:${i.port}${path}`;

  test(`${store}: a session set on one instance is seen and popped on the other`, async ({ context }) => {
    const pageA = await context.newPage();
    const pageB = await context.newPage();
    await openHydrated(pageA, at(a));
    await openHydrated(pageB, at(b));

    await press(pageA, 'Set session', ANSWERS.set);
    await press(pageB, 'Get session', ANSWERS.admin);
    await press(pageB, 'Pop session', ANSWERS.deleted);
    await press(pageA, 'Get session', ANSWERS.anonymous);
  });

  test(`${store}: curl-style plain routes share it across instances too`, async ({ context }) => {
    const get = async (i: typeof a, path: string) => {
      const res = await context.request.get(at(i, path));
      expect(res.status()).toBe(200);
      return res.text();
    };
    expect(await get(a, '/setsession')).toBe(ANSWERS.set);
    expect(await get(b, '/getsession')).toBe(ANSWERS.admin);
    expect(await get(b, '/popsession')).toBe(ANSWERS.deleted);
    expect(await get(a, '/getsession')).toBe(ANSWERS.anonymous);
  });

  test(`${store}: /healthz on each instance names the shared store`, async ({ request }) => {
    for (const i of [a, b]) {
      const res = await request.get(at(i, '/healthz'));
      expect(res.status()).toBe(200);
      expect(await res.text()).toContain(`the ${store} session store answers`);
    }
  });
}
