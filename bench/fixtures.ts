/**
 * Deterministic synthetic Binance responses for the benchmarks: a spot `GET /api/v3/exchangeInfo` with N symbols
 * and a `GET /api/v3/depth` with N levels per side. Same seed -> byte-identical JSON, so runs are comparable.
 */

/** mulberry32: small, fast, deterministic PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binance prints every decimal with 8 places: 0.001 -> "0.00100000". */
function d8(x: number): string {
  return x.toFixed(8);
}

/** 10^-decimals as Binance prints it (decimals 0..8). */
function tick(decimals: number): string {
  return d8(10 ** -decimals);
}

/** Quote assets, most common first (USDT pairs dominate the real listing). */
const QUOTES = [
  'USDT',
  'BTC',
  'FDUSD',
  'USDC',
  'ETH',
  'BNB',
  'TRY',
  'EUR',
  'BRL',
  'JPY',
  'TUSD',
  'DAI',
  'ARS',
  'MXN',
  'PLN',
  'ZAR',
  'UAH',
  'IDR',
  'COP',
  'CZK',
  'RON',
  'AEUR',
];
const QUOTE_WEIGHTS = [40, 14, 9, 9, 6, 5, 4, 3, 2, 1.5, 1, 1, 0.6, 0.5, 0.5, 0.5, 0.4, 0.4, 0.3, 0.3, 0.3, 0.3];

/** Real listing names first, then synthetic ones, so symbols look like Binance's. */
const REAL_BASES = (
  'BTC ETH BNB XRP ADA SOL DOGE DOT TRX LTC LINK MATIC AVAX SHIB UNI ATOM XLM ETC FIL APT ARB OP NEAR ICP VET ' +
  'HBAR QNT GRT AAVE ALGO EGLD SAND MANA AXS THETA XTZ EOS FTM FLOW CHZ KAVA NEO IOTA ZEC DASH ENJ BAT ZIL COMP ' +
  'SNX CRV 1INCH SUSHI YFI RUNE KSM WAVES ONE CELO ANKR RVN HOT ICX ONT IOST ZRX STORJ SKL OCEAN BAND KNC LRC ' +
  'SUI SEI TIA INJ PEPE WIF BONK FLOKI JUP PYTH ORDI 1000SATS TON NOT ENA ETHFI W BOME STRK PENDLE LDO RNDR IMX'
).split(' ');

function syntheticBases(count: number, rand: () => number, taken: Set<string>): string[] {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const out: string[] = [];
  while (out.length < count) {
    const len = 3 + Math.floor(rand() * 4);
    let name = '';
    for (let i = 0; i < len; i++) name += letters[Math.floor(rand() * 26)];
    if (taken.has(name)) continue;
    taken.add(name);
    out.push(name);
  }
  return out;
}

function pickWeighted(rand: () => number): number {
  const total = QUOTE_WEIGHTS.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < QUOTE_WEIGHTS.length; i++) {
    r -= QUOTE_WEIGHTS[i]!;
    if (r <= 0) return i;
  }
  return 0;
}

const ORDER_TYPES_FULL = [
  'LIMIT',
  'LIMIT_MAKER',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
];
const ORDER_TYPES_BASIC = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'];
const STP_MODES = ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT'];

/**
 * One spot symbol in the shape Binance returns today (2025), e.g. for ETHBTC:
 * every filter Binance sends, permissionSets with the TRD_GRP_* lists that make up most of the real payload.
 */
