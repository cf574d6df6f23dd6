import { defineConfig } from 'tsup';

// The `req.webhook` augmentation lives in types/express-request.d.ts, shipped once and
// referenced from both declaration files: emitted into each, an .mts and a .cts importing
// this package in one program got TS2717 (two declarations of `webhook`). The banner adds the
// reference because the declaration bundler drops the one in src/index.ts.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  target: 'es2022',
  dts: { banner: '/// <reference path="../types/express-request.d.ts" />' },
  sourcemap: true,
  clean: true,
});
