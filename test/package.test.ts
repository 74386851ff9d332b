/** The built package as a user meets it: ESM and CommonJS, subpath per exchange, types next to each. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const run = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('package', () => {
  it('default: dist has ESM, CommonJS and declarations for the root and each exchange', () => {
    for (const f of [
      'index.js',
      'index.cjs',
      'index.d.ts',
      'index.d.cts',
      'exchanges/kraken/kraken.js',
      'exchanges/kraken/kraken.cjs',
      'exchanges/kraken/kraken.d.ts',
    ]) {
      expect(existsSync(`${root}dist/${f}`), f).toBe(true);
    }
  });

  it('behavior: import unifex/kraken (ESM) loads one exchange', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "const { kraken } = await import('unifex/kraken'); console.log(new kraken().id)",
    ]);
    expect(out.trim()).toBe('kraken');
  });

  it('behavior: require unifex/binance (CommonJS)', () => {
    const out = run(['-e', "const { binance } = require('unifex/binance'); console.log(new binance().id)"]);
    expect(out.trim()).toBe('binance');
  });

  it('behavior: createExchange loads lazily by id and by current name', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "const u = await import('unifex'); const a = await u.createExchange('coinbaseexchange'); const b = await u.createExchange('coinbasepro'); console.log(a.constructor === b.constructor, a.id)",
    ]);
    expect(out.trim()).toBe('true coinbasepro');
  });
});
