/**
 * One websocket connection that stays up: heartbeats, a silence watchdog, and reconnection with exponential
 * backoff and jitter. It knows nothing of subscriptions: `onOpen` runs after every (re)connect so the owner can
 * send them again.
 */
import WebSocket from 'ws';
import { NetworkError, RequestTimeout } from '../core/errors.js';

export type WsStatus = 'idle' | 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'closed';

export interface Backoff {
  /** First delay, ms. */
  initial: number;
  max: number;
  factor: number;
  /** 0..1: the delay varies by up to this fraction either way. */
  jitter: number;
}

export interface ConnectionOptions {
  url: string;
  /** Ms between heartbeats; 0 disables them. */
  pingInterval?: number;
  /** Ms without any message after which the stream is stale and the socket is replaced. */
  staleAfter?: number;
  /** Ms allowed for the handshake. */
  connectTimeout?: number;
  /** Application-level ping message; without it a websocket ping frame is sent. */
  ping?: () => unknown;
  backoff?: Partial<Backoff>;
  headers?: Record<string, string>;
  onOpen?: (conn: Connection) => void | Promise<void>;
  onMessage: (data: unknown, conn: Connection) => void;
  onStatus?: (status: WsStatus, conn: Connection) => void;
  /** Called with errors that belong to no particular caller (bad frames, handler exceptions). */
  onError?: (error: unknown, conn: Connection) => void;
  random?: () => number;
  exchange?: string;
}

const DEFAULT_BACKOFF: Backoff = { initial: 250, max: 30_000, factor: 2, jitter: 0.25 };

export class Connection {
  status: WsStatus = 'idle';
  /** Completed (re)connects; subscribers use it to tell a new socket from the old one. */
  generation = 0;
  private socket: WebSocket | undefined;
  private attempts = 0;
  private lastMessageAt = 0;
  private tick: ReturnType<typeof setInterval> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private opening: Promise<void> | undefined;
  private openWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private readonly backoff: Backoff;

  constructor(readonly options: ConnectionOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  get url(): string {
    return this.options.url;
  }

  /** When the current (or last) socket last heard anything, ms; 0 before the first frame. */
  get lastMessageTime(): number {
    return this.lastMessageAt;
  }

  /** Resolves once connected (now or after the reconnect under way). */
  connect(): Promise<void> {
    if (this.status === 'closed') return Promise.reject(new NetworkError(`${this.label()} connection closed`));
    if (this.status === 'connected') return Promise.resolve();
    this.opening ??= new Promise<void>((resolve, reject) => {
      this.openWaiters.push({ resolve, reject });
    });
    if (this.status === 'idle') this.open();
    return this.opening;
  }

  send(message: unknown): void {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) {
      throw new NetworkError(`${this.label()} is not connected`);
    }
    socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Closes for good: no reconnect, timers cleared, waiters rejected. */
  close(): void {
    if (this.status === 'closed') return;
    this.setStatus('closed');
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
    }
    this.settleOpen(new NetworkError(`${this.label()} connection closed`));
  }

  /**
   * Drops the socket and reconnects (staleness, a server that asks for it). `immediate` skips the backoff delay,
   * for servers that announce a restart and expect the client straight back.
   */
  restart(reason: string, immediate = false): void {
    if (this.status === 'closed') return;
    if (immediate) this.attempts = -1;
    this.dropSocket(reason);
  }

  private label(): string {
    return `${this.options.exchange ?? 'ws'} ${this.options.url}`;
  }

  private setStatus(status: WsStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status, this);
  }

  private open(): void {
    this.setStatus(this.generation === 0 && this.attempts === 0 ? 'connecting' : 'reconnecting');
    const init: WebSocket.ClientOptions = { handshakeTimeout: this.options.connectTimeout ?? 10_000 };
    if (this.options.headers !== undefined) init.headers = this.options.headers;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url, init);
    } catch (e) {
      this.settleOpen(new NetworkError(`${this.label()} cannot connect: ${(e as Error).message}`));
      this.setStatus('closed');
      return;
    }
    this.socket = socket;
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.generation++;
      this.lastMessageAt = Date.now();
      this.setStatus('connected');
      this.startTick();
      void (async () => {
        try {
          await this.options.onOpen?.(this);
          this.settleOpen();
        } catch (e) {
          this.options.onError?.(e, this);
          this.settleOpen(e);
        }
      })();
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.socket !== socket) return;
      this.lastMessageAt = Date.now();
      this.attempts = 0;
      if (this.status === 'stale') this.setStatus('connected');
      const text = isBinary ? data.toString() : data.toString();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = text;
      }
      try {
        this.options.onMessage(parsed, this);
      } catch (e) {
        this.options.onError?.(e, this);
      }
    });
    // A server's ping (Binance sends one every 20 s) and the answer to ours both prove the link is alive.
    const alive = (): void => {
      if (this.socket === socket) this.lastMessageAt = Date.now();
    };
    socket.on('pong', alive);
    socket.on('ping', alive);
    socket.on('error', (e: Error) => {
      if (this.socket !== socket) return;
      this.options.onError?.(new NetworkError(`${this.label()} ${e.message}`, { cause: e }), this);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      // A socket that never opened fails the callers waiting for it; reconnection still goes on behind them.
      if (this.opening !== undefined && this.status !== 'connected') {
        this.settleOpen(new NetworkError(`${this.label()} could not connect`));
      }
      this.scheduleReconnect();
    });
  }

  private dropSocket(reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    this.clearTick();
    if (socket !== undefined) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
    }
    this.options.onError?.(new NetworkError(`${this.label()} ${reason}; reconnecting`), this);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.status === 'closed') return;
    this.clearTick();
    this.setStatus('reconnecting');
    const b = this.backoff;
    const base = this.attempts < 0 ? 0 : Math.min(b.max, b.initial * b.factor ** this.attempts);
    const rnd = (this.options.random ?? Math.random)();
    const delay = Math.max(0, Math.round(base * (1 + b.jitter * (rnd * 2 - 1))));
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.status !== 'closed') this.open();
    }, delay);
  }

  private startTick(): void {
    this.clearTick();
    const ping = this.options.pingInterval ?? 20_000;
    const stale = this.options.staleAfter ?? 60_000;
    const every = Math.max(10, Math.min(ping > 0 ? ping : Infinity, stale > 0 ? stale / 4 : Infinity));
    if (!Number.isFinite(every)) return;
    let lastPing = Date.now();
    this.tick = setInterval(() => {
      const now = Date.now();
      if (stale > 0 && now - this.lastMessageAt > stale) {
        this.setStatus('stale');
        this.dropSocket(`silent for ${now - this.lastMessageAt} ms`);
        return;
      }
      if (ping > 0 && now - lastPing >= ping) {
        lastPing = now;
        try {
          if (this.options.ping !== undefined) this.send(this.options.ping());
          else this.socket?.ping();
        } catch (e) {
          this.options.onError?.(e, this);
        }
      }
    }, every);
  }

  private clearTick(): void {
    if (this.tick !== undefined) clearInterval(this.tick);
    this.tick = undefined;
  }

  private clearTimers(): void {
    this.clearTick();
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private settleOpen(error?: unknown): void {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    this.opening = undefined;
    for (const w of waiters) {
      if (error === undefined) w.resolve();
      else w.reject(error instanceof Error ? error : new RequestTimeout(String(error)));
    }
  }
}
