/**
 * Whole-model quantization of a sequential IR: fold BatchNormalization into the Conv/Dense before it
 * (`foldBatchNorms`), calibrate every layer's float ranges on sample inputs (float64, layer by layer with
 * `floatLayer`), then quantize each layer with `quantizeLayer` (src/harness/layers) into the
 * (op, config, weight blob) triples both tiers run.
 *
 * Every single-input layer type of the layer tier is supported: Dense, Conv2D, DepthwiseConv2D, pooling,
 * ZeroPadding2D, BatchNormalization (folded, or standalone when it cannot be), LayerNormalization,
 * Embedding (leading, token-id models), SimpleRNN / LSTM / GRU, activations, Rescaling and the identity
 * layers. A type or option the layer tier cannot run is one QuantizationError naming the layer and its
 * type, so nothing half-quantized reaches a chain. Graph models (merges) need the graph quantizer.
 */
import type { LayerIR, ModelIR } from '../model/ir.ts';
import { embeddingFromIR, embeddingRange } from '../layers/embedding.ts';
import { floatLayer, type FloatLayerResult } from '../layers/floatLayer.ts';
import { foldBatchNorms } from '../layers/imageLayers.ts';
import { quantizeLayer, type LayerRanges, type QuantizedLayer } from '../layers/quantize.ts';
import { activationParams, type QuantParams } from './int8.ts';
import { QuantizationError } from './errors.ts';

export { floatLayer } from '../layers/floatLayer.ts';

export type ModeName = 'q' | 'int8';

/** Layer types whose output bytes equal their input bytes (folded off chain). */
const IDENTITY = new Set(['InputLayer', 'Dropout', 'Flatten', 'Reshape']);

/**
 * Layer types whose int8 output keeps the input's quantization (numerics §4.4: pooling works on raw
 * values, padding writes the zero point), so their output params are their input params.
 */
const KEEPS_PARAMS = new Set([...IDENTITY, 'MaxPooling2D', 'AveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling2D', 'ZeroPadding2D']);

export interface QuantizedModel {
  mode: ModeName;
  /**
   * Float preprocessing applied by the client before quantizing the input: a leading Rescaling layer
   * (`x·scale + offset`, e.g. pixels/255) is folded into the input encoding instead of running on chain.
   */
  inputTransform?: { scale: number; offset: number };
  /** IR layers that compile to nothing on chain (identity layers, a folded leading Rescaling). */
  folded: string[];
  /**
   * BatchNormalization layers folded into the Conv2D / DepthwiseConv2D / Dense before them: the on-chain
   * layer keeps the BatchNormalization's name (`batchNorm`) and replaces both; `into` is the absorbing layer.
   */
  foldedBatchNorms?: { batchNorm: string; into: string }[];
  /** Fractional bits (q mode). */
  F: number;
  /** Input quantization of int8 mode (the first layer's input); undefined in q mode and for token-id models. */
  input?: QuantParams;
  /** Output quantization of int8 mode (the last layer's output). */
  output?: QuantParams;
  /** Per-sample shape of the on-chain input (the first on-chain layer's input). */
  inputShape: number[];
  /**
   * The on-chain layers in order, with the IR layer each came from; int8 mode adds each layer's tensor
   * quantization (`LayerParams`), e.g. to dequantize intermediate tensors.
   */
  layers: (QuantizedLayer & { name: string; type: string; outputShape: number[] } & Partial<LayerParams>)[];
  /** How the int8 ranges were obtained (reports state it). */
  calibration: string;
}

/** The int8 quantization of one on-chain layer's tensors. */
export interface LayerParams {
  /** The input's (= the previous layer's output params); absent for an Embedding, whose input is ids. */
  input?: QuantParams;
  output: QuantParams;
  /** The calibrated pre-activation tensor of Dense / Conv2D / DepthwiseConv2D (used by non-fused activations). */
  pre?: QuantParams;
}

/** Run `f` for layer `l`, naming the layer and its type in any QuantizationError it throws. */
function atLayer<T>(l: LayerIR, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof QuantizationError) || e.message.startsWith(`layer ${l.name} `) || e.message.startsWith(`layer ${l.name}:`)) throw e;
    throw new QuantizationError(`layer ${l.name} (${l.type}): ${e.message}`);
  }
}

