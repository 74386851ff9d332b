/**
 * One error hierarchy with CCXT's class names, so `catch (e) { if (e instanceof InsufficientFunds) ... }` code
 * written for CCXT keeps working. Every error can carry the exchange id, the HTTP status and the exchange's raw
 * code; none ever carries a secret (messages are built from response bodies and URLs with credentials redacted).
 */
export interface ErrorDetails {
  exchange?: string | undefined;
  status?: number | undefined;
  code?: string | number | undefined;
  cause?: unknown;
}

export class BaseError extends Error {
  exchange: string | undefined;
  status: number | undefined;
  code: string | number | undefined;
  constructor(message = '', details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.exchange = details.exchange;
    this.status = details.status;
    this.code = details.code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

export class ExchangeError extends BaseError {}
export class AuthenticationError extends ExchangeError {}
export class PermissionDenied extends AuthenticationError {}
export class AccountNotEnabled extends PermissionDenied {}
export class AccountSuspended extends AuthenticationError {}
export class ArgumentsRequired extends ExchangeError {}
export class BadRequest extends ExchangeError {}
export class BadSymbol extends BadRequest {}
export class OperationRejected extends ExchangeError {}
export class NoChange extends OperationRejected {}
export class MarginModeAlreadySet extends NoChange {}
export class MarketClosed extends OperationRejected {}
export class ManualInteractionNeeded extends OperationRejected {}
export class RestrictedLocation extends OperationRejected {}
export class InsufficientFunds extends ExchangeError {}
export class InvalidAddress extends ExchangeError {}
export class AddressPending extends InvalidAddress {}
export class InvalidOrder extends ExchangeError {}
export class OrderNotFound extends InvalidOrder {}
export class OrderNotCached extends InvalidOrder {}
export class OrderImmediatelyFillable extends InvalidOrder {}
export class OrderNotFillable extends InvalidOrder {}
export class DuplicateOrderId extends InvalidOrder {}
export class ContractUnavailable extends InvalidOrder {}
export class NotSupported extends ExchangeError {}
export class InvalidProxySettings extends ExchangeError {}
export class ExchangeClosedByUser extends ExchangeError {}
export class OperationFailed extends BaseError {}
export class NetworkError extends OperationFailed {}
export class DDoSProtection extends NetworkError {}
export class RateLimitExceeded extends NetworkError {}
export class ExchangeNotAvailable extends NetworkError {}
export class OnMaintenance extends ExchangeNotAvailable {}
export class InvalidNonce extends NetworkError {}
export class ChecksumError extends InvalidNonce {}
export class RequestTimeout extends NetworkError {}
export class BadResponse extends OperationFailed {}
export class NullResponse extends BadResponse {}
export class CancelPending extends OperationFailed {}
export class UnsubscribeError extends BaseError {}

export type ErrorClass = new (message?: string, details?: ErrorDetails) => BaseError;

/** Name -> class, for error tables written as data in each exchange's spec. */
export const errorClasses = {
  BaseError,
  ExchangeError,
  AuthenticationError,
  PermissionDenied,
  AccountNotEnabled,
  AccountSuspended,
  ArgumentsRequired,
  BadRequest,
  BadSymbol,
  OperationRejected,
  NoChange,
  MarginModeAlreadySet,
  MarketClosed,
  ManualInteractionNeeded,
  RestrictedLocation,
  InsufficientFunds,
  InvalidAddress,
  AddressPending,
  InvalidOrder,
  OrderNotFound,
  OrderNotCached,
  OrderImmediatelyFillable,
  OrderNotFillable,
  DuplicateOrderId,
  ContractUnavailable,
  NotSupported,
  InvalidProxySettings,
  ExchangeClosedByUser,
  OperationFailed,
  NetworkError,
  DDoSProtection,
  RateLimitExceeded,
  ExchangeNotAvailable,
  OnMaintenance,
  InvalidNonce,
  ChecksumError,
  RequestTimeout,
  BadResponse,
  NullResponse,
  CancelPending,
  UnsubscribeError,
} as const satisfies Record<string, ErrorClass>;

export type ErrorName = keyof typeof errorClasses;
