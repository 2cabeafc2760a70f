/**
 * The chain-agnostic deployer: puts a model on any EVM node through an ethers v6 `Signer` (a JSON-RPC
 * node, or the embedded chain through its in-process EIP-1193 provider), step by step, writing the
 * deployment record after every step and before every transaction (docs/deploy.md):
 *
 *   1. one layer contract per layer kind (`LAYER_CONTRACTS`), or the addresses of `reuseLayers`;
 *   2. `NNModel(owner = the signer)`;
 *   3. the config segment (`segmentInitcode(blob)`);          — the blob names the layer addresses
 *   4. `setConfig(segment, configHash)`;
 *   5. the weight upload, `executeUpload` over a gas-aware ethers backend (resumable: the contract
 *      reports which segments are registered; deployed but unregistered segments are found again
 *      through the record's journal);
 *   6. `seal()`;
 *   7. optionally `approveCollection(collection)` and `collection.mint(model, name, description)`.
 *
 * Rerunning with the same record resumes: a transaction a previous run broadcast is waited for, and
 * every finished step is skipped after checking the chain (the code at its address is the expected
 * code, the config hash is set, the segments are registered, the model is sealed, the token exists).
 */
import { Interface, getBytes, hexlify, keccak256, type Provider, type Signer } from 'ethers';
import type { ChainProfile } from '../../simulator/profiles.ts';
import { compileContracts, getArtifact } from '../compile.ts';
import { deployArtifacts } from './artifacts.ts';
import { blobWeightsRoot, buildSegments, executeUpload, segmentInitcode, segmentRuntime, WEIGHT_STORE_ABI, type StorageBackend, type UploadProgress } from '../storage/index.ts';
import { DeployError, TxSender, describeFailure, registerErrorAbi, type SentTx } from './tx.ts';
import { findStep, step, type DeploymentRecord, type RecordStore, type StepEntry } from './record.ts';
import { configSegments } from '../model-chain/config.ts';

export const COLLECTION_SOURCE = 'contracts/collection/ModelCollection.sol';

/** ModelOwnership / ModelCollection functions the deployer uses. */
const OWNERSHIP_ABI = [
  'function approveCollection(address collection)',
  'function approvedCollection() view returns (address)',
  'function binding() view returns (address collection, uint256 tokenId, bool bound)',
];
const COLLECTION_ABI = [
  'function mint(address model, string name, string description) returns (uint256)',
  'function tokenOfModel(address model) view returns (uint256)',
  'event ModelMinted(uint256 indexed tokenId, address indexed model, address indexed owner, bytes32 weightsRoot)',
  'error NotModelOwner(address caller, address owner)',
  'error ModelNotSealed(address model)',
  'error CollectionNotApproved(address model, address approved)',
  'error ModelAlreadyMinted(address model, uint256 tokenId)',
  'error NotAModel(address model)',
  'error BindingFailed(address model, uint256 tokenId)',
];

/** The bytes a deployment uploads, built once the layer addresses are known. */
export interface BuiltBytes {
  /** The config blob (`abi.encode(ModelConfig)`). */
  blob: Uint8Array;
  configHash: string;
  /** The concatenated weight blob. */
  weights: Uint8Array;
}

export type DeployEvent =
  | { kind: 'step'; name: string; status: 'done' | 'reused' | 'skipped'; gasUsed?: bigint; address?: string }
  | { kind: 'built'; bytes: BuiltBytes; segments: number }
  | { kind: 'upload'; event: UploadProgress; present: number; total: number };

export interface DeployTarget {
  signer: Signer;
  /** The chain profile whose per-transaction cap applies (with the node's block gas limit). */
  profile: ChainProfile;
}

export interface RunDeployOptions {
  store: RecordStore;
  /** Layer contract kinds in deployment order. */
  kinds: string[];
  /** kind → the address of an already deployed layer contract to use (checked on chain). */
  reuseLayers?: Record<string, string>;
  /** Builds the config and weight blobs from kind → layer address (called once the layers exist). */
  build: (layers: Record<string, string>) => BuiltBytes;
  segmentSize: number;
  mint?: { collection: string; name: string; description: string };
  headroom?: number;
  delayMs?: number;
  /** Progress; throwing stops the deployment there (the record stays resumable). */
  onEvent?: (e: DeployEvent) => void | Promise<void>;
}

let collectionAbi: unknown[] | undefined;
function collectionIface(): Interface {
  collectionAbi ??= getArtifact('ModelCollection', compileContracts({ entries: [COLLECTION_SOURCE] })).abi;
  return new Interface([...(collectionAbi as never[]), ...COLLECTION_ABI.filter((f) => f.startsWith('error'))].filter((f, i, a) => a.indexOf(f) === i));
}

