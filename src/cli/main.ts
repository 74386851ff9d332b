#!/usr/bin/env node
/**
 * The `unifex` executable (package.json "bin"). Usage: docs/cli.md or `unifex --help`.
 *   unifex exchanges [--format table|md|rst|json]
 *   unifex <exchange> <method> [args...] [--param key=value ...] [--json]
 *   unifex <exchange> download ohlcv|trades <symbol> --since ... [--until ...] --out file.csv|.jsonl
 *   unifex <exchange> watch orderbook|trades|ticker|ohlcv <symbol> [timeframe]
 *   unifex <exchange> chart <symbol> [timeframe] [--png file]
 */
import { main, processStopper } from './cli.js';

// A reader that goes away (`unifex exchanges | head`) ends the command quietly, as for any shell tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stopper: processStopper(),
}).then((code) => {
  process.exitCode = code;
  // Whatever a library left running (a socket, a timer) must not keep a finished command alive; output still
  // being written to a slow reader is let through first.
  const exit = (): void => {
    if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) setTimeout(exit, 100).unref();
    else process.exit(code);
  };
  setTimeout(exit, 500).unref();
});
