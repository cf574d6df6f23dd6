import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const provider = (name: 'node' | 'web') => ({
  extends: true as const,
  test: { name: `core-${name}`, include: ['packages/core/src/**/*.test.ts'] },
  resolve: {
    alias: {
      '#crypto': fileURLToPath(new URL(`./packages/core/src/crypto/${name}.ts`, import.meta.url)),
    },
  },
});

// The core suite runs twice, once per crypto backend, so both pass the same tests.
export default defineConfig({
  test: {
    projects: [provider('node'), provider('web')],
  },
});
