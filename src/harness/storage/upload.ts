/**
 * Upload planner / executor: put a weight blob into a model contract's `WeightStore`, resumably.
 *
 * The chain is reached through `StorageBackend` (four calls: deploy raw initcode, send calldata,
 * eth_call, getCode), implemented here for the embedded simulator (`simulatorBackend`) and for any
 * ethers 6 signer (`ethersBackend`), so the same executor drives a JSON-RPC node.
 *
 * `executeUpload(backend, model, blob)`:
 * 1. Builds the segments (`buildSegments`) and reads what the model already has: `isSealed`,
 *    the declared hashes, which segments are registered (`segmentsPresent`).
 * 2. Declares the segment hashes if needed (chunks of `declareBatch` hashes: `declareSegments`,
 *    then `appendSegments`; a declaration interrupted halfway is continued). A different existing
 *    declaration is an error unless `redeclare: true`.
 * 3. For each missing segment: reuse a segment already deployed with the same bytes when the
 *    `journal` names one (its code hash is checked on chain), otherwise deploy it; register it
 *    (every `registerBatch` segments in one `registerSegments` transaction).
 * 4. Reads `weightsRoot()` back and checks it against `weightsRoot(configHash(), hashes)`.
 * Progress events go to `onProgress`; if it throws, the upload stops there and a later call resumes
 * from the chain's state (registered segments are never redeployed; deployed but unregistered ones
 * are reused through the journal).
 */
import { Interface, keccak256, type Signer } from 'ethers';
import type { Chain, TxOptions } from '../../simulator/index.ts';
import { SEGMENT_MAX_DATA, buildSegments, segmentInitcode, weightsRoot, type Segment } from './segments.ts';

/** The WeightStore / ModelOwnership functions and errors the uploader uses. */
export const WEIGHT_STORE_ABI = [
  'function declareSegments(bytes32[] hashes)',
  'function appendSegments(bytes32[] hashes)',
  'function registerSegment(uint256 index, address segment)',
  'function registerSegments(uint256[] indices, address[] segments)',
  'function segmentHashes() view returns (bytes32[])',
  'function segmentsPresent() view returns (bool[])',
  'function missingSegments() view returns (uint256[])',
  'function segments() view returns (address[])',
  'function configHash() view returns (bytes32)',
  'function weightsRoot() view returns (bytes32)',
  'function isSealed() view returns (bool)',
  'function owner() view returns (address)',
  'error SegmentHashMismatch(uint256 index, bytes32 expected, bytes32 actual)',
  'error SegmentIndexOutOfRange(uint256 index, uint256 count)',
  'error SegmentAlreadyRegistered(uint256 index, address segment)',
  'error SegmentsIncomplete(uint256 missing, uint256 count)',
  'error ArrayLengthMismatch(uint256 a, uint256 b)',
  'error ZeroSegmentHash(uint256 index)',
  'error NotOwner(address caller)',
  'error AlreadySealed()',
] as const;

const iface = new Interface(WEIGHT_STORE_ABI as unknown as string[]);

/** The few chain operations the uploader needs; an RPC backend implements the same four. */
export interface StorageBackend {
  /** Send a creation transaction with raw `initcode`; resolves once mined. Throws if it failed. */
  deploy(initcode: string): Promise<{ address: string; gasUsed: bigint }>;
  /** Send a transaction with raw calldata to `to`; resolves once mined. Throws on revert (revert data in `UploadError.data` when known). */
  send(to: string, data: string): Promise<{ gasUsed: bigint }>;
  /** eth_call; the raw return data. Throws on revert. */
  call(to: string, data: string): Promise<string>;
  /** Runtime code at `address` ('0x' if none). */
  getCode(address: string): Promise<string>;
}

