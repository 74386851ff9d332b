/**
 * `npm start`: the library at work with no account and no network, against the paper exchange and its embedded
 * market data: markets, a ticker and an order book, a limit order and a market order, the fills, the balance
 * after them, and a small candlestick chart.
 */
import { terminalChart, toCandles } from '../src/cli/chart.js';
import { render } from '../src/cli/render.js';
import { createExchange } from '../src/registry.js';

const style = { color: process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined };
const heading = (text: string): void => console.log(`\n${style.color ? `\x1b[1m${text}\x1b[22m` : text}`);
const show = (view: Parameters<typeof render>[0], value: unknown): void => console.log(render(view, value, style));

const ex = await createExchange('paper');
const symbol = 'BTC/USDT';

heading('Markets (paper exchange, embedded data: offline)');
show('markets', Object.values(await ex.loadMarkets()));

heading(`Ticker ${symbol}`);
show('ticker', await ex.fetchTicker(symbol));

heading(`Order book ${symbol}`);
show('orderbook', await ex.fetchOrderBook(symbol, 5));

heading('Balance before trading');
show('balance', await ex.fetchBalance());

const book = await ex.fetchOrderBook(symbol, 1);
const bestBid = book.bids[0]?.[0] ?? 0;
const limitPrice = Number(ex.priceToPrecision(symbol, bestBid * 0.99));
heading(`Limit buy 0.5 BTC at ${limitPrice} (1% under the best bid: it rests, funds are held)`);
const limit = await ex.createOrder(symbol, 'limit', 'buy', 0.5, limitPrice);
show('order', limit);

heading('Market buy 0.25 BTC (takes the best asks)');
const market = await ex.createOrder(symbol, 'market', 'buy', 0.25);
show('order', market);

heading('Fills');
show('trades', await ex.fetchMyTrades(symbol));

heading('Open orders');
show('orders', await ex.fetchOpenOrders(symbol));

heading('Balance after trading (used = held by the resting limit order)');
show('balance', await ex.fetchBalance());

heading(`${symbol} hourly candles`);
const rows = await ex.fetchOHLCV(symbol, '1h', undefined, 48);
console.log(
  terminalChart(toCandles(rows), { width: 72, height: 14, title: `${symbol} 1h`, timeframeMs: 3_600_000 }, style),
);

await ex.close();
