/**
 * Coinbase Exchange (formerly Coinbase Pro, formerly GDAX): spot only.
 * Written from the Exchange REST API docs:
 *   https://docs.cdp.coinbase.com/exchange/rest-api/introduction      (requests, errors)
 *   https://docs.cdp.coinbase.com/exchange/rest-api/authentication    (CB-ACCESS-* signing)
 *   https://docs.cdp.coinbase.com/exchange/rest-api/rate-limits       (10/s public, 15/s private, 10/s fills)
 *   https://docs.cdp.coinbase.com/exchange/rest-api/pagination        (CB-BEFORE / CB-AFTER cursors)
 *   https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api (endpoint reference)
 *   https://status.exchange.coinbase.com/api                           (Statuspage.io feed, fetchStatus)
 *   https://docs.cdp.coinbase.com/exchange/websocket-feed/overview     (websocket feed: subscribe, errors, signing)
 *   https://docs.cdp.coinbase.com/exchange/websocket-feed/channels     (heartbeat, ticker, level2, matches, user)
 */
import { TICK_SIZE } from '../../core/decimal.js';
import { defineSpec } from '../../core/spec.js';

// Endpoint costs: the default bucket is the public one (10 requests/s per IP); authenticated calls are counted per
// profile in their own bucket (15/s, bursts of 30) and /fills has a tighter one (10/s, bursts of 20).
const PUB = 1;
const PRV = { cost: 1, bucket: 'private' } as const;
const FILLS = { cost: 1, bucket: 'fills' } as const;