/** An upload step failed; `revert` is the decoded custom error when the chain reverted. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly revert?: { name: string; args: unknown[] },
    readonly data?: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

function decodeRevert(data: string | undefined): { name: string; args: unknown[] } | undefined {
  if (!data || data === '0x') return undefined;
  try {
    const e = iface.parseError(data);
    return e ? { name: e.name, args: [...e.args] } : undefined;
  } catch {
    return undefined;
  }
}

/** Backend over the embedded chain; transactions are signed by dev account `opts.from`. */
export function simulatorBackend(chain: Chain, opts: { from?: TxOptions['from'] } = {}): StorageBackend {
  const from = opts.from ?? 0;
  const callFrom = typeof from === 'object' ? from.address : from;
  return {
    async deploy(initcode) {
      const r = await chain.deployCode(initcode, { from });
      return { address: r.address, gasUsed: r.gasUsed };
    },
    async send(to, data) {
      const r = await chain.sendRaw(to, data, { from });
      if (r.status !== 1) {
        const revert = decodeRevert(r.revert?.data) ?? (r.revert ? { name: r.revert.name, args: r.revert.args } : undefined);
        throw new UploadError(`transaction to ${to} reverted: ${r.revert?.message ?? 'unknown'}`, revert, r.revert?.data);
      }
      return { gasUsed: r.gasUsed };
    },
    async call(to, data) {
      const r = await chain.callRaw(to, data, { from: callFrom });
      if (!r.ok) throw new UploadError(`call to ${to} reverted: ${r.error?.message ?? 'unknown'}`, decodeRevert(r.returnData), r.returnData);
      return r.returnData;
    },
    getCode: (address) => chain.getCode(address),
  };
}

/** Backend over an ethers 6 signer connected to a provider (any JSON-RPC node). */
export function ethersBackend(signer: Signer): StorageBackend {
  const provider = signer.provider;
  if (!provider) throw new Error('ethersBackend: the signer has no provider');
  const revertData = (e: unknown): string | undefined => {
    const x = e as { data?: unknown; info?: { error?: { data?: unknown } } };
    const d = x?.data ?? x?.info?.error?.data;
    return typeof d === 'string' ? d : undefined;
  };
  const wrap = (what: string, e: unknown): UploadError => {
    const data = revertData(e);
    return new UploadError(`${what}: ${(e as Error)?.message ?? String(e)}`, decodeRevert(data), data);
  };
  return {
    async deploy(initcode) {
      let receipt;
      try {
        const tx = await signer.sendTransaction({ data: initcode });
        receipt = await tx.wait();
      } catch (e) {
        throw wrap('segment deployment failed', e);
      }
      if (!receipt || receipt.status !== 1 || !receipt.contractAddress) throw new UploadError('segment deployment failed (status 0)');
      return { address: receipt.contractAddress, gasUsed: receipt.gasUsed };
    },
    async send(to, data) {
      let receipt;
      try {
        const tx = await signer.sendTransaction({ to, data });
        receipt = await tx.wait();
      } catch (e) {
        throw wrap(`transaction to ${to} failed`, e);
      }
      if (!receipt || receipt.status !== 1) throw new UploadError(`transaction to ${to} reverted`);
      return { gasUsed: receipt.gasUsed };
    },
    async call(to, data) {
      try {
        return await provider.call({ to, data });
      } catch (e) {
        throw wrap(`call to ${to} failed`, e);
      }
    },
    getCode: (address) => provider.getCode(address),
  };
}

/** Where deployed-but-maybe-unregistered segments are remembered, by segment hash. A `Map` works. */
export interface SegmentJournal {
  get(hash: string): string | undefined | Promise<string | undefined>;
  set(hash: string, address: string): unknown;
}

export type UploadProgress =
  | { kind: 'declared'; count: number; total: number; gasUsed: bigint }
  | { kind: 'deployed'; index: number; address: string; bytes: number; gasUsed: bigint }
  | { kind: 'reused'; index: number; address: string }
  | { kind: 'registered'; indices: number[]; present: number; total: number; gasUsed: bigint }
  | { kind: 'done'; weightsRoot: string };

