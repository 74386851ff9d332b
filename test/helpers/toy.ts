/** A minimal exchange on the real base class, pointed at a local server: tests the shared pipeline alone. */
import { hmac } from '../../src/core/auth/index.js';
import { Exchange, type ExchangeConfig, type SignedRequest } from '../../src/core/exchange.js';
import { TICK_SIZE } from '../../src/core/decimal.js';
import { defineSpec, type ImplicitApi } from '../../src/core/spec.js';
import type { Dict } from '../../src/core/types.js';

export const toySpec = defineSpec({
  id: 'toy',
  name: 'Toy',
  countries: ['XX'],
  rateLimit: 10,
  marketTypes: ['spot'],
  precisionMode: TICK_SIZE,
  urls: { api: { public: 'http://127.0.0.1:1/public', private: 'http://127.0.0.1:1/private' } },
  api: {
    public: { get: { ping: 1, 'ticker/{symbol}': 1 } },
    private: { get: { account: 1 }, post: { order: 2 } },
  },
  exceptions: { exact: { '1001': 'InsufficientFunds' }, broad: { 'unknown symbol': 'BadSymbol' } },
});

export interface toy extends ImplicitApi<typeof toySpec.api> {}
export class toy extends Exchange {
  static override spec = toySpec;

  constructor(config: ExchangeConfig & { base?: string } = {}) {
    const base = config.base ?? 'http://127.0.0.1:1';
    super({ ...config, urls: { ...config.urls, api: { public: `${base}/public`, private: `${base}/private` } } });
  }

  override sign(path: string, api: string, method: string, params: Dict): SignedRequest {
    if (api !== 'private') return super.sign(path, api, method, params);
    this.checkRequiredCredentials();
    const query = new URLSearchParams({ ...(params as Record<string, string>), ts: String(this.nonce()) }).toString();
    const signature = hmac(query, this.secret!, 'sha256', 'hex');
    return {
      url: `${this.apiUrl(api)}/${path}?${query}&signature=${signature}`,
      method,
      headers: { 'X-KEY': this.apiKey! },
    };
  }

  override handleErrors(
    status: number,
    _t: string,
    _u: string,
    _m: string,
    _h: Record<string, string>,
    body: string,
    json: any,
  ): void {
    if (json !== undefined && json !== null && typeof json === 'object' && 'error' in json) {
      const code = String(json.code ?? '');
      this.throwExactlyMatched(code, body, status);
      this.throwBroadlyMatched(String(json.error), body, code, status);
    }
  }
}