/** Run (or resume) the deployment described by `opts.store.record`; returns the completed record. */
export async function runDeployment(target: DeployTarget, opts: RunDeployOptions): Promise<DeploymentRecord> {
  const { store } = opts;
  const rec = store.record;
  const arts = deployArtifacts(opts.kinds);
  const model = arts.model;
  const modelIface = new Interface(model.abi as never);
  registerErrorAbi(model.abi);
  registerErrorAbi(COLLECTION_ABI);
  const emit = async (e: DeployEvent) => {
    if (opts.onEvent) await opts.onEvent(e);
  };
  const sender = new TxSender(target.signer, {
    cap: target.profile.txGasCap,
    headroom: opts.headroom,
    delayMs: opts.delayMs,
    onPending: (p) => {
      rec.pendingTx = { hash: p.hash, step: p.step };
      const s = findStep(rec, p.step);
      if (s) Object.assign(s, { status: 'pending', txHash: p.hash, nonce: p.nonce, ...(p.address ? { address: p.address } : {}) });
      store.save();
    },
    onMined: (t) => {
      rec.pendingTx = undefined;
      rec.txs.push(txEntry(t));
      store.save();
    },
  });
  const provider = sender.provider;
  const me = await sender.from();
  if (rec.deployer.toLowerCase() !== me.toLowerCase()) {
    throw new DeployError(`the record was deployed by ${rec.deployer}; this key is ${me} (use the same key to resume)`);
  }

  // 0. A transaction a previous run broadcast: wait for it, so it is not sent twice.
  if (rec.pendingTx) {
    const { hash, step: name } = rec.pendingTx;
    const receipt = await sender.settle(hash);
    if (receipt && !rec.txs.some((t) => t.hash === hash)) {
      rec.txs.push({ step: name, hash, gasUsed: receipt.gasUsed.toString(), gasLimit: '', status: receipt.status ?? 0, address: receipt.contractAddress ?? undefined });
    }
    rec.pendingTx = undefined;
    store.save();
  }

  const done = async (s: StepEntry, status: 'done' | 'reused' | 'skipped', extra: Partial<StepEntry> = {}) => {
    Object.assign(s, extra, { status });
    delete s.nonce;
    store.save();
    await emit({ kind: 'step', name: s.name, status, gasUsed: s.gasUsed !== undefined ? BigInt(s.gasUsed) : undefined, address: s.address });
  };
  /** A creation step: reuse a finished/pending one whose code is on chain, else deploy `initcode`. */
  const create = async (name: string, initcode: string, runtime: string, what: string, reuse?: string): Promise<string> => {
    const s = step(rec, name);
    const expected = keccak256(runtime);
    const check = async (address: string) => {
      const code = await provider.getCode(address);
      if (code === '0x') return false;
      if (keccak256(code) !== expected) throw new DeployError(`${name}: the code at ${address} is not the expected ${what}`);
      return true;
    };
    if (reuse) {
      if (!(await check(reuse))) throw new DeployError(`${name}: no contract at ${reuse} on this chain`);
      if (s.status !== 'reused' || s.address !== reuse) await done(s, 'reused', { address: reuse, txHash: undefined, gasUsed: undefined });
      return reuse;
    }
    if (s.address && (s.status === 'done' || s.status === 'pending' || s.status === 'reused')) {
      if (await check(s.address)) {
        if (s.status === 'pending') {
          const t = rec.txs.find((x) => x.hash === s.txHash);
          await done(s, 'done', { gasUsed: t?.gasUsed });
        }
        return s.address;
      }
      if (s.status !== 'pending') throw new DeployError(`${name}: the record says ${s.address}, but there is no code there on this chain (another chain, or the node was reset?)`);
    }
    const t = await sender.send(name, { data: initcode });
    if (!t.address || !(await check(t.address))) throw new DeployError(`${name}: the deployment left no code at ${t.address}`);
    await done(s, 'done', { address: t.address, txHash: t.hash, gasUsed: t.gasUsed.toString() });
    return t.address;
  };
  /** A call step: skipped when `isDone()` already holds on chain, else sent and then checked. */
  const call = async (name: string, to: string, data: string, isDone: () => Promise<boolean>): Promise<void> => {
    const s = step(rec, name);
    if (await isDone()) {
      if (s.status !== 'done') {
        const t = s.txHash ? rec.txs.find((x) => x.hash === s.txHash) : undefined;
        await done(s, t ? 'done' : 'skipped', { gasUsed: t?.gasUsed });
      }
      return;
    }
    const t = await sender.send(name, { to, data });
    if (!(await isDone())) throw new DeployError(`${name}: transaction ${t.hash} was mined but the chain does not show its effect`);
    await done(s, 'done', { txHash: t.hash, gasUsed: t.gasUsed.toString() });
  };
  const view = async <T>(to: string, iface: Interface, fn: string, args: unknown[] = []): Promise<T> => {
    try {
      const r = iface.decodeFunctionResult(fn, await provider.call({ to, data: iface.encodeFunctionData(fn, args) }));
      return (r.length === 1 ? r[0] : r) as T;
    } catch (e) {
      throw new DeployError(`${fn}() on ${to} failed: ${describeFailure(e)}`);
    }
  };

  // 1. Layer contracts: each contract once (kinds may share one).
  const layers: Record<string, string> = {};
  const byContract: Record<string, string> = {};
  for (const kind of opts.kinds) {
    const c = arts.contractOf[kind]!;
    const a = arts.layers[c]!;
    byContract[c] ??= await create(`layer ${c}`, a.bytecode, a.deployedBytecode, `${c} contract`, opts.reuseLayers?.[kind]);
    layers[kind] = byContract[c]!;
    rec.addresses.layers[kind] = layers[kind]!;
    store.save();
  }

  // 2. The bytes (they name the layer addresses).
  const bytes = opts.build(layers);
  if (keccak256(bytes.blob) !== bytes.configHash) throw new DeployError('internal: config hash does not match the blob');
  if (rec.configHash && rec.configHash !== bytes.configHash) {
    throw new DeployError(`the model's config (hash ${bytes.configHash}) differs from the record's (${rec.configHash}): quantization options or layer addresses changed; use a new --record`);
  }
  const segments = buildSegments(bytes.weights, opts.segmentSize);
  const expectedRoot = blobWeightsRoot(bytes.configHash, bytes.weights, opts.segmentSize);
  rec.configHash = bytes.configHash;
  rec.weightsLength = bytes.weights.length;
  rec.segmentCount = segments.length;
  if (rec.addresses.segments.length !== segments.length) rec.addresses.segments = segments.map(() => null);
  store.save();
  await emit({ kind: 'built', bytes, segments: segments.length });

  // 3. NNModel, owned by the signer.
  const modelInit = model.bytecode + modelIface.encodeDeploy([me]).slice(2);
  const modelAddr = await create('deploy NNModel', modelInit, model.deployedBytecode, 'NNModel contract');
  rec.addresses.model = modelAddr;
  store.save();
  const owner = await view<string>(modelAddr, modelIface, 'owner');
  if (owner.toLowerCase() !== me.toLowerCase()) throw new DeployError(`the model ${modelAddr} is owned by ${owner}, not by this key (${me})`);

  // 4. Config segment(s) and setConfig: a config over one segment is deployed as parts, then a
  //    manifest segment listing them (configSegments; NNModel reads the concatenation).
  const cs = configSegments(bytes.blob);
  const partAddrs: string[] = [];
  for (const [i, p] of cs.parts.entries()) partAddrs.push(await create(`config part ${i}`, segmentInitcode(p), hexlify(segmentRuntime(p)), `config part ${i}`));
  const rootData = cs.root(partAddrs);
  const segAddr = await create(cs.parts.length ? 'config manifest' : 'config segment', segmentInitcode(rootData), hexlify(segmentRuntime(rootData)), 'config segment');
  rec.addresses.configSegment = segAddr;
  store.save();
  await call('setConfig', modelAddr, modelIface.encodeFunctionData('setConfig', [segAddr, bytes.configHash]), async () => (await view<string>(modelAddr, modelIface, 'configHash')) === bytes.configHash);

  // 5. Weights (resumable). Steps of the upload are recorded as transactions, segments in `addresses.segments`.
  const up = step(rec, 'upload weights');
  const segIndex = new Map(segments.map((s) => [s.hash, s.index]));
  const backend = uploadBackend(sender, (initcode) => segIndex.get(keccak256('0x' + initcode.slice(2 + 20))));
  const pendingJournal = sender.opts.onPending!;
  sender.opts.onPending = (p) => {
    // a segment's address is known before its creation is broadcast: journal it then
    const m = /^segment (\d+)$/.exec(p.step);
    if (m && p.address) rec.journal[segments[Number(m[1])]!.hash] = p.address;
    return pendingJournal(p);
  };
  let present = 0;
  const result = await executeUpload(backend, modelAddr, bytes.weights, {
    maxData: opts.segmentSize,
    journal: {
      get: (h) => rec.journal[h],
      set: (h, a) => {
        rec.journal[h] = a;
        store.save();
      },
    },
    onProgress: async (e) => {
      if (e.kind === 'registered') {
        for (const i of e.indices) rec.addresses.segments[i] = rec.journal[segments[i]!.hash] ?? null;
        present = e.present;
        store.save();
      }
      if (e.kind === 'declared' || e.kind === 'deployed' || e.kind === 'reused' || e.kind === 'registered') await emit({ kind: 'upload', event: e, present, total: segments.length });
    },
  });
  sender.opts.onPending = pendingJournal;
  rec.addresses.segments = result.addresses;
  if (result.weightsRoot !== expectedRoot) throw new DeployError(`weights root on chain ${result.weightsRoot} differs from the expected ${expectedRoot}`);
  if (up.status === 'done' && result.deployed.length + result.reused.length === 0) {
    // finished in an earlier run: checked on chain above, nothing to report
  } else await done(up, 'done', { gasUsed: sumGas(rec, (s) => /^(segment \d+|declareSegments|appendSegments|registerSegments?) ?/.test(s)) });

  // 6. Seal.
  await call('seal', modelAddr, modelIface.encodeFunctionData('seal', []), () => view<boolean>(modelAddr, modelIface, 'isSealed'));
  const root = await view<string>(modelAddr, modelIface, 'weightsRoot');
  if (root !== expectedRoot) throw new DeployError(`the sealed model reports weights root ${root}, expected ${expectedRoot}`);
  rec.weightsRoot = root;
  store.save();

  // 7. Mint.
  if (opts.mint) {
    const { collection, name, description } = opts.mint;
    const own = new Interface(OWNERSHIP_ABI);
    const col = collectionIface();
    if ((await provider.getCode(collection)) === '0x') throw new DeployError(`--mint: no contract at ${collection}`);
    rec.addresses.collection = collection;
    const tokenOf = async () => view<bigint>(collection, col, 'tokenOfModel', [modelAddr]);
    const minted = async () => (await tokenOf()) !== 0n;
    await call('approveCollection', modelAddr, own.encodeFunctionData('approveCollection', [collection]), async () => (await minted()) || (await view<string>(modelAddr, own, 'approvedCollection')).toLowerCase() === collection.toLowerCase());
    await call('mint', collection, col.encodeFunctionData('mint', [modelAddr, name, description]), minted);
    rec.addresses.tokenId = (await tokenOf()).toString();
  }
  rec.status = 'complete';
  store.save();
  return rec;
}

