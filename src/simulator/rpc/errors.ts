/**
 * JSON-RPC errors of the embedded chain's RPC layer, with the codes and messages production nodes
 * (geth) use, so unchanged clients (ethers, viem) classify them the same way:
 *
 * - `-32700` parse error, `-32600` invalid request, `-32601` method not found, `-32602` invalid
 *   params, `-32603` internal error (a bug: please report it).
 * - `3` execution reverted, `data` = the revert data (ethers and viem decode custom errors from it).
 * - `-32000` a refused transaction or a failed execution other than REVERT; the message starts
 *   with geth's wording (`nonce too low`, `insufficient funds for gas * price + value`,
 *   `intrinsic gas too low`, `transaction gas limit too high`, `gas required exceeds allowance`,
 *   ...) followed by the simulator's explanation naming the profile and its limit.
 */
import { TxRejectedError, type TxRejectReason } from '../errors.ts';
import type { SimulateResult } from '../chain.ts';

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** geth's generic server error (refused transactions, failed executions, unknown blocks/filters). */
export const SERVER_ERROR = -32000;
/** geth's code for a REVERT in eth_call / eth_estimateGas; `data` holds the revert data. */
export const EXECUTION_REVERTED = 3;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export function invalidParams(message: string): RpcError {
  return new RpcError(INVALID_PARAMS, `invalid params: ${message}`);
}

const GETH_PREFIX: Readonly<Record<TxRejectReason, string>> = {
  GasCapExceeded: 'transaction gas limit too high',
  BlockGasLimitExceeded: 'exceeds block gas limit',
  InitCodeSizeExceeded: 'max initcode size exceeded',
  IntrinsicGasTooLow: 'intrinsic gas too low',
  InsufficientFunds: 'insufficient funds for gas * price + value',
  BadNonce: 'invalid nonce',
  UnknownSender: 'unknown account',
  Invalid: 'invalid transaction',
};

/** A refused transaction as a `-32000` error whose message starts with geth's wording. */
export function rejectionError(e: TxRejectedError): RpcError {
  let prefix = GETH_PREFIX[e.reason];
  if (e.reason === 'BadNonce') {
    // ethereumjs: "account has nonce of: X tx has nonce of: Y"
    const m = /nonce of:\s*(\d+).*nonce of:\s*(\d+)/s.exec(e.message);
    if (m) prefix = BigInt(m[2]!) < BigInt(m[1]!) ? 'nonce too low' : 'nonce too high';
  }
  return new RpcError(SERVER_ERROR, `${prefix}: ${e.message}`, { reason: e.reason });
}

/** A failed dry run (eth_call / eth_estimateGas) as the error a geth node returns. */
export function executionError(res: SimulateResult): RpcError {
  const err = res.error;
  if (res.exception === 'revert') {
    let message = 'execution reverted';
    if (err?.name === 'Error') message += `: ${String(err.args[0])}`;
    else if (err && err.name !== 'Unknown') message += `: ${err.message}`;
    return new RpcError(EXECUTION_REVERTED, message, res.returnData);
  }
  return new RpcError(SERVER_ERROR, err?.message ?? res.exception ?? 'execution failed');
}

/** Any error thrown by a method handler → RpcError (unexpected ones are internal errors). */
export function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof TxRejectedError) return rejectionError(e);
  const message = e instanceof Error ? e.message : String(e);
  return new RpcError(INTERNAL_ERROR, `internal error: ${message}`);
}