function symbolEntry(
  base: string,
  quote: string,
  rand: () => number,
  decimals?: { price: number; qty: number },
): Record<string, unknown> {
  const fiatLike = ['USDT', 'FDUSD', 'USDC', 'TUSD', 'DAI', 'EUR', 'AEUR'].includes(quote);
  const priceDecimals = decimals?.price ?? Math.floor(rand() * 9); // 0..8
  const qtyDecimals = decimals?.qty ?? Math.floor(rand() * 9);
  const tickSize = tick(priceDecimals);
  const stepSize = tick(qtyDecimals);
  const maxPrice = d8([1000, 100000, 922327, 1000000, 9222449][Math.floor(rand() * 5)]!);
  const maxQty = d8([90000, 900000, 9000000, 92141578, 9222449717][Math.floor(rand() * 5)]!);
  const marketMaxQty = d8(Math.round(rand() * 1e12) / 1e8);
  const minNotional = fiatLike
    ? '5.00000000'
    : quote === 'BTC'
      ? '0.00010000'
      : quote === 'ETH'
        ? '0.00100000'
        : '1.00000000';
  const margin = rand() < 0.35;
  const trading = rand() > 0.08;
  const groups: string[] = [];
  const nGroups = 10 + Math.floor(rand() * 110);
  for (let g = 2; groups.length < nGroups; g++) groups.push(`TRD_GRP_${String(g).padStart(3, '0')}`);
  const full = rand() < 0.8;
  return {
    symbol: base + quote,
    status: trading ? 'TRADING' : 'BREAK',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: full ? ORDER_TYPES_FULL : ORDER_TYPES_BASIC,
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: full,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: full,
    pegInstructionsAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: margin,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: tickSize, maxPrice, tickSize },
      { filterType: 'LOT_SIZE', minQty: stepSize, maxQty, stepSize },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: marketMaxQty, stepSize: '0.00000000' },
      {
        filterType: 'TRAILING_DELTA',
        minTrailingAboveDelta: 10,
        maxTrailingAboveDelta: 2000,
        minTrailingBelowDelta: 10,
        maxTrailingBelowDelta: 2000,
      },
      {
        filterType: 'PERCENT_PRICE_BY_SIDE',
        bidMultiplierUp: '5',
        bidMultiplierDown: '0.2',
        askMultiplierUp: '5',
        askMultiplierDown: '0.2',
        avgPriceMins: 5,
      },
      {
        filterType: 'NOTIONAL',
        minNotional,
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [margin ? ['SPOT', 'MARGIN', ...groups] : ['SPOT', ...groups]],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: STP_MODES,
  };
}

export interface ExchangeInfoFixture {
  json: Record<string, unknown>;
  text: string;
  /** Unified symbols (BASE/QUOTE) in listing order. */
  symbols: string[];
}

/** Binance spot exchangeInfo with exactly `count` unique symbols; BTCUSDT is always the first. */
export function exchangeInfo(count = 3000, seed = 20240601): ExchangeInfoFixture {
  const rand = prng(seed);
  const taken = new Set<string>([...REAL_BASES, ...QUOTES]);
  const bases = [...REAL_BASES, ...syntheticBases(count, rand, taken)];
  const symbols: Record<string, unknown>[] = [];
  const unified: string[] = [];
  const seen = new Set<string>();
  const add = (base: string, quote: string, decimals?: { price: number; qty: number }): void => {
    if (base === quote || seen.has(base + quote) || symbols.length >= count) return;
    seen.add(base + quote);
    symbols.push(symbolEntry(base, quote, rand, decimals));
    unified.push(`${base}/${quote}`);
  };
  add('BTC', 'USDT', { price: 2, qty: 5 }); // as listed: tickSize 0.01, stepSize 0.00001
  for (const base of bases) {
    if (symbols.length >= count) break;
    add(base, 'USDT');
    const extra = Math.floor(rand() * 5);
    for (let i = 0; i < extra; i++) add(base, QUOTES[pickWeighted(rand)]!);
  }
  if (symbols.length < count) throw new Error(`exchangeInfo fixture: only ${symbols.length} symbols`);
  const json = {
    timezone: 'UTC',
    serverTime: 1717200000000,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols,
    sors: [{ baseAsset: 'BTC', symbols: ['BTCUSDT', 'BTCUSDC', 'BTCFDUSD'] }],
  };
  return { json, text: JSON.stringify(json), symbols: unified };
}

export interface DepthFixture {
  json: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
  text: string;
}

/** Binance `GET /api/v3/depth?limit=N`: N bids descending, N asks ascending, 8-decimal strings. */
export function depth(levels = 5000, seed = 7): DepthFixture {
  const rand = prng(seed);
  const mid = 67432.15;
  const bids: [string, string][] = [];
  const asks: [string, string][] = [];
  let bid = mid - 0.01;
  let ask = mid + 0.01;
  for (let i = 0; i < levels; i++) {
    bids.push([d8(bid), d8(Math.round(rand() * 5e8) / 1e8 + 0.00001)]);
    asks.push([d8(ask), d8(Math.round(rand() * 5e8) / 1e8 + 0.00001)]);
    const step = (1 + Math.floor(rand() * 3)) / 100;
    bid = Math.round((bid - step) * 100) / 100;
    ask = Math.round((ask + step) * 100) / 100;
  }
  const json = { lastUpdateId: 51234567890, bids, asks };
  return { json, text: JSON.stringify(json) };
}
