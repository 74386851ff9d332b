export {
  base64ToBytes,
  base64UrlEncode,
  bytesToBase64,
  bytesToHex,
  hexToBytes,
  utf8,
  type Encoding,
} from './encoding.js';
export { hash, hashBytes, hmac, hmacBytes, type HashAlgo } from './hash.js';
export { jwt, type JwtAlg } from './jwt.js';
export { hmacKeccak256, keccak256, keccak256Bytes } from './keccak.js';
export { randomHex, uuid } from './random.js';
export { redactSecrets } from './redact.js';
export { ecdsaSign, ed25519Sign, rsaSign, type EcdsaSignature } from './sign.js';
export { numberToPlainString, urlencode, urlencodeRaw, type UrlencodeOptions } from './urlencode.js';
