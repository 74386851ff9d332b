import { exchangeInfo } from './fixtures.js';
import { binance } from '../src/exchanges/binance/binance.js';
import { parseSpotMarket } from '../src/exchanges/binance/parse.js';
const fx = exchangeInfo(3000);
console.log('bytes', fx.text.length);
for (let i = 0; i < 5; i++) {
  let t = performance.now();
  const j = JSON.parse(fx.text);
  const tp = performance.now() - t;
  t = performance.now();
  const m = new Map<string, string>();
  const code = (id: string) => {
    let c = m.get(id);
    if (c === undefined) {
      c = id;
      m.set(id, c);
    }
    return c;
  };
  const out = j.symbols.map((s: any) =>
    parseSpotMarket(s, code, { taker: 0.001, maker: 0.001, tierBased: false, percentage: true, feeSide: 'get' }),
  );
  const tm = performance.now() - t;
  const ex = new binance({ enableRateLimit: false });
  t = performance.now();
  ex.setMarkets(out);
  const ts = performance.now() - t;
  console.log('parse', tp.toFixed(1), 'markets', tm.toFixed(1), 'setMarkets', ts.toFixed(1));
}
