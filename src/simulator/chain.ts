/**
 * The embedded chain: an ethereumjs VM (hardfork Osaka) behind a small typed API.
 *
 * - Every `send`/`deploy` is a real EIP-1559 transaction signed by a dev account and run with
 *   `runTx` in its own block (one transaction per block; number +1, timestamp +12 s, base fee
 *   7 wei, block gas limit of the profile). Gas reported is exactly what a node would charge.
 * - `call` is `eth_call`: `evm.runCall` inside a state checkpoint that is always reverted, with
 *   the EIP-2929 warm set a transaction would have (precompiles, caller, target, coinbase), no
 *   nonce bump and no balance check. It never deep-copies the state.
 * - Limits. The profile's per-transaction cap, block gas limit and initcode limit are checked here
 *   before a transaction is built (`TxRejectedError`, nothing mined). Inside the VM the Osaka
 *   defaults are replaced by the profile's values through a hardfork-scoped Common parameter
 *   override (`params: { osaka: { maxTransactionGasLimit, maxCodeSize, maxInitCodeSize } }`);
 *   ethereumjs merges hardfork-scoped params after the EIP params of that hardfork, and the
 *   per-package `updateParams` calls (tx, evm, vm, block) only touch EIP-numbered keys, so the
 *   override survives. This keeps Osaka gas pricing on every profile (Arbitrum's 32M cap and
 *   `unlimited`'s absent cap included) instead of falling back to Prague. `null` code/initcode
 *   limits map to `allowUnlimitedContractSize` / `allowUnlimitedInitCodeSize` (EVM and tx).
 * - Deployed code over the code size limit fails inside the EVM as on a real chain (all gas of the
 *   transaction consumed). `deploy`/`deployCode` throw `DeployFailedError` for any failed
 *   deployment (mined, status 0); its `receipt.revert.name` is `CodeSizeLimit` in that case.
 * - State is per chain (own Common, VM, state manager); all operations on one chain are
 *   serialised through a promise queue, so concurrent `call`s cannot see each other's checkpoint.
 * - No EVM `step` listener is ever attached.
 * - History for JSON-RPC lookups (`src/simulator/rpc/`). Every mined block is sealed after its
 *   transaction ran: parent hash, state root, transactions/receipts trie roots, logs bloom and gas
 *   used are filled in, so block and transaction hashes are stable and chained. Blocks,
 *   transactions and receipts are kept in memory (`getBlock`, `getTransactionByHash`); there is no
 *   historical state, only the latest. `sendRawTransaction` runs any signed transaction (not only
 *   dev accounts'), `simulateTx` dry-runs a full transaction (intrinsic gas, refunds and the
 *   EIP-7623 floor included) from any address in a reverted checkpoint, for eth_call and
 *   eth_estimateGas.
 */
import { createBlock, createBlockHeader, genTransactionsTrieRoot, type Block, type BlockHeader } from '@ethereumjs/block';
import { createCustomCommon, Mainnet, type Common, type ParamsConfig } from '@ethereumjs/common';
import type { EVMResult, Log } from '@ethereumjs/evm';
import { createFeeMarket1559Tx, createTxFromRLP, TransactionType, type AccessList, type TypedTransaction } from '@ethereumjs/tx';
import { Address, bigIntToBytes, bytesToHex, createAccount, createAddressFromString, hexToBytes, setLengthLeft } from '@ethereumjs/util';
import { createVM, encodeReceipt, runTx, type RunTxResult, type VM } from '@ethereumjs/vm';
import { Transaction, getAddress, isHexString, type Interface } from 'ethers';
import { decodeLog, toInterface, type AbiLike, type DecodedLog } from './abi.ts';
import { devAccounts, type DevAccount } from './accounts.ts';
import {
  ContractRevertError,
  DeployFailedError,
  TxRejectedError,
  decodeEvmException,
  decodeRevertData,
  fmtInt,
  plain,
  type DecodedRevert,
  type TxRejectReason,
} from './errors.ts';
import { getProfile, maxTxGas, type ChainProfile } from './profiles.ts';

export type { DevAccount } from './accounts.ts';
export type { AbiLike, DecodedLog } from './abi.ts';

/** Base fee of every block (wei). Fees are irrelevant to the project; kept tiny and fixed. */
export const BASE_FEE = 7n;
/** maxFeePerGas of every transaction (wei); the priority fee is 0, so the price paid is BASE_FEE. */
export const MAX_FEE_PER_GAS = 1_000_000_000n;
export const DEFAULT_BALANCE = 10n ** 24n;
/** Timestamp of block 0 (2026-01-01T00:00:00Z); each block adds 12 s. Deterministic. */
export const GENESIS_TIMESTAMP = 1_767_225_600n;
const BLOCK_TIME = 12n;

