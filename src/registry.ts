/**
 * id -> lazy loader. `createExchange('kraken', config)` imports only Kraken's code.
 * The catalog (all 124 exchanges, implemented or not) comes from shared/exchanges.tsv via src/catalog.ts.
 */
import { catalog, type CatalogEntry } from './catalog.js';
import { BadRequest } from './core/errors.js';
import type { Exchange, ExchangeConfig } from './core/exchange.js';

export type ExchangeConstructor = new (config?: ExchangeConfig) => Exchange;

const loaders: Record<string, () => Promise<ExchangeConstructor>> = {
  binance: async () => (await import('./exchanges/binance/binance.js')).binance,
  bitstamp: async () => (await import('./exchanges/bitstamp/bitstamp.js')).bitstamp,
  coinbasepro: async () => (await import('./exchanges/coinbasepro/coinbasepro.js')).coinbasepro,
  kraken: async () => (await import('./exchanges/kraken/kraken.js')).kraken,
  paper: async () => (await import('./paper/paper.js')).paper,
};

/** Current names answer too: the seed id stays, the new name is an alias of the same class. */
export const aliases: Readonly<Record<string, string>> = {
  coinbaseexchange: 'coinbasepro',
};

export function resolveId(id: string): string {
  return aliases[id] ?? id;
}

/** Ids with working code behind them. */
export function implementedIds(): string[] {
  return Object.keys(loaders).sort();
}

export function isImplemented(id: string): boolean {
  return loaders[resolveId(id)] !== undefined;
}

export interface ExchangeInfo extends CatalogEntry {
  implemented: boolean;
  aliases: string[];
}

export function listExchanges(): ExchangeInfo[] {
  return catalog.map((e) => ({
    ...e,
    implemented: loaders[e.id] !== undefined,
    aliases: Object.keys(aliases).filter((a) => aliases[a] === e.id),
  }));
}

export async function loadExchangeClass(id: string): Promise<ExchangeConstructor> {
  const loader = loaders[resolveId(id)];
  if (loader === undefined) {
    const known = catalog.some((e) => e.id === id);
    throw new BadRequest(known ? `exchange ${id} is not implemented yet` : `unknown exchange ${id}`);
  }
  return loader();
}

export async function createExchange(id: string, config: ExchangeConfig = {}): Promise<Exchange> {
  const Cls = await loadExchangeClass(id);
  return new Cls(config);
}