/** Float64 forward pass of a sequential model; returns every layer's result (`floatLayer`). */
export function floatForward(ir: ModelIR, x: ArrayLike<number>): FloatLayerResult[] {
  let cur: Float64Array = Float64Array.from(x);
  return ir.layers.map((l) => {
    const r = atLayer(l, () => floatLayer(l, cur));
    cur = r.out;
    return r;
  });
}

function assertSequential(ir: ModelIR): void {
  ir.layers.forEach((l, i) => {
    const expected = i === 0 ? [] : [ir.layers[i - 1]!.name];
    if (l.inputs.length !== expected.length || l.inputs.some((n, j) => n !== expected[j]))
      throw new QuantizationError(`layer ${l.name} (${l.type}): graph (non-sequential) models are not supported by the quantizer yet (merge layers need the graph quantizer)`);
  });
  const last = ir.layers[ir.layers.length - 1];
  if (last && (ir.outputs.length !== 1 || ir.outputs[0] !== last.name))
    throw new QuantizationError(`model outputs ${JSON.stringify(ir.outputs)}: a sequential model has one output, its last layer ${last.name}`);
}

/** Input shape of the first layer that runs on chain. */
function inputShapeOf(ir: ModelIR, keep: boolean[]): number[] {
  const first = ir.layers.find((_, i) => keep[i])!;
  return first.inputShape[0] ?? ir.inputShape;
}

const widen = (r: [number, number], a: ArrayLike<number>): void => {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) throw new QuantizationError(`calibration produced a non-finite value ${v}`);
    if (v < r[0]) r[0] = v;
    if (v > r[1]) r[1] = v;
  }
};

/**
 * Float ranges of every layer's input, pre-activation and output over `samples` (float64, `floatLayer`).
 * A recurrent layer's output range covers h at every step; an Embedding's output range is its whole
 * table (every id selects a row), so ids never seen in calibration stay representable.
 */
export function calibrate(ir: ModelIR, samples: ArrayLike<number>[]): LayerRanges[] {
  if (samples.length === 0) throw new QuantizationError('calibration needs at least one sample');
  const ranges: LayerRanges[] = ir.layers.map(() => ({ input: [Infinity, -Infinity], output: [Infinity, -Infinity], pre: [Infinity, -Infinity] }));
  for (const s of samples) {
    const results = floatForward(ir, s);
    results.forEach((r, i) => {
      widen(ranges[i]!.input, i === 0 ? s : results[i - 1]!.out);
      if (r.pre) widen(ranges[i]!.pre!, r.pre);
      widen(ranges[i]!.output, r.out);
      if (r.state) widen(ranges[i]!.output, r.state);
    });
  }
  ir.layers.forEach((l, i) => {
    if (l.type === 'Embedding') widen(ranges[i]!.output, embeddingRange(embeddingFromIR(l)));
  });
  for (const r of ranges) if (r.pre && r.pre[0] > r.pre[1]) delete r.pre;
  return ranges;
}

/** Layers that need a fixed sequence length / shape on chain: every dimension of their shapes must be static. */
function assertStatic(l: LayerIR): void {
  for (const shape of [...l.inputShape, l.outputShape])
    if (shape.some((d) => !(Number.isInteger(d) && d >= 1)))
      throw new QuantizationError(`layer ${l.name} (${l.type}): shape ${JSON.stringify(shape)} is dynamic; import the model with a fixed sequenceLength`);
}

/** The BatchNormalizations `foldBatchNorms` folded: the BN's name now names the absorbing layer's replacement. */
function foldedPairs(before: ModelIR, after: ModelIR): { batchNorm: string; into: string }[] {
  const type = new Map(after.layers.map((l) => [l.name, l.type] as const));
  return before.layers.filter((l) => l.type === 'BatchNormalization' && type.get(l.name) !== 'BatchNormalization').map((l) => ({ batchNorm: l.name, into: l.inputs[0]! }));
}

