/** Package root: the core and every exchange class (eager). Import `unifex/<id>` to load one exchange alone. */
export * from './core/errors.js';
export type * from './core/types.js';
export { Exchange, type ExchangeConfig, type SignedRequest, type RequestConfig } from './core/exchange.js';
export {
  defineSpec,
  UNIFIED_METHODS,
  type ExchangeSpec,
  type ImplicitApi,
  type Has,
  type UnifiedMethod,
} from './core/spec.js';
export {
  ROUND,
  TRUNCATE,
  DECIMAL_PLACES,
  SIGNIFICANT_DIGITS,
  TICK_SIZE,
  NO_PADDING,
  PAD_WITH_ZERO,
  decimalToPrecision,
} from './core/decimal.js';
export { Throttler, MemoryThrottleStore, type ThrottleStore } from './core/throttle.js';
export { recordingFetch, replayFetch, requestKey, type Cassette, type Interaction } from './core/replay.js';
export { createExchange, listExchanges, implementedIds, loadExchangeClass, aliases } from './registry.js';
export { binance } from './exchanges/binance/binance.js';
export { bitstamp } from './exchanges/bitstamp/bitstamp.js';
export { coinbasepro, coinbaseexchange } from './exchanges/coinbasepro/coinbasepro.js';
export { kraken } from './exchanges/kraken/kraken.js';