export interface CreateChainOptions {
  /** Profile name (`ethereum`, `base`, `arbitrum`, `unlimited`) or a custom profile. Default `ethereum` (the conservative one); pass `unlimited` for large test harnesses. */
  profile?: string | ChainProfile;
  /** Number of funded dev accounts (default 4). */
  accounts?: number;
  /** Balance of each dev account in wei (default 10^24). */
  balance?: bigint;
}

export interface TxOptions {
  /** Dev account index, the account itself, or its address. Default accounts[0]. */
  from?: number | DevAccount | string;
  /** Default: the profile's largest allowed transaction gas, min(txGasCap, blockGasLimit). */
  gasLimit?: bigint;
  value?: bigint;
}

export interface CallOptions {
  /**
   * Caller address (any address), dev account index or account. Default accounts[0]'s address;
   * the call never bumps its nonce (runCall with skipNonceIncrement, state reverted afterwards).
   */
  from?: string | number | DevAccount;
  /** Default: min(profile txGasCap, blockGasLimit): 16,777,216 on ethereum/base, 2^40 on unlimited. */
  gasLimit?: bigint;
  value?: bigint;
}

export interface Receipt {
  status: 0 | 1;
  txHash: string;
  blockNumber: bigint;
  /** Gas the transaction was charged: intrinsic + execution − refund (or the EIP-7623 floor). */
  gasUsed: bigint;
  /** EVM execution gas only (before refunds), as reported by the EVM for the top frame. */
  executionGas: bigint;
  logs: DecodedLog[];
  revert?: DecodedRevert;
  /** Checksummed address of the created contract (successful deployments only). */
  contractAddress?: string;
  /** Return data of the top frame (revert data when reverted; the runtime code for a creation). */
  returnData: string;
}

export interface DeployResult extends Receipt {
  status: 1;
  /** Checksummed address of the new contract (same as contractAddress). */
  address: string;
  contractAddress: string;
  /** Deployed runtime code size in bytes. */
  codeSize: number;
  /** `profile.deployable`: false on `unlimited`, whose results no real chain accepts. */
  deployable: boolean;
}

export interface CallResult<T> {
  /** Single return value → that value; several → plain array; none → undefined. */
  value: T;
  /** EVM execution gas of the call (no intrinsic gas, no refund). */
  gasUsed: bigint;
  returnData: string;
}

export type TryCallResult<T> = { ok: true; value: T; gasUsed: bigint } | { ok: false; error: DecodedRevert; gasUsed: bigint };

export interface RawCallResult {
  ok: boolean;
  returnData: string;
  gasUsed: bigint;
  error?: DecodedRevert;
}

/** A transaction request for `simulateTx` (eth_call / eth_estimateGas semantics). */
export interface TxRequest {
  /** Any address (no signature needed); default accounts[0]. */
  from?: string;
  /** Omit for a contract creation (`data` is then the initcode). */
  to?: string;
  data?: string;
  value?: bigint;
  /** Default: min(profile txGasCap, blockGasLimit). Checked against the profile's limits like a transaction. */
  gasLimit?: bigint;
  /** EIP-2930 access list (addresses and storage keys, 0x-hex). */
  accessList?: { address: string; storageKeys: string[] }[];
}

/** Result of a dry-run transaction (`simulateTx`); nothing of it is kept. */
export interface SimulateResult {
  ok: boolean;
  /** Return data (revert data when reverted; the runtime code for a creation). */
  returnData: string;
  /** Gas the transaction would be charged (intrinsic + execution − refund, or the EIP-7623 floor). */
  gasUsed: bigint;
  /** EVM execution gas only, before refunds. */
  executionGas: bigint;
  /** The refund counter at the end of execution (before the 1/5 cap). */
  gasRefund: bigint;
  logs: DecodedLog[];
  /** Raw ethereumjs exception when not ok: `revert`, `out of gas`, `invalid opcode`, ... */
  exception?: string;
  error?: DecodedRevert;
  /** Checksummed address of the contract a creation would deploy (successful creations only). */
  contractAddress?: string;
}

/** A mined transaction as kept for lookups (eth_getTransactionByHash / eth_getTransactionReceipt). */
export interface MinedTx {
  tx: TypedTransaction;
  /** 0x-prefixed lower-case transaction hash. */
  hash: string;
  /** Checksummed sender. */
  from: string;
  blockNumber: bigint;
  blockHash: string;
  /** Index in its block (always 0: one transaction per block). */
  index: number;
  receipt: Receipt;
  /** Price per gas actually paid (base fee + effective priority fee). */
  effectiveGasPrice: bigint;
  /** Gas used by the block up to and including this transaction (= gasUsed). */
  cumulativeGasUsed: bigint;
  /** 256-byte logs bloom of the transaction, 0x-hex. */
  logsBloom: string;
}

