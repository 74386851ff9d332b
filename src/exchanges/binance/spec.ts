/**
 * Binance (spot), as data. Written from:
 *   https://developers.binance.com/docs/binance-spot-api-docs/rest-api            (api/v3: market data, trading, account)
 *   https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security   (HMAC / RSA / Ed25519 signing)
 *   https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits     (REQUEST_WEIGHT, ORDERS, headers)
 *   https://developers.binance.com/docs/binance-spot-api-docs/errors              (error codes and messages)
 *   https://developers.binance.com/docs/binance-spot-api-docs/enums               (order status, types, time in force)
 *   https://developers.binance.com/docs/wallet                                    (sapi: capital/*, asset/*, system/status)
 *   https://developers.binance.com/docs/derivatives/portfolio-margin/account      (papi balance)
 *
 * Costs: `rateLimit` is 50 ms per cost unit (as CCXT). The spot API allows 6000 REQUEST_WEIGHT per minute, i.e. one
 * weight unit every 10 ms = 0.2 cost units; sapi allows 12 000 IP weight per minute (0.1 per unit) and 180 000 UID
 * weight per minute (1/150 per unit). The helpers below turn the documented weights into costs, so the table reads
 * in Binance's own numbers. Extra keys: `noSymbol` (cost when no symbol is sent), `noCoin` (same for coin),
 * `byLimit` ([maxLimit, cost] steps for depth).
 */
