import { test, expect } from '@playwright/test';

test.use({ javaScriptEnabled: false });

test('Resources renders fully with JavaScript off', async ({ page }) => {
  const response = await page.goto('/resources');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Resources', level: 1 })).toBeVisible();
  await expect(page.locator('.section-card')).toHaveCount(8);
  for (const name of ['Cheatsheets', 'Kubernetes', 'Docker Compose', 'Comparisons', 'Tutorials', 'Config Files', 'Stack', 'IaC']) {
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  }
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
});

test('tab links still work as plain links with JavaScript off', async ({ page }) => {
  await page.goto('/workbench/brain');
  await page.getByRole('tab', { name: 'Terminal' }).click();
  await expect(page).toHaveURL(/\/workbench\/terminal$/);
  await expect(page.getByRole('tab', { name: 'Terminal' })).toHaveAttribute('aria-selected', 'true');
});

test('an entry renders fully with JavaScript off: TOC, anchors, highlighted code, tables', async ({ page }) => {
  const response = await page.goto('/resources/kubernetes/postgresql-statefulset');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1, name: 'PostgreSQL StatefulSet with persistent storage' })).toBeVisible();
  const toc = page.getByRole('navigation', { name: 'On this page' });
  await expect(toc.getByRole('link', { name: 'Manifests', exact: true })).toBeVisible();
  await toc.getByRole('link', { name: 'Manifests', exact: true }).click();
  await expect(page).toHaveURL(/#manifests$/);
  await expect(page.locator('.code-block').first()).toBeVisible();
  await expect(page.locator('.code-block [class^="hl-"]').first()).toBeVisible();
  await expect(page.locator('.table-scroll table').first()).toBeVisible();
  // Copying needs the script: the button is not offered without it.
  await expect(page.locator('.code-copy').first()).toBeHidden();
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
});

test('section pages and search work with JavaScript off', async ({ page }) => {
  await page.goto('/resources');
  await page.getByRole('link', { name: 'Docker Compose', exact: true }).click();
  await expect(page).toHaveURL(/\/resources\/docker-compose$/);
  await expect(page.locator('.entry-card').first()).toBeVisible();
  await page.locator('#resource-search').fill('PostgreSQL StatefulSet');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/resources\/search\?q=PostgreSQL\+StatefulSet$/);
  await expect(page.locator('.search-hit').first()).toContainText('PostgreSQL StatefulSet with persistent storage');
  await expect(page.locator('.search-hit mark').first()).toBeVisible();
});
