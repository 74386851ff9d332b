import { DepthSim } from './ws.js';
import { LocalOrderBook } from '../src/ws/orderbook.js';
const sim = new DepthSim(11, 1000);
const snap = sim.snapshot();
const events = Array.from({ length: 20000 }, () => sim.next());
function run(every: number) {
  const book = new LocalOrderBook('BTC/USDT');
  book.reset(snap.bids, snap.asks, snap.lastUpdateId);
  book.snapshot();
  const t0 = performance.now();
  let keep: unknown;
  for (let k = 0; k < events.length; k++) {
    const e = events[k]!;
    for (const l of e.b) book.update('bids', l[0], l[1]);
    for (const l of e.a) book.update('asks', l[0], l[1]);
    if (every && k % every === 0) keep = book.snapshot();
  }
  return (events.length / (performance.now() - t0)) * 1000;
}
for (const every of [1]) {
  const r: number[] = [];
  for (let i = 0; i < 8; i++) r.push(run(every));
  console.log('every', every, r.slice(2).map((x) => (x / 1000).toFixed(0) + 'k').join(' '));
}
