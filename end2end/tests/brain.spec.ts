// The Brain tab: answers streamed from a fake Ollama (the workbench-llm example server, which
// follows Ollama's documented API) with citations that open the right page; the model
// selector; the Index panel running to the end; and, with no model server, cited passages.
import { test, expect, hydrated } from './fixtures';
import type { Page } from '@playwright/test';
import { BRAIN_PORT } from '../homelab-ports';

const BRAIN = `http://127.0.0.1:${BRAIN_PORT}`;

async function openBrain(page: Page, base = '') {
  await page.goto(`${base}/workbench/brain`);
  await hydrated(page);
}

async function ask(page: Page, question: string) {
  await page.locator('#brain-question').fill(question);
  await page.locator('#brain-question').press('Enter');
}

test('an answer streams in token by token, with citations that open the cited page', async ({ page, consoleErrors }) => {
  await openBrain(page, BRAIN);
  await ask(page, 'How do I restart nginx inside a container with s6?');
  const answer = page.locator('.message.assistant').last();
  // Streaming: part of the answer is on the page while the answer is still busy.
  await expect(answer.locator('.answer')).not.toBeEmpty();
  const partial = (await answer.locator('.answer').innerText()).length;
  await expect(answer).toHaveAttribute('aria-busy', 'false', { timeout: 20_000 });
  const full = (await answer.locator('.answer').innerText()).length;
  expect(full).toBeGreaterThan(partial);
  // Rendered as Markdown, with [n] markers linked to their sources.
  await expect(answer.locator('.answer strong').first()).toBeVisible();
  await expect(answer.locator('.answer a[title]').first()).toBeVisible();
  const first = answer.locator('.citations a.citation').first();
  await expect(first).toBeVisible();
  const href = await first.getAttribute('href');
  expect(href).toMatch(/^\/resources\/[a-z-]+\/[a-z0-9-]+(#[a-z0-9-]+)?$/);
  // The excerpt shows on hover.
  await first.hover();
  await expect(answer.locator('.citations .excerpt').first()).toBeVisible();
  await first.click();
  await expect(page).toHaveURL(new RegExp(`${href!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  await expect(page.locator('article, .entry').first()).toBeVisible();
  const anchor = href!.split('#')[1];
  if (anchor) await expect(page.locator(`[id="${anchor}"]`)).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test('the conversation is kept and listed', async ({ page }) => {
  await openBrain(page, BRAIN);
  await ask(page, 'What does docker compose restart: unless-stopped do?');
  await expect(page.locator('.message.assistant').last()).toHaveAttribute('aria-busy', 'false', { timeout: 20_000 });
  const item = page.locator('.conversations li', { hasText: 'unless-stopped' }).first();
  await expect(item).toBeVisible();
  await page.reload();
  await hydrated(page);
  await page.locator('.conversations button.conversation', { hasText: 'unless-stopped' }).first().click();
  await expect(page.locator('.message.user')).toContainText('unless-stopped');
  await expect(page.locator('.message.assistant .answer')).not.toBeEmpty();
});

test('Stop ends the answer and keeps what arrived', async ({ page }) => {
  await openBrain(page, BRAIN);
  await ask(page, 'Tell me everything about backups with restic');
  const answer = page.locator('.message.assistant').last();
  await expect(answer.locator('.answer')).not.toBeEmpty();
  await page.locator('.composer .stop').click();
  await expect(answer).toHaveAttribute('aria-busy', 'false');
  await expect(answer.locator('.answer-error')).toHaveText('Stopped.');
  await expect(answer.locator('.answer')).not.toBeEmpty();
  await expect(page.locator('.composer .send')).toBeVisible();
});

test('the model selector lists the server\'s models and remembers the choice', async ({ page }) => {
  await openBrain(page, BRAIN);
  const select = page.locator('#brain-model');
  await expect(select).toBeEnabled();
  await expect(select.locator('option')).not.toHaveCount(0);
  const names = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(names).toContain('llama3.2:3b');
  const other = names.find((n) => n !== 'llama3.2:3b')!;
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/brain/model') && r.request().method() === 'PUT');
  await select.selectOption(other);
  expect((await saved).status()).toBe(200);
  await page.reload();
  await hydrated(page);
  await expect(page.locator('#brain-model')).toHaveValue(other);
  // Back to the default for the other specs.
  await page.locator('#brain-model').selectOption('llama3.2:3b');
});

test('the Index panel runs an index and its progress bar finishes', async ({ page }) => {
  await openBrain(page, BRAIN);
  await page.locator('.index-toggle').click();
  const panel = page.locator('#brain-index');
  await expect(panel.locator('.index-sources')).toContainText('resources');
  await panel.locator('.rebuild').click();
  const progress = panel.locator('.index-progress');
  await expect(progress).toHaveAttribute('data-running', 'true');
  await expect(progress).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
  const chunks = Number(await panel.locator('.chunk-count').innerText());
  expect(chunks).toBeGreaterThan(100);
  await expect(panel.locator('.embedded-count')).toHaveText(String(chunks));
  const bar = progress.locator('progress');
  expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
});

test('with no model server, Brain answers with cited passages and says how to connect', async ({ page, consoleErrors }) => {
  await openBrain(page);
  await expect(page.locator('.brain-banner')).toContainText('brain.ollama_url');
  await ask(page, 'How do I see the logs of a Kubernetes pod?');
  const answer = page.locator('.message.assistant').last();
  await expect(answer).toHaveAttribute('aria-busy', 'false', { timeout: 20_000 });
  await expect(answer.locator('.citations a.citation').first()).toBeVisible();
  await expect(answer.locator('.answer')).toContainText('most relevant passages');
  expect(consoleErrors).toEqual([]);
});
