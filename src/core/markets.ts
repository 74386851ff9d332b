/** Symbol <-> id <-> currency code maps, built once per setMarkets. */
import type { Currency, Market } from './types.js';

export class MarketStore {
  markets: Record<string, Market> = {};
  marketsById: Record<string, Market[]> = {};
  symbols: string[] = [];
  ids: string[] = [];
  currencies: Record<string, Currency> = {};
  currenciesById: Record<string, Currency> = {};
  codes: string[] = [];

  set(markets: Market[] | Record<string, Market>, currencies?: Currency[] | Record<string, Currency>): void {
    const list = Array.isArray(markets) ? markets : Object.values(markets);
    const bySymbol: Record<string, Market> = Object.create(null) as Record<string, Market>;
    const byId: Record<string, Market[]> = Object.create(null) as Record<string, Market[]>;
    for (const m of list) {
      bySymbol[m.symbol] = m;
      const bucket = byId[m.id];
      if (bucket === undefined) byId[m.id] = [m];
      else bucket.push(m);
    }
    this.markets = bySymbol;
    this.marketsById = byId;
    this.symbols = Object.keys(bySymbol).sort();
    this.ids = Object.keys(byId).sort();
    if (currencies !== undefined) {
      this.setCurrencies(currencies);
    } else if (Object.keys(this.currencies).length === 0) {
      this.deriveCurrencies(list);
    }
    this.codes = Object.keys(this.currencies).sort();
  }

  /** Currencies alone: loadMarkets sets them before fetchMarkets so market parsing can map currency ids. */
  setCurrencies(currencies: Currency[] | Record<string, Currency>): void {
    const clist = Array.isArray(currencies) ? currencies : Object.values(currencies);
    const byCode: Record<string, Currency> = Object.create(null) as Record<string, Currency>;
    const byCid: Record<string, Currency> = Object.create(null) as Record<string, Currency>;
    for (const c of clist) {
      byCode[c.code] = c;
      byCid[c.id] = c;
    }
    this.currencies = byCode;
    this.currenciesById = byCid;
    this.codes = Object.keys(byCode).sort();
  }

  /** Without a currency endpoint, currencies are what the markets trade. */
  private deriveCurrencies(list: Market[]): void {
    const byCode: Record<string, Currency> = Object.create(null) as Record<string, Currency>;
    const byCid: Record<string, Currency> = Object.create(null) as Record<string, Currency>;
    const add = (id: string | undefined, code: string | undefined, precision: number | undefined): void => {
      if (id === undefined || code === undefined || byCode[code] !== undefined) return;
      const c: Currency = { id, code, precision, info: undefined };
      byCode[code] = c;
      byCid[id] = c;
    };
    for (const m of list) {
      add(m.baseId, m.base, m.precision?.base ?? m.precision?.amount);
      add(m.quoteId, m.quote, m.precision?.quote ?? m.precision?.price);
      if (m.settle !== undefined) add(m.settleId, m.settle, undefined);
    }
    this.currencies = byCode;
    this.currenciesById = byCid;
  }

  get loaded(): boolean {
    return this.symbols.length > 0;
  }
}
