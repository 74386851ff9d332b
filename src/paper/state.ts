/**
 * The paper exchange's state file: balances, orders and fills, written atomically (temp file, fsync, rename) so a
 * crash mid-write leaves the previous state, and one write at a time, always of the newest state.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { ExchangeError } from '../core/errors.js';
import type { EngineState } from './engine.js';

export const STATE_FORMAT = 'unifex-paper-state';

export interface StateFile {
  format: typeof STATE_FORMAT;
  version: 1;
  savedAt: number;
  source: string;
  engine: EngineState;
}

/** The saved state, or undefined when the file does not exist; a file that is not a paper state throws. */
export async function readState(path: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ExchangeError(`paper cannot read state file ${path}: ${(e as Error).message}`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ExchangeError(`paper state file ${path} is not valid JSON (left untouched)`, { cause: e });
  }
  const s = parsed as Partial<StateFile> | null;
  if (s === null || typeof s !== 'object' || s.format !== STATE_FORMAT || s.engine === undefined) {
    throw new ExchangeError(`paper state file ${path} is not a paper exchange state (left untouched)`);
  }
  if (s.version !== 1) throw new ExchangeError(`paper state file ${path} has unsupported version ${String(s.version)}`);
  return s as StateFile;
}

let tmpCounter = 0;

/** Writes `text` to `path` so that readers see either the old or the new content, never a mix. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new ExchangeError(`paper cannot write state file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Serialises writes of one file: `save()` while a write runs queues one more write, and every caller waiting in
 * that queue is answered by it, since it writes the newest state (taken when it starts).
 */
export class StateWriter {
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly serialize: () => string,
  ) {}

  save(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const run = this.running.then(() => {
      this.queued = undefined;
      return writeAtomic(this.path, this.serialize());
    });
    this.queued = run;
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every write asked for so far is done. */
  async idle(): Promise<void> {
    await this.running;
  }
}
