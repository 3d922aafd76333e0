// Ports of the homelab Playwright instances; the fixture port is also in fixtures/homelab.toml.
export const HOMELAB_FIXTURE_PORT = 3190;
export const HOMELAB_PORT = Number(process.env.WORKBENCH_E2E_HOMELAB_PORT ?? 3101);
export const ACCESS_PORT = Number(process.env.WORKBENCH_E2E_ACCESS_PORT ?? 3102);
export const E2E_AUDIENCE = 'e2e-audience';
// The Brain: a fake Ollama (the workbench-llm example) and Workbench connected to it.
export const FAKE_OLLAMA_PORT = Number(process.env.WORKBENCH_E2E_FAKE_OLLAMA_PORT ?? 3191);
export const BRAIN_PORT = Number(process.env.WORKBENCH_E2E_BRAIN_PORT ?? 3103);
