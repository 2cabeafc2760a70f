/**
 * Chain records → JSON-RPC objects, with the field names and encodings of geth/Hardhat
 * (quantities as 0x-hex without leading zeros, data as 0x-hex, addresses lower-case).
 */
import { bytesToHex } from '@ethereumjs/util';
import { encodeRlp, getCreateAddress, hexlify } from 'ethers';
import type { MinedBlock, MinedTx } from '../chain.ts';
import type { DecodedLog } from '../abi.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function qty(n: bigint | number): string {
  return `0x${n.toString(16)}`;
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
const ZERO_HASH = `0x${'00'.repeat(32)}`;
const EMPTY_BLOOM = `0x${'00'.repeat(256)}`;
const EMPTY_TRIE = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
const EMPTY_UNCLES = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';

export function formatLog(log: DecodedLog, m: MinedTx, logIndex: number): Json {
  return {
    address: log.address.toLowerCase(),
    topics: [...log.topics],
    data: log.data,
    blockNumber: qty(m.blockNumber),
    blockHash: m.blockHash,
    transactionHash: m.hash,
    transactionIndex: qty(m.index),
    logIndex: qty(logIndex),
    removed: false,
  };
}

export function formatTx(m: MinedTx): Json {
  const tx = m.tx;
  const json = tx.toJSON() as Record<string, unknown>;
  const out: Record<string, Json> = {
    blockHash: m.blockHash,
    blockNumber: qty(m.blockNumber),
    transactionIndex: qty(m.index),
    hash: m.hash,
    type: qty(tx.type),
    from: m.from.toLowerCase(),
    to: tx.to ? tx.to.toString() : null,
    nonce: qty(tx.nonce),
    gas: qty(tx.gasLimit),
    value: qty(tx.value),
    input: bytesToHex(tx.data),
    // geth reports the effective price for mined EIP-1559 transactions.
    gasPrice: qty(m.effectiveGasPrice),
    v: qty(tx.v ?? 0n),
    r: qty(tx.r ?? 0n),
    s: qty(tx.s ?? 0n),
  };
  if (tx.type === 0) {
    const v = tx.v ?? 0n;
    if (v >= 35n) out.chainId = qty((v - 35n) / 2n); // EIP-155
  } else {
    out.chainId = json.chainId as string;
    out.yParity = qty(tx.v ?? 0n);
    out.accessList = (json.accessList ?? []) as Json;
  }
  if ('maxFeePerGas' in tx) {
    out.maxFeePerGas = qty(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = qty(tx.maxPriorityFeePerGas);
  }
  if (json.authorizationList !== undefined) out.authorizationList = json.authorizationList as Json;
  return out;
}

export function formatReceipt(m: MinedTx): Json {
  const r = m.receipt;
  const tx = m.tx;
  // geth names the would-be address for failed creations too.
  const created = tx.to === undefined ? (r.contractAddress ?? getCreateAddress({ from: m.from, nonce: tx.nonce })).toLowerCase() : null;
  return {
    transactionHash: m.hash,
    transactionIndex: qty(m.index),
    blockHash: m.blockHash,
    blockNumber: qty(m.blockNumber),
    from: m.from.toLowerCase(),
    to: tx.to ? tx.to.toString() : null,
    cumulativeGasUsed: qty(m.cumulativeGasUsed),
    gasUsed: qty(r.gasUsed),
    effectiveGasPrice: qty(m.effectiveGasPrice),
    contractAddress: created,
    logs: r.logs.map((l, i) => formatLog(l, m, i)),
    logsBloom: m.logsBloom,
    type: qty(tx.type),
    status: qty(r.status),
  };
}

export function formatBlock(b: MinedBlock, fullTxs: boolean): Json {
  const h = b.header.toJSON() as Record<string, string | undefined>;
  const raw = b.header.raw();
  // size = length of RLP([header, txs, uncles, withdrawals]), as geth reports it.
  const txEnc = b.tx ? [b.tx.tx.type === 0 ? (b.tx.tx.raw() as Uint8Array[]).map((x) => hexlify(x)) : hexlify(b.tx.tx.serialize())] : [];
  const size = (encodeRlp([raw.map((x) => hexlify(x)), txEnc, [], []]).length - 2) / 2;
  return {
    number: qty(b.number),
    hash: b.hash,
    parentHash: h.parentHash ?? ZERO_HASH,
    nonce: h.nonce ?? '0x0000000000000000',
    mixHash: h.mixHash ?? ZERO_HASH,
    sha3Uncles: h.uncleHash ?? EMPTY_UNCLES,
    logsBloom: h.logsBloom ?? EMPTY_BLOOM,
    transactionsRoot: h.transactionsTrie ?? EMPTY_TRIE,
    stateRoot: h.stateRoot ?? ZERO_HASH,
    receiptsRoot: h.receiptTrie ?? EMPTY_TRIE,
    miner: (h.coinbase ?? ZERO_ADDRESS).toLowerCase(),
    difficulty: '0x0',
    totalDifficulty: '0x0',
    extraData: h.extraData ?? '0x',
    size: qty(size),
    gasLimit: h.gasLimit ?? '0x0',
    gasUsed: h.gasUsed ?? '0x0',
    timestamp: h.timestamp ?? '0x0',
    baseFeePerGas: h.baseFeePerGas ?? '0x0',
    withdrawalsRoot: h.withdrawalsRoot ?? EMPTY_TRIE,
    blobGasUsed: h.blobGasUsed ?? '0x0',
    excessBlobGas: h.excessBlobGas ?? '0x0',
    parentBeaconBlockRoot: h.parentBeaconBlockRoot ?? ZERO_HASH,
    requestsHash: h.requestsHash ?? null,
    transactions: b.tx ? [fullTxs ? formatTx(b.tx) : b.tx.hash] : [],
    uncles: [],
    withdrawals: [],
  };
}

/** The block the next transaction will be mined in (geth leaves hash, nonce and miner null). */
export function formatPendingBlock(latest: MinedBlock, timestamp: bigint, baseFee: bigint): Json {
  const b = formatBlock(latest, false) as Record<string, Json>;
  return {
    ...b,
    number: qty(latest.number + 1n),
    hash: null,
    parentHash: latest.hash,
    nonce: null,
    miner: null,
    logsBloom: EMPTY_BLOOM,
    transactionsRoot: EMPTY_TRIE,
    receiptsRoot: EMPTY_TRIE,
    gasUsed: '0x0',
    timestamp: qty(timestamp),
    baseFeePerGas: qty(baseFee),
    size: '0x0',
    transactions: [],
  };
}
