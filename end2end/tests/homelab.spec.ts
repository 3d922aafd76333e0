// The Homelab hosts overview: one host up (the fixture listener), one down; admins see
// names and addresses, a signed-in non-admin only the aliases.
import { test, expect, hydrated } from './fixtures';
import { ACCESS_PORT, HOMELAB_FIXTURE_PORT, HOMELAB_PORT } from '../homelab-ports';

const fixture = `http://127.0.0.1:${HOMELAB_FIXTURE_PORT}`;

test('admins see both hosts with their state, names and addresses', async ({ page, consoleErrors }) => {
  await page.goto(`http://127.0.0.1:${HOMELAB_PORT}/homelab`);
  await hydrated(page);
  const up = page.locator('.host-card[data-host="Alpha"]');
  const down = page.locator('.host-card[data-host="Beta"]');
  // The first checks run within a second of start-up; the page polls the cache.
  await expect(up).toHaveAttribute('data-state', 'up', { timeout: 15_000 });
  await expect(down).toHaveAttribute('data-state', 'down', { timeout: 15_000 });
  await expect(up.locator('.host-name')).toHaveText('lab-up.internal');
  await expect(up.locator('.host-address')).toHaveText('127.0.0.1');
  await expect(up.locator('.host-latency')).toHaveText(/\d+ ms/);
  await expect(up.locator('.host-last-seen')).toHaveText(/ago/);
  await expect(down.locator('.host-last-seen')).toHaveText('never');
  await expect(down.locator('.check-bad')).toContainText('connection refused');
  expect(consoleErrors).toEqual([]);
});

test('a signed-in non-admin sees only aliases, in the page and in the JSON', async ({ browser, request }) => {
  const token = await (await request.get(`${fixture}/token?email=user@example.com`)).text();
  const context = await browser.newContext({ extraHTTPHeaders: { 'Cf-Access-Jwt-Assertion': token } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  const base = `http://127.0.0.1:${ACCESS_PORT}`;
  const response = await page.goto(`${base}/homelab`);
  expect(response?.status()).toBe(200);
  await hydrated(page);
  await expect(page.locator('.host-card[data-host="Alpha"]')).toHaveAttribute('data-state', 'up', { timeout: 15_000 });
  await expect(page.locator('.host-card[data-host="Beta"]')).toHaveAttribute('data-state', 'down', { timeout: 15_000 });
  // The service panel is admin-only: a sentence instead, and no refused API calls.
  await expect(page.locator('.services-admin-only')).toBeVisible();
  await expect(page.locator('.services-panel')).toHaveCount(0);
  const html = await page.content();
  for (const secret of ['lab-up.internal', 'lab-down.internal', '127.0.0.1', '3199', 'fixture listener']) {
    expect(html).not.toContain(secret);
  }
  const json = await (await context.request.get(`${base}/api/hosts`)).text();
  expect(json).toContain('Alpha');
  for (const secret of ['lab-up.internal', '127.0.0.1', '3199', 'fixture listener']) {
    expect(json).not.toContain(secret);
  }
  expect(errors).toEqual([]);

  const adminToken = await (await request.get(`${fixture}/token?email=admin@example.com`)).text();
  const admin = await request.get(`${base}/api/hosts`, { headers: { 'Cf-Access-Jwt-Assertion': adminToken } });
  expect(await admin.text()).toContain('lab-up.internal');
  await context.close();
});
