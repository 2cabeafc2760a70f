/**
 * Strict parsing of JSON-RPC parameters. Every helper throws an `-32602 invalid params` RpcError
 * naming the parameter, so no malformed input reaches the chain.
 *
 * Quantities are 0x-hex without leading zeros being required (`0x0`, `0x1f`; `0x01` is accepted),
 * or non-negative safe integers (some clients send JSON numbers for counts). Data is 0x-hex of even
 * length. Addresses are 20 bytes, hashes 32 bytes; both are returned lower-case.
 */
import { invalidParams } from './errors.ts';

const HEX_QTY = /^0x[0-9a-fA-F]{1,64}$/;
const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;

/** Positional params (JSON-RPC by-name params are not supported by Ethereum nodes either). */
export function positional(params: unknown, method: string, min: number, max: number): unknown[] {
  const list = params === undefined || params === null ? [] : params;
  if (!Array.isArray(list)) throw invalidParams(`${method} takes positional params (a JSON array)`);
  // Trailing nulls are omitted optional params (geth does the same).
  let n = list.length;
  while (n > min && (list[n - 1] === null || list[n - 1] === undefined)) n--;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw invalidParams(`${method} expects ${want} param(s), got ${list.length}`);
  }
  return list.slice(0, n);
}

export function quantity(v: unknown, name: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && HEX_QTY.test(v)) return BigInt(v);
  throw invalidParams(`${name} must be a hex quantity (e.g. "0x1a"), got ${show(v)}`);
}

export function data(v: unknown, name: string): string {
  if (typeof v === 'string' && HEX_DATA.test(v)) return v.toLowerCase();
  throw invalidParams(`${name} must be 0x-prefixed hex data of even length, got ${show(v)}`);
}

export function address(v: unknown, name: string): string {
  if (typeof v === 'string' && ADDRESS.test(v)) return v.toLowerCase();
  throw invalidParams(`${name} must be a 20-byte 0x address, got ${show(v)}`);
}

export function hash(v: unknown, name: string): string {
  if (typeof v === 'string' && HASH.test(v)) return v.toLowerCase();
  throw invalidParams(`${name} must be a 32-byte 0x hash, got ${show(v)}`);
}

export function bool(v: unknown, name: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  throw invalidParams(`${name} must be a boolean, got ${show(v)}`);
}

export type BlockTag = 'latest' | 'pending' | 'earliest' | 'safe' | 'finalized';
export type BlockRef = { tag: BlockTag } | { number: bigint } | { hash: string };

const TAGS: readonly string[] = ['latest', 'pending', 'earliest', 'safe', 'finalized'];

/** A block tag, a number, or (when `allowHash`) an EIP-1898 `{ blockHash }` / `{ blockNumber }` object. Default `latest`. */
export function blockRef(v: unknown, name: string, allowHash = false): BlockRef {
  if (v === undefined || v === null) return { tag: 'latest' };
  if (typeof v === 'string' && TAGS.includes(v)) return { tag: v as BlockTag };
  if (typeof v === 'string' || typeof v === 'number') return { number: quantity(v, name) };
  if (allowHash && isObject(v)) {
    if ('blockHash' in v && !('blockNumber' in v)) return { hash: hash(v.blockHash, `${name}.blockHash`) };
    if ('blockNumber' in v && !('blockHash' in v)) return blockRef(v.blockNumber, `${name}.blockNumber`);
  }
  throw invalidParams(`${name} must be a block number or one of ${TAGS.join(', ')}${allowHash ? ' (or { blockHash })' : ''}, got ${show(v)}`);
}

/** The fields of a transaction object (eth_call, eth_estimateGas, eth_sendTransaction). */
export interface TxObject {
  from?: string;
  to?: string;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: string;
  nonce?: bigint;
  type?: bigint;
  chainId?: bigint;
  accessList?: { address: string; storageKeys: string[] }[];
}

