/**
 * `createEip1193Provider(chain)`: the embedded chain as an in-process EIP-1193 provider, backed by
 * the same dispatcher as the HTTP server (`methods.ts`), so results are the JSON-RPC values a node
 * returns (0x-hex strings, plain objects). Errors are `ProviderRpcError`s carrying the JSON-RPC
 * `code` and `data` (revert data for code 3). Works with `new ethers.BrowserProvider(provider)`
 * and viem's `custom(provider)` transport. No events are emitted (there are no account or chain
 * changes); `on`/`removeListener` exist for libraries that subscribe.
 */
import { EventEmitter } from 'node:events';
import type { Chain } from '../chain.ts';
import { INVALID_REQUEST, RpcError } from './errors.ts';
import { createRpcHandler, type RpcHandler } from './methods.ts';

export interface Eip1193RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

export class ProviderRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ProviderRpcError';
  }
}

export interface Eip1193Provider {
  readonly chain: Chain;
  readonly handler: RpcHandler;
  request(args: Eip1193RequestArguments): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): this;
  removeListener(event: string, listener: (...args: unknown[]) => void): this;
}

class InProcessProvider extends EventEmitter implements Eip1193Provider {
  constructor(readonly handler: RpcHandler) {
    super();
  }

  get chain(): Chain {
    return this.handler.chain;
  }

  async request(args: Eip1193RequestArguments): Promise<unknown> {
    if (typeof args !== 'object' || args === null || typeof args.method !== 'string') {
      throw new ProviderRpcError(INVALID_REQUEST, 'invalid request: expected { method: string, params?: unknown[] }');
    }
    try {
      return await this.handler.call(args.method, args.params);
    } catch (e) {
      const r = e as RpcError;
      throw new ProviderRpcError(r.code, r.message, r.data);
    }
  }
}

export function createEip1193Provider(chain: Chain): Eip1193Provider {
  return new InProcessProvider(createRpcHandler(chain));
}
