/**
 * The dataset shipped with the package: the paper exchange's default market data, so it works offline.
 *
 * One moment in time, 2024-03-13 11:10:43.709 UTC, the moment of the recorded OKX BTC/USDT ticker below.
 * - RECORDED (real exchange data, copied from the project's shared conformance cases, ../shared/conformance):
 *   market rules (tick, step, minimums) of every market, from Binance's exchangeInfo; the BTC/USDT 24h ticker and
 *   top of book (OKX); a BTC/USDT tape of real trades printed on twelve venues between 10:29 and 11:01 that day.
 * - GENERATED (deterministic, seeded by the symbol; every generated structure says `generated: true` in `info`):
 *   order book depth below the top, candles, the trades after the recorded tape, and all data of the other markets,
 *   around the anchors given here (plausible levels for that day, not recordings).
 * Provenance travels with the data: `paper.describeSource()` and the `info` of every ticker, trade and candle set.
 */

export interface EmbeddedMarket {
  symbol: string;
  base: string;
  quote: string;
  /** Price tick, amount step, minimum amount and minimum order value (quote), as the source exchange sets them. */
  tick: string;
  step: string;
  minAmount: string;
  maxAmount: string;
  minCost: string;
  /** Where the rules come from. */
  source: string;
}

export interface RecordedTicker {
  timestamp: number;
  open: string;
  high: string;
  low: string;
  last: string;
  bid: string;
  bidVolume: string;
  ask: string;
  askVolume: string;
  baseVolume: string;
  quoteVolume: string;
  source: string;
}

/** [timestamp, venue, aggressor side, price, amount, venue trade id] */
export type RecordedTrade = [number, string, 'buy' | 'sell', string, string, string];

/** The 24h shape the generator reproduces exactly: open 24h before the snapshot, high, low, close at it. */
export interface Anchor {
  open: string;
  high: string;
  low: string;
  close: string;
  /** Base volume over the 24h. */
  baseVolume: string;
  /** Half the typical spread, in ticks. */
  halfSpreadTicks: number;
  /** Quote value of an average book level, for depth generation. */
  levelValue: number;
}

export interface EmbeddedSymbolData {
  anchor: Anchor;
  /** 'recorded' when the anchor is the recorded ticker, 'generated' when the anchor itself is made up. */
  anchorKind: 'recorded' | 'generated';
  ticker?: RecordedTicker;
  trades?: { source: string; items: RecordedTrade[] };
}

export const EMBEDDED_AS_OF = 1710328243709; // 2024-03-13T11:10:43.709Z

export const EMBEDDED_NOTE =
  'unifex embedded paper-trading dataset, a snapshot of 2024-03-13 11:10:43.709 UTC. Recorded: market rules ' +
  '(Binance exchangeInfo), the BTC/USDT 24h ticker and top of book (OKX) and a BTC/USDT tape of real trades ' +
  '(twelve venues, 10:29-11:01 UTC), all from the shared conformance cases. Generated (deterministic, labelled ' +
  '`generated: true`): book depth, candles, later trades, and all ETH/USDT, ETH/BTC, LTC/USDT and XRP/USDT data.';

export const EMBEDDED_CURRENCIES: Record<string, { name: string; precision: string }> = {
  BTC: { name: 'Bitcoin', precision: '0.00000001' },
  ETH: { name: 'Ethereum', precision: '0.00000001' },
  USDT: { name: 'TetherUS', precision: '0.00000001' },
  LTC: { name: 'Litecoin', precision: '0.00000001' },
  XRP: { name: 'XRP', precision: '0.00000001' },
};

const BINANCE_SHARED = 'Binance exchangeInfo filters (shared/conformance/markets/binance.json)';
const BINANCE_FIXTURE = 'Binance exchangeInfo filters (src/exchanges/binance/fixtures/markets/binance.json)';

export const EMBEDDED_MARKETS: EmbeddedMarket[] = [
  {
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    tick: '0.01',
    step: '0.00001',
    minAmount: '0.00001',
    maxAmount: '9000',
    minCost: '5',
    source: BINANCE_SHARED,
  },
  {
    symbol: 'ETH/USDT',
    base: 'ETH',
    quote: 'USDT',
    tick: '0.01',
    step: '0.0001',
    minAmount: '0.0001',
    maxAmount: '9000',
    minCost: '5',
    source: BINANCE_SHARED,
  },
  {
    symbol: 'ETH/BTC',
    base: 'ETH',
    quote: 'BTC',
    tick: '0.00001',
    step: '0.0001',
    minAmount: '0.0001',
    maxAmount: '100000',
    minCost: '0.0001',
    source: BINANCE_FIXTURE,
  },
  {
    symbol: 'LTC/USDT',
    base: 'LTC',
    quote: 'USDT',
    tick: '0.01',
    step: '0.001',
    minAmount: '0.001',
    maxAmount: '90000',
    minCost: '5',
    source: BINANCE_SHARED,
  },
  {
    symbol: 'XRP/USDT',
    base: 'XRP',
    quote: 'USDT',
    tick: '0.0001',
    step: '1',
    minAmount: '1',
    maxAmount: '9222449',
    minCost: '5',
    source: BINANCE_SHARED,
  },
];

