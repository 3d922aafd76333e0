// The Terminal tab against real shells on real PTYs (the release server's default profiles).
import { test, expect, hydrated } from './fixtures';
import type { Locator, Page, WebSocketRoute } from '@playwright/test';

/** The visible pane, once its shell is connected. */
async function visiblePane(page: Page): Promise<Locator> {
  const pane = page.locator('.term-pane:not([hidden])');
  await expect(pane.locator('.xterm-rows')).toBeVisible();
  await expect(pane.locator('.term-status')).toHaveText('');
  return pane;
}

async function openTerminal(page: Page): Promise<Locator> {
  await page.goto('/workbench/terminal');
  await hydrated(page);
  return visiblePane(page);
}

async function run(page: Page, pane: Locator, command: string) {
  await pane.locator('.xterm-screen').click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

/** The first number printed after `marker` (the typed command shows `marker` then `$`). */
async function numberAfter(pane: Locator, marker: string): Promise<number> {
  const rows = pane.locator('.xterm-rows');
  const pattern = new RegExp(`${marker}(\\d+)`);
  await expect(rows).toContainText(pattern);
  const m = (await rows.innerText()).replace(/\u00a0/g, ' ').match(pattern);
  return Number(m![1]);
}

test('a shell answers: echo hi-$((6*7)) prints hi-42', async ({ page, consoleErrors }) => {
  const pane = await openTerminal(page);
  await run(page, pane, 'echo hi-$((6*7))');
  await expect(pane.locator('.xterm-rows')).toContainText('hi-42');
  await expect(page.locator('.term-tab[aria-selected="true"]')).not.toHaveText('');
  expect(consoleErrors).toEqual([]);
});

test('two tabs are two shells', async ({ page }) => {
  const first = await openTerminal(page);
  await run(page, first, 'echo pid-$$');
  const pid1 = await numberAfter(first, 'pid-');

  await page.getByRole('button', { name: 'New terminal' }).click();
  await page.getByRole('menuitem', { name: 'Shell' }).click();
  await expect(page.locator('.term-tab')).toHaveCount(2);
  const second = await visiblePane(page);
  await run(page, second, 'echo pid-$$');
  const pid2 = await numberAfter(second, 'pid-');
  expect(pid2).not.toBe(pid1);

  // Rename, switch back, close.
  page.once('dialog', (d) => d.accept('builds'));
  await page.locator('.term-tab').nth(1).dblclick();
  await expect(page.locator('.term-tab').nth(1)).toContainText('builds');
  await page.locator('.term-tab').first().click();
  await expect(first).toBeVisible();
  await page.getByRole('button', { name: 'Close builds' }).click();
  await expect(page.locator('.term-tab')).toHaveCount(1);
});

test('resizing the window changes tput cols', async ({ page }) => {
  await page.setViewportSize({ width: 1200, height: 800 });
  const pane = await openTerminal(page);
  await run(page, pane, 'echo colsA-$(tput cols)');
  const wide = await numberAfter(pane, 'colsA-');
  await page.setViewportSize({ width: 640, height: 700 });
  await page.waitForTimeout(300);
  await run(page, pane, 'echo colsB-$(tput cols)');
  const narrow = await numberAfter(pane, 'colsB-');
  expect(narrow).toBeLessThan(wide);
  expect(narrow).toBeGreaterThan(20);
});

test('a dropped WebSocket reconnects to the same session with its scrollback', async ({ page }) => {
  const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  await page.routeWebSocket(/\/terminal\/[^/]+\/ws/, (ws) => {
    const server = ws.connectToServer();
    sockets.push({ page: ws, server });
  });
  const pane = await openTerminal(page);
  await run(page, pane, 'echo before-$((40+2)); echo pid-$$');
  const pid = await numberAfter(pane, 'pid-');
  await expect(pane.locator('.xterm-rows')).toContainText('before-42');

  // Cut both sides, as a network failure would (no "goodbye" from the page).
  const { page: pageSide, server } = sockets[0];
  await server.close({ code: 4000, reason: 'network gone' });
  await pageSide.close({ code: 4000, reason: 'network gone' });
  await expect.poll(() => sockets.length).toBeGreaterThan(1);
  await expect(pane.locator('.term-status')).toHaveText('');

  await expect(pane.locator('.xterm-rows')).toContainText('before-42');
  await run(page, pane, 'echo again-$$');
  expect(await numberAfter(pane, 'again-')).toBe(pid);
});

test('a profile whose program is missing says so', async ({ page }) => {
  await openTerminal(page);
  await page.getByRole('button', { name: 'New terminal' }).click();
  await expect(page.getByRole('menuitem', { name: /Claude Code/ })).toContainText('not installed');
  await page.getByRole('menuitem', { name: /Claude Code/ }).click();
  const pane = page.locator('.term-pane:not([hidden])');
  await expect(pane.locator('.xterm-rows')).toContainText('claude is not installed');
  await expect(pane.locator('.xterm-rows')).toContainText('workbench.toml');
  await expect(pane.locator('.term-status')).toContainText('not installed');
});

test('the tab list survives a reload and each tab reattaches with its scrollback', async ({ page }) => {
  const first = await openTerminal(page);
  await run(page, first, 'echo one-$((10+1)); echo pid-$$');
  const pid1 = await numberAfter(first, 'pid-');
  await expect(first.locator('.xterm-rows')).toContainText('one-11');

  await page.getByRole('button', { name: 'New terminal' }).click();
  await page.getByRole('menuitem', { name: 'Shell' }).click();
  await expect(page.locator('.term-tab')).toHaveCount(2);
  const second = await visiblePane(page);
  await run(page, second, 'echo two-$((20+2)); echo pid-$$');
  const pid2 = await numberAfter(second, 'pid-');
  await expect(second.locator('.xterm-rows')).toContainText('two-22');
  page.once('dialog', (d) => d.accept('second one'));
  await page.locator('.term-tab').nth(1).dblclick();
  await expect(page.locator('.term-tab').nth(1)).toContainText('second one');

  await page.reload();
  await hydrated(page);
  const tabs = page.locator('.term-tab');
  await expect(tabs).toHaveCount(2);
  await expect(tabs.nth(1)).toContainText('second one');
  await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');

  // The shown tab is the second one, reattached: its scrollback and its shell.
  const again2 = await visiblePane(page);
  await expect(again2.locator('.xterm-rows')).toContainText('two-22');
  await run(page, again2, 'echo still-$$');
  expect(await numberAfter(again2, 'still-')).toBe(pid2);

  await tabs.first().click();
  const again1 = await visiblePane(page);
  await expect(again1.locator('.xterm-rows')).toContainText('one-11');
  await run(page, again1, 'echo still-$$');
  expect(await numberAfter(again1, 'still-')).toBe(pid1);
});

test('the [terminal] theme reaches xterm.js', async ({ page }) => {
  const pane = await openTerminal(page);
  // The default preset, "dark", sent in the ttyd preferences: background #1e1e1e (xterm.js 6
  // paints it on its scrollable element) and foreground #d4d4d4 (xterm.js's own is #ffffff).
  const style = (selector: string, property: 'backgroundColor' | 'color') =>
    pane.locator(selector).evaluate((el, p) => getComputedStyle(el)[p], property);
  await expect.poll(() => style('.xterm-scrollable-element', 'backgroundColor')).toBe('rgb(30, 30, 30)');
  await expect.poll(() => style('.xterm-rows', 'color')).toBe('rgb(212, 212, 212)');
});

test('xterm.js loads only when a terminal opens, also after a client-side tab switch', async ({ page, consoleErrors }) => {
  const xterm: string[] = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/xterm/')) xterm.push(new URL(req.url()).pathname);
  });
  await page.goto('/workbench/brain');
  await hydrated(page);
  await page.goto('/homelab');
  await hydrated(page);
  expect(xterm).toEqual([]);
  await page.goto('/workbench/brain');
  await hydrated(page);
  await page.getByRole('tab', { name: 'Terminal' }).click();
  const pane = await visiblePane(page);
  expect(xterm).toContain('/xterm/xterm.mjs');
  await run(page, pane, 'echo lazy-$((40+2))');
  await expect(pane.locator('.xterm-rows')).toContainText('lazy-42');
  expect(consoleErrors).toEqual([]);
});

