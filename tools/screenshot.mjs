// Takes the README's screenshot of a running server: [ASK=question] node tools/screenshot.mjs [URL] [OUT]
import { chromium } from '@playwright/test';

const url = process.argv[2] ?? 'http://127.0.0.1:3000/workbench/brain';
const out = process.argv[3] ?? 'docs/screenshot.png';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, colorScheme: 'dark' });
await page.goto(url);
await page.waitForSelector('body[data-hydrated="true"]', { timeout: 15000 }).catch(() => {});
// ASK="question": ask the Brain first and wait for the whole answer.
if (process.env.ASK) {
  await page.locator('#brain-question').fill(process.env.ASK);
  await page.locator('#brain-question').press('Enter');
  await page.waitForSelector('.message.assistant[aria-busy="false"]', { timeout: 30000 });
}
await page.screenshot({ path: out });
await browser.close();
console.log(`wrote ${out}`);
