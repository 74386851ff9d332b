#!/usr/bin/env node
/**
 * The `unifex` executable (package.json "bin"). Usage: docs/cli.md or `unifex --help`.
 *   unifex exchanges [--format table|md|rst|json]
 *   unifex <exchange> <method> [args...] [--param key=value ...] [--json]
 *   unifex <exchange> download ohlcv|trades <symbol> --since ... [--until ...] --out file.csv|.jsonl
 *   unifex <exchange> watch orderbook|trades|ticker <symbol>
 *   unifex <exchange> chart <symbol> [timeframe] [--png file]
 */
import { main, processStopper } from './cli.js';

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stopper: processStopper(),
}).then((code) => {
  process.exitCode = code;
  // Whatever a library left running (a socket, a timer) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 500).unref();
});