export interface UploadOptions {
  /** Data bytes per segment (default 24,575, the maximum). Must match any existing declaration. */
  maxData?: number;
  /** Called after every step; throwing stops the upload (it can be resumed later). */
  onProgress?: (event: UploadProgress) => void | Promise<void>;
  /** Remembers deployed segments across runs so an interrupted upload never deploys the same bytes twice. */
  journal?: SegmentJournal;
  /** Segments registered per transaction (default 1: register each one right after deploying it). */
  registerBatch?: number;
  /** Hashes per declaration transaction (default 400; 22,100 gas of storage each, under the 16.7M cap). */
  declareBatch?: number;
  /** Replace an existing, different declaration instead of failing (drops its registrations). */
  redeclare?: boolean;
}

export type DeclarationState = 'none' | 'match' | 'prefix' | 'mismatch';

export interface UploadPlan {
  model: string;
  segments: Segment[];
  hashes: string[];
  sealed: boolean;
  configHash: string;
  /** The root the model will report once all segments are registered. */
  expectedRoot: string;
  /** How the declared hashes on chain relate to the blob's. */
  declaration: DeclarationState;
  declaredCount: number;
  /** Registered flags per blob segment (all false unless the declaration matches). */
  present: boolean[];
  /** Blob segment indices still to deploy/register. */
  missing: number[];
}

export interface UploadResult {
  weightsRoot: string;
  segmentCount: number;
  /** Indices deployed by this run, reused from the journal, or already registered before it. */
  deployed: number[];
  reused: number[];
  alreadyPresent: number[];
  /** Gas spent by this run, per phase. */
  gas: { declare: bigint; deploy: bigint; register: bigint; total: bigint };
  /** Segment addresses in order, as registered on chain. */
  addresses: string[];
}

async function view<T>(backend: StorageBackend, model: string, fn: string, args: unknown[] = []): Promise<T> {
  const ret = await backend.call(model, iface.encodeFunctionData(fn, args));
  return iface.decodeFunctionResult(fn, ret)[0] as T;
}

/** Read the model's state and work out what an upload of `blob` still has to do. */
export async function planUpload(backend: StorageBackend, model: string, blob: Uint8Array, opts: { maxData?: number } = {}): Promise<UploadPlan> {
  const segments = buildSegments(blob, opts.maxData ?? SEGMENT_MAX_DATA);
  if (segments.length === 0) throw new UploadError('empty weight blob');
  const hashes = segments.map((s) => s.hash);
  const [sealed, configHash, declaredRaw, presentResult] = await Promise.all([
    view<boolean>(backend, model, 'isSealed'),
    view<string>(backend, model, 'configHash'),
    view<string[]>(backend, model, 'segmentHashes'),
    view<boolean[]>(backend, model, 'segmentsPresent'),
  ]);
  const declared = [...declaredRaw].map((h) => h.toLowerCase());
  const presentRaw = [...presentResult];
  let declaration: DeclarationState;
  if (declared.length === 0) declaration = 'none';
  else if (declared.length <= hashes.length && declared.every((h, i) => h === hashes[i])) declaration = declared.length === hashes.length ? 'match' : 'prefix';
  else declaration = 'mismatch';
  const present = hashes.map((_, i) => declaration === 'match' || declaration === 'prefix' ? Boolean(presentRaw[i]) : false);
  const missing = present.flatMap((p, i) => (p ? [] : [i]));
  return {
    model,
    segments,
    hashes,
    sealed,
    configHash,
    expectedRoot: weightsRoot(configHash, hashes),
    declaration,
    declaredCount: declared.length,
    present,
    missing,
  };
}

async function decode<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof UploadError && e.revert) throw new UploadError(`${e.revert.name}(${e.revert.args.map(String).join(', ')}): ${e.message}`, e.revert, e.data);
    throw e;
  }
}