export const EMBEDDED_DATA: Record<string, EmbeddedSymbolData> = {
  'BTC/USDT': {
    anchorKind: 'recorded',
    anchor: {
      open: '72166.8',
      high: '73625.6',
      low: '68600',
      close: '73384.8',
      baseVolume: '21266.19145051',
      halfSpreadTicks: 5,
      levelValue: 40000,
    },
    // OKX GET /api/v5/market/ticker?instId=BTC-USDT, raw strings (shared/conformance/response/okx.json)
    ticker: {
      timestamp: 1710328243709,
      open: '72166.8',
      high: '73625.6',
      low: '68600',
      last: '73384.8',
      bid: '73384.7',
      bidVolume: '0.0655768',
      ask: '73384.8',
      askVolume: '0.40193728',
      baseVolume: '21266.19145051',
      quoteVolume: '1519926359.597266598',
      source: 'OKX fetchTicker BTC/USDT at 2024-03-13T11:10:43.709Z (shared/conformance/response/okx.json)',
    },
    // each venue's latest BTC/USDT trade when the conformance cases were recorded (shared/conformance/response/*)
    trades: {
      source: 'latest BTC/USDT trade of each venue, 2024-03-13 (shared/conformance/response/<venue>.json)',
      items: [
        [1710325796526, 'gemini', 'buy', '73268.24', '0.00028921', '2840140831246421'],
        [1710326420359, 'deribit', 'sell', '73260.86', '0.0001', 'BTC_USDT-1097032'],
        [1710327533000, 'bitstamp', 'buy', '73254', '0.00055284', '326595342'],
        [1710327551703, 'binanceus', 'buy', '73245.9', '0.00132', '26872407'],
        [1710327599000, 'bitso', 'buy', '73320', '0.00007045', '119089863'],
        [1710327617710, 'coinbaseexchange', 'buy', '73271.63', '0.00007448', '18502034'],
        [1710327648162, 'gate', 'buy', '73236.4', '0.0002', '7835390042'],
        [1710327656856, 'lbank', 'sell', '73238.2', '0.0347', '448d76dfada24311899d7f8ee925c7f3'],
        [1710327658374, 'okx', 'sell', '73239.3', '0.0009478', '497859870'],
        [1710327659140, 'htx', 'sell', '73236.97', '0.007856', '102882518915'],
        [1710327659680, 'probit', 'sell', '73238.7', '0.62417', 'BTC-USDT:9860155'],
        [1710327660248, 'latoken', 'sell', '73238.69', '0.0587011', 'a5f62ecb-c787-4c92-9d73-93b66eac0364'],
        [1710327660748, 'poloniex', 'buy', '73189.21', '0.026675', '88645019'],
        [1710327660792, 'bigone', 'buy', '73238.69', '0.05039', '4107849607'],
        [1710327661939, 'binance', 'buy', '73238.7', '0.00109', '2913537567'],
      ],
    },
  },
  // Generated markets: anchors are plausible levels for the day (ETH/BTC = ETH/USDT / BTC/USDT), not recordings.
  'ETH/USDT': {
    anchorKind: 'generated',
    anchor: {
      open: '3975.4',
      high: '4083',
      low: '3920.6',
      close: '4042.31',
      baseVolume: '386512.4',
      halfSpreadTicks: 2,
      levelValue: 30000,
    },
  },
  'ETH/BTC': {
    anchorKind: 'generated',
    anchor: {
      open: '0.05509',
      high: '0.05566',
      low: '0.05472',
      close: '0.05508',
      baseVolume: '41230.1123',
      halfSpreadTicks: 1,
      levelValue: 0.4,
    },
  },
  'LTC/USDT': {
    anchorKind: 'generated',
    anchor: {
      open: '88.12',
      high: '93.1',
      low: '86.9',
      close: '91.45',
      baseVolume: '812345.2',
      halfSpreadTicks: 1,
      levelValue: 8000,
    },
  },
  'XRP/USDT': {
    anchorKind: 'generated',
    anchor: {
      open: '0.6912',
      high: '0.734',
      low: '0.6805',
      close: '0.7158',
      baseVolume: '402123456',
      halfSpreadTicks: 1,
      levelValue: 10000,
    },
  },
};
