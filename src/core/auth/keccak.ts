import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToBase64, bytesToHex, toBytes } from './encoding.js';

// keccak256 (pre-standard SHA-3 padding) is not in Node's OpenSSL. It lives in its own module so that exchanges
// that never sign with it do not load @noble/hashes at import time.

export function keccak256Bytes(data: string | Uint8Array): Uint8Array {
  return keccak_256(toBytes(data));
}

export function keccak256(data: string | Uint8Array, enc: 'hex' | 'base64' = 'hex'): string {
  const bytes = keccak256Bytes(data);
  return enc === 'hex' ? bytesToHex(bytes) : bytesToBase64(bytes);
}

export function hmacKeccak256(data: string | Uint8Array, key: string | Uint8Array): Uint8Array {
  return nobleHmac(keccak_256, toBytes(key), toBytes(data));
}