function txEntry(t: SentTx) {
  return { step: t.step, hash: t.hash, gasUsed: t.gasUsed.toString(), gasLimit: t.gasLimit.toString(), status: t.receipt.status ?? 0, ...(t.address ? { address: t.address } : {}) };
}

function sumGas(rec: DeploymentRecord, match: (step: string) => boolean): string {
  return rec.txs.filter((t) => match(t.step)).reduce((s, t) => s + BigInt(t.gasUsed || '0'), 0n).toString();
}

const storeIface = new Interface(WEIGHT_STORE_ABI as unknown as string[]);

/** `StorageBackend` over the gas-aware sender: every transaction is named (for the record) and capped. */
function uploadBackend(sender: TxSender, segmentOf: (initcode: string) => number | undefined): StorageBackend {
  const provider: Provider = sender.provider;
  const label = (data: string): string => {
    try {
      const d = storeIface.parseTransaction({ data });
      if (!d) return 'upload';
      if (d.name === 'registerSegment') return `registerSegment ${d.args[0]}`;
      if (d.name === 'registerSegments') return `registerSegments ${[...d.args[0]].join(',')}`;
      return `${d.name} (${[...d.args[0]].length} hashes)`;
    } catch {
      return 'upload';
    }
  };
  return {
    async deploy(initcode) {
      const i = segmentOf(initcode);
      const t = await sender.send(i === undefined ? 'segment' : `segment ${i}`, { data: initcode });
      if (!t.address) throw new DeployError(`segment ${i}: no contract created`);
      return { address: t.address, gasUsed: t.gasUsed };
    },
    async send(to, data) {
      const t = await sender.send(label(data), { to, data });
      return { gasUsed: t.gasUsed };
    },
    async call(to, data) {
      try {
        return await provider.call({ to, data });
      } catch (e) {
        throw new DeployError(`call to ${to} failed: ${describeFailure(e)}`);
      }
    },
    getCode: (address) => provider.getCode(address),
  };
}

/** The config blob and weights of a record, read back from its files (checked against the record's hash). */
export function savedBytes(blob: Uint8Array, weights: Uint8Array, rec: DeploymentRecord): BuiltBytes {
  const configHash = keccak256(blob);
  if (rec.configHash && configHash !== rec.configHash) throw new DeployError(`the saved config blob hashes to ${configHash}, the record says ${rec.configHash}`);
  if (rec.weightsLength !== undefined && weights.length !== rec.weightsLength) throw new DeployError(`the saved weight blob has ${weights.length} bytes, the record says ${rec.weightsLength}`);
  return { blob: getBytes(blob), configHash, weights };
}
