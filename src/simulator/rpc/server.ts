/**
 * `startRpcServer`: the embedded chain over Ethereum JSON-RPC on HTTP (node:http only).
 *
 *   const server = await startRpcServer({ profile: 'ethereum', port: 0 });  // 0 = a free port
 *   const provider = new ethers.JsonRpcProvider(server.url);
 *   ...
 *   await server.close();
 *
 * POST bodies hold a JSON-RPC call or batch (see `jsonrpc.ts`, methods in `methods.ts`); OPTIONS
 * answers CORS preflights; other verbs get 405. Bodies over `maxBodyBytes` get 413. The server
 * binds to 127.0.0.1 by default: its dev accounts' keys are public, never expose it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChain, type Chain } from '../chain.ts';
import type { ChainProfile } from '../profiles.ts';
import { INVALID_REQUEST, RpcError } from './errors.ts';
import { handleJsonRpcBody } from './jsonrpc.ts';
import { createRpcHandler, type RpcHandler } from './methods.ts';

export interface StartRpcServerOptions {
  /** Serve this chain; default: a new chain of `profile`. */
  chain?: Chain;
  /** Profile of the new chain when `chain` is not given (default `ethereum`). */
  profile?: string | ChainProfile;
  /** Dev accounts of the new chain (default 4; a Hardhat node has 20). */
  accounts?: number;
  /** Balance of each dev account of the new chain in wei (default 10^24). */
  balance?: bigint;
  /** TCP port; 0 picks a free one. Default 8545. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Largest accepted request body (default 256 MiB: initcode of big models on `unlimited`). */
  maxBodyBytes?: number;
}

export interface RpcServer {
  /** e.g. `http://127.0.0.1:8545` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly chain: Chain;
  readonly handler: RpcHandler;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
};

function reply(res: ServerResponse, status: number, body?: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, body === undefined ? CORS : { ...CORS, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function errorBody(e: RpcError): string {
  return JSON.stringify({ jsonrpc: '2.0', id: null, error: e.toJSON() });
}

export async function startRpcServer(opts: StartRpcServerOptions = {}): Promise<RpcServer> {
  const chain =
    opts.chain ??
    (await createChain({
      profile: opts.profile ?? 'ethereum',
      ...(opts.accounts !== undefined ? { accounts: opts.accounts } : {}),
      ...(opts.balance !== undefined ? { balance: opts.balance } : {}),
    }));
  const handler = createRpcHandler(chain);
  const host = opts.host ?? '127.0.0.1';
  const maxBody = opts.maxBodyBytes ?? 256 * 1024 * 1024;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'OPTIONS') return reply(res, 204);
    if (req.method !== 'POST') {
      req.resume();
      return reply(res, 405, errorBody(new RpcError(INVALID_REQUEST, 'invalid request: send JSON-RPC with HTTP POST')));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > maxBody) {
        tooBig = true;
        chunks.length = 0;
        reply(res, 413, errorBody(new RpcError(INVALID_REQUEST, `invalid request: body larger than ${maxBody} bytes`)));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) return;
      handleJsonRpcBody(handler, Buffer.concat(chunks).toString('utf8')).then(
        (body) => (body === undefined ? reply(res, 204) : reply(res, 200, body)),
        (e: unknown) => reply(res, 500, errorBody(new RpcError(-32603, `internal error: ${String(e)}`))),
      );
    });
  };

  const server = createServer(onRequest);
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8545, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    chain,
    handler,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
