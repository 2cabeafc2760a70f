/**
 * Whole-model quantization of a sequential IR: calibrate every layer's float ranges on sample inputs
 * (float64, layer by layer), then quantize each layer with `quantizeLayer` (src/harness/layers) into the
 * (op, config, weight blob) triples both tiers run.
 *
 * Layer types are those the layer tier supports; any other type is a clear QuantizationError naming the
 * layer, so nothing half-quantized reaches a chain.
 */
import type { LayerIR, ModelIR } from '../model/ir.ts';
import { layerActivation } from '../layers/activation.ts';
import { denseFromIR } from '../layers/dense.ts';
import { applyActivationFloat, denseFloat } from '../layers/float.ts';
import { quantizeLayer, type LayerRanges, type QuantizedLayer } from '../layers/quantize.ts';
import { activationParams, type QuantParams } from './int8.ts';
import { QuantizationError } from './errors.ts';

export type ModeName = 'q' | 'int8';

/** Layer types whose output bytes equal their input bytes. */
const IDENTITY = new Set(['InputLayer', 'Dropout', 'Flatten', 'Reshape']);

export interface QuantizedModel {
  mode: ModeName;
  /**
   * Float preprocessing applied by the client before quantizing the input: a leading Rescaling layer
   * (`x·scale + offset`, e.g. pixels/255) is folded into the input encoding instead of running on chain.
   */
  inputTransform?: { scale: number; offset: number };
  /** IR layers that compile to nothing on chain (identity layers, a folded leading Rescaling). */
  folded: string[];
  /** Fractional bits (q mode). */
  F: number;
  /** Input quantization of int8 mode (the first layer's input); undefined in q mode. */
  input?: QuantParams;
  /** Output quantization of int8 mode (the last layer's output). */
  output?: QuantParams;
  /** Per-sample shape of the on-chain input (the first on-chain layer's input). */
  inputShape: number[];
  /** The on-chain layers in order, with the IR layer each came from. */
  layers: (QuantizedLayer & { name: string; type: string; outputShape: number[] })[];
  /** How the int8 ranges were obtained (reports state it). */
  calibration: string;
}

/** One layer in float64: `{ pre, out }` (`pre` = pre-activation where the layer has one). */
export function floatLayer(l: LayerIR, x: Float64Array): { pre?: Float64Array; out: Float64Array } {
  switch (l.type) {
    case 'InputLayer':
    case 'Dropout':
    case 'Flatten':
    case 'Reshape':
      return { out: x };
    case 'Rescaling':
      return { out: x.map((v) => v * l.config.scale + l.config.offset) };
    case 'Dense': {
      const d = denseFromIR(l);
      return denseFloat(x, d.kernel, d.bias, d.K, d.N, d.activation);
    }
    case 'Activation':
    case 'ReLU':
    case 'LeakyReLU':
    case 'Softmax':
      return { out: applyActivationFloat(x, layerActivation(l), l.outputShape) };
  }
  throw new QuantizationError(`layer ${l.name}: type ${l.type} is not supported on chain yet`);
}

/** Float64 forward pass of a sequential model; returns every layer's output (and pre-activation). */
export function floatForward(ir: ModelIR, x: ArrayLike<number>): { pre?: Float64Array; out: Float64Array }[] {
  let cur: Float64Array = Float64Array.from(x);
  return ir.layers.map((l) => {
    const r = floatLayer(l, cur);
    cur = r.out;
    return r;
  });
}

function assertSequential(ir: ModelIR): void {
  ir.layers.forEach((l, i) => {
    const expected = i === 0 ? [] : [ir.layers[i - 1]!.name];
    if (l.inputs.length !== expected.length || l.inputs.some((n, j) => n !== expected[j]))
      throw new QuantizationError(`layer ${l.name}: graph (non-sequential) models are not supported by the quantizer yet`);
  });
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

/** Float ranges of every layer's input, pre-activation and output over `samples`. */
export function calibrate(ir: ModelIR, samples: ArrayLike<number>[]): LayerRanges[] {
  if (samples.length === 0) throw new QuantizationError('calibration needs at least one sample');
  const ranges: LayerRanges[] = ir.layers.map(() => ({ input: [Infinity, -Infinity], output: [Infinity, -Infinity], pre: [Infinity, -Infinity] }));
  for (const s of samples) {
    let x: Float64Array = Float64Array.from(s);
    ir.layers.forEach((l, i) => {
      const r = floatLayer(l, x);
      widen(ranges[i]!.input, x);
      if (r.pre) widen(ranges[i]!.pre!, r.pre);
      widen(ranges[i]!.output, r.out);
      x = r.out;
    });
  }
  for (const r of ranges) if (r.pre && r.pre[0] > r.pre[1]) delete r.pre;
  return ranges;
}

/**
 * Quantize a sequential model. int8 mode calibrates on `samples` (the report states how many);
 * consecutive layers share quantization parameters (a layer's input params are its predecessor's
 * output params), so the int8 bytes flow from layer to layer without conversion. Identity layers and a
 * leading Rescaling are folded away (listed in `folded`; the Rescaling becomes `inputTransform`).
 */
export function quantizeModel(ir: ModelIR, opts: { mode: ModeName; F?: number; samples?: ArrayLike<number>[] }): QuantizedModel {
  assertSequential(ir);
  const F = opts.F ?? 32;
  const base = (l: LayerIR, q: QuantizedLayer) => ({ ...q, name: l.name, type: l.type, outputShape: l.outputShape });
  // Identity layers move no bytes (a flatten of HWC row-major data is the same bytes), and a leading
  // Rescaling is an affine map the client applies before quantizing: neither needs gas on chain.
  const keep = ir.layers.map((l) => !IDENTITY.has(l.type));
  const lead = ir.layers.findIndex((l, i) => keep[i]);
  const first = ir.layers[lead];
  const inputTransform = first?.type === 'Rescaling' ? { scale: first.config.scale, offset: first.config.offset } : undefined;
  if (inputTransform) keep[lead] = false;
  const folded = ir.layers.filter((_, i) => !keep[i]).map((l) => l.name);
  if (opts.mode === 'q') {
    const layers = ir.layers.filter((_, i) => keep[i]).map((l) => base(l, quantizeLayer(l, { mode: 'q', F })));
    if (layers.length === 0) throw new QuantizationError('the model has no layer that runs on chain');
    return { mode: 'q', F, inputTransform, folded, inputShape: inputShapeOf(ir, keep), layers, calibration: 'none (q mode)' };
  }
  const samples = opts.samples ?? [];
  const ranges = calibrate(ir, samples);
  // Chain the ranges so int8 bytes flow unchanged from layer to layer: each layer's input params are its
  // predecessor's output params, and identity-like layers pass their input params through.
  ranges.forEach((r, i) => {
    if (i > 0) r.input = ranges[i - 1]!.output;
    if (IDENTITY.has(ir.layers[i]!.type)) r.output = r.input;
  });
  const kept = ir.layers.map((l, i) => ({ l, r: ranges[i]! })).filter((_, i) => keep[i]);
  if (kept.length === 0) throw new QuantizationError('the model has no layer that runs on chain');
  const layers = kept.map(({ l, r }) => base(l, quantizeLayer(l, { mode: 'int8', ranges: r })));
  return {
    mode: 'int8',
    F,
    inputTransform,
    folded,
    inputShape: inputShapeOf(ir, keep),
    input: activationParams(...kept[0]!.r.input),
    output: activationParams(...kept[kept.length - 1]!.r.output),
    layers,
    calibration: `${samples.length} calibration samples`,
  };
}