export const spec = defineSpec({
  id: 'coinbasepro',
  name: 'Coinbase Exchange',
  countries: ['US'],
  rateLimit: 100,
  rateLimitBuckets: {
    private: { rateLimit: 1000 / 15, capacity: 30 },
    fills: { rateLimit: 100, capacity: 20 },
  },
  pro: true,
  marketTypes: ['spot'],
  aliases: ['coinbaseexchange'],
  // What ws.ts serves. The feed has no candles and no balance channel.
  has: {
    watchTicker: true,
    watchTickers: true,
    watchOrderBook: true,
    watchTrades: true,
    watchOrders: true,
    watchMyTrades: true,
  },
  urls: {
    logo: 'https://github.com/user-attachments/assets/a99ef849-a4b2-4dd4-87fe-458ef17db7fd',
    www: 'https://exchange.coinbase.com/',
    api: {
      public: 'https://api.exchange.coinbase.com',
      private: 'https://api.exchange.coinbase.com',
      // Statuspage.io feed of the exchange (fetchStatus).
      status: 'https://status.exchange.coinbase.com',
    },
    // One feed for public and private channels; the user channel gets a socket of its own (see ws.ts).
    ws: {
      public: 'wss://ws-feed.exchange.coinbase.com',
      private: 'wss://ws-feed.exchange.coinbase.com',
    },
    test: {
      public: 'https://api-public.sandbox.exchange.coinbase.com',
      private: 'https://api-public.sandbox.exchange.coinbase.com',
    },
    // The sandbox feed, used by ws.ts while sandbox mode is on.
    wsTest: {
      public: 'wss://ws-feed-public.sandbox.exchange.coinbase.com',
      private: 'wss://ws-feed-public.sandbox.exchange.coinbase.com',
    },
    doc: [
      'https://docs.cdp.coinbase.com/exchange/introduction/welcome',
      'https://docs.cdp.coinbase.com/exchange/rest-api/authentication',
      'https://docs.cdp.coinbase.com/exchange/rest-api/pagination',
      'https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/orders/create-new-order',
    ],
    fees: ['https://docs.cdp.coinbase.com/exchange/concepts/fees', 'https://exchange.coinbase.com/fees'],
  },
  api: {
    public: {
      get: {
        currencies: PUB,
        'currencies/{currency_id}': PUB,
        products: PUB,
        'products/{id}': PUB,
        'products/{id}/book': PUB,
        'products/{id}/candles': PUB,
        'products/{id}/stats': PUB,
        'products/{id}/ticker': PUB,
        'products/{id}/trades': PUB,
        'products/spark-lines': PUB,
        'products/volume-summary': PUB,
        time: PUB,
        'wrapped-assets': PUB,
        'wrapped-assets/{wrapped_asset_id}': PUB,
        'wrapped-assets/{wrapped_asset_id}/conversion-rate': PUB,
        'loans/assets': PUB,
      },
    },
    private: {
      get: {
        accounts: PRV,
        'accounts/{id}': PRV,
        'accounts/{id}/holds': PRV,
        'accounts/{id}/ledger': PRV,
        'accounts/{id}/transfers': PRV,
        'address-book': PRV,
        'coinbase-accounts': PRV,
        conversions: PRV,
        'conversions/{conversion_id}': PRV,
        'conversions/fees': PRV,
        fees: PRV,
        fills: FILLS,
        orders: PRV,
        'orders/{id}': PRV,
        'orders/client:{client_oid}': PRV,
        'payment-methods': PRV,
        profiles: PRV,
        'profiles/{id}': PRV,
        'reports/{report_id}': PRV,
        transfers: PRV,
        'transfers/{transfer_id}': PRV,
        'travel-rules': PRV,
        'users/self/exchange-limits': PRV,
        'users/self/hold-balances': PRV,
        'users/self/trailing-volume': PRV,
        'users/{user_id}/trading-volumes': PRV,
        'withdrawals/fee-estimate': PRV,
        loans: PRV,
        'loans/lending-overview': PRV,
        'loans/loan-preview': PRV,
        'loans/repayment-preview': PRV,
        'loans/interest': PRV,
        'loans/interest/{loan_id}': PRV,
        'loans/interest/history/{loan_id}': PRV,
        'loans/options': PRV,
        'wrapped-assets/stake-wrap': PRV,
        'wrapped-assets/stake-wrap/{stake_wrap_id}': PRV,
      },
      post: {
        orders: PRV,
        'coinbase-accounts/{id}/addresses': PRV,
        'address-book': PRV,
        conversions: PRV,
        'deposits/coinbase-account': PRV,
        'deposits/payment-method': PRV,
        profiles: PRV,
        'profiles/transfer': PRV,
        reports: PRV,
        'withdrawals/coinbase-account': PRV,
        'withdrawals/crypto': PRV,
        'withdrawals/payment-method': PRV,
        'travel-rules': PRV,
        'transfers/{transfer_id}/travel-rules': PRV,
        'wrapped-assets/stake-wrap': PRV,
        'loans/open': PRV,
        'loans/repay-interest': PRV,
        'loans/repay-principal': PRV,
      },
      put: {
        'profiles/{id}': PRV,
        'profiles/{id}/deactivate': PRV,
      },
      delete: {
        orders: PRV,
        'orders/{id}': PRV,
        'orders/client:{client_oid}': PRV,
        'address-book/{id}': PRV,
        'travel-rules/{id}': PRV,
      },
    },
    status: {
      get: {
        'api/v2/status.json': PUB,
        'api/v2/summary.json': PUB,
      },
    },
  },
  // Candle granularity in seconds: the only values /products/{id}/candles accepts.
  timeframes: { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '6h': 21600, '1d': 86400 },
  fees: {
    // Highest tier (lowest volume); the account's own rates come from /fees.
    trading: { tierBased: true, percentage: true, maker: 0.004, taker: 0.006 },
  },
  precisionMode: TICK_SIZE,
  requiredCredentials: { apiKey: true, secret: true, password: true },
  exceptions: {
    // The `message` of an error body, matched whole.
    exact: {
      'Insufficient funds': 'InsufficientFunds',
      NotFound: 'OrderNotFound',
      'Order not found': 'OrderNotFound',
      'Invalid API Key': 'AuthenticationError',
      'invalid signature': 'AuthenticationError',
      'Invalid Passphrase': 'AuthenticationError',
      'Unauthorized.': 'AuthenticationError',
      Forbidden: 'PermissionDenied',
      'Invalid order id': 'InvalidOrder',
      'Invalid Price': 'InvalidOrder',
      'Invalid size': 'InvalidOrder',
      'Private rate limit exceeded': 'RateLimitExceeded',
      'Public rate limit exceeded': 'RateLimitExceeded',
      'Trading pair not available': 'PermissionDenied',
      'Product not found': 'BadSymbol',
      'request timestamp expired': 'InvalidNonce',
      'invalid timestamp': 'InvalidNonce',
      'Duplicate client_oid': 'DuplicateOrderId',
      // Websocket feed errors (`message`, with the detail in `reason`).
      'Authentication Failed': 'AuthenticationError',
    },
    // Substrings of the `message` (most carry the offending value, e.g. "size is too small. Minimum size is 0.001").
    broad: {
      'Order already done': 'OrderNotFound',
      'order not found': 'OrderNotFound',
      'Insufficient funds': 'InsufficientFunds',
      'price too small': 'InvalidOrder',
      'price too precise': 'InvalidOrder',
      'price is too accurate': 'InvalidOrder',
      'size is too small': 'InvalidOrder',
      'size is too large': 'InvalidOrder',
      'size is too accurate': 'InvalidOrder',
      'size too small': 'InvalidOrder',
      'funds is too small': 'InvalidOrder',
      'funds is too accurate': 'InvalidOrder',
      'notional is too small': 'InvalidOrder',
      'Post only mode': 'InvalidOrder',
      'Limit only mode': 'InvalidOrder',
      'would execute as taker': 'OrderImmediatelyFillable',
      'under maintenance': 'OnMaintenance',
      'Cancel only mode': 'OnMaintenance',
      'rate limit exceeded': 'RateLimitExceeded',
      'timestamp expired': 'InvalidNonce',
      'Invalid API Key': 'AuthenticationError',
      'invalid crypto_address': 'InvalidAddress',
      'Invalid crypto address': 'InvalidAddress',
      // Websocket subscribe errors: the `reason` names the product or the channel.
      'is not a valid product': 'BadSymbol',
      'require authentication': 'AuthenticationError',
      'requires authentication': 'AuthenticationError',
    },
  },
  commonCurrencies: {
    CGLD: 'CELO',
  },
  options: {
    // fetchTicker merges /ticker (last, bid, ask) with /stats (24h open, high, low); false: /ticker alone.
    fetchTickerStats: true,
    // Exchange network id -> unified network code (ids from /currencies supported_networks).
    networksById: {
      bitcoin: 'BTC',
      ethereum: 'ETH',
      solana: 'SOL',
      arbitrum: 'ARBITRUM',
      avacchain: 'AVAXC',
      polygon: 'MATIC',
      base: 'BASE',
      sui: 'SUI',
      optimism: 'OP',
      near: 'NEAR',
      aptos: 'APT',
      kava: 'KAVA',
      blast: 'BLAST',
      stellar: 'XLM',
      sei: 'SEI',
      cardano: 'ADA',
      coredao: 'CORE',
      algorand: 'ALGO',
      osmosis: 'OSMO',
      celo: 'CELO',
      hedera: 'HBAR',
      zksync: 'ZKSYNC',
      stacks: 'STX',
      tezos: 'XTZ',
      elrond: 'EGLD',
      litecoin: 'LTC',
      cosmos: 'ATOM',
      filecoin: 'FIL',
      polkadot: 'DOT',
      dogecoin: 'DOGE',
      ripple: 'XRP',
      dash: 'DASH',
      bitcoincash: 'BCH',
      ethereumclassic: 'ETC',
    },
    // Chains whose coin and token standard share one network: [coin, token standard].
    networkAliases: {
      ETH: ['ETH', 'ERC20'],
      TRX: ['TRX', 'TRC20'],
      CRO: ['CRONOS', 'CRC20'],
    },
    // Most pages a `paginate: true` call follows.
    maxPages: 100,
    // Streaming (ws.ts). Cache sizes: trades per symbol, orders and my trades (see src/ws/handler.ts).
    ws: {
      // Ms between websocket ping frames, and ms of total silence after which the socket is replaced.
      pingInterval: 10_000,
      staleAfter: 30_000,
      // Heartbeats come once a second per product: a longer gap between two of them (server time) means the feed
      // dropped messages, and that product's book is rebuilt.
      heartbeatGap: 3_000,
      // A book whose product has sent no heartbeat for this long (local time) while the socket lives is rebuilt.
      productStaleAfter: 10_000,
      // Order book channel: 'level2' (every update, signed) with credentials, else 'level2_batch' (50 ms batches).
      orderBookChannel: 'auto',
    },
  },
});
