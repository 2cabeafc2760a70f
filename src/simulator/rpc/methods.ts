/**
 * The Ethereum JSON-RPC methods of the embedded chain: one dispatcher (`createRpcHandler`) that
 * backs both the HTTP server (`server.ts`) and the in-process EIP-1193 provider (`provider.ts`).
 *
 * Semantics follow geth / Hardhat where the embedded chain allows:
 * - Automine: every transaction is mined in its own block before eth_sendRawTransaction /
 *   eth_sendTransaction return its hash; there is no mempool (`pending` = the next, empty block).
 * - State methods (eth_getBalance, eth_call, ...) answer for the latest state only; a block tag or
 *   number naming an older block is an error ("historical state not available").
 * - eth_call / eth_estimateGas run a full transaction (intrinsic gas, refunds, EIP-7623 floor)
 *   from `from` (default: the first dev account, as Hardhat) in a reverted checkpoint. Their gas
 *   is clamped to the profile's per-transaction maximum; transactions (eth_sendTransaction,
 *   eth_sendRawTransaction) over the profile's cap are refused with a -32000 error naming it.
 * - A REVERT is error 3 with the revert data in `data`; other halts are -32000 with the EVM error.
 * - eth_sendTransaction signs for the chain's dev accounts (the Hardhat test mnemonic) only.
 */
import { SigningKey, Transaction, hexlify, keccak256, type TransactionLike } from 'ethers';
import { BASE_FEE, MAX_FEE_PER_GAS, type Chain, type MinedBlock, type TxRequest } from '../chain.ts';
import type { DecodedLog } from '../abi.ts';
import { maxTxGas } from '../profiles.ts';
import { INVALID_REQUEST, METHOD_NOT_FOUND, RpcError, SERVER_ERROR, executionError, invalidParams, toRpcError } from './errors.ts';
import { estimateGas } from './estimate.ts';
import { formatBlock, formatLog, formatPendingBlock, formatReceipt, formatTx, qty, type Json } from './format.ts';
import * as P from './params.ts';

export const CLIENT_VERSION = 'nnchain/0.1.0/ethereumjs-vm-10.1.3';

export interface RpcHandler {
  readonly chain: Chain;
  /** Names of the methods served. */
  readonly methods: readonly string[];
  /** Run one method with positional params; resolves to a JSON value, rejects with an RpcError. */
  call(method: unknown, params?: unknown): Promise<Json>;
}

type Method = (params: unknown) => Json | Promise<Json>;

type FilterState =
  | { kind: 'logs'; filter: P.LogFilter; next: bigint }
  | { kind: 'blocks'; next: bigint }
  | { kind: 'pending' };

const MAX_FEE_HISTORY = 1024n;

