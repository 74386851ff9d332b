/**
 * The README's main job: a short tour of the unified API on Kraken.
 * By default it runs offline, answering from recorded exchange traffic (examples/kraken.cassette.json) through
 * the public `fetch` option; `--live` asks api.kraken.com instead.
 *
 *   npm run example            # offline
 *   npm run example -- --live  # real exchange, public endpoints only
 */
import { readFileSync } from 'node:fs';
import { replayFetch, type Cassette } from '../src/core/replay.js';
import { createExchange } from '../src/registry.js';

const live = process.argv.includes('--live');
const cassette = JSON.parse(readFileSync(new URL('./kraken.cassette.json', import.meta.url), 'utf8')) as Cassette;
const started = performance.now();
const ex = await createExchange('kraken', live ? {} : { fetch: replayFetch(cassette) });
console.log(
  `kraken loaded and constructed in ${(performance.now() - started).toFixed(1)} ms (${live ? 'live' : 'offline replay'})`,
);

const markets = await ex.loadMarkets();
console.log(`\n${Object.keys(markets).length} markets, e.g.`);
for (const m of Object.values(markets).slice(0, 3)) {
  console.log(
    `  ${m.symbol.padEnd(10)} id=${m.id.padEnd(9)} tick=${m.precision.price} step=${m.precision.amount} min=${m.limits.amount?.min}`,
  );
}

const symbol = 'BTC/USD';
const t = await ex.fetchTicker(symbol);
console.log(
  `\nticker ${symbol}: last ${t.last}  bid ${t.bid}  ask ${t.ask}  24h volume ${t.baseVolume}  change ${t.percentage?.toFixed(2)}%`,
);

const book = await ex.fetchOrderBook(symbol, 3);
console.log('\norder book (best 3):');
for (let i = 0; i < 3; i++) {
  const b = book.bids[i];
  const a = book.asks[i];
  console.log(`  ${b ? `${b[1]} @ ${b[0]}` : ''}`.padEnd(28) + (a ? `${a[1]} @ ${a[0]}` : ''));
}

const trades = await ex.fetchTrades(symbol);
console.log(`\nlast ${trades.length} trades:`);
for (const tr of trades)
  console.log(`  ${tr.datetime} ${tr.side?.padEnd(4)} ${tr.amount} @ ${tr.price} (${tr.type ?? ''})`);

const candles = await ex.fetchOHLCV(symbol, '1m');
console.log(`\n${candles.length} one-minute candles [time, open, high, low, close, volume]:`);
for (const c of candles) console.log(`  ${new Date(c[0]).toISOString()} ${c.slice(1).join(' ')}`);

// Exact decimal precision: no float artefacts, amounts truncated to the lot step, prices rounded to the tick.
console.log('\nprecision:');
console.log(`  amountToPrecision(${symbol}, 0.1 + 0.2) = ${ex.amountToPrecision(symbol, 0.1 + 0.2)}`);
console.log(`  priceToPrecision(${symbol}, 30123.456) = ${ex.priceToPrecision(symbol, 30123.456)}`);

// Bad input never leaves the process.
try {
  await ex.createOrder('NOPE/USD', 'limit', 'buy', 1, 1);
} catch (e) {
  console.log(`\ncreateOrder on an unknown symbol -> ${(e as Error).constructor.name}: ${(e as Error).message}`);
}
await ex.close();