/** Declare, deploy and register whatever `blob` still needs on `model`; see the module comment. */
export async function executeUpload(backend: StorageBackend, model: string, blob: Uint8Array, opts: UploadOptions = {}): Promise<UploadResult> {
  const registerBatch = opts.registerBatch ?? 1;
  const declareBatch = opts.declareBatch ?? 400;
  if (!(registerBatch >= 1) || !(declareBatch >= 1)) throw new RangeError('registerBatch and declareBatch must be ≥ 1');
  const progress = async (e: UploadProgress) => {
    if (opts.onProgress) await opts.onProgress(e);
  };
  const plan = await planUpload(backend, model, blob, opts);
  const gas = { declare: 0n, deploy: 0n, register: 0n, total: 0n };
  const n = plan.segments.length;

  if (plan.sealed) {
    const root = await view<string>(backend, model, 'weightsRoot');
    if (plan.declaration !== 'match' || root !== plan.expectedRoot) throw new UploadError(`model ${model} is sealed with other weights (root ${root}, blob gives ${plan.expectedRoot})`);
    await progress({ kind: 'done', weightsRoot: root });
    const addresses = await view<string[]>(backend, model, 'segments');
    return { weightsRoot: root, segmentCount: n, deployed: [], reused: [], alreadyPresent: [...Array(n).keys()], gas, addresses: [...addresses] };
  }

  // 1. Declaration.
  let declared = plan.declaredCount;
  let present = plan.present;
  if (plan.declaration === 'mismatch') {
    if (!opts.redeclare) {
      throw new UploadError(`model ${model} declares ${plan.declaredCount} other segment hashes; pass redeclare: true to replace them`);
    }
    declared = 0;
    present = present.map(() => false);
  }
  while (declared < n) {
    const chunk = plan.hashes.slice(declared, declared + declareBatch);
    const fn = declared === 0 ? 'declareSegments' : 'appendSegments';
    const r = await decode(backend.send(model, iface.encodeFunctionData(fn, [chunk])));
    declared += chunk.length;
    gas.declare += r.gasUsed;
    await progress({ kind: 'declared', count: declared, total: n, gasUsed: r.gasUsed });
  }

  // 2. Deploy (or reuse) and register the missing segments.
  const alreadyPresent = present.flatMap((p, i) => (p ? [i] : []));
  const missing = present.flatMap((p, i) => (p ? [] : [i]));
  const deployed: number[] = [];
  const reused: number[] = [];
  let presentCount = alreadyPresent.length;
  let pending: { index: number; address: string }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const data =
      pending.length === 1
        ? iface.encodeFunctionData('registerSegment', [pending[0]!.index, pending[0]!.address])
        : iface.encodeFunctionData('registerSegments', [pending.map((p) => p.index), pending.map((p) => p.address)]);
    const r = await decode(backend.send(model, data));
    gas.register += r.gasUsed;
    presentCount += pending.length;
    const indices = pending.map((p) => p.index);
    pending = [];
    await progress({ kind: 'registered', indices, present: presentCount, total: n, gasUsed: r.gasUsed });
  };
  for (const index of missing) {
    const seg = plan.segments[index]!;
    let address: string | undefined;
    const known = opts.journal ? await opts.journal.get(seg.hash) : undefined;
    if (known) {
      const code = await backend.getCode(known);
      if (code !== '0x' && keccak256(code) === seg.hash) address = known;
    }
    if (address) {
      reused.push(index);
      await progress({ kind: 'reused', index, address });
    } else {
      const r = await backend.deploy(segmentInitcode(seg.data));
      address = r.address;
      gas.deploy += r.gasUsed;
      deployed.push(index);
      if (opts.journal) await opts.journal.set(seg.hash, address);
      await progress({ kind: 'deployed', index, address, bytes: seg.data.length, gasUsed: r.gasUsed });
    }
    pending.push({ index, address });
    if (pending.length >= registerBatch) await flush();
  }
  await flush();

  // 3. Check the result.
  const [root, configHash, addresses] = await Promise.all([
    view<string>(backend, model, 'weightsRoot'),
    view<string>(backend, model, 'configHash'),
    view<string[]>(backend, model, 'segments'),
  ]);
  const expected = weightsRoot(configHash, plan.hashes);
  if (root !== expected) throw new UploadError(`weights root on chain ${root} differs from the blob's ${expected}`);
  gas.total = gas.declare + gas.deploy + gas.register;
  await progress({ kind: 'done', weightsRoot: root });
  return { weightsRoot: root, segmentCount: n, deployed, reused, alreadyPresent, gas, addresses: [...addresses] };
}
