import { test, expect, hydrated } from './fixtures';

const ENTRY = 'PostgreSQL StatefulSet with persistent storage';

test('section → entry → copy a code block → `/` search → open a hit', async ({ page, context, consoleErrors }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/resources');
  await hydrated(page);

  await page.getByRole('link', { name: 'Kubernetes', exact: true }).click();
  await expect(page).toHaveURL(/\/resources\/kubernetes$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Kubernetes' })).toBeVisible();
  const card = page.locator('.entry-card', { hasText: ENTRY });
  await expect(card.locator('.tag').first()).toBeVisible();
  await expect(card.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}$/);

  await card.getByRole('link', { name: ENTRY }).click();
  await expect(page).toHaveURL(/\/resources\/kubernetes\/postgresql-statefulset$/);
  await expect(page.getByRole('heading', { level: 1, name: ENTRY })).toBeVisible();
  const toc = page.getByRole('navigation', { name: 'On this page' });
  await toc.getByRole('link', { name: 'Manifests', exact: true }).click();
  await expect(page).toHaveURL(/#manifests$/);
  await expect(page.locator('h2#manifests')).toBeInViewport();

  const block = page.locator('.code-block').first();
  const expected = await block.locator('code').evaluate((el) => el.textContent ?? '');
  const copy = block.getByRole('button', { name: 'Copy code to clipboard' });
  await copy.click();
  await expect(copy).toHaveText('Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(expected);
  expect(copied).toContain('kubectl');

  await page.locator('h1').click();
  await page.keyboard.press('/');
  const box = page.locator('#resource-search');
  await expect(box).toBeFocused();
  await expect(box).toHaveValue('');
  await page.keyboard.type('rollout undo');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/resources\/search\?q=rollout\+undo$/);
  await hydrated(page);
  const hit = page.locator('.search-hit').first();
  await expect(hit.locator('mark').first()).toBeVisible();
  const title = await hit.locator('.hit-title').innerText();
  await hit.getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test('an unknown entry is the 404 page', async ({ page }) => {
  const response = await page.goto('/resources/kubernetes/no-such-entry');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