test('Chromium gets permessage-deflate and tty, and bulk output comes through it', async ({ page }) => {
  const pane = await openTerminal(page);
  // What the browser agreed to, as its WebSocket API reports it.
  const negotiated = await page.evaluate(
    () =>
      new Promise<{ protocol: string; extensions: string }>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/terminal/shell/ws`, ['tty']);
        ws.onopen = () => {
          resolve({ protocol: ws.protocol, extensions: ws.extensions });
          ws.close(1000);
        };
        ws.onerror = () => reject(new Error('WebSocket failed'));
      }),
  );
  expect(negotiated).toEqual({ protocol: 'tty', extensions: 'permessage-deflate' });
  // 4 MB of output through compressed frames and xterm.js's PAUSE/RESUME, then a marker.
  await run(page, pane, 'head -c 3000000 /dev/zero | base64; echo bulk-done-$((6*7))');
  await expect(pane.locator('.xterm-rows')).toContainText('bulk-done-42', { timeout: 30_000 });
});

test('when xterm.js cannot load, the pane says so and how to recover', async ({ page }) => {
  await page.route('**/xterm/xterm.mjs', (route) => route.abort());
  await page.goto('/workbench/terminal');
  await hydrated(page);
  await expect(page.locator('.term-pane:not([hidden]) .term-status')).toContainText(
    'the terminal code (xterm.js) did not load; check the connection and reload the page',
  );
  // Once it can load again, a reload gives a working terminal.
  await page.unroute('**/xterm/xterm.mjs');
  const pane = await openTerminal(page);
  await run(page, pane, 'echo back-$((40+2))');
  await expect(pane.locator('.xterm-rows')).toContainText('back-42');
});
