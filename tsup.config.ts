import { defineConfig } from 'tsup';

const exchanges = ['binance', 'bitstamp', 'coinbasepro', 'kraken'];

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    registry: 'src/registry.ts',
    // the `unifex` command (package.json "bin"); its shebang is kept and the file made executable
    'cli/main': 'src/cli/main.ts',
    ...Object.fromEntries(exchanges.map((id) => [`exchanges/${id}/${id}`, `src/exchanges/${id}/${id}.ts`])),
  },
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  treeshake: true,
  sourcemap: false,
  clean: true,
  target: 'node20',
  platform: 'node',
  external: ['undici', '@noble/hashes', '@noble/curves'],
});
