import { defineConfig } from 'tsup';

// Two builds run side by side: the library (ESM + CJS + types) and the bin (ESM only, with
// its shebang). The library's clean step spares the bin's files so neither wipes the other.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    target: 'es2022',
    dts: true,
    sourcemap: true,
    clean: ['!cli.js', '!cli.js.map'],
  },
  {
    entry: ['src/cli.ts'],
    format: ['esm'],
    target: 'es2022',
    sourcemap: true,
    clean: false,
  },
]);
