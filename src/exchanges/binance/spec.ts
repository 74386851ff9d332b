/**
 * Binance (spot), as data. Written from:
 *   https://developers.binance.com/docs/binance-spot-api-docs/rest-api            (api/v3: market data, trading, account)
 *   https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security   (HMAC / RSA / Ed25519 signing)
 *   https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits     (REQUEST_WEIGHT, ORDERS, headers)
 *   https://developers.binance.com/docs/binance-spot-api-docs/errors              (error codes and messages)
 *   https://developers.binance.com/docs/binance-spot-api-docs/enums               (order status, types, time in force)
 *   https://developers.binance.com/docs/wallet                                    (sapi: capital/*, asset/*, system/status)
 *   https://developers.binance.com/docs/derivatives/portfolio-margin/account      (papi balance)
 *   https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams  (market streams, SUBSCRIBE, limits)
 *   https://developers.binance.com/docs/binance-spot-api-docs/user-data-stream    (user data events; listenKey, deprecated)
 *   https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/general-api-information   (WS API endpoints)
 *   https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/request-security  (signed WS API requests)
 *   https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests
 *     (userDataStream.subscribe.signature / unsubscribe, subscriptionId, events wrapped as {subscriptionId, event})
 *
 * Costs: `rateLimit` is 50 ms per cost unit (as CCXT). The spot API allows 6000 REQUEST_WEIGHT per minute, i.e. one
 * weight unit every 10 ms = 0.2 cost units; sapi allows 12 000 IP weight per minute (0.1 per unit) and 180 000 UID
 * weight per minute (1/150 per unit). The helpers below turn the documented weights into costs, so the table reads
 * in Binance's own numbers. Extra keys: `noSymbol` (cost when no symbol is sent), `noCoin` (same for coin),
 * `byLimit` ([maxLimit, cost] steps for depth).
 */
import { TICK_SIZE } from '../../core/decimal.js';
import type { ErrorName } from '../../core/errors.js';
import { defineSpec } from '../../core/spec.js';

/** The error table is written grouped by class (easier to audit); the runtime wants code -> class. */
function byClass(groups: Partial<Record<ErrorName, string[]>>): Record<string, ErrorName> {
  const out: Record<string, ErrorName> = {};
  for (const [name, keys] of Object.entries(groups) as [ErrorName, string[]][]) for (const k of keys) out[k] = name;
  return out;
}

const KLINE_INTERVALS = '1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M';

/** Cost of a spot (api/v3) or papi endpoint of the given REQUEST_WEIGHT. */
const w = (weight: number): number => weight / 5;
/** Cost of a sapi endpoint of the given IP weight. */
const ip = (weight: number): number => weight / 10;
/** Cost of a sapi endpoint of the given UID weight. */
const uid = (weight: number): number => weight / 150;

