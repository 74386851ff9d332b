/**
 * Subscriptions over shared connections, and the promises that watch calls wait on.
 * One connection per endpoint (split when an exchange caps topics per connection); every subscription is sent
 * again after a reconnect; a watch call waits for the next update of its topic ("message hash").
 */
import { ExchangeClosedByUser, NetworkError, UnsubscribeError } from '../core/errors.js';
import { Connection, type ConnectionOptions, type WsStatus } from './connection.js';

export interface Subscription {
  /** Unique per topic, e.g. 'book:XBT/USD'. */
  key: string;
  url: string;
  /**
   * Sent on connect and after every reconnect: a message, a list of messages, or a function that makes them at
   * send time (a signed subscribe needs a fresh timestamp on each reconnect).
   */
  subscribe: unknown;
  /** Sent to stop the topic; without it the topic is only forgotten locally. */
  unsubscribe?: unknown;
  /** Topics with different groups never share a socket, even on the same url (e.g. private vs public). */
  group?: string;
  /** Private topics wait for authentication first. */
  private?: boolean;
}

interface Waiter {
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
  /** Shapes the shared value for this caller (e.g. cuts a book to the depth it asked for). */
  map?: ((value: any) => unknown) | undefined;
}

/** Messages of a subscribe/unsubscribe entry, made at send time when it is a function. */
function messagesOf(entry: unknown): unknown[] {
  const value = typeof entry === 'function' ? (entry as () => unknown)() : entry;
  return Array.isArray(value) ? value : [value];
}

export interface StreamsOptions {
  exchange: string;
  /** Per-connection settings (heartbeats, watchdog, backoff) for a url. */
  connection?: (url: string) => Partial<Omit<ConnectionOptions, 'url' | 'onMessage' | 'onOpen'>>;
  /** Topics one connection may carry; more open another connection to the same url. */
  maxTopicsPerConnection?: number | undefined;
  onMessage: (data: unknown, conn: Connection) => void;
  /** After each (re)connect, before subscriptions are sent (e.g. log in for private topics). */
  onConnected?: (conn: Connection) => void | Promise<void>;
  /** After a reconnect: state kept from the old socket (books) must be rebuilt. */
  onReconnect?: (conn: Connection, keys: string[]) => void;
  onStatus?: (status: WsStatus, url: string) => void;
  /** Errors that belong to no watch call (a handler that threw on a frame). */
  onError?: (error: unknown) => void;
  /**
   * Sends a subscribe or unsubscribe message (default: at once). Exchanges that cap the rate of such messages
   * queue, merge and pace them here; a message that cannot go (socket gone) may throw.
   */
  sendControl?: (conn: Connection, message: unknown) => void;
}

export class Streams {
  private connections = new Map<string, Connection[]>();
  private topicConn = new Map<string, Connection>();
  private subs = new Map<string, Subscription>();
  private waiters = new Map<string, Waiter[]>();
  private closed = false;

  constructor(readonly options: StreamsOptions) {}

  /** The next value resolved for `hash`, subscribing `sub` first if it is new. */
  watch<T>(sub: Subscription, hash: string, map?: (value: any) => T): Promise<T> {
    if (this.closed) return Promise.reject(new ExchangeClosedByUser(`${this.options.exchange} streams are closed`));
    const next = this.next<T>(hash, map);
    if (!this.subs.has(sub.key)) {
      this.subs.set(sub.key, sub);
      const conn = this.connectionFor(sub.url, sub.group);
      this.topicConn.set(sub.key, conn);
      conn.connect().then(
        () => {
          // onOpen already sent every known topic on a fresh connect; send this one if it came later.
          if (conn.status !== 'connected' || this.sentOn.get(sub.key) === conn.generation) return;
          try {
            this.sendSubscribe(conn, sub);
          } catch (e) {
            this.reject(hash, e);
          }
        },
        (e: unknown) => this.reject(hash, e),
      );
    }
    return next;
  }

  private sentOn = new Map<string, number>();

  private sendControl(conn: Connection, message: unknown): void {
    if (this.options.sendControl !== undefined) this.options.sendControl(conn, message);
    else conn.send(message);
  }

  private sendSubscribe(conn: Connection, sub: Subscription): void {
    this.sentOn.set(sub.key, conn.generation);
    for (const m of messagesOf(sub.subscribe)) this.sendControl(conn, m);
  }

