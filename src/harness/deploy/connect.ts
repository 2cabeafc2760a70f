/**
 * Connecting to a JSON-RPC node: one `eth_chainId` probe with a timeout first (a clear error instead of
 * ethers' endless network detection), then a `JsonRpcProvider` pinned to that network, with response
 * caching off (automining nodes answer back-to-back requests from fresh state).
 */
import { JsonRpcProvider, Network } from 'ethers';
import { DeployError } from './tx.ts';
import { redactUrl } from './record.ts';

export async function connectRpc(url: string, timeoutMs = 15_000): Promise<{ provider: JsonRpcProvider; chainId: bigint }> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DeployError(`--rpc: not a URL: ${redactUrl(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DeployError(`--rpc: only http(s) URLs are supported, got ${u.protocol}`);
  let chainId: bigint;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const j = (await res.json()) as { result?: string; error?: { message?: string } };
    if (typeof j.result !== 'string') throw new Error(j.error?.message ?? `HTTP ${res.status}`);
    chainId = BigInt(j.result);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DeployError(`cannot reach the node at ${redactUrl(url)}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const provider = new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 1000 });
  return { provider, chainId };
}
