import { exchangeInfo } from './fixtures.js';
import { binance } from '../src/exchanges/binance/binance.js';
import ccxt from 'ccxt';
const fx = exchangeInfo(3000);
const text = fx.text;
const mkFetch = () =>
  (async () => ({
    status: 200,
    statusText: 'OK',
    headers: new Headers({ 'content-type': 'application/json' }),
    text: async () => text,
  })) as never;
async function ours() {
  const ex = new binance({ fetch: mkFetch(), enableRateLimit: false });
  const t = performance.now();
  await ex.loadMarkets();
  return [performance.now() - t, ex.symbols.length];
}
async function theirs() {
  const ex = new (ccxt as any).binance({
    enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false },
  });
  ex.fetch = async () => JSON.parse(text);
  const t = performance.now();
  await ex.loadMarkets();
  return [performance.now() - t, ex.symbols.length];
}
for (let i = 0; i < 8; i++) {
  const a = await ours();
  const b = await theirs();
  console.log('ours', a[0].toFixed(1), a[1], 'ccxt', b[0].toFixed(1), b[1]);
}
