/** What every implemented exchange must do, checked the same way for each. */
import { existsSync, readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ArgumentsRequired,
  AuthenticationError,
  BadSymbol,
  InvalidOrder,
  NotSupported,
} from '../../src/core/errors.js';
import { Exchange } from '../../src/core/exchange.js';
import { UNIFIED_METHODS, WATCH_METHODS } from '../../src/core/spec.js';
import { camelPath } from '../../src/core/util.js';
import { implementedIds, loadExchangeClass } from '../../src/registry.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);

function sharedMarkets(id: string): unknown {
  for (const name of [id, id === 'coinbasepro' ? 'coinbaseexchange' : id]) {
    const p = new URL(`markets/${name}.json`, SHARED);
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as unknown;
  }
  return undefined;
}

/** A fetch that records calls; any call is a failure in these tests. */
function recordingFetch(): { calls: string[]; fetch: (url: string) => Promise<never> } {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (url: string) => {
      calls.push(url);
      throw new Error(`unexpected request ${url}`);
    },
  };
}

const ARGS: Record<string, unknown[]> = {
  fetchTicker: ['BTC/USDT'],
  fetchOrderBook: ['BTC/USDT'],
  fetchTrades: ['BTC/USDT'],
  fetchOHLCV: ['BTC/USDT'],
  createOrder: ['BTC/USDT', 'limit', 'buy', 1, 1],
  editOrder: ['1', 'BTC/USDT', 'limit', 'buy', 1, 1],
  cancelOrder: ['1', 'BTC/USDT'],
  fetchOrder: ['1', 'BTC/USDT'],
  fetchOrderTrades: ['1', 'BTC/USDT'],
  fetchDepositAddress: ['BTC'],
  createDepositAddress: ['BTC'],
  withdraw: ['BTC', 1, 'addr'],
  fetchTradingFee: ['BTC/USDT'],
  transfer: ['BTC', 1, 'spot', 'margin'],
};

const CREDS = { apiKey: 'k', secret: 'c2VjcmV0', password: 'p', uid: 'u' };

