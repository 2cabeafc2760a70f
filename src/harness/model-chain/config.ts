/**
 * The model config blob of `NNModel` (twin of contracts/models/ModelConfig.sol) and building it from
 * layer specs: `buildModel(spec, layerAddresses)` lays the layers' weight blobs end to end, records each
 * node's span, and ABI-encodes the one `ModelConfig` blob whose keccak256 is the model's `configHash`.
 *
 * Blob = `abi.encode(ModelConfig)` with (docs/model-contract.md "Config blob"):
 *
 *     ModelConfig { uint16 version; uint8 mode; TensorSpec input; TensorSpec output;
 *                   uint256 weightsLength; Node[] nodes }
 *     TensorSpec  { uint32[] shape; uint256 length; int64 scaleQ32; int8 zeroPoint; uint8 F }
 *     Node        { address layer; uint32[] inputs; bytes config; uint256 weightOffset;
 *                   uint256 weightLength; uint32[] outputShape; uint256 outputLength }
 *
 * Node ids: 0 = the model input, node i ≥ 1 = nodes[i − 1]; the model output is the last node.
 */
import { AbiCoder, getAddress, getBytes, hexlify, keccak256 } from 'ethers';
import { encodeAbi } from '../layers/schema.ts';
import { elementBytes, modeCode, type LayerOp, type ModeName } from '../layers/types.ts';
import { DENSE, type QuantizedDense } from '../layers/dense.ts';
import { encodeAbiExt, type MergeOp } from '../layers/merge.ts';
import { ADD } from '../layers/add.ts';
import { MULTIPLY } from '../layers/multiply.ts';
import { CONCATENATE } from '../layers/concatenate.ts';
import { SEGMENT_MAX_DATA } from '../storage/index.ts';
import type { QuantizedModel } from '../quantize/model.ts';

export const MODEL_CONFIG_VERSION = 1;

const TENSOR_SPEC = 'tuple(uint32[] shape,uint256 length,int64 scaleQ32,int8 zeroPoint,uint8 F)';
const NODE = 'tuple(address layer,uint32[] inputs,bytes config,uint256 weightOffset,uint256 weightLength,uint32[] outputShape,uint256 outputLength)';
/** The ABI type of `ModelConfig`. */
export const MODEL_CONFIG_ABI_TYPE = `tuple(uint16 version,uint8 mode,${TENSOR_SPEC} input,${TENSOR_SPEC} output,uint256 weightsLength,${NODE}[] nodes)`;

/** `TensorSpec` of ModelConfig.sol. */
export interface TensorSpec {
  shape: number[];
  /** Byte length. */
  length: number;
  /** int8: scale in Q32 (real = scale·(q − zeroPoint)); q: 0. */
  scaleQ32: bigint;
  zeroPoint: number;
  /** q: fractional bits; int8: 0. */
  F: number;
}

/** `Node` of ModelConfig.sol. */
export interface NodeEntry {
  layer: string;
  inputs: number[];
  /** abi.encode of the layer's config struct, 0x-hex. */
  config: string;
  weightOffset: number;
  weightLength: number;
  outputShape: number[];
  outputLength: number;
}

/** `ModelConfig` of ModelConfig.sol. */
export interface ModelConfigData {
  version: number;
  /** 0 = q, 1 = int8. */
  mode: number;
  input: TensorSpec;
  output: TensorSpec;
  weightsLength: number;
  nodes: NodeEntry[];
}

const coder = AbiCoder.defaultAbiCoder();

const tensorTuple = (t: TensorSpec) => [t.shape, t.length, t.scaleQ32, t.zeroPoint, t.F];

/** `abi.encode(ModelConfig)`. */
export function encodeModelConfig(c: ModelConfigData): Uint8Array {
  const nodes = c.nodes.map((n) => [n.layer, n.inputs, n.config, n.weightOffset, n.weightLength, n.outputShape, n.outputLength]);
  return getBytes(coder.encode([MODEL_CONFIG_ABI_TYPE], [[c.version, c.mode, tensorTuple(c.input), tensorTuple(c.output), c.weightsLength, nodes]]));
}

/** Inverse of `encodeModelConfig` (e.g. of `NNModel.configBlob()`). */
export function decodeModelConfig(blob: Uint8Array | string): ModelConfigData {
  const [v] = coder.decode([MODEL_CONFIG_ABI_TYPE], blob);
  const num = (x: unknown) => Number(x as bigint);
  const tensor = (t: any): TensorSpec => ({ shape: [...t[0]].map(num), length: num(t[1]), scaleQ32: BigInt(t[2]), zeroPoint: num(t[3]), F: num(t[4]) });
  return {
    version: num(v[0]),
    mode: num(v[1]),
    input: tensor(v[2]),
    output: tensor(v[3]),
    weightsLength: num(v[4]),
    nodes: [...v[5]].map((n: any) => ({
      layer: n[0] as string,
      inputs: [...n[1]].map(num),
      config: n[2] as string,
      weightOffset: num(n[3]),
      weightLength: num(n[4]),
      outputShape: [...n[5]].map(num),
      outputLength: num(n[6]),
    })),
  };
}

