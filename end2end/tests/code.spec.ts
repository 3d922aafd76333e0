// The Code tab: the frame loads on first open only, survives tab switches, Reload reloads
// it; without a URL a set-up panel shows instead of a broken frame.
import { test, expect, hydrated } from './fixtures';
import { ACCESS_PORT, HOMELAB_FIXTURE_PORT, HOMELAB_PORT } from '../homelab-ports';

const fixture = `http://127.0.0.1:${HOMELAB_FIXTURE_PORT}`;
const workbench = `http://127.0.0.1:${HOMELAB_PORT}`;

async function loads(request: any): Promise<number> {
  return (await (await request.get(`${fixture}/loads`)).json()).loads;
}

// One load counter on the fixture: these run one after another.
test.describe.configure({ mode: 'serial' });

test('the editor frame loads on first open, survives a tab switch, and Reload reloads it', async ({ page, request, consoleErrors }) => {
  await request.post(`${fixture}/reset`);
  await page.goto(`${workbench}/workbench/brain`);
  await hydrated(page);
  await expect(page.locator('#panel-code iframe')).toHaveCount(0);
  expect(await loads(request)).toBe(0);

  await page.getByRole('tab', { name: 'Code' }).click();
  const frame = page.frameLocator('#panel-code iframe.code-frame');
  await expect(frame.locator('#loads')).toHaveText('load 1');
  expect(await loads(request)).toBe(1);
  await expect(page.getByRole('link', { name: 'Open in new tab' })).toHaveAttribute('href', `${fixture}/`);
  await expect(page.getByRole('link', { name: 'Open in new tab' })).toHaveAttribute('target', '_blank');

  // Away and back: the same frame, not loaded again.
  await page.getByRole('tab', { name: 'Brain' }).click();
  await expect(page.locator('#panel-code')).toBeHidden();
  await page.getByRole('tab', { name: 'Code' }).click();
  await expect(frame.locator('#loads')).toHaveText('load 1');
  expect(await loads(request)).toBe(1);

  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(frame.locator('#loads')).toHaveText('load 2');
  expect(await loads(request)).toBe(2);
  expect(consoleErrors).toEqual([]);
});

test('opening /workbench/code directly renders the frame with no CSP errors', async ({ page, request, consoleErrors }) => {
  await request.post(`${fixture}/reset`);
  const response = await page.goto(`${workbench}/workbench/code`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain(`frame-src ${fixture};`);
  await hydrated(page);
  await expect(page.frameLocator('#panel-code iframe.code-frame').locator('#editor')).toHaveText('Fake code-server');
  expect(await loads(request)).toBe(1);
  expect(consoleErrors).toEqual([]);
});

test('without code.url the Code tab explains the set-up', async ({ page, consoleErrors }) => {
  await page.goto('/workbench/code');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Connect VS Code Server' })).toBeVisible();
  await expect(page.locator('#panel-code')).toContainText('WORKBENCH_CODE__URL');
  await expect(page.locator('#panel-code iframe')).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});

test('the CSP forbids framing any other origin', async ({ page, consoleErrors }) => {
  await page.goto(`${workbench}/workbench/brain`);
  await hydrated(page);
  const blocked = page.waitForEvent('console', (msg) => /Content Security Policy/i.test(msg.text()));
  await page.evaluate(() => {
    const f = document.createElement('iframe');
    f.src = 'http://localhost:3190/';
    document.body.appendChild(f);
  });
  expect((await blocked).text()).toMatch(/frame-src/);
  consoleErrors.length = 0;
});

test('no page breaks the Content-Security-Policy, 404s included', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  for (const path of ['/workbench/brain', '/workbench/code', '/workbench/terminal', '/homelab', '/resources', '/no/such/page']) {
    const response = await page.goto(`${workbench}${path}`);
    expect(response?.headers()['content-security-policy']).toContain("'nonce-");
    await hydrated(page);
  }
  expect(violations).toEqual([]);
});

test('a code.url that does not answer gets an explanation, not a broken frame', async ({ browser, request }) => {
  const token = await (await request.get(`${fixture}/token?email=user@example.com`)).text();
  const context = await browser.newContext({ extraHTTPHeaders: { 'Cf-Access-Jwt-Assertion': token } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${ACCESS_PORT}/workbench/code`);
  await hydrated(page);
  const panel = page.locator('#panel-code');
  await expect(panel.getByRole('heading', { name: 'code-server does not answer' })).toBeVisible();
  await expect(panel).toContainText('http://127.0.0.1:3199/');
  await expect(panel.locator('iframe')).toHaveCount(0);
  await panel.getByRole('button', { name: 'Try again' }).click();
  await expect(panel.getByRole('heading', { name: 'code-server does not answer' })).toBeVisible();
  await panel.getByRole('button', { name: 'Show it anyway' }).click();
  await expect(panel.locator('iframe.code-frame')).toHaveAttribute('src', 'http://127.0.0.1:3199/');
  await context.close();
});
