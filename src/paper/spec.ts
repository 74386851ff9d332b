/**
 * The paper exchange: a simulated venue with the unified API, a matching engine and market data from the embedded
 * dataset, a replay file or a live exchange. No endpoints, no credentials.
 */
import { TICK_SIZE } from '../core/decimal.js';
import { defineSpec } from '../core/spec.js';

export const spec = defineSpec({
  id: 'paper',
  name: 'Paper trading (simulated exchange)',
  countries: [],
  version: '1',
  // nothing is sent anywhere: the throttle never waits
  rateLimit: 0,
  marketTypes: ['spot'],
  has: {
    // CCXT's trigger order conveniences, defined in paper.ts (createOrder with the param set)
    createTriggerOrder: true,
    createStopLossOrder: true,
    createTakeProfitOrder: true,
    createTrailingAmountOrder: true,
    createTrailingPercentOrder: true,
    // one trigger per order: no stop-loss / take-profit attached to an order
    createOrderWithTakeProfitAndStopLoss: false,
    // served by streams.ts
    watchTicker: true,
    watchOrderBook: true,
    watchTrades: true,
    watchBalance: true,
    watchOrders: true,
    watchMyTrades: true,
  },
  urls: {
    www: 'https://www.npmjs.com/package/unifex',
    doc: 'https://www.npmjs.com/package/unifex#paper-trading',
    api: {},
  },
  api: {},
  timeframes: {
    '1m': '1m',
    '3m': '3m',
    '5m': '5m',
    '15m': '15m',
    '30m': '30m',
    '1h': '1h',
    '2h': '2h',
    '4h': '4h',
    '6h': '6h',
    '12h': '12h',
    '1d': '1d',
  },
  // defaults, per market overridable with options.fees; charged in the currency received
  fees: { trading: { maker: 0.001, taker: 0.001, percentage: true, tierBased: false, feeSide: 'get' } },
  precisionMode: TICK_SIZE,
  requiredCredentials: { apiKey: false, secret: false },
  options: {
    account: 'main',
    /** Consumed liquidity of the embedded book comes back after this many ms. */
    refreshMs: 1000,
    /** Fewest ms between two pulls of a live source's book and trades for one symbol. */
    pollInterval: 2000,
    /** Replay speed: 1 real time, Infinity as fast as possible, 0 paused (step by hand). */
    speed: 1,
  },
});
