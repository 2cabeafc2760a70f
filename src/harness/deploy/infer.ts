/**
 * Inference on a deployed model (docs/deploy.md):
 *
 * - **Embedded** (`replayEmbedded` + `executePlan`): the embedded chain lives in the process that
 *   deployed, so a later `infer` recreates the deployment on a fresh embedded chain of the record's
 *   profile from the exact bytes saved next to the record — same dev account, same nonces, so the same
 *   addresses — checks that the addresses, config hash and weights root equal the record's, and runs
 *   the inference there (one `classify`, or a session when the profile's cap calls for one).
 * - **Any node** (`inferRpc`): an embedded *replica* is built from what the node holds: the code of the
 *   layer contracts, the config segment and every weight segment is copied from the node to the same
 *   addresses, and a fresh `NNModel` on the replica is configured with that segment and those segments
 *   (its weights root must equal the node's and the record's). The replica profiles and plans the
 *   inference (`executePlan`, bit-exact with the node since the bytes are the same), then the same
 *   transactions are sent to the node through ethers (gas limits from the node's estimates, capped),
 *   and every event the node emits (`Inference`, `SessionStep` commitments, `SessionRange` chunk
 *   hashes, `SessionResult`) is checked against the replica's tensors.
 */
import { BrowserProvider, Interface, Wallet, getBytes, getCreateAddress, hexlify, keccak256, type Provider, type Signer } from 'ethers';
import { createAccount, createAddressFromString } from '@ethereumjs/util';
import { createChain, type Chain } from '../../simulator/index.ts';
import { getProfile, type ChainProfile } from '../../simulator/profiles.ts';
import { createEip1193Provider } from '../../simulator/rpc/index.ts';
import { deployArtifacts } from './artifacts.ts';
import { describeTx, executePlan, rangeChunk, type ExecutionResult, type PlannedTx } from '../model-chain/plan.ts';
import { manifestParts } from '../model-chain/config.ts';
import { executeUpload, segmentHash, simulatorBackend } from '../storage/index.ts';
import { runDeployment, type BuiltBytes } from './deployer.ts';
import { MemoryRecordStore, type DeploymentRecord } from './record.ts';
import { DeployError, TxSender, describeFailure, registerErrorAbi } from './tx.ts';