/** A sealed block (block 0 is the genesis block, without a transaction). */
export interface MinedBlock {
  header: BlockHeader;
  /** 0x-prefixed block hash (keccak of the RLP header). */
  hash: string;
  number: bigint;
  tx?: MinedTx;
}

export interface Chain {
  readonly profile: ChainProfile;
  readonly accounts: DevAccount[];
  /** The underlying ethereumjs VM, for advanced use (attaching listeners slows everything down). */
  readonly vm: VM;
  /** Deploy a compiled artifact with constructor args via a signed transaction mined in a block. Throws DeployFailedError if it fails. */
  deploy(artifact: { abi: AbiLike; bytecode: string }, args?: unknown[], opts?: TxOptions): Promise<DeployResult>;
  /** Deploy raw initcode. Throws DeployFailedError if it fails. */
  deployCode(initcodeHex: string, opts?: TxOptions): Promise<DeployResult>;
  /** Signed transaction calling `method`; a revert gives status 0 (no throw); a refused tx throws TxRejectedError. */
  send(address: string, abi: AbiLike, method: string, args?: unknown[], opts?: TxOptions): Promise<Receipt>;
  /** Signed transaction with raw calldata (e.g. a plain transfer with `data` '0x'). */
  sendRaw(to: string, data?: string, opts?: TxOptions): Promise<Receipt>;
  /** eth_call: decoded result; throws ContractRevertError on revert/halt. State is never changed. */
  call<T = unknown>(address: string, abi: AbiLike, method: string, args?: unknown[], opts?: CallOptions): Promise<CallResult<T>>;
  tryCall<T = unknown>(address: string, abi: AbiLike, method: string, args?: unknown[], opts?: CallOptions): Promise<TryCallResult<T>>;
  callRaw(to: string, data: string, opts?: CallOptions): Promise<RawCallResult>;
  getCode(address: string): Promise<string>;
  getBalance(address: string): Promise<bigint>;
  getNonce(address: string): Promise<bigint>;
  /** Number of the last mined block (0 before any transaction). */
  blockNumber(): bigint;
  /**
   * Run a signed, RLP/typed-serialized transaction (legacy, EIP-2930, EIP-1559 or EIP-7702; any
   * funded sender) in its own block. The profile limits are checked first; a refused transaction
   * throws TxRejectedError and nothing is mined. A mined revert gives status 0 (no throw).
   */
  sendRawTransaction(serializedTx: string): Promise<Receipt>;
  /** Dry-run a full transaction from any address in a reverted checkpoint (no signature, nonce or balance check). Throws TxRejectedError for requests over the profile's limits or below the intrinsic gas. */
  simulateTx(req?: TxRequest): Promise<SimulateResult>;
  /** Storage word at `slot` of `address` (latest state), as 32-byte 0x-hex. */
  getStorageAt(address: string, slot: bigint): Promise<string>;
  /** A mined block by number or 0x hash (block 0 = genesis); undefined if unknown. */
  getBlock(ref: bigint | string): MinedBlock | undefined;
  /** A mined transaction by hash; undefined if unknown. */
  getTransactionByHash(hash: string): MinedTx | undefined;
}

export async function createChain(opts: CreateChainOptions = {}): Promise<Chain> {
  const profile = getProfile(opts.profile ?? 'ethereum');
  const balance = opts.balance ?? DEFAULT_BALANCE;
  const accounts = devAccounts(opts.accounts ?? 4);

  // Hardfork-scoped overrides of the VM's built-in limits (see the header comment).
  const overrides: ParamsConfig = {
    maxTransactionGasLimit: (profile.txGasCap ?? profile.blockGasLimit).toString(),
  };
  if (profile.codeSizeLimit !== null) overrides.maxCodeSize = profile.codeSizeLimit;
  if (profile.initCodeSizeLimit !== null) overrides.maxInitCodeSize = profile.initCodeSizeLimit;
  const common = createCustomCommon(
    { chainId: Number(profile.chainId), name: `nnchain-${profile.name}` },
    Mainnet,
    { hardfork: profile.hardfork, params: { [profile.hardfork]: overrides } },
  );
  const vm = await createVM({
    common,
    evmOpts: {
      allowUnlimitedContractSize: profile.codeSizeLimit === null,
      allowUnlimitedInitCodeSize: profile.initCodeSizeLimit === null,
    },
  });
  await vm.stateManager.checkpoint();
  for (const a of accounts) {
    await vm.stateManager.putAccount(createAddressFromString(a.address), createAccount({ nonce: 0n, balance }));
  }
  await vm.stateManager.commit();
  const genesis = createBlockHeader(
    {
      number: 0n,
      gasLimit: profile.blockGasLimit,
      timestamp: GENESIS_TIMESTAMP,
      baseFeePerGas: BASE_FEE,
      stateRoot: await vm.stateManager.getStateRoot(),
    },
    { common, setHardfork: false },
  );
  return new SimChain(profile, accounts, vm, common, genesis);
}

