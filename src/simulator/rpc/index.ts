/** Ethereum JSON-RPC for the embedded chain: HTTP server, in-process EIP-1193 provider, dispatcher. */
export { startRpcServer, type RpcServer, type StartRpcServerOptions } from './server.ts';
export { createEip1193Provider, ProviderRpcError, type Eip1193Provider, type Eip1193RequestArguments } from './provider.ts';
export { createRpcHandler, CLIENT_VERSION, type RpcHandler } from './methods.ts';
export { handleJsonRpcBody, MAX_BATCH } from './jsonrpc.ts';
export { estimateGas } from './estimate.ts';
export {
  RpcError,
  PARSE_ERROR,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  INVALID_PARAMS,
  INTERNAL_ERROR,
  SERVER_ERROR,
  EXECUTION_REVERTED,
} from './errors.ts';
export type { Json } from './format.ts';
