import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const coreWith = (backend: 'node' | 'web') => ({
  extends: true as const,
  test: {
    name: `core (${backend} crypto)`,
    include: ['packages/core/src/**/*.test.ts'],
    env: { HOOKGUARD_CRYPTO: backend },
    // Property tests of a few hundred runs take seconds when both cores are busy.
    testTimeout: 15_000,
  },
  resolve: {
    alias: {
      '#crypto': fileURLToPath(
        new URL(`./packages/core/src/crypto/${backend}.ts`, import.meta.url),
      ),
    },
  },
});

const suite = (name: string, include: string[], testTimeout = 15_000) => ({
  extends: true as const,
  test: { name, include, testTimeout },
});

// The core suite runs twice, once per crypto backend, so both pass the same tests.
// Adapters and cross-runtime suites import the built packages, as users do.
export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-line.ts'],
    projects: [
      coreWith('node'),
      coreWith('web'),
      suite('express', ['packages/express/src/**/*.test.ts']),
      suite('fastify', ['packages/fastify/src/**/*.test.ts']),
      suite('hono', ['packages/hono/src/**/*.test.ts']),
      suite('fetch', ['packages/fetch/src/**/*.test.ts']),
      suite('cli', ['packages/cli/src/**/*.test.ts'], 60_000),
      suite('testing', ['packages/testing/src/**/*.test.ts']),
      suite('redis', ['packages/redis/src/**/*.test.ts'], 60_000),
      suite('runtimes', ['tests/**/*.test.ts'], 120_000),
      suite('bench', ['bench/**/*.test.ts'], 300_000),
    ],
  },
});