/** A fresh embedded chain of `profile` behind an ethers provider, with dev account 0 as the signer. */
export async function embeddedTarget(profile: string | ChainProfile): Promise<{ chain: Chain; provider: BrowserProvider; signer: Wallet; profile: ChainProfile }> {
  const p = getProfile(profile);
  const chain = await createChain({ profile: p });
  const provider = new BrowserProvider(createEip1193Provider(chain), undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const signer = new Wallet(hexlify(chain.accounts[0]!.privateKey), provider);
  return { chain, provider, signer, profile: p };
}

/** A copy of `rec` with no progress (what a fresh deployment of the same bytes starts from). */
export function freshRecord(rec: DeploymentRecord): DeploymentRecord {
  return {
    ...structuredClone(rec),
    steps: [],
    txs: [],
    journal: {},
    pendingTx: undefined,
    addresses: { layers: {}, segments: [] },
    weightsRoot: undefined,
    status: 'in progress',
  };
}

/**
 * Recreate an embedded deployment on a fresh embedded chain from its saved bytes; throws `DeployError`
 * if anything (an address, the config hash, the weights root) differs from the record.
 */
export async function replayEmbedded(rec: DeploymentRecord, bytes: BuiltBytes): Promise<{ chain: Chain; model: string; record: DeploymentRecord }> {
  if (rec.chain.kind !== 'embedded') throw new DeployError('replayEmbedded: not an embedded deployment');
  if (rec.status !== 'complete' || !rec.addresses.model || !rec.weightsRoot) throw new DeployError('the deployment in this record did not complete; run the deploy command again');
  const t = await embeddedTarget(rec.chain.profile);
  if (t.signer.address !== rec.deployer) throw new DeployError(`the record's deployer ${rec.deployer} is not the embedded chain's dev account 0`);
  const store = new MemoryRecordStore(freshRecord(rec));
  const out = await runDeployment(
    { signer: t.signer, profile: t.profile },
    {
      store,
      kinds: Object.keys(rec.addresses.layers),
      segmentSize: rec.options.segmentSize,
      build: (layers) => {
        for (const [k, a] of Object.entries(rec.addresses.layers)) {
          if (layers[k] !== a) throw new DeployError(`replay diverged: layer ${k} at ${layers[k]}, the record says ${a}`);
        }
        return bytes;
      },
    },
  );
  if (out.addresses.model !== rec.addresses.model) throw new DeployError(`replay diverged: model at ${out.addresses.model}, the record says ${rec.addresses.model}`);
  if (out.weightsRoot !== rec.weightsRoot) throw new DeployError(`replay diverged: weights root ${out.weightsRoot}, the record says ${rec.weightsRoot}`);
  t.provider.destroy();
  return { chain: t.chain, model: out.addresses.model!, record: out };
}

const VIEW_ABI = [
  'function weightsRoot() view returns (bytes32)',
  'function configHash() view returns (bytes32)',
  'function isSealed() view returns (bool)',
  'function segments() view returns (address[])',
  'function configInfo() view returns (address segment, uint256 nodes, uint256 inputLength, bool sequential)',
  'function binding() view returns (address collection, uint256 tokenId, bool bound)',
];
const FEE_ABI = ['function inferenceFee(uint256 tokenId) view returns (uint256)'];

async function view<T>(provider: Provider, to: string, abi: string[], fn: string, args: unknown[] = []): Promise<T> {
  const iface = new Interface(abi);
  try {
    const r = iface.decodeFunctionResult(fn, await provider.call({ to, data: iface.encodeFunctionData(fn, args) }));
    return (r.length === 1 ? r[0] : r) as T;
  } catch (e) {
    throw new DeployError(`${fn}() on ${to} failed: ${describeFailure(e)}`);
  }
}

export interface Replica {
  chain: Chain;
  /** The replica's NNModel (its address differs from the node's; everything it reads is the node's bytes). */
  model: string;
  weightsRoot: string;
  /** The dev account index that owns the replica model. */
  from: number;
}

/** Build the embedded replica of the node's model (see the module doc). */
export async function buildReplica(provider: Provider, rec: DeploymentRecord): Promise<Replica> {
  const modelAddr = rec.addresses.model;
  if (!modelAddr || !rec.configHash) throw new DeployError('the record names no model (the deployment did not get that far)');
  if ((await provider.getCode(modelAddr)) === '0x') throw new DeployError(`no contract at ${modelAddr} on this node (another chain, or the node was reset?)`);
  const [root, cfgHash, sealed, segs, info] = await Promise.all([
    view<string>(provider, modelAddr, VIEW_ABI, 'weightsRoot'),
    view<string>(provider, modelAddr, VIEW_ABI, 'configHash'),
    view<boolean>(provider, modelAddr, VIEW_ABI, 'isSealed'),
    view<string[]>(provider, modelAddr, VIEW_ABI, 'segments'),
    view<unknown[]>(provider, modelAddr, VIEW_ABI, 'configInfo'),
  ]);
  if (!sealed) throw new DeployError(`the model ${modelAddr} is not sealed yet; finish the deployment first`);
  if (cfgHash !== rec.configHash) throw new DeployError(`the model's config hash ${cfgHash} differs from the record's ${rec.configHash}`);
  if (rec.weightsRoot && root !== rec.weightsRoot) throw new DeployError(`the model's weights root ${root} differs from the record's ${rec.weightsRoot}`);
  const configSegment = info[0] as string;
  const chain = await createChain({ profile: rec.chain.profile });
  const sm = chain.vm.stateManager;
  const codes = new Map<string, string>();
  // A config over one segment: its root is a manifest listing the parts (configSegments).
  const parts = manifestParts(getBytes(await provider.getCode(configSegment)).subarray(1));
  for (const a of [...Object.values(rec.addresses.layers), configSegment, ...parts, ...segs]) {
    const code = await provider.getCode(a);
    if (code === '0x') throw new DeployError(`no code at ${a} on the node`);
    codes.set(a.toLowerCase(), code);
  }
  await sm.checkpoint();
  for (const [a, code] of codes) {
    const addr = createAddressFromString(a);
    await sm.putAccount(addr, createAccount({ nonce: 1n, balance: 0n }));
    await sm.putCode(addr, getBytes(code));
  }
  await sm.commit();
  const artifact = deployArtifacts([]).model;
  // A dev account whose next creation does not land on a copied address (the node's deployer may be one).
  const from = chain.accounts.findIndex((a) => !codes.has(getCreateAddress({ from: a.address, nonce: 0 }).toLowerCase()));
  const m = await chain.deploy(artifact, [chain.accounts[from]!.address], { from });
  const sc = await chain.send(m.address, artifact.abi, 'setConfig', [configSegment, cfgHash], { from });
  if (sc.status !== 1) throw new DeployError(`replica: setConfig reverted: ${sc.revert?.message}`);
  // The weight blob is the segments' data; the journal points the upload at the copied segments.
  const datas = segs.map((a) => getBytes(codes.get(a.toLowerCase())!).subarray(1));
  const weights = new Uint8Array(datas.reduce((n, d) => n + d.length, 0));
  let at = 0;
  for (const d of datas) {
    weights.set(d, at);
    at += d.length;
  }
  const journal = new Map(segs.map((a, i) => [segmentHash(datas[i]!), a]));
  const up = await executeUpload(simulatorBackend(chain, { from }), m.address, weights, { maxData: datas[0]?.length ?? rec.options.segmentSize, journal });
  if (up.deployed.length > 0) throw new DeployError('replica: the node\'s segments could not be reused');
  const seal = await chain.send(m.address, artifact.abi, 'seal', [], { from });
  if (seal.status !== 1) throw new DeployError(`replica: seal reverted: ${seal.revert?.message}`);
  if (up.weightsRoot !== root) throw new DeployError(`replica weights root ${up.weightsRoot} differs from the node's ${root}`);
  return { chain, model: m.address, weightsRoot: root, from };
}

export interface NodeTx {
  what: string;
  hash: string;
  gasUsed: bigint;
  gasLimit: bigint;
  /** Gas of the same transaction on the replica. */
  replicaGas: bigint;
}

export interface RpcInferenceResult {
  output: Uint8Array;
  argmax: bigint;
  txs: NodeTx[];
  replica: ExecutionResult;
  sessionId?: bigint;
  value: bigint;
}

export interface RpcInferOptions {
  profile: ChainProfile;
  /** Ether sent with classify / startSession; default: the bound collection's inference fee (or 0). */
  value?: bigint;
  margin?: number;
  headroom?: number;
  /** Plan under this per-transaction gas (never above the node's limit). */
  cap?: bigint;
}

/** Run one inference of `input` on the node's model (see the module doc). */
export async function inferRpc(signer: Signer, rec: DeploymentRecord, input: Uint8Array, opts: RpcInferOptions): Promise<RpcInferenceResult> {
  const artifact = deployArtifacts([]).model;
  registerErrorAbi(artifact.abi);
  const mi = new Interface(artifact.abi as never);
  const sender = new TxSender(signer, { cap: opts.profile.txGasCap, headroom: opts.headroom });
  const provider = sender.provider;
  const model = rec.addresses.model!;
  const replica = await buildReplica(provider, rec);
  const nodeMax = await sender.maxGas();
  const cap = opts.cap !== undefined && opts.cap < nodeMax ? opts.cap : nodeMax;
  let value = opts.value;
  if (value === undefined) {
    const b = await view<unknown[]>(provider, model, VIEW_ABI, 'binding');
    value = b[2] ? await view<bigint>(provider, b[0] as string, FEE_ABI, 'inferenceFee', [b[1]]) : 0n;
  }
  const r = await executePlan(replica.chain, replica.model, input, { cap, margin: opts.margin, from: replica.from });
  const t = r.profile.tensors;
  const txs: NodeTx[] = [];
  let id = 0n;
  let output: Uint8Array | undefined;
  let argmax = 0n;
  const events = (logs: readonly { address: string; topics: readonly string[]; data: string }[]) =>
    logs.filter((l) => l.address.toLowerCase() === model.toLowerCase()).map((l) => mi.parseLog(l)).filter((x) => x !== null);
  const event = (evs: ReturnType<typeof events>, name: string) => {
    const e = evs.find((x) => x.name === name);
    if (!e) throw new DeployError(`no ${name} event from the model`);
    return e.args;
  };
  for (const x of r.txs) {
    const tx: PlannedTx = x.tx;
    const [fn, args, val] = callOf(tx, t, id, value);
    const sent = await sender.send(describeTx(tx), { to: model, data: mi.encodeFunctionData(fn, args), value: val });
    txs.push({ what: describeTx(tx), hash: sent.hash, gasUsed: sent.gasUsed, gasLimit: sent.gasLimit, replicaGas: x.gasUsed });
    const evs = events(sent.receipt.logs);
    if (tx.kind === 'classify') {
      const ev = event(evs, 'Inference');
      output = getBytes(ev.output as string);
      argmax = ev.argmax as bigint;
    } else if (tx.kind === 'start') {
      id = event(evs, 'SessionStarted').id as bigint;
    } else if (tx.kind === 'range') {
      const ev = event(evs, 'SessionRange');
      const expected = keccak256(rangeChunk(r.profile.nodes[tx.node - 1]!, t[tx.node]!, tx.from, tx.to));
      if (ev.chunkHash !== expected) throw new DeployError(`range [${tx.from}, ${tx.to}) of node ${tx.node}: the node's chunk hash ${ev.chunkHash} differs from the replica's ${expected}`);
    } else {
      const ev = event(evs, 'SessionStep');
      const expected = keccak256(t[tx.toNode - 1]!);
      if (ev.commitment !== expected) throw new DeployError(`step to node ${tx.toNode}: the node's commitment ${ev.commitment} differs from the replica's ${expected}`);
      if (tx.toNode === r.profile.nodes.length + 1) {
        const res = event(evs, 'SessionResult');
        output = getBytes(res.output as string);
        argmax = res.argmax as bigint;
      }
    }
  }
  if (!output) throw new DeployError('the node produced no output');
  if (hexlify(output) !== hexlify(r.output)) throw new DeployError(`the node's output ${hexlify(output)} differs from the replica's ${hexlify(r.output)}`);
  return { output, argmax, txs, replica: r, sessionId: r.plan.single ? undefined : id, value };
}

function callOf(tx: PlannedTx, t: Uint8Array[], id: bigint, value: bigint): [string, unknown[], bigint] {
  switch (tx.kind) {
    case 'classify':
      return ['classify', [t[0]!], value];
    case 'start':
      return ['startSession', [t[0]!], value];
    case 'range':
      return ['stepRange', [id, t[tx.node - 1]!, tx.from, tx.to], 0n];
    case 'step':
      return ['step', [id, t[tx.fromNode - 1]!, tx.toNode], 0n];
  }
}
