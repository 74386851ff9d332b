import { randomBytes, randomUUID } from 'node:crypto';

/** `bytes` cryptographically random bytes as lower-case hex (2 * bytes characters). */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError('randomHex: bytes must be a non-negative integer');
  return randomBytes(bytes).toString('hex');
}

/** RFC 4122 version 4 UUID. */
export function uuid(): string {
  return randomUUID();
}
