/**
 * What a private stream missed while its socket was down. Exchanges do not replay order events after a reconnect,
 * so an order that filled or was cancelled in the gap would stay "open" in a watchOrders cache forever. After the
 * private subscription is live again on a new socket, a handler asks REST what changed and publishes it as if it
 * had been streamed. The rules are here; each exchange supplies its REST calls.
 */
import type { Order, Trade } from '../core/types.js';

export interface OrderGapSources {
  /** The orders the handler holds (its watchOrders cache), any status. */
  known: readonly Order[];
  /** The account's open orders now (fetchOpenOrders, all symbols or the watched ones). */
  fetchOpenOrders: () => Promise<Order[]>;
  /** One order by id now; undefined when the exchange no longer knows it. */
  fetchOrder: (order: Order) => Promise<Order | undefined>;
  /** Known open orders looked up one by one at most (each is a REST call); default 50. */
  maxLookups?: number;
}

/** Order state a reader would compare: a change in any of these is an update worth publishing. */
export function sameState(a: Order, b: Order): boolean {
  return (
    a.status === b.status &&
    a.filled === b.filled &&
    a.remaining === b.remaining &&
    a.amount === b.amount &&
    a.price === b.price &&
    a.average === b.average
  );
}

/**
 * The orders whose state differs from what the handler holds: open orders it did not know, and orders it held
 * as open that are now different (filled more, closed, cancelled). Known open orders missing from the open list
 * are looked up one by one, newest first, up to `maxLookups`. A failed lookup is skipped (the next reconnect or
 * event corrects it); a failed open-orders call rejects, and the caller reports it.
 */
export async function ordersChangedInGap(src: OrderGapSources): Promise<Order[]> {
  const open = await src.fetchOpenOrders();
  const knownById = new Map<string, Order>();
  for (const o of src.known) knownById.set(o.id, o);
  const changed: Order[] = [];
  const openIds = new Set<string>();
  for (const o of open) {
    openIds.add(o.id);
    const before = knownById.get(o.id);
    if (before === undefined || !sameState(before, o)) changed.push(o);
  }
  const vanished = src.known
    .filter((o) => o.status === 'open' && !openIds.has(o.id))
    .sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0))
    .slice(0, src.maxLookups ?? 50);
  const looked = await Promise.all(vanished.map((o) => src.fetchOrder(o).catch(() => undefined)));
  for (let i = 0; i < vanished.length; i++) {
    const now = looked[i];
    if (now !== undefined && !sameState(vanished[i]!, now)) changed.push(now);
  }
  return changed;
}

/**
 * The trades of the gap: those after the newest one the handler saw (by time, then ids already seen are
 * dropped, since REST `since` is inclusive and several trades share a millisecond). Without a trade seen yet,
 * `since` is when the socket went down. With `pageSize`, a full page asks again from its newest trade (CCXT's
 * fetchMyTrades order: oldest first), up to `maxPages`, so a long gap loses nothing.
 */
export async function tradesInGap(
  seen: readonly Trade[],
  downSince: number,
  fetchMyTrades: (since: number) => Promise<Trade[]>,
  paging: { pageSize?: number; maxPages?: number } = {},
): Promise<Trade[]> {
  let since = downSince;
  for (const t of seen) if (t.timestamp !== undefined && t.timestamp > since) since = t.timestamp;
  const ids = new Set<string>();
  for (const t of seen) if (t.id !== undefined) ids.add(t.id);
  const out: Trade[] = [];
  const maxPages = paging.pageSize === undefined ? 1 : (paging.maxPages ?? 10);
  for (let page = 0; page < maxPages; page++) {
    const trades = await fetchMyTrades(since);
    let fresh = 0;
    let newest = since;
    for (const t of trades) {
      if (t.timestamp !== undefined && t.timestamp > newest) newest = t.timestamp;
      if (t.id !== undefined) {
        if (ids.has(t.id)) continue;
        ids.add(t.id);
      }
      out.push(t);
      fresh++;
    }
    // a page short of the size is the last; so is one that brought nothing new or did not move forward
    if (paging.pageSize === undefined || trades.length < paging.pageSize || fresh === 0 || newest === since) break;
    since = newest;
  }
  return out;
}