  /** Registers a waiter for `hash` without subscribing anything. */
  next<T>(hash: string, map?: (value: any) => T): Promise<T> {
    if (this.closed) return Promise.reject(new ExchangeClosedByUser(`${this.options.exchange} streams are closed`));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, map };
      const list = this.waiters.get(hash);
      if (list === undefined) this.waiters.set(hash, [waiter]);
      else list.push(waiter);
    });
  }

  hasWaiters(hash: string): boolean {
    return (this.waiters.get(hash)?.length ?? 0) > 0;
  }

  resolve(hash: string, value: unknown): void {
    const list = this.waiters.get(hash);
    if (list === undefined || list.length === 0) return;
    this.waiters.delete(hash);
    for (const w of list) {
      if (w.map === undefined) w.resolve(value);
      else {
        try {
          w.resolve(w.map(value));
        } catch (e) {
          w.reject(e);
        }
      }
    }
  }

  reject(hash: string, error: unknown): void {
    const list = this.waiters.get(hash);
    if (list === undefined) return;
    this.waiters.delete(hash);
    for (const w of list) w.reject(error);
  }

  /** Rejects every waiter whose hash starts with `prefix` (a failed subscription, a closed connection). */
  rejectMatching(prefix: string, error: unknown): void {
    for (const hash of [...this.waiters.keys()]) if (hash.startsWith(prefix)) this.reject(hash, error);
  }

  isSubscribed(key: string): boolean {
    return this.subs.has(key);
  }

  subscription(key: string): Subscription | undefined {
    return this.subs.get(key);
  }

  /** Sends the topic's subscribe message again on its connection (a resync of one symbol). */
  resubscribe(key: string): void {
    const sub = this.subs.get(key);
    const conn = this.topicConn.get(key);
    if (sub === undefined || conn === undefined || conn.status !== 'connected') return;
    try {
      if (sub.unsubscribe !== undefined) for (const m of messagesOf(sub.unsubscribe)) this.sendControl(conn, m);
      this.sendSubscribe(conn, sub);
    } catch (e) {
      // The socket went away meanwhile; the reconnect sends the subscription again.
      this.options.onError?.(e);
    }
  }

  /** Stops a topic without touching the connection or other topics. */
  unsubscribe(key: string, hashPrefix?: string): void {
    const sub = this.subs.get(key);
    if (sub === undefined) return;
    this.subs.delete(key);
    this.sentOn.delete(key);
    const conn = this.topicConn.get(key);
    this.topicConn.delete(key);
    if (hashPrefix !== undefined)
      this.rejectMatching(hashPrefix, new UnsubscribeError(`${this.options.exchange} unsubscribed ${key}`));
    if (conn !== undefined && conn.status === 'connected' && sub.unsubscribe !== undefined) {
      try {
        for (const m of messagesOf(sub.unsubscribe)) this.sendControl(conn, m);
      } catch {
        // The socket went away meanwhile: the topic is forgotten locally, which is all that is left to do.
      }
    }
  }

  /** Status of every connection, by url. */
  status(): Record<string, WsStatus> {
    const out: Record<string, WsStatus> = {};
    for (const [url, list] of this.connections) {
      list.forEach((c, i) => {
        out[list.length > 1 ? `${url}#${i}` : url] = c.status;
      });
    }
    return out;
  }

  connection(url: string): Connection | undefined {
    return this.connections.get(url)?.[0];
  }

  close(): void {
    this.closed = true;
    for (const list of this.connections.values()) for (const c of list) c.close();
    this.connections.clear();
    this.topicConn.clear();
    this.subs.clear();
    const err = new ExchangeClosedByUser(`${this.options.exchange} streams closed`);
    for (const hash of [...this.waiters.keys()]) this.reject(hash, err);
  }

  private connectionFor(url: string, group = ''): Connection {
    const slot = group === '' ? url : `${url}#${group}`;
    const list = this.connections.get(slot) ?? [];
    const cap = this.options.maxTopicsPerConnection ?? Infinity;
    for (const c of list) {
      let topics = 0;
      for (const tc of this.topicConn.values()) if (tc === c) topics++;
      if (topics < cap) return c;
    }
    const conn = new Connection({
      ...this.options.connection?.(url),
      url,
      exchange: this.options.exchange,
      onMessage: this.options.onMessage,
      onStatus: (status, c) => {
        this.options.onStatus?.(status, c.url);
        if (status === 'reconnecting') {
          const keys = this.keysOn(c);
          this.options.onReconnect?.(c, keys);
        }
      },
      onError: (e) => {
        // Socket-level failures are handled by reconnection; anything else goes to the owner.
        if (!(e instanceof NetworkError)) this.options.onError?.(e);
      },
      onOpen: async (c) => {
        await this.options.onConnected?.(c);
        for (const key of this.keysOn(c)) {
          const sub = this.subs.get(key);
          if (sub !== undefined) this.sendSubscribe(c, sub);
        }
      },
    });
    list.push(conn);
    this.connections.set(slot, list);
    return conn;
  }

  private keysOn(conn: Connection): string[] {
    const keys: string[] = [];
    for (const [k, c] of this.topicConn) if (c === conn) keys.push(k);
    return keys;
  }
}
