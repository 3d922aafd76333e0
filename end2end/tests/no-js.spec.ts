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
