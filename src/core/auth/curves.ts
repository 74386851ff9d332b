import { ecdsa, weierstrass, type ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Lazily constructed ECDSA curves. Importing '@noble/curves/secp256k1.js' / 'nist.js' eagerly builds those curves plus
 * Schnorr, hash-to-curve, OPRF and FROST helpers (~20 ms at import); exchanges only need plain ECDSA, so build it from
 * the abstract module on first use. Parameters: SEC 2 v2 §2.4.1 (secp256k1) and FIPS 186-4 D.1.2.3 (P-256); the tests
 * cross-check both against @noble/curves' own instances and node:crypto.
 */
let secp256k1Instance: ECDSA | undefined;
let p256Instance: ECDSA | undefined;

export function secp256k1(): ECDSA {
  secp256k1Instance ??= ecdsa(
    weierstrass({
      p: BigInt('0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'),
      n: BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'),
      h: 1n,
      a: 0n,
      b: 7n,
      Gx: BigInt('0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'),
      Gy: BigInt('0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'),
    }),
    sha256,
  );
  return secp256k1Instance;
}

export function p256(): ECDSA {
  p256Instance ??= ecdsa(
    weierstrass({
      p: BigInt('0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
      n: BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
      h: 1n,
      a: BigInt('0xffffffff00000001000000000000000000000000fffffffffffffffffffffffc'),
      b: BigInt('0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b'),
      Gx: BigInt('0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
      Gy: BigInt('0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
    }),
    sha256,
  );
  return p256Instance;
}
