// Ports of the homelab Playwright instances; the fixture port is also in fixtures/homelab.toml.
export const HOMELAB_FIXTURE_PORT = 3190;
export const HOMELAB_PORT = Number(process.env.WORKBENCH_E2E_HOMELAB_PORT ?? 3101);
export const ACCESS_PORT = Number(process.env.WORKBENCH_E2E_ACCESS_PORT ?? 3102);
export const E2E_AUDIENCE = 'e2e-audience';