/**
 * Quantize a sequential model.
 *
 * 1. BatchNormalizations after a linear Conv2D / DepthwiseConv2D / Dense are folded into it
 *    (`foldBatchNorms`; listed in `foldedBatchNorms`); others run as the standalone op.
 * 2. Identity layers and a leading Rescaling are folded away (listed in `folded`; the Rescaling becomes
 *    `inputTransform`). A token-id model (`ir.inputKind === 'tokens'`) must start with an Embedding on
 *    chain; its input is the ids (4-byte big-endian, `encodeModelInput`), so it has no input params.
 * 3. int8 mode calibrates on `samples` (raw model inputs; the report states how many) with the float64
 *    reference, then chains the parameters so int8 bytes flow from layer to layer without conversion: a
 *    layer's input params are its predecessor's output params; pooling, padding and identity layers keep
 *    their input params as output params (numerics §4.4); Dense/Conv layers with a non-fused activation
 *    get their calibrated pre-activation range; an Embedding's output covers its whole table, a
 *    recurrent layer's output (h) every step's h.
 */
export function quantizeModel(ir0: ModelIR, opts: { mode: ModeName; F?: number; samples?: ArrayLike<number>[] }): QuantizedModel {
  assertSequential(ir0);
  const ir = foldBatchNorms(ir0);
  const foldedBatchNorms = foldedPairs(ir0, ir);
  const F = opts.F ?? 32;
  const base = (l: LayerIR, q: QuantizedLayer) => ({ ...q, name: l.name, type: l.type, outputShape: l.outputShape });
  // Identity layers move no bytes (a flatten of HWC row-major data is the same bytes), and a leading
  // Rescaling is an affine map the client applies before quantizing: neither needs gas on chain.
  const keep = ir.layers.map((l) => !IDENTITY.has(l.type));
  const lead = ir.layers.findIndex((_, i) => keep[i]);
  if (lead < 0) throw new QuantizationError('the model has no layer that runs on chain');
  const first = ir.layers[lead]!;
  const inputTransform = first.type === 'Rescaling' ? { scale: first.config.scale, offset: first.config.offset } : undefined;
  if (inputTransform) keep[lead] = false;
  if (!keep.some((k) => k)) throw new QuantizationError('the model has no layer that runs on chain');
  const folded = ir.layers.filter((_, i) => !keep[i]).map((l) => l.name);
  const tokens = ir.inputKind === 'tokens';
  ir.layers.forEach((l, i) => {
    if (!keep[i]) return;
    assertStatic(l);
    if (l.type === 'Embedding' && i !== lead) throw new QuantizationError(`layer ${l.name} (Embedding): an Embedding takes token ids, so it must be the model's first layer`);
  });
  if (tokens && first.type !== 'Embedding') throw new QuantizationError(`layer ${first.name} (${first.type}): a token-id model must start with an Embedding`);
  if (!tokens && first.type === 'Embedding') throw new QuantizationError(`layer ${first.name} (Embedding): the model's input kind is '${ir.inputKind}', an Embedding needs token ids`);
  const inputShape = inputShapeOf(ir, keep);
  const kept = ir.layers.filter((_, i) => keep[i]);
  if (opts.mode === 'q') {
    const layers = kept.map((l) => base(l, atLayer(l, () => quantizeLayer(l, { mode: 'q', F }))));
    return { mode: 'q', F, inputTransform, folded, foldedBatchNorms, inputShape, layers, calibration: 'none (q mode)' };
  }
  const samples = opts.samples ?? [];
  const ranges = calibrate(ir, samples);
  // Chain the float ranges (equal ranges give equal params): each layer's input range is its
  // predecessor's output range, and parameter-keeping layers pass their input range through.
  ranges.forEach((r, i) => {
    if (i > 0) r.input = ranges[i - 1]!.output;
    if (KEEPS_PARAMS.has(ir.layers[i]!.type)) r.output = r.input;
  });
  const params = (l: LayerIR, r: LayerRanges): LayerParams => ({
    input: l.type === 'Embedding' ? undefined : activationParams(...r.input),
    output: activationParams(...r.output),
    pre: r.pre ? activationParams(...r.pre) : undefined,
  });
  const layers = ir.layers.flatMap((l, i) =>
    keep[i] ? [{ ...base(l, atLayer(l, () => quantizeLayer(l, { mode: 'int8', ranges: ranges[i]! }))), ...params(l, ranges[i]!) }] : [],
  );
  const firstKept = keep.indexOf(true);
  const lastKept = keep.lastIndexOf(true);
  return {
    mode: 'int8',
    F,
    inputTransform,
    folded,
    foldedBatchNorms,
    inputShape,
    input: tokens ? undefined : activationParams(...ranges[firstKept]!.input),
    output: activationParams(...ranges[lastKept]!.output),
    layers,
    calibration: `${samples.length} calibration samples`,
  };
}
