/** Shell exit codes by error class (documented in docs/cli.md). The first matching row wins. */
import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  DDoSProtection,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidOrder,
  NetworkError,
  NotSupported,
  RateLimitExceeded,
} from '../core/errors.js';
import { UsageError } from './args.js';

export const EXIT = {
  ok: 0,
  generic: 1,
  usage: 2,
  badRequest: 3,
  auth: 4,
  order: 5,
  network: 6,
  unavailable: 7,
  rateLimit: 8,
  notSupported: 9,
  interrupted: 130,
} as const;

/** [class, code, what the row means] in match order: subclasses before their parents. */
export const EXIT_TABLE: readonly [abstract new (...args: any[]) => Error, number, string][] = [
  [UsageError, EXIT.usage, 'usage: unknown command, exchange, method or option; bad argument'],
  [ArgumentsRequired, EXIT.usage, 'usage: a required argument is missing (ArgumentsRequired)'],
  [BadRequest, EXIT.badRequest, 'BadSymbol, BadRequest'],
  [AuthenticationError, EXIT.auth, 'AuthenticationError, PermissionDenied, AccountSuspended'],
  [InsufficientFunds, EXIT.order, 'InsufficientFunds'],
  [InvalidOrder, EXIT.order, 'InvalidOrder, OrderNotFound, OrderImmediatelyFillable, ...'],
  [RateLimitExceeded, EXIT.rateLimit, 'RateLimitExceeded'],
  [DDoSProtection, EXIT.rateLimit, 'DDoSProtection'],
  [ExchangeNotAvailable, EXIT.unavailable, 'ExchangeNotAvailable, OnMaintenance'],
  [NetworkError, EXIT.network, 'NetworkError, RequestTimeout, InvalidNonce'],
  [NotSupported, EXIT.notSupported, 'NotSupported (also: exchange in the catalog but not implemented)'],
];

export function exitCode(error: unknown): number {
  for (const [cls, code] of EXIT_TABLE) if (error instanceof cls) return code;
  return EXIT.generic;
}