class SimChain implements Chain {
  private number = 0n;
  private pending: Block | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** ABIs known per contract address (lower-case), for decoding logs and nested custom errors. */
  private readonly known = new Map<string, Interface>();
  private readonly callGas: bigint;
  private readonly coinbase = createAddressFromString('0x0000000000000000000000000000000000000000');
  /** Sealed blocks by number (index = block number). */
  private readonly blocks: MinedBlock[] = [];
  private readonly blocksByHash = new Map<string, MinedBlock>();
  private readonly txs = new Map<string, MinedTx>();

  constructor(
    readonly profile: ChainProfile,
    readonly accounts: DevAccount[],
    readonly vm: VM,
    private readonly common: Common,
    genesis: BlockHeader,
  ) {
    this.callGas = maxTxGas(profile);
    this.addBlock({ header: genesis, hash: bytesToHex(genesis.hash()), number: 0n });
  }

  blockNumber(): bigint {
    return this.number;
  }

  // ---------------------------------------------------------------- state reads

  getCode(address: string): Promise<string> {
    return this.exclusive(async () => bytesToHex(await this.vm.stateManager.getCode(toAddress(address))));
  }

  getBalance(address: string): Promise<bigint> {
    return this.exclusive(async () => (await this.vm.stateManager.getAccount(toAddress(address)))?.balance ?? 0n);
  }

  getNonce(address: string): Promise<bigint> {
    return this.exclusive(async () => (await this.vm.stateManager.getAccount(toAddress(address)))?.nonce ?? 0n);
  }

  async getStorageAt(address: string, slot: bigint): Promise<string> {
    if (slot < 0n || slot >= 1n << 256n) throw new Error(`getStorageAt: slot out of range: ${slot}`);
    const addr = toAddress(address);
    return this.exclusive(async () => {
      const v = await this.vm.stateManager.getStorage(addr, setLengthLeft(bigIntToBytes(slot), 32));
      return bytesToHex(setLengthLeft(v, 32));
    });
  }

  // ---------------------------------------------------------------- history

  getBlock(ref: bigint | string): MinedBlock | undefined {
    if (typeof ref === 'bigint') return ref >= 0n && ref < BigInt(this.blocks.length) ? this.blocks[Number(ref)] : undefined;
    return this.blocksByHash.get(ref.toLowerCase());
  }

  getTransactionByHash(hash: string): MinedTx | undefined {
    return this.txs.get(hash.toLowerCase());
  }

  private addBlock(b: MinedBlock): void {
    this.blocks.push(b);
    this.blocksByHash.set(b.hash, b);
    if (b.tx) this.txs.set(b.tx.hash, b.tx);
  }

  // ---------------------------------------------------------------- transactions

  async deploy(artifact: { abi: AbiLike; bytecode: string }, args: unknown[] = [], opts: TxOptions = {}): Promise<DeployResult> {
    const iface = toInterface(artifact.abi);
    const bytecode = artifact.bytecode;
    if (/__\$[0-9a-fA-F]{34}\$__/.test(bytecode)) throw new Error('deploy: bytecode has unlinked library placeholders');
    if (!isHexString(bytecode) || bytecode.length <= 2) throw new Error('deploy: empty or non-hex bytecode (abstract contract or interface?)');
    const initcode = bytecode + iface.encodeDeploy(args).slice(2);
    return this.deployInternal(initcode, opts, iface);
  }

  deployCode(initcodeHex: string, opts: TxOptions = {}): Promise<DeployResult> {
    if (!isHexString(initcodeHex)) throw new Error('deployCode: initcode must be 0x-prefixed hex');
    return this.deployInternal(initcodeHex, opts, undefined);
  }

  private async deployInternal(initcode: string, opts: TxOptions, iface: Interface | undefined): Promise<DeployResult> {
    const receipt = await this.exclusive(() => this.transact(undefined, initcode, opts, iface));
    if (receipt.status !== 1 || !receipt.contractAddress) throw new DeployFailedError(receipt, `deployment in tx ${receipt.txHash}`);
    const address = receipt.contractAddress;
    if (iface) this.known.set(address.toLowerCase(), iface);
    return { ...receipt, status: 1, address, contractAddress: address, codeSize: (receipt.returnData.length - 2) / 2, deployable: this.profile.deployable };
  }

  send(address: string, abi: AbiLike, method: string, args: unknown[] = [], opts: TxOptions = {}): Promise<Receipt> {
    const iface = toInterface(abi);
    const data = iface.encodeFunctionData(method, args);
    const to = toAddress(address);
    this.known.set(to.toString(), iface);
    return this.exclusive(() => this.transact(to, data, opts, iface));
  }