export function txObject(v: unknown, name: string): TxObject {
  if (!isObject(v)) throw invalidParams(`${name} must be a transaction object, got ${show(v)}`);
  const o: TxObject = {};
  const opt = <T>(key: string, parse: (x: unknown, n: string) => T): T | undefined =>
    v[key] === undefined || v[key] === null ? undefined : parse(v[key], `${name}.${key}`);
  o.from = opt('from', address);
  o.to = opt('to', address);
  o.gas = opt('gas', quantity);
  o.gasPrice = opt('gasPrice', quantity);
  o.maxFeePerGas = opt('maxFeePerGas', quantity);
  o.maxPriorityFeePerGas = opt('maxPriorityFeePerGas', quantity);
  o.value = opt('value', quantity);
  o.nonce = opt('nonce', quantity);
  o.type = opt('type', quantity);
  o.chainId = opt('chainId', quantity);
  const input = opt('input', data);
  const legacyData = opt('data', data);
  if (input !== undefined && legacyData !== undefined && input !== legacyData) {
    throw invalidParams(`${name}: both "data" and "input" are set and differ (use "input")`);
  }
  o.data = input ?? legacyData;
  if (v.accessList !== undefined && v.accessList !== null) {
    if (!Array.isArray(v.accessList)) throw invalidParams(`${name}.accessList must be an array`);
    o.accessList = v.accessList.map((e, i) => {
      if (!isObject(e) || !Array.isArray(e.storageKeys)) throw invalidParams(`${name}.accessList[${i}] must be { address, storageKeys: [] }`);
      return { address: address(e.address, `${name}.accessList[${i}].address`), storageKeys: e.storageKeys.map((k, j) => hash(k, `${name}.accessList[${i}].storageKeys[${j}]`)) };
    });
  }
  if (o.gasPrice !== undefined && (o.maxFeePerGas !== undefined || o.maxPriorityFeePerGas !== undefined)) {
    throw invalidParams(`${name}: both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified`);
  }
  if (o.maxFeePerGas !== undefined && o.maxPriorityFeePerGas !== undefined && o.maxPriorityFeePerGas > o.maxFeePerGas) {
    throw invalidParams(`${name}: maxPriorityFeePerGas (${o.maxPriorityFeePerGas}) is higher than maxFeePerGas (${o.maxFeePerGas})`);
  }
  return o;
}

export interface LogFilter {
  fromBlock?: BlockRef;
  toBlock?: BlockRef;
  blockHash?: string;
  /** Lower-case addresses; empty = any. */
  addresses: string[];
  /** Per position: null = any, else one of these lower-case topics. */
  topics: (string[] | null)[];
}

export function logFilter(v: unknown, name: string): LogFilter {
  if (v === undefined || v === null) return { addresses: [], topics: [] };
  if (!isObject(v)) throw invalidParams(`${name} must be a filter object, got ${show(v)}`);
  const f: LogFilter = { addresses: [], topics: [] };
  if (v.blockHash !== undefined && v.blockHash !== null) {
    if ((v.fromBlock ?? null) !== null || (v.toBlock ?? null) !== null) throw invalidParams(`${name}: blockHash cannot be combined with fromBlock/toBlock`);
    f.blockHash = hash(v.blockHash, `${name}.blockHash`);
  } else {
    if (v.fromBlock !== undefined && v.fromBlock !== null) f.fromBlock = blockRef(v.fromBlock, `${name}.fromBlock`);
    if (v.toBlock !== undefined && v.toBlock !== null) f.toBlock = blockRef(v.toBlock, `${name}.toBlock`);
  }
  if (v.address !== undefined && v.address !== null) {
    const list = Array.isArray(v.address) ? v.address : [v.address];
    f.addresses = list.map((a, i) => address(a, `${name}.address[${i}]`));
  }
  if (v.topics !== undefined && v.topics !== null) {
    if (!Array.isArray(v.topics)) throw invalidParams(`${name}.topics must be an array`);
    if (v.topics.length > 4) throw invalidParams(`${name}.topics has more than 4 positions`);
    f.topics = v.topics.map((t, i) => {
      if (t === null || t === undefined) return null;
      if (Array.isArray(t)) {
        // An empty alternative list (or one holding null) matches anything, as in geth.
        if (t.length === 0 || t.some((x) => x === null)) return null;
        return t.map((x, j) => hash(x, `${name}.topics[${i}][${j}]`));
      }
      return [hash(t, `${name}.topics[${i}]`)];
    });
  }
  return f;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Optional params the embedded chain does not support must be absent, null or empty objects. */
export function requireEmpty(v: unknown, message: string): void {
  if (v === undefined || v === null) return;
  if (isObject(v) && Object.keys(v).length === 0) return;
  throw invalidParams(message);
}
