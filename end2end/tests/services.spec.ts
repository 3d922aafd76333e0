// Homelab → Services against the real fixture containers (tools/fixture-image.sh up):
// flip the Daemon switch of "Argonaut" off and on, watch the state follow what s6 reports,
// and find both actions in the audit log.
import { test, expect, hydrated } from './fixtures';

test('the Daemon switch stops and starts rtorrent, and the audit log shows both', async ({ page, consoleErrors }) => {
  test.setTimeout(90_000);
  await page.goto('/homelab');
  await hydrated(page);
  const card = page.locator('.service-card[data-container="wbfx-argonaut"]');
  await expect(card).toBeVisible();
  await expect(card.locator('h3')).toHaveText('Argonaut');
  const daemon = card.locator('.group-switch[data-group="daemon"]');
  // A previous run may have left it off: start from on.
  if ((await daemon.getAttribute('data-state')) !== 'up') {
    await daemon.getByRole('switch').click();
    await expect(daemon).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
  }

  await daemon.getByRole('switch').click();
  await expect(daemon).toHaveAttribute('data-state', 'down', { timeout: 30_000 });
  await card.locator('.service-details summary').click();
  await expect(card.locator('tr[data-service="svc-rtorrent"]')).toHaveAttribute('data-state', 'down');
  // The web group is untouched.
  await expect(card.locator('.group-switch[data-group="web"]')).toHaveAttribute('data-state', 'up');

  await daemon.getByRole('switch').click();
  await expect(daemon).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
  await expect(daemon.getByRole('switch')).toHaveAttribute('aria-checked', 'true');

  const rows = page.locator('.audit-table tbody tr[data-container="wbfx-argonaut"][data-target="daemon"]');
  await expect(rows.first()).toHaveAttribute('data-action', 'up');
  await expect(rows.nth(1)).toHaveAttribute('data-action', 'down');
  await expect(rows.first().locator('td').nth(5)).toHaveText('ok');
  await expect(rows.first().locator('td').nth(1)).toHaveText('local');
  expect(consoleErrors).toEqual([]);
});

test('the switch shows pending while the action runs', async ({ page }) => {
  await page.goto('/homelab');
  await hydrated(page);
  const web = page.locator('.service-card[data-container="wbfx-bogie"] .group-switch[data-group="web"]');
  await expect(web).toHaveAttribute('data-state', /up|down/);
  const before = await web.getAttribute('data-state');
  // Hold the answer back so the pending state is observable.
  await page.route('**/api/admin/services/local/wbfx-bogie/web/*', async (route) => {
    await new Promise((r) => setTimeout(r, 500));
    await route.continue();
  });
  await web.getByRole('switch').click();
  await expect(web).toHaveAttribute('data-state', 'pending');
  await expect(web).toHaveAttribute('data-state', before === 'up' ? 'down' : 'up', { timeout: 30_000 });
  await web.getByRole('switch').click();
  await expect(web).toHaveAttribute('data-state', before!, { timeout: 30_000 });
});

test('unmanaged containers are not shown', async ({ page }) => {
  await page.goto('/homelab');
  await hydrated(page);
  await expect(page.locator('.service-card[data-container="wbfx-argonaut"]')).toBeVisible();
  await expect(page.locator('.service-card[data-container="wbfx-foreign"]')).toHaveCount(0);
});
