/**
 * Bitstamp, REST API v2 (spot). Written from:
 * - https://www.bitstamp.net/api/ (endpoints, response codes table, authentication codes API0001-API0021,
 *   v2 signing: 'BITSTAMP ' + key + verb + host + path + query + content type + nonce + timestamp + 'v2' + body)
 * - https://www.bitstamp.net/api/#section/Request-limits (400 req/s, 10 000 requests per 10 minutes)
 * - https://www.bitstamp.net/fee-schedule/ (trading fee tiers)
 * - https://www.bitstamp.net/websocket/v2/ (streaming: channels, heartbeat, forced reconnection, private channels)
 */
import { defineSpec } from '../../core/spec.js';
import { TICK_SIZE } from '../../core/decimal.js';

/** [30-day USD volume, fee] steps; fractions, not percent. */
const TAKER_TIERS = [
  [0, 0.004],
  [10_000, 0.003],
  [100_000, 0.002],
  [500_000, 0.0018],
  [1_500_000, 0.0016],
  [5_000_000, 0.0012],
  [20_000_000, 0.001],
  [50_000_000, 0.0008],
  [100_000_000, 0.0006],
  [250_000_000, 0.0005],
  [1_000_000_000, 0.0003],
] as const;
const MAKER_TIERS = [
  [0, 0.003],
  [10_000, 0.002],
  [100_000, 0.001],
  [500_000, 0.0008],
  [1_500_000, 0.0006],
  [5_000_000, 0.0003],
  [20_000_000, 0.0002],
  [50_000_000, 0.0001],
  [100_000_000, 0],
  [250_000_000, 0],
  [1_000_000_000, 0],
] as const;

/** unified timeframe -> candle length in seconds (the `step` parameter of ohlc/) */
const CANDLE_STEPS: readonly (readonly [string, number])[] = [
  ['1m', 60],
  ['3m', 3 * 60],
  ['5m', 5 * 60],
  ['15m', 15 * 60],
  ['30m', 30 * 60],
  ['1h', 3600],
  ['2h', 2 * 3600],
  ['4h', 4 * 3600],
  ['6h', 6 * 3600],
  ['12h', 12 * 3600],
  ['1d', 86_400],
  ['3d', 3 * 86_400],
];