// ------------------------------------------------------------------------------------------------
// Building a model from layer specs

/** The layer tier's multi-input ops (several input tensors; `MergeOp` with an extended config schema). */
export const MERGE_OPS: readonly MergeOp<any>[] = [ADD, MULTIPLY, CONCATENATE];

/** A layer op of either kind: single-input (`LayerOp`) or multi-input (`MergeOp`). */
export type AnyLayerOp<C = any> = LayerOp<C> | MergeOp<C>;

/** Whether `op` is one of the multi-input ops (`MERGE_OPS`). */
export function isMergeOp<C>(op: AnyLayerOp<C>): op is MergeOp<C> {
  return MERGE_OPS.some((m) => m === op || (m.name === op.name && m.oracle === op.oracle));
}

/** `abi.encode(config)` of a layer config (0x-hex), with the schema encoder of the op's kind. */
export function encodeLayerConfig<C>(op: AnyLayerOp<C>, config: C): string {
  return isMergeOp(op) ? encodeAbiExt(op.schema, config) : encodeAbi(op.schema, config);
}

/** One layer of a model, as the layer tier describes it (config object + packed weight blob). */
export interface LayerSpec<C = any> {
  /** Layer type name: the key of the layer contract in the address map (`Dense`, …): the op's name. */
  kind: string;
  /** The layer tier's descriptor (config schema, oracle export); a `MergeOp` for Add, Multiply, Concatenate. */
  op: AnyLayerOp<C>;
  config: C;
  weights: Uint8Array;
  /** Per-sample output shape (row-major). */
  outputShape: number[];
  /** Input node ids; default: the previous node (a sequential model). */
  inputs?: number[];
  name?: string;
}

/** Quantization of a model input or output tensor (what a client needs to encode/decode it). */
export interface IOQuant {
  /** int8: real value of one step. */
  scale?: number;
  /** int8: zero point. */
  zeroPoint?: number;
  /** q: fractional bits (default 32). */
  F?: number;
}

export interface ModelSpec {
  mode: ModeName;
  /** Per-sample input shape. */
  inputShape: number[];
  /**
   * Bytes per input element when they differ from the mode's element size: 4 for token ids (a leading
   * Embedding takes 4-byte big-endian ids in both modes). Default: the mode's element bytes.
   */
  inputElementBytes?: number;
  input?: IOQuant;
  output?: IOQuant;
  layers: LayerSpec[];
}

export interface BuiltModel {
  spec: ModelSpec;
  config: ModelConfigData;
  /** The config blob (`abi.encode(ModelConfig)`), stored as one code segment. */
  blob: Uint8Array;
  /** keccak256(blob). */
  configHash: string;
  /** The concatenated weight blob of all nodes. */
  weights: Uint8Array;
}

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function tensorSpec(mode: ModeName, shape: number[], q: IOQuant | undefined, elemBytes?: number): TensorSpec {
  const eb = elemBytes ?? elementBytes(modeCode(mode));
  if (mode === 'q') return { shape, length: count(shape) * eb, scaleQ32: 0n, zeroPoint: 0, F: q?.F ?? 32 };
  const scale = q?.scale ?? 1;
  return { shape, length: count(shape) * eb, scaleQ32: BigInt(Math.round(scale * 2 ** 32)), zeroPoint: q?.zeroPoint ?? 0, F: 0 };
}

/**
 * The config blob and weight blob of a model. `layers` maps each `kind` to its deployed ILayer contract.
 * Throws `ModelConfigError` for an unknown kind, a bad input id, or a config blob over one segment.
 */
export function buildModel(spec: ModelSpec, layers: Readonly<Record<string, string>>): BuiltModel {
  if (spec.layers.length === 0) throw new ModelConfigError('a model needs at least one layer');
  const eb = elementBytes(modeCode(spec.mode));
  const nodes: NodeEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  spec.layers.forEach((l, i) => {
    const id = i + 1;
    const layer = layers[l.kind];
    if (!layer) throw new ModelConfigError(`node ${id}: no deployed layer contract for kind ${l.kind} (known: ${Object.keys(layers).join(', ')})`);
    const inputs = l.inputs ?? [id - 1];
    for (const j of inputs) if (!(Number.isInteger(j) && j >= 0 && j < id)) throw new ModelConfigError(`node ${id}: input id ${j} is not an earlier node`);
    nodes.push({
      layer,
      inputs,
      config: encodeLayerConfig(l.op, l.config),
      weightOffset: offset,
      weightLength: l.weights.length,
      outputShape: l.outputShape,
      outputLength: count(l.outputShape) * eb,
    });
    parts.push(l.weights);
    offset += l.weights.length;
  });
  const weights = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.length;
  }
  const last = spec.layers[spec.layers.length - 1]!;
  const config: ModelConfigData = {
    version: MODEL_CONFIG_VERSION,
    mode: modeCode(spec.mode),
    input: tensorSpec(spec.mode, spec.inputShape, spec.input, spec.inputElementBytes),
    output: tensorSpec(spec.mode, last.outputShape, spec.output),
    weightsLength: weights.length,
    nodes,
  };
  const blob = encodeModelConfig(config);
  if (blob.length > MAX_CONFIG_PARTS * SEGMENT_MAX_DATA) throw new ModelConfigError(`config blob of ${blob.length} bytes exceeds ${MAX_CONFIG_PARTS} segments`);
  return { spec, config, blob, configHash: keccak256(blob), weights };
}

