/**
 * The command line on the paper exchange (offline, embedded data): one account across commands through the
 * state file, orders and balances as tables, the error classes a real exchange raises as exit codes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, unifex } from './helpers.js';

describe.concurrent('unifex paper', () => {
  it('default: one paper account across commands (state under XDG_STATE_HOME)', async () => {
    const state = tempDir();
    const env = { XDG_STATE_HOME: state };
    const run = (...args: string[]): ReturnType<typeof unifex> => unifex(['paper', ...args], { env });
    const created = await run('createOrder', 'BTC/USDT', 'limit', 'buy', '0.01', '1000', '--json');
    expect(created.code).toBe(0);
    const order = JSON.parse(created.stdout) as { id: string; status: string; amount: number; price: number };
    expect(order).toMatchObject({ status: 'open', amount: 0.01, price: 1000 });
    expect(existsSync(join(state, 'unifex', 'paper.json'))).toBe(true);

    const open = await run('fetchOpenOrders', 'BTC/USDT', '--table');
    expect(open.stdout).toMatch(
      new RegExp(
        `^${order.id}\\s+\\S+ \\S+\\s+BTC/USDT\\s+limit\\s+buy\\s+1000\\s+0\\.01\\s+0\\s+0\\.01\\s+open$`,
        'm',
      ),
    );
    const balance = await run('balance', '--table');
    expect(balance.stdout).toMatch(/^USDT\s+[\d.]+\s+10\s+[\d.]+$/m); // 0.01 x 1000 reserved

    const canceled = await run('cancelOrder', order.id, 'BTC/USDT', '--table');
    expect(canceled.stdout).toMatch(/^status\s+canceled$/m);
    const after = JSON.parse((await run('fetchOpenOrders', '--json')).stdout) as unknown[];
    expect(after).toEqual([]);
  });

  it('failure: the exchange error classes become exit codes (funds and orders 5, symbols 3)', async () => {
    const env = { XDG_STATE_HOME: tempDir() };
    const funds = await unifex(['paper', 'createOrder', 'BTC/USDT', 'limit', 'buy', '100', '70000'], { env });
    expect(funds.code).toBe(5);
    expect(funds.stderr).toMatch(/InsufficientFunds/);
    const missing = await unifex(['paper', 'fetchOrder', '424242', 'BTC/USDT'], { env });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/OrderNotFound/);
    const symbol = await unifex(['paper', 'fetchTicker', 'BTC/USTD'], { env });
    expect(symbol.code).toBe(3);
    expect(symbol.stderr).toMatch(/did you mean BTC\/USDT/);
  });

  it('default: market data offline: ticker, order book, chart, a streamed book', async () => {
    const env = { XDG_STATE_HOME: tempDir() };
    const ticker = JSON.parse((await unifex(['paper', 'ticker', 'BTC/USDT'], { env })).stdout) as { last: number };
    expect(ticker.last).toBeGreaterThan(0);
    const book = await unifex(['paper', 'orderbook', 'BTC/USDT', '5', '--table'], { env });
    expect(book.stdout.split('\n')[0]).toMatch(/^BTC\/USDT .*spread [\d.]+ {2}mid [\d.]+$/);
    const chart = await unifex(['paper', 'chart', 'BTC/USDT', '1h', '--width', '60', '--height', '16'], { env });
    expect(chart.code).toBe(0);
    expect(chart.stdout.split('\n')[0]).toMatch(/^paper BTC\/USDT 1h {2}last/);
    const watched = await unifex(['paper', 'watch', 'orderbook', 'BTC/USDT', '--count', '1'], { env });
    expect(watched.code).toBe(0);
    expect((JSON.parse(watched.stdout) as { bids: number[][] }).bids.length).toBeGreaterThan(0);
  });
});