export const spec = defineSpec({
  id: 'bitstamp',
  name: 'Bitstamp',
  countries: ['GB'],
  version: 'v2',
  // 10 000 requests per 10 minutes by default: one request every 60 ms on average.
  rateLimit: 60,
  pro: true,
  marketTypes: ['spot'],
  // CCXT methods beyond the core unified list
  // Streams (ws.ts): books, public trades, the account's orders and fills. The websocket has no ticker, candle
  // or balance channel.
  has: {
    fetchDepositWithdrawFees: true,
    fetchTransactionFees: true,
    watchOrderBook: true,
    watchTrades: true,
    watchOrders: true,
    watchMyTrades: true,
  },
  urls: {
    logo: 'https://github.com/user-attachments/assets/d5480572-1fee-43cb-b900-d38c522d0024',
    www: 'https://www.bitstamp.net',
    doc: ['https://www.bitstamp.net/api/', 'https://www.bitstamp.net/websocket/v2/'],
    fees: 'https://www.bitstamp.net/fee-schedule/',
    api: {
      public: 'https://www.bitstamp.net/api/v2',
      private: 'https://www.bitstamp.net/api/v2',
    },
    // one endpoint carries public and private channels
    ws: { public: 'wss://ws.bitstamp.net', private: 'wss://ws.bitstamp.net' },
    test: {
      public: 'https://sandbox.bitstamp.net/api/v2',
      private: 'https://sandbox.bitstamp.net/api/v2',
    },
  },
  api: {
    public: {
      get: {
        'currencies/': 1,
        'markets/': 1,
        'trading-pairs-info/': 1,
        'ticker/': 1,
        'ticker/{market_symbol}/': 1,
        'ticker_hour/{market_symbol}/': 1,
        'order_book/{market_symbol}/': 1,
        'transactions/{market_symbol}/': 1,
        'ohlc/{market_symbol}/': 1,
        'eur_usd/': 1,
        'travel_rule/vasps/': 1,
        'funding_rate/{market_symbol}/': 1,
        'funding_rate_history/{market_symbol}/': 1,
      },
    },
    private: {
      post: {
        // account
        'account_balances/': 1,
        'account_balances/{currency}/': 1,
        'my_markets/': 1,
        'fees/trading/': 1,
        'fees/trading/{market_symbol}/': 1,
        'fees/withdrawal/': 1,
        'fees/withdrawal/{currency}/': 1,
        'user_transactions/': 1,
        'user_transactions/{market_symbol}/': 1,
        'crypto-transactions/': 1,
        'websockets_token/': 1,
        'revoke_all_api_keys/': 1,
        // orders
        'buy/{market_symbol}/': 1,
        'buy/market/{market_symbol}/': 1,
        'buy/instant/{market_symbol}/': 1,
        'sell/{market_symbol}/': 1,
        'sell/market/{market_symbol}/': 1,
        'sell/instant/{market_symbol}/': 1,
        'replace_order/': 1,
        'order_status/': 1,
        'open_orders/all/': 1,
        'open_orders/{market_symbol}/': 1,
        'cancel_order/': 1,
        'cancel_all_orders/': 1,
        'cancel_all_orders/{market_symbol}/': 1,
        'account_order_data/': 1,
        // funding: one deposit-address and one withdrawal endpoint per currency ({currency} is its lowercase id)
        '{currency}_address/': 1,
        '{currency}_withdrawal/': 1,
        'withdrawal-requests/': 1,
        'withdrawal/open/': 1,
        'withdrawal/status/': 1,
        'withdrawal/cancel/': 1,
        'liquidation_address/new/': 1,
        'liquidation_address/info/': 1,
        'transfer-to-main/': 1,
        'transfer-from-main/': 1,
      },
    },
  },
  // Bitstamp's `step` values in seconds; there is no weekly step (259200 is three days).
  timeframes: Object.fromEntries(CANDLE_STEPS.map(([tf, seconds]) => [tf, String(seconds)])),
  fees: {
    trading: {
      tierBased: true,
      percentage: true,
      taker: 0.004,
      maker: 0.004,
      tiers: { taker: TAKER_TIERS, maker: MAKER_TIERS },
    },
  },
  precisionMode: TICK_SIZE,
  requiredCredentials: { apiKey: true, secret: true },
  exceptions: {
    exact: {
      // authentication codes (`code`)
      API0001: 'AuthenticationError', // API key not found
      API0002: 'PermissionDenied', // IP address not allowed
      API0003: 'PermissionDenied', // No permission found
      API0004: 'InvalidNonce', // Invalid nonce (reused within 150 s)
      API0005: 'AuthenticationError', // Invalid signature
      API0006: 'AccountSuspended', // Your account is frozen
      API0008: 'AuthenticationError', // Authentication failed
      API0009: 'AccountNotEnabled', // FATCA information missing
      API0010: 'AuthenticationError', // Invalid version
      API0011: 'AuthenticationError', // Wrong API key format
      API0012: 'AuthenticationError', // X-Auth header is required
      API0013: 'AuthenticationError', // X-Auth-Signature header is required
      API0014: 'AuthenticationError', // X-Auth-Nonce header is required
      API0015: 'AuthenticationError', // X-Auth-Timestamp header is required
      API0016: 'AuthenticationError', // X-Auth-Version header is required
      API0017: 'InvalidNonce', // X-Auth-Timestamp outside the 150 s window: clock skew
      API0018: 'AuthenticationError', // X-Auth-Timestamp header is invalid
      API0019: 'BadRequest', // Content-Type header is not accepted
      API0020: 'BadRequest', // Content-Type header should not be present
      API0021: 'BadRequest', // url query string too long
      // response codes (`response_code`)
      '400.001': 'BadRequest',
      '400.002': 'RateLimitExceeded',
      '400.003': 'MarketClosed',
      '400.004': 'BadRequest',
      '400.005': 'InvalidOrder',
      '400.006': 'InvalidOrder',
      '400.007': 'BadRequest',
      '400.008': 'InvalidOrder',
      '400.009': 'InsufficientFunds',
      '400.010': 'BadRequest',
      '400.011': 'BadRequest',
      '400.012': 'BadRequest',
      '400.013': 'BadRequest',
      '400.014': 'BadRequest',
      '400.015': 'BadRequest',
      '400.016': 'BadRequest',
      '400.017': 'BadRequest',
      '400.018': 'BadRequest',
      '400.019': 'DuplicateOrderId',
      '400.020': 'InvalidOrder',
      '400.021': 'InvalidOrder',
      '400.022': 'InvalidOrder',
      '400.023': 'InvalidOrder',
      '400.024': 'InvalidOrder',
      '400.025': 'InvalidOrder',
      '400.026': 'InvalidOrder',
      '400.027': 'InvalidOrder',
      '400.028': 'InvalidOrder',
      '400.029': 'InvalidOrder',
      '400.030': 'InvalidOrder',
      '400.031': 'InvalidOrder',
      '400.032': 'InvalidOrder',
      '400.033': 'InvalidOrder',
      '400.034': 'BadRequest',
      '400.035': 'BadRequest',
      '400.036': 'BadRequest',
      '400.037': 'InvalidOrder',
      '400.038': 'InvalidOrder',
      '400.039': 'InvalidOrder',
      '400.040': 'InvalidOrder',
      '400.041': 'InvalidOrder',
      '400.042': 'OperationRejected',
      '400.043': 'OperationRejected',
      '400.044': 'BadRequest',
      '400.045': 'OperationRejected',
      '400.046': 'InvalidOrder',
      '403.001': 'PermissionDenied',
      '403.002': 'PermissionDenied',
      '403.003': 'PermissionDenied',
      '403.004': 'AccountSuspended',
      '403.005': 'PermissionDenied',
      '404.001': 'BadRequest',
      '404.002': 'OrderNotFound',
      '404.003': 'BadSymbol',
      '404.004': 'AccountNotEnabled',
      '404.005': 'BadSymbol',
      '404.006': 'BadRequest',
      '404.007': 'BadSymbol',
      '405.001': 'BadRequest',
      '410.001': 'NotSupported',
      '500.001': 'ExchangeNotAvailable',
      '500.002': 'ExchangeNotAvailable',
      '500.003': 'ExchangeError',
      '500.004': 'OrderNotFillable',
      '500.005': 'OrderNotFillable',
      '500.006': 'OperationRejected',
      '500.007': 'ExchangeError',
      '500.008': 'OperationRejected',
      '500.009': 'ExchangeNotAvailable',
      '500.010': 'MarketClosed',
      '500.011': 'MarketClosed',
      '500.012': 'MarketClosed',
      '500.013': 'ExchangeError',
      '500.014': 'OperationRejected',
      '500.015': 'OrderNotFillable',
      // the order may or may not have reached the book
      '500.016': 'RequestTimeout',
      '500.017': 'InvalidOrder',
      '500.018': 'OrderNotFillable',
      '500.019': 'ExchangeError',
      '500.020': 'OperationRejected',
      '500.021': 'OperationRejected',
      '500.022': 'OperationRejected',
      '500.023': 'OperationRejected',
      // messages (`reason`, `error`)
      'API key not found': 'AuthenticationError',
      'IP address not allowed': 'PermissionDenied',
      'No permission found': 'PermissionDenied',
      'Invalid nonce': 'InvalidNonce',
      'Invalid signature': 'AuthenticationError',
      'Your account is frozen': 'AccountSuspended',
      'Authentication failed': 'AuthenticationError',
      'Missing key, signature and nonce parameters': 'AuthenticationError',
      'Wrong API key format': 'AuthenticationError',
      'Please update your profile with your FATCA information, before using API.': 'AccountNotEnabled',
      'X-Auth-Timestamp header is out of boundaries': 'InvalidNonce',
      'Order not found.': 'OrderNotFound',
      'Order not found': 'OrderNotFound',
      "Bitstamp.net is under scheduled maintenance. We'll be back soon.": 'OnMaintenance',
      'Order could not be placed.': 'ExchangeNotAvailable',
      'Invalid offset.': 'BadRequest',
      'Trading is currently unavailable for your account.': 'AccountSuspended',
      'Insufficient balance for provided user.': 'InsufficientFunds',
      'Provided client_order_id already exists.': 'DuplicateOrderId',
      'Request rejected due to exceeded rate limit.': 'RateLimitExceeded',
      // websocket bts:error codes and messages
      '4009': 'AuthenticationError',
      'Connection is unauthorized.': 'AuthenticationError',
    },
    broad: {
      'Minimum order size is': 'InvalidOrder',
      'Price is more than': 'InvalidOrder',
      'Check your account balance for details.': 'InsufficientFunds',
      'You have only': 'InsufficientFunds',
      'Ensure this value has at least': 'InvalidAddress',
      'Ensure that there are no more than': 'InvalidOrder',
      'under scheduled maintenance': 'OnMaintenance',
    },
  },
  commonCurrencies: { UST: 'USTC' },
  options: {
    // `time` window of transactions/ when no `since` asks for more: minute | hour | day
    fetchTradesTime: 'hour',
    // withdrawal-requests/ looks back this many seconds at most
    maxWithdrawalTimedelta: 50_000_000,
    networksById: {
      bitcoin: 'BTC',
      'bitcoin-cash': 'BCH',
      litecoin: 'LTC',
      ethereum: 'ERC20',
      stellar: 'XLM',
      xrpl: 'XRP',
      tron: 'TRC20',
      algorand: 'ALGO',
      flare: 'FLR',
      songbird: 'SGB',
      hedera: 'HBAR',
      cardano: 'ADA',
      'avalanche-c-chain': 'AVAXC',
      solana: 'SOL',
      polkadot: 'DOT',
      near: 'NEAR',
      doge: 'DOGE',
      sui: 'SUI',
      casper: 'CSPR',
      polygon: 'MATIC',
      arbitrum: 'ARB',
      optimism: 'OPTIMISM',
      base: 'BASE',
    },
    // currencies whose memo goes in `destination_tag` rather than `memo_id`
    destinationTagCurrencies: ['XRP'],
    ws: {
      // cache sizes: trades per symbol, orders and fills per symbol
      trades: 1000,
      orders: 1000,
      // application heartbeat ({event: 'bts:heartbeat'}) every pingInterval ms; silence beyond staleAfter reconnects
      pingInterval: 10_000,
      staleAfter: 30_000,
      // books: 'diff_order_book' (full depth, synced with the REST book) or 'order_book' (top 100 each message)
      bookChannel: 'diff_order_book',
      // REST snapshot attempts: first retry after snapshotDelay ms, doubling up to 10 s; after snapshotMaxRetries
      // failures in a row the book's watch calls reject (attempts go on)
      snapshotDelay: 1000,
      snapshotMaxRetries: 3,
      // diffs held per symbol while its snapshot is fetched
      bookBuffer: 2000,
    },
  },
});