/** A Dense layer spec from the layer tier's quantizer output (`quantizeDense`). */
export function denseLayer(q: QuantizedDense, name?: string): LayerSpec {
  const { rows, N } = q.config;
  return { kind: 'Dense', op: DENSE, config: q.config, weights: q.weights, outputShape: rows === 1 ? [N] : [rows, N], name };
}

/** A LayerSpec from any layer-tier quantizer output: the kind (the layer contract's key) is the op's name. */
export function layerSpec(l: { op: AnyLayerOp<unknown>; config: unknown; weights: Uint8Array; outputShape: number[]; name?: string; inputs?: number[] }): LayerSpec {
  return { kind: l.op.name, op: l.op, config: l.config, weights: l.weights, outputShape: l.outputShape, inputs: l.inputs, name: l.name };
}

/** The ModelSpec of a quantized sequential model (`quantizeModel`): one node per on-chain layer. */
export function quantizedModelSpec(qm: QuantizedModel): ModelSpec {
  const tokens = qm.layers[0]?.type === 'Embedding';
  return {
    mode: qm.mode,
    inputShape: qm.inputShape,
    inputElementBytes: tokens ? 4 : undefined,
    input: qm.mode === 'int8' && !tokens ? { scale: qm.input!.scale, zeroPoint: qm.input!.zeroPoint } : { F: qm.F },
    output: qm.mode === 'int8' ? { scale: qm.output!.scale, zeroPoint: qm.output!.zeroPoint } : { F: qm.F },
    layers: qm.layers.map((l) => layerSpec(l)),
  };
}

// ------------------------------------------------------------------------------------------------
// Config segments

/** First data byte of a config manifest segment (an `abi.encode(ModelConfig)` blob starts with 0x00). */
export const CONFIG_MANIFEST_TAG = 0x01;
/** Most segments one manifest can list (1 + 20·n ≤ one segment's data). */
export const MAX_CONFIG_PARTS = Math.floor((SEGMENT_MAX_DATA - 1) / 20);

/**
 * The code segments holding a config blob (twin of `NNModel._readConfig`): a blob that fits one segment
 * is its own root segment (`parts` empty); a larger one is cut into `parts` of ≤ `maxData` bytes, deployed
 * first, and the root segment is a manifest: 0x01 ‖ the parts' 20-byte addresses in order.
 * `setConfig(root, keccak256(blob))` then reads and checks the concatenation.
 */
export function configSegments(blob: Uint8Array, maxData = SEGMENT_MAX_DATA): { parts: Uint8Array[]; root: (partAddresses: readonly string[]) => Uint8Array } {
  if (blob.length <= maxData) return { parts: [], root: () => blob };
  const parts: Uint8Array[] = [];
  for (let at = 0; at < blob.length; at += maxData) parts.push(blob.subarray(at, Math.min(at + maxData, blob.length)));
  if (parts.length > MAX_CONFIG_PARTS) throw new ModelConfigError(`config blob of ${blob.length} bytes needs ${parts.length} segments, more than a manifest lists (${MAX_CONFIG_PARTS})`);
  return {
    parts,
    root: (addrs) => {
      if (addrs.length !== parts.length) throw new ModelConfigError(`config manifest: ${addrs.length} addresses for ${parts.length} parts`);
      return manifestData(addrs);
    },
  };
}

/** A config manifest segment's data: 0x01 ‖ the 20-byte addresses. */
export function manifestData(addrs: readonly string[]): Uint8Array {
  const out = new Uint8Array(1 + 20 * addrs.length);
  out[0] = CONFIG_MANIFEST_TAG;
  addrs.forEach((a, i) => out.set(getBytes(a), 1 + 20 * i));
  return out;
}

/** The part addresses a config segment's data lists, or [] when it is the blob itself. */
export function manifestParts(data: Uint8Array): string[] {
  if (data.length === 0 || data[0] !== CONFIG_MANIFEST_TAG) return [];
  const out: string[] = [];
  for (let at = 1; at + 20 <= data.length; at += 20) out.push(getAddress(hexlify(data.subarray(at, at + 20))));
  return out;
}
