import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

// One source tree, two bundles: `#crypto` is bound at build time to the Node
// or the Web Crypto provider, and package.json `exports` conditions choose the
// bundle. Nothing in the library inspects the runtime it lands on.
const flavour = (name: 'node' | 'web'): Options => ({
  entry: { [name]: 'src/index.ts' },
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: name === 'node' ? 'node' : 'neutral',
  sourcemap: true,
  dts: false,
  clean: false,
  esbuildPlugins: [
    {
      name: 'hookguard-crypto-provider',
      setup(build) {
        const path = fileURLToPath(new URL(`./src/crypto/${name}.ts`, import.meta.url));
        build.onResolve({ filter: /^#crypto$/ }, () => ({ path }));
      },
    },
  ],
});

export default defineConfig([
  { entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'], dts: { only: true }, clean: true },
  flavour('node'),
  flavour('web'),
]);