  sendRaw(to: string, data = '0x', opts: TxOptions = {}): Promise<Receipt> {
    if (!isHexString(data)) throw new Error('sendRaw: data must be 0x-prefixed hex');
    const addr = toAddress(to);
    return this.exclusive(() => this.transact(addr, data, opts, undefined));
  }

  private sender(from: TxOptions['from']): DevAccount {
    if (from === undefined) return this.accounts[0]!;
    if (typeof from === 'number') {
      const a = this.accounts[from];
      if (!a) throw new TxRejectedError('UnknownSender', `no dev account #${from} (the chain has ${this.accounts.length})`);
      return a;
    }
    if (typeof from === 'string') {
      const a = this.accounts.find((x) => x.address.toLowerCase() === from.toLowerCase());
      if (!a) throw new TxRejectedError('UnknownSender', `${from} is not a dev account of this chain: only dev accounts can sign`);
      return a;
    }
    return from;
  }

  /** The profile's limits, checked before any transaction (or dry run) is built. */
  private checkLimits(gasLimit: bigint, initLen: number | undefined): void {
    const p = this.profile;
    if (p.txGasCap !== null && gasLimit > p.txGasCap) {
      throw new TxRejectedError('GasCapExceeded', `gas limit ${fmtInt(gasLimit)} exceeds the ${p.name} profile's per-transaction cap of ${fmtInt(p.txGasCap)}`);
    }
    if (gasLimit > p.blockGasLimit) {
      throw new TxRejectedError('BlockGasLimitExceeded', `gas limit ${fmtInt(gasLimit)} exceeds the ${p.name} profile's block gas limit of ${fmtInt(p.blockGasLimit)}`);
    }
    if (initLen !== undefined && p.initCodeSizeLimit !== null && initLen > p.initCodeSizeLimit) {
      throw new TxRejectedError('InitCodeSizeExceeded', `initcode of ${fmtInt(initLen)} bytes exceeds the ${p.name} profile's initcode size limit of ${fmtInt(p.initCodeSizeLimit)} bytes (EIP-3860)`);
    }
  }

  private async transact(to: Address | undefined, data: string, opts: TxOptions, iface: Interface | undefined): Promise<Receipt> {
    const p = this.profile;
    const from = this.sender(opts.from);
    const gasLimit = opts.gasLimit ?? maxTxGas(p);
    this.checkLimits(gasLimit, to === undefined ? (data.length - 2) / 2 : undefined);
    const fromAddr = createAddressFromString(from.address);
    const nonce = (await this.vm.stateManager.getAccount(fromAddr))?.nonce ?? 0n;
    let tx: TypedTransaction;
    try {
      tx = createFeeMarket1559Tx(
        {
          chainId: p.chainId,
          nonce,
          gasLimit,
          maxFeePerGas: MAX_FEE_PER_GAS,
          maxPriorityFeePerGas: 0n,
          to,
          value: opts.value ?? 0n,
          data: hexToBytes(data as `0x${string}`),
        },
        { common: this.common, allowUnlimitedInitCodeSize: p.initCodeSizeLimit === null },
      ).sign(from.privateKey);
    } catch (e) {
      throw rejected(e);
    }
    return this.mine(tx, iface);
  }

  async sendRawTransaction(serializedTx: string): Promise<Receipt> {
    if (!isHexString(serializedTx) || serializedTx.length <= 2) throw new TxRejectedError('Invalid', 'sendRawTransaction: the transaction must be non-empty 0x-prefixed hex');
    return this.exclusive(async () => {
      let tx: TypedTransaction;
      try {
        tx = createTxFromRLP(hexToBytes(serializedTx as `0x${string}`), {
          common: this.common,
          allowUnlimitedInitCodeSize: this.profile.initCodeSizeLimit === null,
        });
      } catch (e) {
        const r = rejected(e);
        if (r.reason === 'GasCapExceeded' || r.reason === 'InitCodeSizeExceeded') {
          // ethereumjs refuses these while decoding; name the profile's limit as for any other transaction.
          let parsed: Transaction | undefined;
          try {
            parsed = Transaction.from(serializedTx);
          } catch {
            parsed = undefined;
          }
          if (parsed) this.checkLimits(parsed.gasLimit, parsed.to === null ? (parsed.data.length - 2) / 2 : undefined);
        }
        throw r;
      }
      if (tx.type === TransactionType.BlobEIP4844) throw new TxRejectedError('Invalid', 'transaction rejected: blob (EIP-4844) transactions are not supported by the embedded chain');
      if (!tx.isSigned()) throw new TxRejectedError('Invalid', 'transaction rejected: the transaction is not signed');
      this.checkLimits(tx.gasLimit, tx.to === undefined ? tx.data.length : undefined);
      return this.mine(tx, tx.to ? this.known.get(tx.to.toString()) : undefined);
    });
  }