for (const id of implementedIds()) {
  describe(`exchange: ${id}`, async () => {
    const Cls = await loadExchangeClass(id);
    const spec = (Cls as unknown as typeof Exchange).spec;
    // an exchange without endpoints (paper) serves its own markets offline
    const markets =
      sharedMarkets(id) ?? (Object.keys(spec.urls.api).length === 0 ? await new Cls().loadMarkets() : undefined);
    const needsCredentials = Object.values(spec.requiredCredentials ?? { apiKey: true }).some((v) => v === true);
    const spotSymbol = (ex: Exchange): string =>
      ex.symbols.includes('BTC/USDT') && ex.markets['BTC/USDT']!.spot
        ? 'BTC/USDT'
        : ex.symbols.find((s) => ex.markets[s]!.spot)!;

    it('default: constructs without I/O and without exposing secrets', () => {
      const rec = recordingFetch();
      const ex = new Cls({
        apiKey: 'KEY-abcdef-123',
        secret: 'SECRET-abcdef-123',
        password: 'PASS-abcdef',
        fetch: rec.fetch as never,
      });
      expect(rec.calls).toEqual([]);
      for (const text of [JSON.stringify(ex), inspect(ex, { depth: 8, showHidden: true })]) {
        expect(text).not.toContain('KEY-abcdef-123');
        expect(text).not.toContain('SECRET-abcdef-123');
        expect(text).not.toContain('PASS-abcdef');
      }
      expect(ex.id).toBe(id);
      expect(spec.urls.doc).toBeTruthy();
    });

    it('behavior: has is true exactly for the methods the class implements', () => {
      const ex = new Cls();
      const base = Exchange.prototype as unknown as Record<string, unknown>;
      const proto = Object.getPrototypeOf(ex) as Record<string, unknown>;
      for (const m of UNIFIED_METHODS) {
        const implemented = proto[m] !== base[m];
        // 'emulated': the base serves it from another method the class has (fetchDepositWithdrawFee)
        if (ex.has[m] === 'emulated' && !implemented) continue;
        expect.soft(ex.has[m] === true || ex.has[m] === 'emulated', `${id}.has.${m}`).toBe(implemented);
      }
    });

    it('error: methods that has marks false throw NotSupported', async () => {
      const rec = recordingFetch();
      const ex = new Cls({ fetch: rec.fetch as never, ...CREDS });
      if (markets !== undefined) ex.setMarkets(markets as never);
      for (const m of UNIFIED_METHODS) {
        if (ex.has[m] !== false) continue;
        const fn = (ex as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m]!;
        await expect(fn.apply(ex, ARGS[m] ?? []), `${id}.${m}`).rejects.toBeInstanceOf(NotSupported);
      }
      expect(rec.calls).toEqual([]);
    });

    it('behavior: the watch methods has declares are exactly those the ws handler serves', async () => {
      const load = (Cls as unknown as { streams?: () => Promise<new (e: unknown) => object> }).streams;
      const ex = new Cls();
      if (load === undefined) {
        for (const m of WATCH_METHODS) expect(ex.has[m], `${id}.has.${m}`).toBe(false);
        return;
      }
      const Handler = await load();
      for (const m of WATCH_METHODS) {
        const served = typeof (Handler.prototype as Record<string, unknown>)[m] === 'function';
        expect.soft(ex.has[m] === true, `${id}.has.${m}`).toBe(served);
      }
    });

    it('behavior: every endpoint in the table is a callable method', () => {
      const ex = new Cls() as unknown as Record<string, unknown>;
      for (const [section, methods] of Object.entries(spec.api)) {
        for (const [verb, table] of Object.entries(methods as Record<string, Record<string, unknown>>)) {
          for (const path of Object.keys(table)) {
            const name = `${camelPath(section, false)}${verb.charAt(0).toUpperCase()}${verb.slice(1)}${camelPath(path)}`;
            expect(typeof ex[name], name).toBe('function');
          }
        }
      }
    });

    it('error: bad symbol, nothing sent', async () => {
      expect(markets, `shared markets for ${id}`).toBeDefined();
      const rec = recordingFetch();
      const ex = new Cls({ fetch: rec.fetch as never, ...CREDS });
      ex.setMarkets(markets as never);
      for (const m of ['fetchTicker', 'fetchOrderBook', 'fetchTrades', 'fetchOHLCV'] as const) {
        if (ex.has[m] !== true) continue;
        await expect((ex[m] as (s: string) => Promise<unknown>).call(ex, 'NOPE/NOPE'), m).rejects.toBeInstanceOf(
          BadSymbol,
        );
      }
      if (ex.has.createOrder === true) {
        await expect(ex.createOrder('NOPE/NOPE', 'limit', 'buy', 1, 1)).rejects.toBeInstanceOf(BadSymbol);
      }
      expect(rec.calls).toEqual([]);
    });

    it('error: invalid order arguments are rejected before any request', async () => {
      const rec = recordingFetch();
      const ex = new Cls({ fetch: rec.fetch as never, ...CREDS });
      ex.setMarkets(markets as never);
      expect(ex.has.createOrder).toBe(true);
      const s = spotSymbol(ex);
      for (const amount of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(ex.createOrder(s, 'limit', 'buy', amount, 100), `amount ${amount}`).rejects.toBeInstanceOf(
          InvalidOrder,
        );
      }
      for (const price of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(ex.createOrder(s, 'limit', 'buy', 1, price), `price ${price}`).rejects.toBeInstanceOf(
          InvalidOrder,
        );
      }
      await expect(ex.createOrder(s, 'limit', 'buy', 1)).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.createOrder(s, 'limit', 'hold' as never, 1, 100)).rejects.toBeInstanceOf(InvalidOrder);
      expect(rec.calls).toEqual([]);
    });

    // Only the case that applies is declared, so no test shows as skipped.
    if (needsCredentials)
      it('error: private calls without credentials raise AuthenticationError before any request', async () => {
        const rec = recordingFetch();
        const ex = new Cls({ fetch: rec.fetch as never });
        ex.setMarkets(markets as never);
        const s = spotSymbol(ex);
        await expect(ex.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
        await expect(ex.createOrder(s, 'limit', 'buy', 1, 100)).rejects.toBeInstanceOf(AuthenticationError);
        await expect(ex.fetchOpenOrders(s)).rejects.toBeInstanceOf(AuthenticationError);
        expect(rec.calls).toEqual([]);
      });

    if (!needsCredentials)
      it('behavior: an exchange that needs no credentials trades without them', async () => {
        const rec = recordingFetch();
        const ex = new Cls({ fetch: rec.fetch as never });
        ex.setMarkets(markets as never);
        const s = spotSymbol(ex);
        expect((await ex.fetchBalance()).total).toBeTypeOf('object');
        expect(await ex.fetchOpenOrders(s)).toEqual([]);
        expect(rec.calls).toEqual([]);
      });
  });
}