export function createRpcHandler(chain: Chain): RpcHandler {
  const profile = chain.profile;
  const filters = new Map<string, FilterState>();
  let filterCounter = 0n;
  let sendTail: Promise<unknown> = Promise.resolve();

  // ------------------------------------------------------------ helpers

  const latestBlock = (): MinedBlock => chain.getBlock(chain.blockNumber())!;

  /** State queries answer for the latest state only. */
  const requireLatestState = (ref: P.BlockRef): void => {
    const latest = chain.blockNumber();
    let n: bigint;
    if ('tag' in ref) {
      if (ref.tag !== 'earliest') return;
      n = 0n;
    } else if ('number' in ref) {
      n = ref.number;
    } else {
      const b = chain.getBlock(ref.hash);
      if (!b) throw new RpcError(SERVER_ERROR, `header for hash ${ref.hash} not found`);
      n = b.number;
    }
    if (n === latest || n === latest + 1n) return;
    if (n > latest) throw new RpcError(SERVER_ERROR, `header not found: block ${n} is beyond the head block ${latest}`);
    throw new RpcError(SERVER_ERROR, `historical state not available: block ${n} is older than the head block ${latest} and the embedded chain keeps only the latest state`);
  };

  const findBlock = (ref: P.BlockRef): MinedBlock | 'pending' | undefined => {
    if ('tag' in ref) {
      if (ref.tag === 'pending') return 'pending';
      return chain.getBlock(ref.tag === 'earliest' ? 0n : chain.blockNumber());
    }
    if ('number' in ref) return chain.getBlock(ref.number);
    return chain.getBlock(ref.hash);
  };

  const blockNumberOf = (ref: P.BlockRef | undefined, latest: bigint): bigint => {
    if (!ref) return latest;
    if ('number' in ref) return ref.number;
    if ('tag' in ref) return ref.tag === 'earliest' ? 0n : latest;
    const b = chain.getBlock(ref.hash);
    if (!b) throw new RpcError(SERVER_ERROR, `unknown block ${ref.hash}`);
    return b.number;
  };

  const logMatches = (log: DecodedLog, f: P.LogFilter): boolean => {
    if (f.addresses.length > 0 && !f.addresses.includes(log.address.toLowerCase())) return false;
    for (let i = 0; i < f.topics.length; i++) {
      const want = f.topics[i];
      if (want === null || want === undefined) continue;
      const t = log.topics[i]?.toLowerCase();
      if (t === undefined || !want.includes(t)) return false;
    }
    return true;
  };

  const logsBetween = (from: bigint, to: bigint, f: P.LogFilter): Json[] => {
    const out: Json[] = [];
    for (let n = from; n <= to; n++) {
      const m = chain.getBlock(n)?.tx;
      if (!m) continue;
      m.receipt.logs.forEach((log, i) => {
        if (logMatches(log, f)) out.push(formatLog(log, m, i));
      });
    }
    return out;
  };

  /** The [from, to] block range of a log filter, clamped to the head (empty when from > head). */
  const filterRange = (f: P.LogFilter): [bigint, bigint] => {
    const latest = chain.blockNumber();
    if (f.blockHash !== undefined) {
      const b = chain.getBlock(f.blockHash);
      if (!b) throw new RpcError(SERVER_ERROR, `unknown block ${f.blockHash}`);
      return [b.number, b.number];
    }
    const from = blockNumberOf(f.fromBlock, latest);
    const to = blockNumberOf(f.toBlock, latest);
    if (f.fromBlock && f.toBlock && 'number' in f.fromBlock && 'number' in f.toBlock && from > to) {
      throw invalidParams(`fromBlock (${from}) is after toBlock (${to})`);
    }
    return [from, to > latest ? latest : to];
  };

  const toRequest = (tx: P.TxObject, gasLimit: bigint | undefined): TxRequest => {
    const req: TxRequest = {};
    if (tx.from !== undefined) req.from = tx.from;
    if (tx.to !== undefined) req.to = tx.to;
    if (tx.data !== undefined) req.data = tx.data;
    if (tx.value !== undefined) req.value = tx.value;
    if (gasLimit !== undefined) req.gasLimit = gasLimit;
    if (tx.accessList !== undefined) req.accessList = tx.accessList;
    return req;
  };

  /** eth_call / eth_estimateGas clamp gas to the profile's per-transaction maximum (as geth caps RPC gas). */
  const clampGas = (gas: bigint | undefined): bigint | undefined => {
    const cap = maxTxGas(profile);
    return gas !== undefined && gas > cap ? cap : gas;
  };

  const dryRunParams = (params: unknown, method: string): P.TxObject => {
    const [txp, tagp, overrides] = P.positional(params, method, 1, 3);
    const tx = P.txObject(txp, 'transaction');
    P.requireEmpty(overrides, `${method} state overrides are not supported by the embedded chain`);
    requireLatestState(P.blockRef(tagp, 'block', true));
    return tx;
  };

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = sendTail.then(fn, fn);
    sendTail = run.catch(() => undefined);
    return run;
  };

  const sendTransaction = async (params: unknown): Promise<Json> => {
    const [txp] = P.positional(params, 'eth_sendTransaction', 1, 1);
    const tx = P.txObject(txp, 'transaction');
    if (tx.from === undefined) throw invalidParams('transaction.from is required');
    const account = chain.accounts.find((a) => a.address.toLowerCase() === tx.from);
    if (!account) {
      throw new RpcError(SERVER_ERROR, `unknown account ${tx.from}: eth_sendTransaction signs only for the chain's dev accounts; sign locally and use eth_sendRawTransaction`);
    }
    if (tx.chainId !== undefined && tx.chainId !== profile.chainId) {
      throw new RpcError(SERVER_ERROR, `invalid chain id ${tx.chainId}: this chain's id is ${profile.chainId}`);
    }
    let type = tx.type ?? (tx.gasPrice !== undefined ? (tx.accessList ? 1n : 0n) : 2n);
    if (type !== 0n && type !== 1n && type !== 2n) throw invalidParams(`eth_sendTransaction supports transaction types 0, 1 and 2, got ${type}`);
    if (type === 2n && tx.gasPrice !== undefined) type = 1n;
    return serial(async () => {
      const nonce = tx.nonce ?? (await chain.getNonce(account.address));
      const gasLimit = tx.gas ?? (await estimateGas(chain, toRequest(tx, undefined)));
      const like: TransactionLike = {
        type: Number(type),
        chainId: profile.chainId,
        nonce: Number(nonce),
        gasLimit,
        to: tx.to ?? null,
        value: tx.value ?? 0n,
        data: tx.data ?? '0x',
      };
      if (type === 2n) {
        like.maxFeePerGas = tx.maxFeePerGas ?? MAX_FEE_PER_GAS;
        const tip = tx.maxPriorityFeePerGas ?? 0n;
        like.maxPriorityFeePerGas = tip > like.maxFeePerGas ? like.maxFeePerGas : tip;
      } else {
        like.gasPrice = tx.gasPrice ?? MAX_FEE_PER_GAS;
      }
      if (type !== 0n) like.accessList = tx.accessList ?? [];
      const t = Transaction.from(like);
      t.signature = new SigningKey(hexlify(account.privateKey)).sign(t.unsignedHash);
      const receipt = await chain.sendRawTransaction(t.serialized);
      return receipt.txHash;
    });
  };

  const feeHistory = (params: unknown): Json => {
    const [countp, newestp, pctp] = P.positional(params, 'eth_feeHistory', 2, 3);
    let count = P.quantity(countp, 'blockCount');
    const latest = chain.blockNumber();
    const newestRef = P.blockRef(newestp, 'newestBlock');
    const newest = blockNumberOf(newestRef, latest);
    if (newest > latest) throw new RpcError(SERVER_ERROR, `request beyond head block: newest ${newest}, head ${latest}`);
    let percentiles: number[] | undefined;
    if (pctp !== undefined) {
      if (!Array.isArray(pctp) || pctp.some((x, i) => typeof x !== 'number' || !(x >= 0 && x <= 100) || (i > 0 && x < (pctp[i - 1] as number)))) {
        throw invalidParams('rewardPercentiles must be increasing numbers between 0 and 100');
      }
      percentiles = pctp as number[];
    }
    if (count > MAX_FEE_HISTORY) count = MAX_FEE_HISTORY;
    if (count > newest + 1n) count = newest + 1n;
    if (count === 0n) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [], baseFeePerBlobGas: [], blobGasUsedRatio: [] };
    const oldest = newest - count + 1n;
    const baseFeePerGas: Json[] = [];
    const gasUsedRatio: Json[] = [];
    const reward: Json[] = [];
    for (let n = oldest; n <= newest; n++) {
      const b = chain.getBlock(n)!;
      const baseFee = b.header.baseFeePerGas ?? BASE_FEE;
      baseFeePerGas.push(qty(baseFee));
      gasUsedRatio.push(Number(b.header.gasUsed) / Number(b.header.gasLimit));
      if (percentiles) {
        const tip = b.tx ? b.tx.effectiveGasPrice - baseFee : 0n;
        reward.push(percentiles.map(() => qty(tip)));
      }
    }
    baseFeePerGas.push(qty(BASE_FEE)); // the next block's
    const out: Record<string, Json> = {
      oldestBlock: qty(oldest),
      baseFeePerGas,
      gasUsedRatio,
      baseFeePerBlobGas: baseFeePerGas.map(() => '0x1'),
      blobGasUsedRatio: gasUsedRatio.map(() => 0),
    };
    if (percentiles) out.reward = reward;
    return out;
  };

  const filterOf = (params: unknown, method: string): [string, FilterState] => {
    const [idp] = P.positional(params, method, 1, 1);
    const id = typeof idp === 'string' ? idp.toLowerCase() : '';
    const f = filters.get(id);
    if (!f) throw new RpcError(SERVER_ERROR, `filter not found: ${String(idp)}`);
    return [id, f];
  };

  const newFilter = (f: FilterState): Json => {
    const id = qty(++filterCounter);
    filters.set(id, f);
    return id;
  };

  // ------------------------------------------------------------ the methods

  const accounts = (): Json => chain.accounts.map((a) => a.address.toLowerCase());

  const table: Record<string, Method> = {
    web3_clientVersion: (p) => (P.positional(p, 'web3_clientVersion', 0, 0), `${CLIENT_VERSION}/${profile.name}`),
    web3_sha3: (p) => keccak256(P.data(P.positional(p, 'web3_sha3', 1, 1)[0], 'data')),
    net_version: (p) => (P.positional(p, 'net_version', 0, 0), profile.chainId.toString()),
    net_listening: () => true,
    net_peerCount: () => '0x0',
    eth_chainId: (p) => (P.positional(p, 'eth_chainId', 0, 0), qty(profile.chainId)),
    eth_syncing: () => false,
    eth_mining: () => false,
    eth_hashrate: () => '0x0',
    eth_coinbase: () => '0x0000000000000000000000000000000000000000',
    eth_accounts: accounts,
    eth_requestAccounts: accounts,
    eth_blockNumber: (p) => (P.positional(p, 'eth_blockNumber', 0, 0), qty(chain.blockNumber())),
    eth_gasPrice: () => qty(BASE_FEE),
    eth_maxPriorityFeePerGas: () => '0x0',
    eth_blobBaseFee: () => '0x1',
    eth_feeHistory: feeHistory,

    eth_getBalance: async (p) => {
      const [a, tag] = P.positional(p, 'eth_getBalance', 1, 2);
      const addr = P.address(a, 'address');
      requireLatestState(P.blockRef(tag, 'block', true));
      return qty(await chain.getBalance(addr));
    },
    eth_getCode: async (p) => {
      const [a, tag] = P.positional(p, 'eth_getCode', 1, 2);
      const addr = P.address(a, 'address');
      requireLatestState(P.blockRef(tag, 'block', true));
      return chain.getCode(addr);
    },
    eth_getTransactionCount: async (p) => {
      const [a, tag] = P.positional(p, 'eth_getTransactionCount', 1, 2);
      const addr = P.address(a, 'address');
      requireLatestState(P.blockRef(tag, 'block', true));
      return qty(await chain.getNonce(addr));
    },
    eth_getStorageAt: async (p) => {
      const [a, s, tag] = P.positional(p, 'eth_getStorageAt', 2, 3);
      const addr = P.address(a, 'address');
      const slot = P.quantity(s, 'slot');
      requireLatestState(P.blockRef(tag, 'block', true));
      return chain.getStorageAt(addr, slot);
    },

    eth_call: async (p) => {
      const tx = dryRunParams(p, 'eth_call');
      const res = await chain.simulateTx(toRequest(tx, clampGas(tx.gas)));
      if (!res.ok) throw executionError(res);
      return res.returnData;
    },
    eth_estimateGas: async (p) => {
      const tx = dryRunParams(p, 'eth_estimateGas');
      return qty(await estimateGas(chain, toRequest(tx, clampGas(tx.gas))));
    },
    eth_sendRawTransaction: async (p) => {
      const [raw] = P.positional(p, 'eth_sendRawTransaction', 1, 1);
      const receipt = await chain.sendRawTransaction(P.data(raw, 'transaction'));
      return receipt.txHash;
    },
    eth_sendTransaction: sendTransaction,

    eth_getTransactionByHash: (p) => {
      const h = P.hash(P.positional(p, 'eth_getTransactionByHash', 1, 1)[0], 'hash');
      const m = chain.getTransactionByHash(h);
      return m ? formatTx(m) : null;
    },
    eth_getTransactionReceipt: (p) => {
      const h = P.hash(P.positional(p, 'eth_getTransactionReceipt', 1, 1)[0], 'hash');
      const m = chain.getTransactionByHash(h);
      return m ? formatReceipt(m) : null;
    },
    eth_getBlockByNumber: (p) => {
      const [tag, full] = P.positional(p, 'eth_getBlockByNumber', 1, 2);
      const b = findBlock(P.blockRef(tag, 'block'));
      const wantFull = P.bool(full, 'fullTransactions');
      if (b === 'pending') {
        const latest = latestBlock();
        return formatPendingBlock(latest, latest.header.timestamp + 12n, BASE_FEE);
      }
      return b ? formatBlock(b, wantFull) : null;
    },
    eth_getBlockByHash: (p) => {
      const [h, full] = P.positional(p, 'eth_getBlockByHash', 1, 2);
      const b = chain.getBlock(P.hash(h, 'hash'));
      return b ? formatBlock(b, P.bool(full, 'fullTransactions')) : null;
    },
    eth_getBlockTransactionCountByNumber: (p) => {
      const b = findBlock(P.blockRef(P.positional(p, 'eth_getBlockTransactionCountByNumber', 1, 1)[0], 'block'));
      if (b === 'pending') return '0x0';
      return b ? qty(b.tx ? 1 : 0) : null;
    },
    eth_getBlockTransactionCountByHash: (p) => {
      const b = chain.getBlock(P.hash(P.positional(p, 'eth_getBlockTransactionCountByHash', 1, 1)[0], 'hash'));
      return b ? qty(b.tx ? 1 : 0) : null;
    },
    eth_getTransactionByBlockNumberAndIndex: (p) => {
      const [tag, i] = P.positional(p, 'eth_getTransactionByBlockNumberAndIndex', 2, 2);
      const b = findBlock(P.blockRef(tag, 'block'));
      const index = P.quantity(i, 'index');
      return b !== 'pending' && b?.tx && index === 0n ? formatTx(b.tx) : null;
    },
    eth_getTransactionByBlockHashAndIndex: (p) => {
      const [h, i] = P.positional(p, 'eth_getTransactionByBlockHashAndIndex', 2, 2);
      const b = chain.getBlock(P.hash(h, 'hash'));
      const index = P.quantity(i, 'index');
      return b?.tx && index === 0n ? formatTx(b.tx) : null;
    },
    eth_getUncleCountByBlockNumber: (p) => (P.blockRef(P.positional(p, 'eth_getUncleCountByBlockNumber', 1, 1)[0], 'block'), '0x0'),
    eth_getUncleCountByBlockHash: (p) => (P.hash(P.positional(p, 'eth_getUncleCountByBlockHash', 1, 1)[0], 'hash'), '0x0'),

    eth_getLogs: (p) => {
      const [fp] = P.positional(p, 'eth_getLogs', 1, 1);
      const f = P.logFilter(fp, 'filter');
      const [from, to] = filterRange(f);
      return logsBetween(from, to, f);
    },
    eth_newFilter: (p) => {
      const f = P.logFilter(P.positional(p, 'eth_newFilter', 1, 1)[0], 'filter');
      filterRange(f); // validate now
      return newFilter({ kind: 'logs', filter: f, next: chain.blockNumber() + 1n });
    },
    eth_newBlockFilter: (p) => (P.positional(p, 'eth_newBlockFilter', 0, 0), newFilter({ kind: 'blocks', next: chain.blockNumber() + 1n })),
    eth_newPendingTransactionFilter: () => newFilter({ kind: 'pending' }),
    eth_getFilterChanges: (p) => {
      const [, f] = filterOf(p, 'eth_getFilterChanges');
      const latest = chain.blockNumber();
      if (f.kind === 'pending') return [];
      if (f.kind === 'blocks') {
        const hashes: Json[] = [];
        for (let n = f.next; n <= latest; n++) hashes.push(chain.getBlock(n)!.hash);
        f.next = latest + 1n;
        return hashes;
      }
      const [from, to] = filterRange(f.filter);
      const start = from > f.next ? from : f.next;
      f.next = latest + 1n;
      return start <= to ? logsBetween(start, to, f.filter) : [];
    },
    eth_getFilterLogs: (p) => {
      const [, f] = filterOf(p, 'eth_getFilterLogs');
      if (f.kind !== 'logs') throw new RpcError(SERVER_ERROR, 'filter is not a log filter');
      const [from, to] = filterRange(f.filter);
      return logsBetween(from, to, f.filter);
    },
    eth_uninstallFilter: (p) => {
      const [idp] = P.positional(p, 'eth_uninstallFilter', 1, 1);
      return typeof idp === 'string' && filters.delete(idp.toLowerCase());
    },
  };

  const methods = new Map(Object.entries(table));

  return {
    chain,
    methods: [...methods.keys()],
    async call(method: unknown, params?: unknown): Promise<Json> {
      if (typeof method !== 'string') throw new RpcError(INVALID_REQUEST, 'invalid request: method must be a string');
      const fn = methods.get(method);
      if (!fn) throw new RpcError(METHOD_NOT_FOUND, `the method ${method.slice(0, 100)} does not exist/is not available`);
      try {
        return await fn(params);
      } catch (e) {
        throw toRpcError(e);
      }
    },
  };
}