  /** Run a signed transaction in the next block, seal that block and keep it for lookups. */
  private async mine(tx: TypedTransaction, iface: Interface | undefined): Promise<Receipt> {
    const number = this.number + 1n;
    const block = this.makeBlock(number);
    let r: RunTxResult;
    try {
      r = await runTx(this.vm, { tx, block });
    } catch (e) {
      throw rejected(e);
    }
    const receipt = this.toReceipt(r, tx, number, tx.gasLimit, iface);
    // Seal before advancing the block number, so `getBlock(blockNumber())` always exists.
    this.addBlock(await this.seal(block, tx, r, receipt));
    this.number = number;
    this.pending = undefined;
    return receipt;
  }

  /** The final header of a mined one-transaction block, and its records. */
  private async seal(pre: Block, tx: TypedTransaction, r: RunTxResult, receipt: Receipt): Promise<MinedBlock> {
    const parent = this.blocks[this.blocks.length - 1]!;
    const h = pre.header;
    const encodedReceipt = encodeReceipt(r.receipt, tx.type);
    const header = createBlockHeader(
      {
        parentHash: hexToBytes(parent.hash as `0x${string}`),
        number: h.number,
        gasLimit: h.gasLimit,
        timestamp: h.timestamp,
        baseFeePerGas: h.baseFeePerGas,
        coinbase: h.coinbase,
        gasUsed: r.blockGasSpent ?? r.totalGasSpent,
        stateRoot: await this.vm.stateManager.getStateRoot(),
        transactionsTrie: await genTransactionsTrieRoot([tx]),
        // The receipts trie has the same keys (RLP(index)) as the transactions trie.
        receiptTrie: await genTransactionsTrieRoot([{ serialize: () => encodedReceipt } as unknown as TypedTransaction]),
        logsBloom: r.bloom.bitvector,
      },
      { common: this.common, setHardfork: false },
    );
    const blockHash = bytesToHex(header.hash());
    const baseFee = h.baseFeePerGas ?? BASE_FEE;
    const mined: MinedTx = {
      tx,
      hash: receipt.txHash,
      from: getAddress(tx.getSenderAddress().toString()),
      blockNumber: h.number,
      blockHash,
      index: 0,
      receipt,
      effectiveGasPrice: baseFee + tx.getEffectivePriorityFee(baseFee),
      cumulativeGasUsed: receipt.gasUsed,
      logsBloom: bytesToHex(r.bloom.bitvector),
    };
    return { header, hash: blockHash, number: h.number, tx: mined };
  }

  private toReceipt(r: RunTxResult, tx: TypedTransaction, blockNumber: bigint, gasLimit: bigint, iface: Interface | undefined): Receipt {
    const exec = r.execResult;
    const status = ('status' in r.receipt ? r.receipt.status : exec.exceptionError ? 0 : 1) as 0 | 1;
    const returnData = bytesToHex(exec.returnValue);
    const receipt: Receipt = {
      status,
      txHash: bytesToHex(tx.hash()),
      blockNumber,
      gasUsed: r.totalGasSpent,
      executionGas: exec.executionGasUsed,
      logs: (exec.logs ?? []).map((l) => this.decodeLog(l, iface)),
      returnData,
    };
    if (exec.exceptionError) receipt.revert = this.decodeFailure(exec, returnData, gasLimit, iface);
    else if (r.createdAddress) receipt.contractAddress = getAddress(r.createdAddress.toString());
    return receipt;
  }

  private makeBlock(number: bigint): Block {
    return createBlock(
      {
        header: {
          number,
          gasLimit: this.profile.blockGasLimit,
          timestamp: GENESIS_TIMESTAMP + number * BLOCK_TIME,
          baseFeePerGas: BASE_FEE,
          coinbase: this.coinbase,
        },
      },
      { common: this.common, setHardfork: false },
    );
  }

  // ---------------------------------------------------------------- calls

  async call<T = unknown>(address: string, abi: AbiLike, method: string, args: unknown[] = [], opts: CallOptions = {}): Promise<CallResult<T>> {
    const r = await this.tryCallInternal<T>(address, abi, method, args, opts);
    if (!r.ok) throw new ContractRevertError(`call ${method} on ${address}`, r.error, r.gasUsed);
    return { value: r.value, gasUsed: r.gasUsed, returnData: r.returnData };
  }

  async tryCall<T = unknown>(address: string, abi: AbiLike, method: string, args: unknown[] = [], opts: CallOptions = {}): Promise<TryCallResult<T>> {
    const r = await this.tryCallInternal<T>(address, abi, method, args, opts);
    return r.ok ? { ok: true, value: r.value, gasUsed: r.gasUsed } : { ok: false, error: r.error, gasUsed: r.gasUsed };
  }

