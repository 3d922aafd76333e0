// Playwright against the release build, in Debian's chromium (never a downloaded browser).
import { defineConfig } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const PORT = Number(process.env.WORKBENCH_E2E_PORT ?? 3100);
const root = path.resolve(__dirname, '..');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `${root}/target/release/workbench serve`,
    cwd: root,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: {
      WORKBENCH_SERVER__ADDR: `127.0.0.1:${PORT}`,
      WORKBENCH_SERVER__SITE_ROOT: `${root}/target/site`,
      // A fresh audit log per run (the Services spec reads it back).
      WORKBENCH_SERVER__DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'workbench-e2e-')),
      RUST_LOG: 'warn',
      // Closed pages leave their terminal sessions waiting to be reattached; the suite opens many.
      WORKBENCH_TERMINAL__MAX_CLIENTS: '200',
      WORKBENCH_TERMINAL__GRACE_SECONDS: '30',
    },
  },
});
