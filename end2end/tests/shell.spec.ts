import { test, expect, hydrated } from './fixtures';

const PAGES = ['/workbench/brain', '/workbench/code', '/workbench/terminal', '/homelab', '/resources'];

for (const path of PAGES) {
  test(`${path} hydrates with no console errors`, async ({ page, consoleErrors }) => {
    const response = await page.goto(path);
    expect(response?.status()).toBe(200);
    await hydrated(page);
    await expect(page.locator('.top-bar nav')).toBeVisible();
    expect(consoleErrors).toEqual([]);
  });
}

test('the root redirects to the Brain tab', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/workbench\/brain$/);
  await expect(page.getByRole('tab', { name: 'Brain' })).toHaveAttribute('aria-selected', 'true');
});

test('switching tabs happens client-side and keeps the URL', async ({ page, consoleErrors }) => {
  await page.goto('/workbench/brain');
  await hydrated(page);
  // A full page load would wipe this marker.
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await page.getByRole('tab', { name: 'Code' }).click();
  await expect(page).toHaveURL(/\/workbench\/code$/);
  await expect(page.getByRole('tab', { name: 'Code' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#panel-code')).toBeVisible();
  await expect(page.locator('#panel-brain')).toBeHidden();

  await page.getByRole('tab', { name: 'Terminal' }).click();
  await expect(page).toHaveURL(/\/workbench\/terminal$/);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await expect(page).toHaveTitle('Terminal · Workbench');

  await page.goBack();
  await expect(page).toHaveURL(/\/workbench\/code$/);
  await expect(page.getByRole('tab', { name: 'Code' })).toHaveAttribute('aria-selected', 'true');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(consoleErrors).toEqual([]);
});

test('a panel opened once stays mounted when another tab is shown', async ({ page }) => {
  await page.goto('/workbench/brain');
  await hydrated(page);
  await expect(page.locator('#panel-code .code-panel')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Code' }).click();
  await expect(page.locator('#panel-code .code-panel')).toBeVisible();
  await page.getByRole('tab', { name: 'Brain' }).click();
  await expect(page.locator('#panel-code .code-panel')).toHaveCount(1);
  await expect(page.locator('#panel-code')).toBeHidden();
});

test('reload keeps the tab', async ({ page }) => {
  await page.goto('/workbench/terminal');
  await hydrated(page);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('tab', { name: 'Terminal' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#panel-terminal')).toBeVisible();
});

test('tabs work from the keyboard', async ({ page }) => {
  await page.goto('/workbench/brain');
  await hydrated(page);
  const brain = page.getByRole('tab', { name: 'Brain' });
  await brain.focus();

  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/\/workbench\/code$/);
  await expect(page.getByRole('tab', { name: 'Code' })).toBeFocused();

  await page.keyboard.press('End');
  await expect(page).toHaveURL(/\/workbench\/terminal$/);
  await expect(page.getByRole('tab', { name: 'Terminal' })).toBeFocused();

  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/\/workbench\/brain$/);
  await expect(brain).toBeFocused();

  await page.keyboard.press('ArrowLeft');
  await expect(page).toHaveURL(/\/workbench\/terminal$/);

  await page.keyboard.press('Home');
  await expect(page).toHaveURL(/\/workbench\/brain$/);

  // Only the selected tab is in the Tab order.
  await expect(page.getByRole('tab', { name: 'Code' })).toHaveAttribute('tabindex', '-1');
  await expect(brain).toHaveAttribute('tabindex', '0');
});

test('the top bar marks where you are and navigates', async ({ page }) => {
  await page.goto('/workbench/brain');
  await hydrated(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Workbench' })).toHaveAttribute('aria-current', 'page');
  await nav.getByRole('link', { name: 'Homelab' }).click();
  await expect(page).toHaveURL(/\/homelab$/);
  await expect(nav.getByRole('link', { name: 'Homelab' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { name: 'Homelab' })).toBeVisible();
  await nav.getByRole('link', { name: 'Resources' }).click();
  await expect(page).toHaveURL(/\/resources$/);
  await expect(page.locator('.who-local')).toHaveText('local');
});

test('unknown pages get a 404 that shows no internals', async ({ page }) => {
  for (const path of ['/no/such/page', '/workbench/nope']) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/panicked|src\/|\.rs:|backtrace|thread '/i);
  }
});