  private async tryCallInternal<T>(
    address: string,
    abi: AbiLike,
    method: string,
    args: unknown[],
    opts: CallOptions,
  ): Promise<({ ok: true; value: T } | { ok: false; error: DecodedRevert }) & { gasUsed: bigint; returnData: string }> {
    const iface = toInterface(abi);
    const fn = iface.getFunction(method, args);
    if (!fn) throw new Error(`no function ${method} in the ABI`);
    const data = iface.encodeFunctionData(fn, args);
    const to = toAddress(address);
    const raw = await this.exclusive(() => this.runCall(to, data, opts, iface));
    if (!raw.ok) return { ok: false, error: raw.error!, gasUsed: raw.gasUsed, returnData: raw.returnData };
    let value: unknown;
    if (fn.outputs.length > 0) {
      if (raw.returnData === '0x') {
        const code = await this.getCode(address);
        throw new Error(`call ${method} on ${address} returned no data${code === '0x' ? ' (no contract at that address)' : ''}`);
      }
      const decoded = iface.decodeFunctionResult(fn, raw.returnData);
      value = fn.outputs.length === 1 ? plain(decoded[0]) : decoded.toArray(true);
    }
    return { ok: true, value: value as T, gasUsed: raw.gasUsed, returnData: raw.returnData };
  }

  callRaw(to: string, data: string, opts: CallOptions = {}): Promise<RawCallResult> {
    if (!isHexString(data)) throw new Error('callRaw: data must be 0x-prefixed hex');
    const addr = toAddress(to);
    return this.exclusive(() => this.runCall(addr, data, opts, undefined));
  }

  private callerOf(from: CallOptions['from']): Address {
    if (from === undefined) return createAddressFromString(this.accounts[0]!.address);
    if (typeof from === 'number') {
      const a = this.accounts[from];
      if (!a) throw new Error(`no dev account #${from} (the chain has ${this.accounts.length})`);
      return createAddressFromString(a.address);
    }
    return toAddress(typeof from === 'string' ? from : from.address);
  }

  private pendingBlock(): Block {
    this.pending ??= this.makeBlock(this.number + 1n);
    return this.pending;
  }

  /** eth_call semantics: runCall inside a checkpoint that is always reverted. */
  private async runCall(to: Address, data: string, opts: CallOptions, iface: Interface | undefined): Promise<RawCallResult> {
    const caller = this.callerOf(opts.from);
    const gasLimit = opts.gasLimit ?? this.callGas;
    const block = this.pendingBlock();
    const evm = this.vm.evm;
    const sm = this.vm.stateManager;
    const journal = evm.journal;
    journal.cleanJournal();
    // EIP-2929 warm set as at the start of a transaction (runTx does the same).
    for (const addr of evm.precompiles.keys()) journal.addAlwaysWarmAddress(addr);
    journal.addAlwaysWarmAddress(caller.toString());
    journal.addAlwaysWarmAddress(to.toString());
    journal.addAlwaysWarmAddress(this.coinbase.toString()); // EIP-3651
    await sm.checkpoint();
    let res: EVMResult;
    try {
      res = await evm.runCall({
        block,
        caller,
        origin: caller,
        to,
        data: hexToBytes(data as `0x${string}`),
        gasLimit,
        gasPrice: 0n,
        value: opts.value ?? 0n,
        skipBalance: true,
        skipNonceIncrement: true,
      });
    } finally {
      await sm.revert();
      journal.cleanJournal();
      sm.originalStorageCache.clear();
    }
    const exec = res.execResult;
    const returnData = bytesToHex(exec.returnValue);
    if (exec.exceptionError) {
      return { ok: false, returnData, gasUsed: exec.executionGasUsed, error: this.decodeFailure(exec, returnData, gasLimit, iface) };
    }
    return { ok: true, returnData, gasUsed: exec.executionGasUsed };
  }

  async simulateTx(req: TxRequest = {}): Promise<SimulateResult> {
    const data = req.data ?? '0x';
    if (!isHexString(data)) throw new Error('simulateTx: data must be 0x-prefixed hex');
    const to = req.to === undefined ? undefined : toAddress(req.to);
    const caller = this.callerOf(req.from);
    const gasLimit = req.gasLimit ?? this.callGas;
    this.checkLimits(gasLimit, to === undefined ? (data.length - 2) / 2 : undefined);
    const accessList: AccessList | undefined = req.accessList?.map((e) => ({
      address: toAddress(e.address).toString(),
      storageKeys: e.storageKeys.map((k) => bytesToHex(setLengthLeft(hexToBytes(k as `0x${string}`), 32))),
    }));
    return this.exclusive(() => this.simulate(caller, to, data, req.value ?? 0n, gasLimit, accessList));
  }