import { TICK_SIZE } from '../../core/decimal.js';
import { defineSpec } from '../../core/spec.js';

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
      'https://developers.binance.com/docs/wallet',
    ],
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
  timeframes: {
    '1s': '1s',
    '1m': '1m',
    '3m': '3m',
    '5m': '5m',
    '15m': '15m',
    '30m': '30m',
    '1h': '1h',
    '2h': '2h',
    '4h': '4h',
    '6h': '6h',
    '8h': '8h',
    '12h': '12h',
    '1d': '1d',
    '3d': '3d',
    '1w': '1w',
    '1M': '1M',
  },
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
  },
  exceptions: {
    // Binance answers errors as {"code": -1121, "msg": "Invalid symbol."}; messages are matched before codes because
    // one code (-1010, -2010, -2011, -1013) covers several causes that the message tells apart.
    exact: {
      // ---- messages (docs: "Messages for -1010 ERROR_MSG_RECEIVED, -2010 NEW_ORDER_REJECTED, -2011 CANCEL_REJECTED")
      'System is under maintenance.': 'OnMaintenance',
      'System abnormality': 'OperationFailed',
      'You are not authorized to execute this request.': 'PermissionDenied',
      'API key does not exist': 'AuthenticationError',
      'Unknown order sent.': 'OrderNotFound',
      'Order does not exist.': 'OrderNotFound',
      'Duplicate order sent.': 'DuplicateOrderId',
      'Market is closed.': 'MarketClosed',
      'Account has insufficient balance for requested action.': 'InsufficientFunds',
      'Market orders are not supported for this symbol.': 'InvalidOrder',
      'Iceberg orders are not supported for this symbol.': 'InvalidOrder',
      'Stop loss orders are not supported for this symbol.': 'InvalidOrder',
      'Stop loss limit orders are not supported for this symbol.': 'InvalidOrder',
      'Take profit orders are not supported for this symbol.': 'InvalidOrder',
      'Take profit limit orders are not supported for this symbol.': 'InvalidOrder',
      'Quote order qty market orders are not support for this symbol.': 'InvalidOrder',
      'Price * QTY is zero or less.': 'InvalidOrder',
      'IcebergQty exceeds QTY.': 'InvalidOrder',
      'Order would trigger immediately.': 'OrderImmediatelyFillable',
      'Stop price would trigger immediately.': 'OrderImmediatelyFillable',
      'Order would immediately match and take.': 'OrderImmediatelyFillable',
      'The relationship of the prices for the orders is not correct.': 'InvalidOrder',
      'OCO orders are not supported for this symbol': 'InvalidOrder',
      'Order book liquidity is less than LOT_SIZE filter minimum quantity.': 'InvalidOrder',
      'Order book liquidity is less than MARKET_LOT_SIZE filter minimum quantity.': 'InvalidOrder',
      'Order book liquidity is less than symbol minimum quantity.': 'InvalidOrder',
      'Rest API trading is not enabled.': 'PermissionDenied',
      'This account may not place or cancel orders.': 'PermissionDenied',
      'This action is disabled on this account.': 'AccountSuspended',
      "You don't have permission.": 'PermissionDenied',
      'Too many requests. Please try again later.': 'RateLimitExceeded',
      'Limit orders require GTC for this phase.': 'BadRequest',
      'This order type is not possible in this trading phase.': 'BadRequest',
      'This symbol is restricted for this account.': 'PermissionDenied',
      'This symbol is not permitted for this account.': 'PermissionDenied',
      'This type of sub-account exceeds the maximum number limit': 'OperationRejected',
      // ---- 10xx: server or network
      '-1000': 'OperationFailed', // UNKNOWN
      '-1001': 'OperationFailed', // DISCONNECTED
      '-1002': 'AuthenticationError', // UNAUTHORIZED
      '-1003': 'RateLimitExceeded', // TOO_MANY_REQUESTS
      '-1004': 'OperationFailed', // server busy
      '-1006': 'OperationFailed', // UNEXPECTED_RESP: execution status unknown
      '-1007': 'RequestTimeout', // TIMEOUT: execution status unknown
      '-1008': 'OperationFailed', // SERVER_BUSY
      '-1010': 'OperationFailed', // ERROR_MSG_RECEIVED
      '-1013': 'BadRequest', // INVALID_MESSAGE (filter failures)
      '-1014': 'InvalidOrder', // UNKNOWN_ORDER_COMPOSITION
      '-1015': 'RateLimitExceeded', // TOO_MANY_ORDERS
      '-1016': 'BadRequest', // SERVICE_SHUTTING_DOWN
      '-1020': 'BadRequest', // UNSUPPORTED_OPERATION
      '-1021': 'InvalidNonce', // INVALID_TIMESTAMP (outside recvWindow)
      '-1022': 'AuthenticationError', // INVALID_SIGNATURE
      '-1034': 'RateLimitExceeded', // TOO_MANY_CONNECTIONS
      '-1099': 'AuthenticationError', // not found, authenticated, or authorized
      // ---- 11xx: request issues
      '-1100': 'BadRequest', // ILLEGAL_CHARS
      '-1101': 'BadRequest', // TOO_MANY_PARAMETERS
      '-1102': 'BadRequest', // MANDATORY_PARAM_EMPTY_OR_MALFORMED
      '-1103': 'BadRequest', // UNKNOWN_PARAM
      '-1104': 'BadRequest', // UNREAD_PARAMETERS
      '-1105': 'BadRequest', // PARAM_EMPTY
      '-1106': 'BadRequest', // PARAM_NOT_REQUIRED
      '-1108': 'BadRequest', // PARAM_OVERFLOW
      '-1111': 'BadRequest', // BAD_PRECISION
      '-1112': 'OperationFailed', // NO_DEPTH
      '-1114': 'BadRequest', // TIF_NOT_REQUIRED
      '-1115': 'BadRequest', // INVALID_TIF
      '-1116': 'BadRequest', // INVALID_ORDER_TYPE
      '-1117': 'BadRequest', // INVALID_SIDE
      '-1118': 'BadRequest', // EMPTY_NEW_CL_ORD_ID
      '-1119': 'BadRequest', // EMPTY_ORG_CL_ORD_ID
      '-1120': 'BadRequest', // BAD_INTERVAL
      '-1121': 'BadSymbol', // BAD_SYMBOL
      '-1122': 'BadSymbol', // INVALID_SYMBOLSTATUS
      '-1125': 'AuthenticationError', // INVALID_LISTEN_KEY
      '-1127': 'BadRequest', // MORE_THAN_XX_HOURS
      '-1128': 'BadRequest', // OPTIONAL_PARAMS_BAD_COMBO
      '-1130': 'BadRequest', // INVALID_PARAMETER
      '-1131': 'BadRequest', // recvWindow must be less than 60000
      '-1134': 'BadRequest', // BAD_STRATEGY_TYPE
      '-1135': 'BadRequest', // INVALID_JSON
      '-1139': 'BadRequest', // INVALID_TICKER_TYPE
      '-1145': 'BadRequest', // INVALID_CANCEL_RESTRICTIONS
      '-1151': 'BadSymbol', // DUPLICATE_SYMBOLS
      '-1158': 'InvalidOrder', // OCO_ORDER_TYPE_REJECTED
      '-1160': 'InvalidOrder', // OCO_ICEBERGQTY_TIMEINFORCE
      '-1165': 'InvalidOrder', // BUY_OCO_LIMIT_MUST_BE_BELOW
      '-1166': 'InvalidOrder', // SELL_OCO_LIMIT_MUST_BE_ABOVE
      '-1168': 'InvalidOrder', // BOTH_OCO_ORDERS_CANNOT_BE_LIMIT
      '-1194': 'BadRequest', // INVALID_TIME_UNIT
      '-1196': 'InvalidOrder', // BUY_OCO_STOP_LOSS_MUST_BE_ABOVE
      '-1197': 'InvalidOrder', // SELL_OCO_STOP_LOSS_MUST_BE_BELOW
      '-1198': 'InvalidOrder', // BUY_OCO_TAKE_PROFIT_MUST_BE_BELOW
      '-1199': 'InvalidOrder', // SELL_OCO_TAKE_PROFIT_MUST_BE_ABOVE
      // ---- 20xx: order and key rejections
      '-2008': 'AuthenticationError', // invalid Api-Key ID
      '-2010': 'InvalidOrder', // NEW_ORDER_REJECTED
      '-2011': 'OrderNotFound', // CANCEL_REJECTED
      '-2013': 'OrderNotFound', // NO_SUCH_ORDER
      '-2014': 'AuthenticationError', // BAD_API_KEY_FMT
      '-2015': 'AuthenticationError', // REJECTED_MBX_KEY
      '-2016': 'OperationRejected', // NO_TRADING_WINDOW
      '-2021': 'BadResponse', // cancel-replace: one half failed
      '-2022': 'BadResponse', // cancel-replace: both halves failed
      '-2026': 'InvalidOrder', // ORDER_ARCHIVED
      '-2039': 'InvalidOrder', // CLIENT_ORDER_ID_INVALID
      // ---- 3xxx: margin account (sapi)
      '-3000': 'OperationFailed',
      '-3001': 'AuthenticationError', // enable 2FA first
      '-3002': 'BadSymbol', // asset not found
      '-3003': 'BadRequest', // margin account does not exist
      '-3004': 'OperationRejected', // trade not allowed
      '-3005': 'BadRequest',
      '-3006': 'BadRequest',
      '-3007': 'OperationFailed', // pending transaction
      '-3008': 'BadRequest',
      '-3009': 'OperationRejected',
      '-3010': 'BadRequest',
      '-3011': 'BadRequest',
      '-3012': 'OperationRejected',
      '-3013': 'BadRequest',
      '-3014': 'AccountSuspended',
      '-3015': 'BadRequest',
      '-3016': 'BadRequest',
      '-3017': 'OperationRejected',
      '-3018': 'AccountSuspended',
      '-3019': 'AccountSuspended',
      '-3020': 'BadRequest',
      '-3021': 'BadRequest',
      '-3022': 'AccountSuspended',
      '-3023': 'OperationRejected',
      '-3024': 'OperationRejected',
      '-3025': 'BadRequest',
      '-3026': 'BadRequest',
      '-3027': 'BadSymbol',
      '-3028': 'BadSymbol',
      '-3029': 'OperationFailed',
      '-3036': 'AccountSuspended',
      '-3037': 'OperationFailed',
      '-3038': 'BadRequest',
      '-3041': 'InsufficientFunds',
      '-3042': 'BadRequest',
      '-3043': 'PermissionDenied',
      '-3044': 'OperationFailed',
      '-3045': 'OperationRejected',
      '-3999': 'PermissionDenied',
      // ---- 4xxx: wallet (sapi capital/*)
      '-4001': 'BadRequest', // invalid operation
      '-4002': 'BadRequest', // invalid get
      '-4003': 'BadRequest', // invalid email
      '-4004': 'AuthenticationError', // not logged in
      '-4005': 'RateLimitExceeded', // too many new requests
      '-4006': 'BadRequest', // main account only
      '-4007': 'PermissionDenied', // address validation failed
      '-4008': 'PermissionDenied', // address tag validation failed
      '-4010': 'PermissionDenied', // whitelist mail
      '-4011': 'BadRequest',
      '-4012': 'PermissionDenied', // whitelist not opened
      '-4013': 'AuthenticationError', // 2FA not opened
      '-4014': 'OperationRejected', // no withdrawals within 2 minutes of login
      '-4015': 'PermissionDenied', // withdraw limited
      '-4016': 'PermissionDenied',
      '-4017': 'PermissionDenied',
      '-4018': 'BadSymbol', // asset not found
      '-4019': 'BadRequest', // asset not open for withdrawal
      '-4021': 'BadRequest', // amount not a multiple
      '-4022': 'BadRequest', // below minimum
      '-4023': 'OperationRejected', // 24h maximum exceeded
      '-4024': 'InsufficientFunds',
      '-4025': 'InsufficientFunds',
      '-4026': 'InsufficientFunds',
      '-4027': 'OperationFailed',
      '-4028': 'BadRequest', // amount must exceed the fee
      '-4029': 'BadRequest', // withdrawal record not found
      '-4030': 'BadResponse',
      '-4031': 'OperationFailed',
      '-4032': 'OperationRejected',
      '-4033': 'BadRequest', // illegal address
      '-4034': 'OperationRejected', // suspected fake address
      '-4035': 'PermissionDenied', // not whitelisted
      '-4036': 'PermissionDenied',
      '-4037': 'OperationFailed',
      '-4038': 'OperationFailed',
      '-4039': 'PermissionDenied',
      '-4040': 'OperationRejected',
      '-4041': 'OperationFailed',
      '-4042': 'OperationRejected',
      '-4043': 'OperationRejected',
      '-4044': 'PermissionDenied', // blacklisted country
      '-4045': 'OperationFailed',
      '-4046': 'AuthenticationError', // agreement not confirmed
      '-4047': 'BadRequest', // time interval must be within 0-90 days
      '-4060': 'OperationFailed', // deposit not yet confirmed, asset locked
      // ---- 5xxx: dust and transfers
      '-5001': 'BadRequest',
      '-5002': 'InsufficientFunds',
      '-5003': 'InsufficientFunds',
      '-5004': 'OperationRejected',
      '-5005': 'OperationRejected',
      '-5006': 'OperationRejected',
      '-5007': 'BadRequest',
      '-5008': 'OperationRejected',
      '-5009': 'BadSymbol',
      '-5010': 'OperationFailed',
      '-5011': 'BadRequest',
      '-5012': 'OperationFailed',
      '-5013': 'InsufficientFunds',
      '-5021': 'BadRequest',
      '-5022': 'BadRequest',
      // ---- 6xxx: savings
      '-6001': 'BadSymbol',
      '-6003': 'PermissionDenied',
      '-6004': 'BadRequest',
      '-6005': 'BadRequest',
      '-6006': 'BadRequest',
      '-6007': 'OperationRejected',
      '-6008': 'OperationRejected',
      '-6009': 'RateLimitExceeded',
      '-6011': 'OperationRejected',
      '-6012': 'InsufficientFunds',
      '-6013': 'BadResponse',
      '-6014': 'OperationRejected',
      '-6015': 'BadRequest',
      '-6016': 'BadRequest',
      '-6017': 'PermissionDenied',
      '-6018': 'InsufficientFunds',
      '-6019': 'OperationRejected',
      '-6020': 'BadRequest',
      '-7001': 'BadRequest', // date range not supported
      '-7002': 'BadRequest', // data request type not supported
      // ---- 1xxxx: loans
      '-10001': 'OperationFailed', // under maintenance
      '-10002': 'BadRequest',
      '-10005': 'BadResponse', // no records
      '-10007': 'BadRequest',
      '-10008': 'BadRequest',
      '-10009': 'BadRequest',
      '-10010': 'BadRequest',
      '-10011': 'InsufficientFunds',
      '-10012': 'BadRequest',
      '-10013': 'InsufficientFunds',
      '-10015': 'OperationFailed',
      '-10016': 'OperationFailed',
      '-10017': 'OperationRejected',
      '-10018': 'BadRequest',
      '-10019': 'BadRequest',
      '-10020': 'BadRequest',
      '-10021': 'InvalidOrder',
      '-10022': 'BadRequest',
      '-10023': 'OperationFailed',
      '-10024': 'BadRequest',
      '-10025': 'OperationFailed',
      '-10026': 'BadRequest',
      '-10028': 'BadRequest',
      '-10029': 'OperationRejected',
      '-10030': 'OperationRejected',
      '-10031': 'OperationRejected',
      '-10032': 'OperationFailed',
      '-10034': 'OperationRejected',
      '-10039': 'OperationRejected',
      '-10040': 'OperationRejected',
      '-10041': 'OperationFailed',
      '-10042': 'BadSymbol',
      '-10043': 'OperationRejected',
      '-10044': 'OperationRejected',
      '-10045': 'OperationRejected',
      '-10046': 'OperationRejected',
      '-10047': 'PermissionDenied',
      '-11008': 'OperationRejected',
      '-12014': 'RateLimitExceeded', // more than 1 request in 2 seconds
      '-13000': 'OperationRejected',
      '-13001': 'OperationRejected',
      '-13002': 'OperationRejected',
      '-13003': 'PermissionDenied',
      '-13004': 'OperationRejected',
      '-13005': 'OperationRejected',
      '-13006': 'OperationRejected',
      '-13007': 'PermissionDenied',
      '-18002': 'OperationRejected',
      '-18003': 'OperationRejected',
      '-18004': 'OperationRejected',
      '-18005': 'PermissionDenied',
      '-18006': 'OperationRejected',
      '-18007': 'OperationRejected',
      // ---- 2xxxx: algo and portfolio margin
      '-20121': 'BadSymbol',
      '-20124': 'BadRequest',
      '-20130': 'BadRequest',
      '-20132': 'BadRequest',
      '-20194': 'BadRequest',
      '-20195': 'BadRequest',
      '-20196': 'BadRequest',
      '-20198': 'OperationRejected',
      '-20204': 'BadRequest',
      '-21001': 'BadRequest',
      '-21002': 'BadRequest',
      '-21003': 'BadResponse',
      '-21004': 'OperationRejected',
      '-21005': 'InsufficientFunds',
      '-21006': 'OperationFailed',
      '-21007': 'OperationFailed',
      // ---- undocumented, seen in the wild
      '-32603': 'BadRequest',
      '400002': 'BadRequest',
      '100001003': 'AuthenticationError',
      '200003903': 'AuthenticationError',
    },
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
    createOrder: { timeInForce: 'GTC', quoteOrderQty: true },
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
    accountsByType: {
      main: 'MAIN',
      spot: 'MAIN',
      funding: 'FUNDING',
      margin: 'MARGIN',
      cross: 'MARGIN',
      future: 'UMFUTURE',
      delivery: 'CMFUTURE',
      linear: 'UMFUTURE',
      swap: 'UMFUTURE',
      inverse: 'CMFUTURE',
      option: 'OPTION',
    },
  },
});
