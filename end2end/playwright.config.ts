// Playwright against the release build, in Debian's chromium (never a downloaded browser).
import { defineConfig } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ACCESS_PORT, BRAIN_PORT, E2E_AUDIENCE, FAKE_OLLAMA_PORT, HOMELAB_FIXTURE_PORT, HOMELAB_PORT } from './homelab-ports';

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
  webServer: [
    {
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
    // The homelab fixture (fake code-server, a healthy host, a JWKS), then Workbench with a
    // Code URL and hosts (local mode: admin) and the same behind Access (for the non-admin view,
    // and with a Code URL that does not answer).
    {
      command: `node ${root}/end2end/fixtures/homelab-server.mjs`,
      url: `http://127.0.0.1:${HOMELAB_FIXTURE_PORT}/health`,
      reuseExistingServer: false,
      env: { FIXTURE_PORT: String(HOMELAB_FIXTURE_PORT), FIXTURE_AUDIENCE: E2E_AUDIENCE },
    },
    {
      command: `${root}/target/release/workbench --config ${root}/end2end/fixtures/homelab.toml serve`,
      cwd: root,
      url: `http://127.0.0.1:${HOMELAB_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: {
        WORKBENCH_SERVER__ADDR: `127.0.0.1:${HOMELAB_PORT}`,
        WORKBENCH_SERVER__SITE_ROOT: `${root}/target/site`,
        RUST_LOG: 'warn',
      },
    },
    {
      command: `${root}/target/release/workbench --config ${root}/end2end/fixtures/homelab.toml serve`,
      cwd: root,
      url: `http://127.0.0.1:${ACCESS_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: {
        WORKBENCH_SERVER__ADDR: `127.0.0.1:${ACCESS_PORT}`,
        WORKBENCH_SERVER__SITE_ROOT: `${root}/target/site`,
        WORKBENCH_AUTH__MODE: 'cloudflare-access',
        WORKBENCH_AUTH__TEAM_DOMAIN: 'testteam.cloudflareaccess.com',
        WORKBENCH_AUTH__AUDIENCES: E2E_AUDIENCE,
        WORKBENCH_AUTH__ADMINS: 'admin@example.com',
        WORKBENCH_AUTH__CERTS_URL: `http://127.0.0.1:${HOMELAB_FIXTURE_PORT}/cdn-cgi/access/certs`,
        // Nothing listens there: the Code tab's "does not answer" panel.
        WORKBENCH_CODE__URL: 'http://127.0.0.1:3199/',
        RUST_LOG: 'warn',
      },
    },
    // The Brain against a fake Ollama that follows its documented API (tokens 30 ms apart so
    // streaming shows; embedding batches 40 ms apart so an index run's progress shows).
    {
      command: `${root}/target/debug/examples/fake-ollama --addr 127.0.0.1:${FAKE_OLLAMA_PORT} --token-delay-ms 30 --embed-delay-ms 40`,
      url: `http://127.0.0.1:${FAKE_OLLAMA_PORT}/api/version`,
      reuseExistingServer: false,
    },
    {
      command: `${root}/target/release/workbench serve`,
      cwd: root,
      url: `http://127.0.0.1:${BRAIN_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: {
        WORKBENCH_SERVER__ADDR: `127.0.0.1:${BRAIN_PORT}`,
        WORKBENCH_SERVER__SITE_ROOT: `${root}/target/site`,
        WORKBENCH_SERVER__DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'workbench-e2e-brain-')),
        WORKBENCH_BRAIN__OLLAMA_URL: `http://127.0.0.1:${FAKE_OLLAMA_PORT}`,
        RUST_LOG: 'warn',
      },
    },
  ],
});
