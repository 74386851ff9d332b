/**
 * Byte/string conversions shared by every signer. All functions return plain `Uint8Array`s (never Node `Buffer`s)
 * so results compare structurally and behave the same in any runtime.
 */

export type Encoding = 'hex' | 'base64' | 'binary';

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Copy a Node Buffer into a plain Uint8Array (Buffers from string conversions may share a pooled ArrayBuffer). */
export function fromBuffer(buf: Buffer): Uint8Array {
  return new Uint8Array(buf);
}

/** Zero-copy Buffer view over a Uint8Array, for Node APIs that want a Buffer for `toString(enc)`. */
export function toBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** UTF-8 encode a string. */
export function utf8(s: string): Uint8Array {
  return fromBuffer(Buffer.from(s, 'utf8'));
}

/** Accept either a UTF-8 string or raw bytes. */
export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? utf8(data) : data;
}

/** Decode hex (an optional `0x` prefix is allowed). Throws on odd length or non-hex characters. */
export function hexToBytes(s: string): Uint8Array {
  const hex = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (hex.length % 2 !== 0 || !HEX_RE.test(hex)) throw new TypeError('hexToBytes: invalid hex string');
  return fromBuffer(Buffer.from(hex, 'hex'));
}

/** Lower-case hex without prefix. */
export function bytesToHex(b: Uint8Array): string {
  return toBuffer(b).toString('hex');
}

/** Decode standard or URL-safe base64, padded or not. */
export function base64ToBytes(s: string): Uint8Array {
  return fromBuffer(Buffer.from(s, 'base64'));
}

/** Standard base64 with padding. */
export function bytesToBase64(b: Uint8Array): string {
  return toBuffer(b).toString('base64');
}

/** Base64url (RFC 4648 §5) without padding; strings are UTF-8 encoded first. */
export function base64UrlEncode(b: Uint8Array | string): string {
  return (typeof b === 'string' ? Buffer.from(b, 'utf8') : toBuffer(b)).toString('base64url');
}

/** Is `s` a strict hex string (optional 0x prefix) of exactly `bytes` bytes? */
export function isHexOfLength(s: string, bytes: number): boolean {
  const hex = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  return hex.length === bytes * 2 && HEX_RE.test(hex);
}