  /**
   * A full `runTx` of an unsigned transaction whose sender is overridden (nonce and balance checks
   * skipped), inside a state checkpoint that is always reverted: intrinsic gas, access list,
   * refunds and the EIP-7623 floor are charged exactly as for a mined transaction.
   */
  private async simulate(caller: Address, to: Address | undefined, data: string, value: bigint, gasLimit: bigint, accessList: AccessList | undefined): Promise<SimulateResult> {
    const sm = this.vm.stateManager;
    const nonce = (await sm.getAccount(caller))?.nonce ?? 0n;
    let tx: TypedTransaction;
    try {
      tx = createFeeMarket1559Tx(
        { chainId: this.profile.chainId, nonce, gasLimit, maxFeePerGas: BASE_FEE, maxPriorityFeePerGas: 0n, to, value, data: hexToBytes(data as `0x${string}`), accessList },
        { common: this.common, allowUnlimitedInitCodeSize: this.profile.initCodeSizeLimit === null, freeze: false },
      );
    } catch (e) {
      throw rejected(e);
    }
    // NOTE: runTx only asks the transaction for its sender; an unsigned, unfrozen tx can name any.
    (tx as { getSenderAddress: () => Address }).getSenderAddress = () => caller;
    await sm.checkpoint();
    let r: RunTxResult;
    try {
      r = await runTx(this.vm, { tx, block: this.pendingBlock(), skipNonce: true, skipBalance: true, skipHardForkValidation: true });
    } catch (e) {
      throw rejected(e);
    } finally {
      await sm.revert();
    }
    const exec = r.execResult;
    const returnData = bytesToHex(exec.returnValue);
    const iface = to ? this.known.get(to.toString()) : undefined;
    const result: SimulateResult = {
      ok: !exec.exceptionError,
      returnData,
      gasUsed: r.totalGasSpent,
      executionGas: exec.executionGasUsed,
      gasRefund: r.gasRefund,
      logs: (exec.logs ?? []).map((l) => this.decodeLog(l, iface)),
    };
    if (exec.exceptionError) {
      result.exception = exec.exceptionError.error;
      result.error = this.decodeFailure(exec, returnData, gasLimit, iface);
    } else if (r.createdAddress) {
      result.contractAddress = getAddress(r.createdAddress.toString());
    }
    return result;
  }

  // ---------------------------------------------------------------- decoding

  private *interfaces(first: Interface | undefined, address?: string): Iterable<Interface> {
    const seen = new Set<Interface>();
    const own = address ? this.known.get(address.toLowerCase()) : undefined;
    for (const i of [own, first]) {
      if (i && !seen.has(i)) {
        seen.add(i);
        yield i;
      }
    }
    for (const i of this.known.values()) {
      if (!seen.has(i)) {
        seen.add(i);
        yield i;
      }
    }
  }

  private decodeFailure(exec: EVMResult['execResult'], returnData: string, gasLimit: bigint, iface: Interface | undefined): DecodedRevert {
    const err = exec.exceptionError!.error;
    if (err === 'revert') return decodeRevertData(returnData, this.interfaces(iface));
    return decodeEvmException(err, { gasLimit, profileName: this.profile.name, codeSizeLimit: this.profile.codeSizeLimit });
  }

  private decodeLog(log: Log, iface: Interface | undefined): DecodedLog {
    const address = getAddress(bytesToHex(log[0]));
    const raw: DecodedLog = { address, topics: log[1].map((t) => bytesToHex(t)), data: bytesToHex(log[2]) };
    return decodeLog(raw, this.interfaces(iface, address));
  }

  // ---------------------------------------------------------------- serialisation

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function toAddress(address: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`not an address: ${address}`);
  return createAddressFromString(address.toLowerCase());
}

/** Map an ethereumjs validation error (tx construction or runTx) to a TxRejectedError. */
function rejected(e: unknown): TxRejectedError {
  if (e instanceof TxRejectedError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  // ethereumjs appends "(vm hf=… -> block … -> tx …)" context; keep the first part.
  const short = msg.replace(/\s*\((?:vm hf|block number|tx type)=.*$/s, '');
  let reason: TxRejectReason = 'Invalid';
  if (/enough funds|upfront cost/i.test(short)) reason = 'InsufficientFunds';
  else if (/nonce/i.test(short)) reason = 'BadNonce';
  else if (/INTRINSIC_GAS_TOO_LOW|intrinsic|floor|lower than the minimum/i.test(short)) reason = 'IntrinsicGasTooLow';
  else if (/EIP-7825/i.test(short)) reason = 'GasCapExceeded';
  else if (/higher gas limit than the block/i.test(short)) reason = 'BlockGasLimitExceeded';
  else if (/initcode|init code/i.test(short)) reason = 'InitCodeSizeExceeded';
  return new TxRejectedError(reason, `transaction rejected: ${short}`);
}