export const spec = defineSpec({
  id: 'binance',
  name: 'Binance',
  countries: [],
  version: 'v3',
  rateLimit: 50,
  /**
   * Binance counts weight per minute, so a short burst is within its rules: 50 cost units (250 weight, 4% of the
   * minute) let a few 1000-level depth snapshots (50 weight each) go out at once when several books start streaming.
   * The usage headers still stop everything before the minute's limit.
   */
  rateLimitCapacity: 50,
  /** The ORDERS limit (100 new orders per 10 s per account) is its own bucket, synced from X-MBX-ORDER-COUNT-10S. */
  rateLimitBuckets: { orders: { rateLimit: 100, capacity: 100 } },
  certified: true,
  pro: true,
  marketTypes: ['spot'],
  urls: {
    logo: 'https://github.com/user-attachments/assets/e9419b93-ccb0-46aa-9bff-c883f096274b',
    www: 'https://www.binance.com',
    api: {
      public: 'https://api.binance.com/api/v3',
      private: 'https://api.binance.com/api/v3',
      sapi: 'https://api.binance.com/sapi/v1',
      papi: 'https://papi.binance.com/papi/v1',
    },
    // The spot testnet serves api/v3 only (no sapi).
    test: {
      public: 'https://testnet.binance.vision/api/v3',
      private: 'https://testnet.binance.vision/api/v3',
    },
    doc: [
      'https://developers.binance.com/docs/binance-spot-api-docs/rest-api',
      'https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams',
      'https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests',
      'https://developers.binance.com/docs/wallet',
    ],
    // Market streams on the combined endpoint (events arrive as {stream, data}); the user data stream on the WebSocket
    // API (`api`, a signed userDataStream.subscribe.signature), or with options.ws.userDataStream = 'listenKey' on the
    // raw stream endpoint (`private`, deprecated by Binance).
    ws: {
      public: 'wss://stream.binance.com:9443/stream',
      private: 'wss://stream.binance.com:9443/ws',
      api: 'wss://ws-api.binance.com:443/ws-api/v3',
    },
    // The spot testnet's streams, used by ws.ts while sandbox mode is on.
    wsTest: {
      public: 'wss://stream.testnet.binance.vision/stream',
      private: 'wss://stream.testnet.binance.vision/ws',
      api: 'wss://ws-api.testnet.binance.vision/ws-api/v3',
    },
    api_management: 'https://www.binance.com/en/usercenter/settings/api-management',
    fees: 'https://www.binance.com/en/fee/schedule',
  },
  api: {
    public: {
      get: {
        ping: w(1),
        time: w(1),
        exchangeInfo: w(20),
        depth: {
          cost: w(5),
          byLimit: [
            [100, w(5)],
            [500, w(25)],
            [1000, w(50)],
            [5000, w(250)],
          ],
        },
        trades: w(25),
        historicalTrades: w(25),
        aggTrades: w(4),
        klines: w(2),
        uiKlines: w(2),
        avgPrice: w(2),
        'ticker/24hr': { cost: w(2), noSymbol: w(80) },
        'ticker/tradingDay': w(4),
        'ticker/price': { cost: w(2), noSymbol: w(4) },
        'ticker/bookTicker': { cost: w(2), noSymbol: w(4) },
        ticker: { cost: w(4), noSymbol: w(80) },
      },
      post: { userDataStream: w(2) },
      put: { userDataStream: w(2) },
      delete: { userDataStream: w(2) },
    },
    private: {
      get: {
        order: w(4),
        openOrders: { cost: w(6), noSymbol: w(80) },
        allOrders: w(20),
        orderList: w(4),
        allOrderList: w(20),
        openOrderList: w(6),
        account: w(20),
        myTrades: w(20),
        'rateLimit/order': w(40),
        myPreventedMatches: w(20),
        myAllocations: w(20),
        'account/commission': w(20),
      },
      post: {
        order: { cost: w(1), bucket: 'orders' },
        'order/test': w(1),
        'order/cancelReplace': { cost: w(1), bucket: 'orders' },
        'orderList/oco': { cost: w(1), bucket: 'orders' },
        'orderList/oto': { cost: w(1), bucket: 'orders' },
        'orderList/otoco': { cost: w(1), bucket: 'orders' },
        'sor/order': { cost: w(1), bucket: 'orders' },
        'sor/order/test': w(1),
      },
      put: { 'order/amend/keepPriority': w(4) },
      delete: {
        order: w(1),
        openOrders: w(1),
        orderList: w(1),
      },
    },
    sapi: {
      get: {
        'system/status': ip(1),
        'account/status': ip(1),
        'account/info': ip(1),
        'account/apiTradingStatus': ip(1),
        'account/apiRestrictions': ip(1),
        accountSnapshot: ip(2400),
        'capital/config/getall': ip(10),
        'capital/deposit/address': ip(10),
        'capital/deposit/address/list': ip(10),
        'capital/deposit/hisrec': ip(1),
        'capital/withdraw/history': 2, // UID 18000 and at most 10 requests per second
        'capital/withdraw/address/list': ip(10),
        'asset/assetDetail': ip(1),
        'asset/tradeFee': ip(1),
        'asset/transfer': ip(1),
        'asset/assetDividend': ip(10),
        'asset/dribblet': ip(1),
        'asset/wallet/balance': ip(60),
        'fiat/orders': uid(90000),
        'fiat/payments': ip(1),
      },
      post: {
        'capital/withdraw/apply': uid(600),
        'capital/deposit/credit-apply': ip(1),
        'asset/transfer': uid(900),
        'asset/get-funding-asset': ip(1),
        'asset/getUserAsset': ip(5),
        'asset/dust': uid(10),
        'asset/dust-btc': ip(1),
        'account/enableFastWithdrawSwitch': ip(1),
        'account/disableFastWithdrawSwitch': ip(1),
      },
    },
    papi: {
      get: {
        ping: w(1),
        balance: w(20),
        account: w(20),
      },
    },
  },
  // Binance names its intervals exactly as the unified timeframes.
  timeframes: Object.fromEntries(KLINE_INTERVALS.split(' ').map((t) => [t, t])),
  fees: {
    trading: { feeSide: 'get', tierBased: false, percentage: true, taker: 0.001, maker: 0.001 },
  },
  precisionMode: TICK_SIZE,
  requiredCredentials: { apiKey: true, secret: true },
  has: {
    createMarketBuyOrderWithCost: true,
    createMarketSellOrderWithCost: true,
    createMarketOrderWithCost: true,
    fetchDepositWithdrawFees: true,
    fetchTransactionFees: true,
    // What ws.ts serves.
    watchTicker: true,
    watchTickers: true,
    watchOrderBook: true,
    watchTrades: true,
    watchOHLCV: true,
    watchBalance: true,
    watchOrders: true,
    watchMyTrades: true,
  },
  exceptions: {
    // Binance answers errors as {"code": -1121, "msg": "Invalid symbol."}; messages are matched before codes because
    // one code (-1010, -2010, -2011, -1013) covers several causes that the message tells apart.
    exact: byClass({
      OnMaintenance: ['System is under maintenance.'],
      OperationFailed: [
        'System abnormality',
        '-1000', // UNKNOWN
        '-1001', // DISCONNECTED
        '-1004', // server busy
        '-1006', // UNEXPECTED_RESP: execution status unknown
        '-1008', // SERVER_BUSY
        '-1010', // ERROR_MSG_RECEIVED
        '-1112', // NO_DEPTH
        '-3000',
        '-3007', // pending transaction
        '-3029',
        '-3037',
        '-3044',
        '-4027',
        '-4031',
        '-4037',
        '-4038',
        '-4041',
        '-4045',
        '-4060', // deposit not yet confirmed, asset locked
        '-5010',
        '-5012',
        '-10001', // under maintenance
        '-10015',
        '-10016',
        '-10023',
        '-10025',
        '-10032',
        '-10041',
        '-21006',
        '-21007',
      ],
      PermissionDenied: [
        'You are not authorized to execute this request.',
        'Rest API trading is not enabled.',
        'This account may not place or cancel orders.',
        "You don't have permission.",
        'This symbol is restricted for this account.',
        'This symbol is not permitted for this account.',
        '-3043',
        '-3999',
        '-4007', // address validation failed
        '-4008', // address tag validation failed
        '-4010', // whitelist mail
        '-4012', // whitelist not opened
        '-4015', // withdraw limited
        '-4016',
        '-4017',
        '-4035', // not whitelisted
        '-4036',
        '-4039',
        '-4044', // blacklisted country
        '-6003',
        '-6017',
        '-10047',
        '-13003',
        '-13007',
        '-18005',
      ],
      AuthenticationError: [
        'API key does not exist',
        '-1002', // UNAUTHORIZED
        '-1022', // INVALID_SIGNATURE
        '-1099', // not found, authenticated, or authorized
        '-1125', // INVALID_LISTEN_KEY
        '-2008', // invalid Api-Key ID
        '-2014', // BAD_API_KEY_FMT
        '-2015', // REJECTED_MBX_KEY
        '-3001', // enable 2FA first
        '-4004', // not logged in
        '-4013', // 2FA not opened
        '-4046', // agreement not confirmed
        '100001003',
        '200003903',
      ],
      OrderNotFound: [
        'Unknown order sent.',
        'Order does not exist.',
        '-2011', // CANCEL_REJECTED
        '-2013', // NO_SUCH_ORDER
      ],
      DuplicateOrderId: ['Duplicate order sent.'],
      MarketClosed: ['Market is closed.'],
      InsufficientFunds: [
        'Account has insufficient balance for requested action.',
        '-3041',
        '-4024',
        '-4025',
        '-4026',
        '-5002',
        '-5003',
        '-5013',
        '-6012',
        '-6018',
        '-10011',
        '-10013',
        '-21005',
      ],
      InvalidOrder: [
        'Market orders are not supported for this symbol.',
        'Iceberg orders are not supported for this symbol.',
        'Stop loss orders are not supported for this symbol.',
        'Stop loss limit orders are not supported for this symbol.',
        'Take profit orders are not supported for this symbol.',
        'Take profit limit orders are not supported for this symbol.',
        'Quote order qty market orders are not support for this symbol.',
        'Price * QTY is zero or less.',
        'IcebergQty exceeds QTY.',
        'The relationship of the prices for the orders is not correct.',
        'OCO orders are not supported for this symbol',
        'Order book liquidity is less than LOT_SIZE filter minimum quantity.',
        'Order book liquidity is less than MARKET_LOT_SIZE filter minimum quantity.',
        'Order book liquidity is less than symbol minimum quantity.',
        '-1014', // UNKNOWN_ORDER_COMPOSITION
        '-1158', // OCO_ORDER_TYPE_REJECTED
        '-1160', // OCO_ICEBERGQTY_TIMEINFORCE
        '-1165', // BUY_OCO_LIMIT_MUST_BE_BELOW
        '-1166', // SELL_OCO_LIMIT_MUST_BE_ABOVE
        '-1168', // BOTH_OCO_ORDERS_CANNOT_BE_LIMIT
        '-1196', // BUY_OCO_STOP_LOSS_MUST_BE_ABOVE
        '-1197', // SELL_OCO_STOP_LOSS_MUST_BE_BELOW
        '-1198', // BUY_OCO_TAKE_PROFIT_MUST_BE_BELOW
        '-1199', // SELL_OCO_TAKE_PROFIT_MUST_BE_ABOVE
        '-2010', // NEW_ORDER_REJECTED
        '-2026', // ORDER_ARCHIVED
        '-2039', // CLIENT_ORDER_ID_INVALID
        '-10021',
      ],
      OrderImmediatelyFillable: [
        'Order would trigger immediately.',
        'Stop price would trigger immediately.',
        'Order would immediately match and take.',
      ],
      AccountSuspended: ['This action is disabled on this account.', '-3014', '-3018', '-3019', '-3022', '-3036'],
      RateLimitExceeded: [
        'Too many requests. Please try again later.',
        '-1003', // TOO_MANY_REQUESTS
        '-1015', // TOO_MANY_ORDERS
        '-1034', // TOO_MANY_CONNECTIONS
        '-4005', // too many new requests
        '-6009',
        '-12014', // more than 1 request in 2 seconds
      ],
      BadRequest: [
        // Answers of the websocket stream API to SUBSCRIBE / UNSUBSCRIBE ({"code": 2, "msg": "Invalid request: ..."});
        // REST never uses these small non-negative codes.
        'Unknown property',
        '0',
        '1',
        '2',
        '3',
        'Limit orders require GTC for this phase.',
        'This order type is not possible in this trading phase.',
        '-1013', // INVALID_MESSAGE (filter failures)
        '-1016', // SERVICE_SHUTTING_DOWN
        '-1020', // UNSUPPORTED_OPERATION
        '-1100', // ILLEGAL_CHARS
        '-1101', // TOO_MANY_PARAMETERS
        '-1102', // MANDATORY_PARAM_EMPTY_OR_MALFORMED
        '-1103', // UNKNOWN_PARAM
        '-1104', // UNREAD_PARAMETERS
        '-1105', // PARAM_EMPTY
        '-1106', // PARAM_NOT_REQUIRED
        '-1108', // PARAM_OVERFLOW
        '-1111', // BAD_PRECISION
        '-1114', // TIF_NOT_REQUIRED
        '-1115', // INVALID_TIF
        '-1116', // INVALID_ORDER_TYPE
        '-1117', // INVALID_SIDE
        '-1118', // EMPTY_NEW_CL_ORD_ID
        '-1119', // EMPTY_ORG_CL_ORD_ID
        '-1120', // BAD_INTERVAL
        '-1127', // MORE_THAN_XX_HOURS
        '-1128', // OPTIONAL_PARAMS_BAD_COMBO
        '-1130', // INVALID_PARAMETER
        '-1131', // recvWindow must be less than 60000
        '-1134', // BAD_STRATEGY_TYPE
        '-1135', // INVALID_JSON
        '-1139', // INVALID_TICKER_TYPE
        '-1145', // INVALID_CANCEL_RESTRICTIONS
        '-1194', // INVALID_TIME_UNIT
        '-3003', // margin account does not exist
        '-3005',
        '-3006',
        '-3008',
        '-3010',
        '-3011',
        '-3013',
        '-3015',
        '-3016',
        '-3020',
        '-3021',
        '-3025',
        '-3026',
        '-3038',
        '-3042',
        '-4001', // invalid operation
        '-4002', // invalid get
        '-4003', // invalid email
        '-4006', // main account only
        '-4011',
        '-4019', // asset not open for withdrawal
        '-4021', // amount not a multiple
        '-4022', // below minimum
        '-4028', // amount must exceed the fee
        '-4029', // withdrawal record not found
        '-4033', // illegal address
        '-4047', // time interval must be within 0-90 days
        '-5001',
        '-5007',
        '-5011',
        '-5021',
        '-5022',
        '-6004',
        '-6005',
        '-6006',
        '-6015',
        '-6016',
        '-6020',
        '-7001', // date range not supported
        '-7002', // data request type not supported
        '-10002',
        '-10007',
        '-10008',
        '-10009',
        '-10010',
        '-10012',
        '-10018',
        '-10019',
        '-10020',
        '-10022',
        '-10024',
        '-10026',
        '-10028',
        '-20124',
        '-20130',
        '-20132',
        '-20194',
        '-20195',
        '-20196',
        '-20204',
        '-21001',
        '-21002',
        '-32603',
        '400002',
      ],
      OperationRejected: [
        'This type of sub-account exceeds the maximum number limit',
        '-2016', // NO_TRADING_WINDOW
        '-3004', // trade not allowed
        '-3009',
        '-3012',
        '-3017',
        '-3023',
        '-3024',
        '-3045',
        '-4014', // no withdrawals within 2 minutes of login
        '-4023', // 24h maximum exceeded
        '-4032',
        '-4034', // suspected fake address
        '-4040',
        '-4042',
        '-4043',
        '-5004',
        '-5005',
        '-5006',
        '-5008',
        '-6007',
        '-6008',
        '-6011',
        '-6014',
        '-6019',
        '-10017',
        '-10029',
        '-10030',
        '-10031',
        '-10034',
        '-10039',
        '-10040',
        '-10043',
        '-10044',
        '-10045',
        '-10046',
        '-11008',
        '-13000',
        '-13001',
        '-13002',
        '-13004',
        '-13005',
        '-13006',
        '-18002',
        '-18003',
        '-18004',
        '-18006',
        '-18007',
        '-20198',
        '-21004',
      ],
      RequestTimeout: [
        '-1007', // TIMEOUT: execution status unknown
      ],
      InvalidNonce: [
        '-1021', // INVALID_TIMESTAMP (outside recvWindow)
      ],
      BadSymbol: [
        '-1121', // BAD_SYMBOL
        '-1122', // INVALID_SYMBOLSTATUS
        '-1151', // DUPLICATE_SYMBOLS
        '-3002', // asset not found
        '-3027',
        '-3028',
        '-4018', // asset not found
        '-5009',
        '-6001',
        '-10042',
        '-20121',
      ],
      BadResponse: [
        '-2021', // cancel-replace: one half failed
        '-2022', // cancel-replace: both halves failed
        '-4030',
        '-6013',
        '-10005', // no records
        '-21003',
      ],
    }),
    // Substrings of "msg", checked after the exact messages and before the code.
    broad: {
      'has no operation privilege': 'PermissionDenied',
      'Price * QTY is zero or less': 'InvalidOrder',
      PERCENT_PRICE_BY_SIDE: 'InvalidOrder',
      MARKET_LOT_SIZE: 'InvalidOrder',
      LOT_SIZE: 'InvalidOrder',
      PRICE_FILTER: 'InvalidOrder',
      MAX_POSITION: 'BadRequest',
    },
  },
  commonCurrencies: {
    BCC: 'BCC',
    YOYO: 'YOYOW',
  },
  options: {
    /** Market types loaded by fetchMarkets; futures/options come with their own sections later. */
    fetchMarkets: { types: ['spot'] },
    /** capital/config/getall needs keys: without them loadMarkets derives currencies from the markets. */
    fetchCurrencies: true,
    recvWindow: 10_000,
    /** recoverByClientOrderId: after a lost createOrder answer, look the order up before reporting the error. */
    createOrder: { timeInForce: 'GTC', quoteOrderQty: true, recoverByClientOrderId: true },
    newOrderRespType: { market: 'FULL', limit: 'FULL' },
    /** Prefix of the client order id generated for every order (Binance allows [.A-Za-z0-9:/_-]{1,36}). */
    clientOrderIdPrefix: 'ufx',
    /** Usage headers -> window limit; when a window is used up, requests wait for the next minute. */
    usedWeightHeaders: { 'x-mbx-used-weight-1m': 6000, 'x-sapi-used-ip-weight-1m': 12_000 },
    /** Weight kept in reserve for other processes sharing the IP before pausing. */
    usedWeightReserve: 60,
    /** Unified network code -> Binance network id. */
    networks: {
      BTC: 'BTC',
      BTCSEGWIT: 'SEGWITBTC',
      BTCLIGHTNING: 'LIGHTNING',
      ERC20: 'ETH',
      ETH: 'ETH',
      TRC20: 'TRX',
      TRX: 'TRX',
      BEP2: 'BNB',
      BSC: 'BSC',
      BEP20: 'BSC',
      OP: 'OPTIMISM',
      OPTIMISM: 'OPTIMISM',
      ARBITRUM: 'ARBITRUM',
      AVAXC: 'AVAXC',
      MATIC: 'MATIC',
      BASE: 'BASE',
      SOL: 'SOL',
      SUI: 'SUI',
      TON: 'TON',
      XRP: 'XRP',
      XLM: 'XLM',
      EOS: 'EOS',
      DOGE: 'DOGE',
      ADA: 'ADA',
      NEAR: 'NEAR',
      APT: 'APT',
      COSMOS: 'ATOM',
      ATOM: 'ATOM',
      ZKSYNCERA: 'ZKSYNCERA',
    },
    /** Binance network id -> unified code, where they differ. */
    networksById: { TRX: 'TRC20', BSC: 'BEP20', ETH: 'ERC20', SOL: 'SOL', OPTIMISM: 'OP' },
    /**
     * Chains whose coin and tokens use different codes: the chain's own coin keeps `primary`, tokens get `secondary`
     * (ETH on ETH is 'ETH', USDT on ETH is 'ERC20'); `default` applies when the currency is unknown.
     */
    networkAliases: {
      ETH: { primary: 'ETH', secondary: 'ERC20', default: 'secondary' },
      TRX: { primary: 'TRX', secondary: 'TRC20', default: 'secondary' },
      BTC: { primary: 'BTC', secondary: 'BRC20', default: 'primary' },
      CRO: { primary: 'CRONOS', secondary: 'CRC20', default: 'secondary' },
    },
    /** Fiat currencies: their deposits and withdrawals are fiat/orders, not capital/*. */
    legalMoney: [
      'AED',
      'ARS',
      'AUD',
      'BRL',
      'CAD',
      'CHF',
      'CZK',
      'DKK',
      'EUR',
      'GBP',
      'GHS',
      'HKD',
      'HUF',
      'INR',
      'JPY',
      'KES',
      'KZT',
      'MXN',
      'NGN',
      'NOK',
      'NZD',
      'PEN',
      'PHP',
      'PLN',
      'RUB',
      'SEK',
      'TRY',
      'UAH',
      'UGX',
      'USD',
      'VND',
      'ZAR',
    ],
    /** Withdrawal precision of fiat networks, which report 0. */
    defaultFiatWithdrawPrecision: '0.01',
    /** Streaming (ws.ts). Cache sizes as the core reads them, and Binance's stream settings. */
    ws: {
      /** Trades kept per symbol, candles per symbol and timeframe, orders and my trades kept. */
      trades: 1000,
      ohlcv: 1000,
      orders: 1000,
      /** Levels of the REST depth snapshot a local book starts from, and the most it keeps. */
      orderBookLimit: 1000,
      /** Diff depth every 100 ms (<symbol>@depth@100ms) or every 1000 ms (<symbol>@depth). */
      orderBookRate: 100,
      /** 'trade' (every trade) or 'aggTrade' (trades aggregated by taker order). */
      tradesChannel: 'trade',
      /** Streams per connection (Binance allows 1024). */
      maxStreamsPerConnection: 1024,
      /** SUBSCRIBE / UNSUBSCRIBE messages per second and connection (Binance allows 5, pings and pongs included). */
      subscribeRate: 4,
      /** Streams named in one SUBSCRIBE message. */
      streamsPerMessage: 200,
      /** Client ping frames (the answering pongs prove the socket alive) and silence before a reconnect, ms. */
      pingInterval: 20_000,
      staleAfter: 60_000,
      /**
       * How the user data stream (watchBalance, watchOrders, watchMyTrades) is opened: 'wsApi', a signed subscription
       * on the WebSocket API (urls.ws.api); or 'listenKey', the deprecated POST api/v3/userDataStream key streamed
       * from urls.ws.private.
       */
      userDataStream: 'wsApi',
      /** With 'listenKey': a listenKey lives 60 minutes; it is kept alive with PUT api/v3/userDataStream this often (ms). */
      listenKeyRefresh: 1_800_000,
      /** Seed watchBalance with GET api/v3/account after each (re)connect of the user data stream. */
      fetchBalanceSnapshot: true,
    },
  },
});
