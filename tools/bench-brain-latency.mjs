#!/usr/bin/env node
// A token's trip from the model server to the page. The fake Ollama writes each token as
// `t<unix µs when written>`; in chromium a MutationObserver notes when each one appears in
// the answer (performance.timeOrigin + now(), same clock). Baseline: Node reading the same
// NDJSON stream straight from the fake. Usage: bench-brain-latency.mjs WORKBENCH_URL FAKE_URL [ROUNDS]
import { chromium } from '@playwright/test';

const [base, fake, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 5);

function stats(xs) {
  const a = [...xs].sort((x, y) => x - y);
  const at = (q) => a[Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1))];
  return `p50 ${(at(0.5) / 1000).toFixed(2)} ms, p99 ${(at(0.99) / 1000).toFixed(2)} ms, n=${a.length}`;
}

const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

async function baseline() {
  const res = await fetch(`${fake}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'x' }], stream: true }),
  });
  const out = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body) {
    const t = nowUs();
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = line.match(/t(\d{13,})/);
      if (m) out.push(t - Number(m[1]));
    }
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage();
await page.goto(`${base}/workbench/brain`);
await page.waitForSelector('body[data-hydrated="true"]');
await page.evaluate(() => {
  window.__lat = [];
  const seen = new Set();
  new MutationObserver(() => {
    const t = (performance.timeOrigin + performance.now()) * 1000;
    const answers = document.querySelectorAll('.message.assistant .answer');
    const last = answers[answers.length - 1];
    if (!last) return;
    for (const m of last.textContent.matchAll(/t(\d{13,})/g)) {
      if (!seen.has(m[1])) {
        seen.add(m[1]);
        window.__lat.push(t - Number(m[1]));
      }
    }
  }).observe(document.querySelector('.messages'), { subtree: true, childList: true, characterData: true });
});
const direct = [];
for (let r = 0; r < rounds; r++) {
  direct.push(...(await baseline()));
  await page.locator('#brain-question').fill(`latency round ${r}`);
  await page.locator('#brain-question').press('Enter');
  await page.waitForSelector('.message.assistant:last-child[aria-busy="false"]', { timeout: 60_000 });
}
const page_lat = await page.evaluate(() => window.__lat);
await browser.close();
console.log(`model server -> page (Workbench + chromium): ${stats(page_lat)}`);
console.log(`model server -> Node reading the fake directly (baseline): ${stats(direct)}`);
