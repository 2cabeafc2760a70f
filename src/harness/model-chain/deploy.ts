/**
 * Deploying models on a chain: the shared layer contracts (once per chain) and one `NNModel` with its
 * config segment and weight segments.
 *
 * `LAYER_CONTRACTS` is the registry of deployable layer wrappers (`ILayer`, one contract per layer type,
 * docs/model-contract.md "Layer contracts"): a new layer type adds one line here.
 */
import { type Chain, type TxOptions } from '../../simulator/index.ts';
import { compileContracts, getArtifact, type Artifact, type CompileOutput } from '../compile.ts';
import { executeUpload, segmentInitcode, simulatorBackend, type UploadOptions, type UploadResult } from '../storage/index.ts';
import type { BuiltModel } from './config.ts';

/** Layer type → its ILayer wrapper contract (source file and contract name). */
export const LAYER_CONTRACTS: Readonly<Record<string, { source: string; contract: string }>> = {
  Dense: { source: 'contracts/layers/DenseLayer.sol', contract: 'DenseLayer' },
};

export const MODEL_SOURCE = 'contracts/models/NNModel.sol';

let compiled: CompileOutput | undefined;

/** Compile NNModel and every registered layer wrapper (only these files and their imports; cached). */
export function compileModelContracts(): CompileOutput {
  compiled ??= compileContracts({ entries: [MODEL_SOURCE, ...Object.values(LAYER_CONTRACTS).map((l) => l.source)] });
  return compiled;
}

export function modelArtifact(): Artifact {
  return getArtifact('NNModel', compileModelContracts());
}

export function layerArtifact(kind: string): Artifact {
  const l = LAYER_CONTRACTS[kind];
  if (!l) throw new Error(`no layer contract registered for kind ${kind}`);
  return getArtifact(l.contract, compileModelContracts());
}

export interface DeployedLayer {
  kind: string;
  address: string;
  codeSize: number;
  gasUsed: bigint;
}

/** Deploy the layer contracts of `kinds` (default: all registered); returns kind → deployment. */
export async function deployLayers(chain: Chain, kinds: string[] = Object.keys(LAYER_CONTRACTS), opts: TxOptions = {}): Promise<Record<string, DeployedLayer>> {
  const out: Record<string, DeployedLayer> = {};
  for (const kind of kinds) {
    const r = await chain.deploy(layerArtifact(kind), [], opts);
    out[kind] = { kind, address: r.address, codeSize: r.codeSize, gasUsed: r.gasUsed };
  }
  return out;
}

/** kind → address, as `buildModel` takes it. */
export function layerAddresses(layers: Record<string, DeployedLayer>): Record<string, string> {
  return Object.fromEntries(Object.entries(layers).map(([k, v]) => [k, v.address]));
}

export interface DeployModelOptions {
  /** Dev account that deploys and owns the model (default 0). */
  from?: TxOptions['from'];
  /** Owner passed to the constructor (default: the deploying account). */
  owner?: string;
  /** Seal after the upload (default true). */
  seal?: boolean;
  upload?: UploadOptions;
}

export interface DeployedModel {
  address: string;
  codeSize: number;
  configSegment: string;
  upload: UploadResult;
  gas: { model: bigint; configSegment: bigint; setConfig: bigint; upload: bigint; seal: bigint };
}

/**
 * Deploy an `NNModel` for `built`: the model contract, the config segment, `setConfig`, the weight upload
 * (`executeUpload`, resumable) and `seal` (unless `seal: false`).
 */
export async function deployModel(chain: Chain, built: BuiltModel, opts: DeployModelOptions = {}): Promise<DeployedModel> {
  const from = opts.from ?? 0;
  const artifact = modelArtifact();
  const sender = typeof from === 'number' ? chain.accounts[from]!.address : typeof from === 'string' ? from : from.address;
  const m = await chain.deploy(artifact, [opts.owner ?? sender], { from });
  const seg = await chain.deployCode(segmentInitcode(built.blob), { from });
  const sc = await chain.send(m.address, artifact.abi, 'setConfig', [seg.address, built.configHash], { from });
  if (sc.status !== 1) throw new Error(`setConfig reverted: ${sc.revert?.message}`);
  const upload = await executeUpload(simulatorBackend(chain, { from }), m.address, built.weights, opts.upload);
  let sealGas = 0n;
  if (opts.seal ?? true) {
    const r = await chain.send(m.address, artifact.abi, 'seal', [], { from });
    if (r.status !== 1) throw new Error(`seal reverted: ${r.revert?.message}`);
    sealGas = r.gasUsed;
  }
  return {
    address: m.address,
    codeSize: m.codeSize,
    configSegment: seg.address,
    upload,
    gas: { model: m.gasUsed, configSegment: seg.gasUsed, setConfig: sc.gasUsed, upload: upload.gas.total, seal: sealGas },
  };
}
