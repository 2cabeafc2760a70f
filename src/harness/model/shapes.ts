/**
 * Shape inference (Keras-exact), expected weights, and parameter / MAC counting per layer.
 *
 * Output sizes (per spatial axis, input size H, window k, stride s):
 * - `same`:  ceil(H / s)
 * - `valid`: floor((H − k) / s) + 1, and H < k is a `ShapeError` (raised at import, with the layer name).
 * MaxPooling2D/AveragePooling2D use the same two rules with k = pool size.
 *
 * MAC convention (multiply-accumulates per inference, one sample):
 * - Dense:            rows · K · N (K inputs, N units; rows = product of the leading axes, 1 for a vector)
 * - Conv2D:           Ho · Wo · kh · kw · Cin · Cout
 * - DepthwiseConv2D:  Ho · Wo · kh · kw · Cin · multiplier
 * - SimpleRNN:        T · u · (in + u)
 * - LSTM:             T · 4u · (in + u)
 * - GRU:              T · 3u · (in + u)
 *   (T = sequence length; a dynamic T counts as 1, i.e. MACs per token)
 * - Everything else (Embedding lookups, pooling, normalization, Rescaling, Add, Multiply, activations,
 *   reshapes): 0 — they are element-wise or data movement, not multiply-accumulates of a matmul.
 *   Bias additions are not counted.
 *
 * Parameters: every weight value, including BatchNormalization moving mean/variance (Keras "total params").
 */
import { ShapeError } from './errors.ts';
import { product, type Activation, type LayerIR, type Padding } from './ir.ts';

export interface WeightSpec {
  name: string;
  shape: number[];
}

interface Ctx {
  file?: string;
}

function err(layer: LayerIR, ctx: Ctx, msg: string): ShapeError {
  return new ShapeError(msg, { file: ctx.file, layer: layer.name, className: layer.type });
}

function fmt(shape: readonly number[]): string {
  return `[${shape.map((d) => (d < 0 ? 'None' : String(d))).join(', ')}]`;
}

/** Output size of one spatial axis (Keras rules), or a ShapeError. */
export function windowOutput(
  size: number,
  k: number,
  s: number,
  padding: Padding,
  what: string,
  onError: (msg: string) => Error,
): number {
  if (size < 0) throw onError(`${what}: spatial size is dynamic`);
  if (padding === 'same') return Math.ceil(size / s);
  if (size < k) throw onError(`${what}: input size ${size} is smaller than the window ${k} with padding 'valid'`);
  return Math.floor((size - k) / s) + 1;
}

function resolveAxis(axis: number, rank: number, layer: LayerIR, ctx: Ctx): number {
  const a = axis < 0 ? rank + axis : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw err(layer, ctx, `axis ${axis} is out of range for an input of rank ${rank} (batch excluded)`);
  return a;
}

function resolveActivation(act: Activation, rank: number, layer: LayerIR, ctx: Ctx): void {
  if (act.name === 'softmax') act.axis = resolveAxis(act.axis, rank, layer, ctx);
}

function requireRank(layer: LayerIR, ctx: Ctx, shape: number[], rank: number, what: string): void {
  if (shape.length !== rank) throw err(layer, ctx, `expects ${what} (rank ${rank} without batch), got ${fmt(shape)}`);
}

function requireStatic(layer: LayerIR, ctx: Ctx, shape: number[], what: string): void {
  if (shape.some((d) => d < 0)) throw err(layer, ctx, `${what} needs a static input shape, got ${fmt(shape)} (pass a sequence length)`);
}

/**
 * Computes `outputShape` of one layer from its `inputShape` (already set), resolving negative axes in its
 * config to per-sample indices. Throws `ShapeError` naming the layer.
 */
export function inferLayerShape(layer: LayerIR, ctx: Ctx = {}): number[] {
  const ins = layer.inputShape;
  const expectInputs = (n: number) => {
    if (ins.length !== n) throw err(layer, ctx, `expects ${n} input(s), got ${ins.length}`);
  };
  switch (layer.type) {
    case 'InputLayer': {
      const s = layer.config.shape;
      if (s.length === 0) throw err(layer, ctx, 'input shape is empty');
      s.forEach((d, i) => {
        if (!(Number.isInteger(d) && (d > 0 || (d === -1 && i === 0))))
          throw err(layer, ctx, `input shape ${fmt(s)} is not supported (only the first axis may be dynamic)`);
      });
      return [...s];
    }
    case 'Rescaling':
    case 'Dropout':
    case 'ReLU':
    case 'LeakyReLU':
      expectInputs(1);
      return [...ins[0]];
    case 'Activation':
      expectInputs(1);
      resolveActivation(layer.config.activation, ins[0].length, layer, ctx);
      return [...ins[0]];
    case 'Softmax':
      expectInputs(1);
      layer.config.axis = resolveAxis(layer.config.axis, ins[0].length, layer, ctx);
      return [...ins[0]];
    case 'Flatten': {
      expectInputs(1);
      requireStatic(layer, ctx, ins[0], 'Flatten');
      return [product(ins[0])];
    }
    case 'Reshape': {
      expectInputs(1);
      requireStatic(layer, ctx, ins[0], 'Reshape');
      const total = product(ins[0]);
      const t = layer.config.targetShape;
      const unknown = t.filter((d) => d === -1).length;
      if (unknown > 1 || t.some((d) => !Number.isInteger(d) || d === 0 || d < -1))
        throw err(layer, ctx, `target shape ${fmt(t)} is invalid`);
      const known = product(t.filter((d) => d !== -1));
      let out = t;
      if (unknown === 1) {
        if (total % known !== 0) throw err(layer, ctx, `cannot reshape ${fmt(ins[0])} (${total} values) to ${fmt(t)}`);
        out = t.map((d) => (d === -1 ? total / known : d));
      }
      if (product(out) !== total) throw err(layer, ctx, `cannot reshape ${fmt(ins[0])} (${total} values) to ${fmt(t)}`);
      layer.config.targetShape = [...out];
      return [...out];
    }
    case 'Dense': {
      expectInputs(1);
      const s = ins[0];
      if (s.length < 1 || s[s.length - 1] < 1) throw err(layer, ctx, `needs a static last axis, got ${fmt(s)}`);
      const out = [...s.slice(0, -1), layer.config.units];
      resolveActivation(layer.config.activation, out.length, layer, ctx);
      return out;
    }
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      expectInputs(1);
      const s = ins[0];
      requireRank(layer, ctx, s, 3, 'an [H, W, C] input');
      requireStatic(layer, ctx, s, layer.type);
      const c = layer.config;
      const mk = (m: string) => err(layer, ctx, m);
      const ho = windowOutput(s[0], c.kernelSize[0], c.strides[0], c.padding, 'height', mk);
      const wo = windowOutput(s[1], c.kernelSize[1], c.strides[1], c.padding, 'width', mk);
      const co = layer.type === 'Conv2D' ? layer.config.filters : s[2] * layer.config.depthMultiplier;
      resolveActivation(c.activation, 3, layer, ctx);
      return [ho, wo, co];
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      expectInputs(1);
      const s = ins[0];
      requireRank(layer, ctx, s, 3, 'an [H, W, C] input');
      requireStatic(layer, ctx, s, layer.type);
      const c = layer.config;
      const mk = (m: string) => err(layer, ctx, m);
      return [
        windowOutput(s[0], c.poolSize[0], c.strides[0], c.padding, 'height', mk),
        windowOutput(s[1], c.poolSize[1], c.strides[1], c.padding, 'width', mk),
        s[2],
      ];
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      expectInputs(1);
      requireRank(layer, ctx, ins[0], 3, 'an [H, W, C] input');
      requireStatic(layer, ctx, ins[0], layer.type);
      return [ins[0][2]];
    }
    case 'ZeroPadding2D': {
      expectInputs(1);
      const s = ins[0];
      requireRank(layer, ctx, s, 3, 'an [H, W, C] input');
      requireStatic(layer, ctx, s, layer.type);
      const [[t, b], [l, r]] = layer.config.padding;
      return [s[0] + t + b, s[1] + l + r, s[2]];
    }
    case 'BatchNormalization': {
      expectInputs(1);
      const s = ins[0];
      layer.config.axis = resolveAxis(layer.config.axis, s.length, layer, ctx);
      if (s[layer.config.axis] < 1) throw err(layer, ctx, `feature axis ${layer.config.axis} of ${fmt(s)} must be static`);
      return [...s];
    }
    case 'LayerNormalization': {
      expectInputs(1);
      const s = ins[0];
      const axes = layer.config.axis.map((a) => resolveAxis(a, s.length, layer, ctx));
      if (new Set(axes).size !== axes.length) throw err(layer, ctx, `repeated axis in ${JSON.stringify(layer.config.axis)}`);
      axes.sort((a, b) => a - b);
      for (const a of axes) if (s[a] < 1) throw err(layer, ctx, `normalized axis ${a} of ${fmt(s)} must be static`);
      layer.config.axis = axes;
      return [...s];
    }
    case 'Embedding': {
      expectInputs(1);
      return [...ins[0], layer.config.outputDim];
    }
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      expectInputs(1);
      const s = ins[0];
      requireRank(layer, ctx, s, 2, 'a [T, F] sequence input');
      if (s[1] < 1) throw err(layer, ctx, `feature axis of ${fmt(s)} must be static`);
      const c = layer.config;
      resolveActivation(c.activation, 1, layer, ctx);
      if (layer.type !== 'SimpleRNN') resolveActivation(layer.config.recurrentActivation, 1, layer, ctx);
      return c.returnSequences ? [s[0], c.units] : [c.units];
    }
    case 'Add':
    case 'Multiply': {
      if (ins.length < 2) throw err(layer, ctx, `expects at least 2 inputs, got ${ins.length}`);
      for (const s of ins.slice(1))
        if (s.length !== ins[0].length || s.some((d, i) => d !== ins[0][i]))
          throw err(layer, ctx, `inputs must have equal shapes (no broadcasting), got ${ins.map(fmt).join(' and ')}`);
      return [...ins[0]];
    }
    case 'Concatenate': {
      if (ins.length < 2) throw err(layer, ctx, `expects at least 2 inputs, got ${ins.length}`);
      const rank = ins[0].length;
      if (ins.some((s) => s.length !== rank)) throw err(layer, ctx, `inputs must have equal ranks, got ${ins.map(fmt).join(' and ')}`);
      const axis = (layer.config.axis = resolveAxis(layer.config.axis, rank, layer, ctx));
      const out = [...ins[0]];
      for (const s of ins.slice(1)) {
        for (let i = 0; i < rank; i++) {
          if (i === axis) out[i] = out[i] < 0 || s[i] < 0 ? -1 : out[i] + s[i];
          else if (s[i] !== ins[0][i])
            throw err(layer, ctx, `inputs must match except on axis ${axis}, got ${ins.map(fmt).join(' and ')}`);
        }
      }
      return out;
    }
  }
}

/** The weights a layer must have, in Keras `get_weights()` order, for its (already inferred) input shape. */
export function weightSpecs(layer: LayerIR): WeightSpec[] {
  const s = layer.inputShape[0] ?? [];
  const last = s[s.length - 1];
  switch (layer.type) {
    case 'Dense': {
      const c = layer.config;
      return [{ name: 'kernel', shape: [last, c.units] }, ...(c.useBias ? [{ name: 'bias', shape: [c.units] }] : [])];
    }
    case 'Conv2D': {
      const c = layer.config;
      return [
        { name: 'kernel', shape: [c.kernelSize[0], c.kernelSize[1], s[2], c.filters] },
        ...(c.useBias ? [{ name: 'bias', shape: [c.filters] }] : []),
      ];
    }
    case 'DepthwiseConv2D': {
      const c = layer.config;
      return [
        { name: 'depthwise_kernel', shape: [c.kernelSize[0], c.kernelSize[1], s[2], c.depthMultiplier] },
        ...(c.useBias ? [{ name: 'bias', shape: [s[2] * c.depthMultiplier] }] : []),
      ];
    }
    case 'BatchNormalization': {
      const c = layer.config;
      const n = [s[c.axis]];
      return [
        ...(c.scale ? [{ name: 'gamma', shape: n }] : []),
        ...(c.center ? [{ name: 'beta', shape: n }] : []),
        { name: 'moving_mean', shape: n },
        { name: 'moving_variance', shape: n },
      ];
    }
    case 'LayerNormalization': {
      const c = layer.config;
      const n = c.axis.map((a) => s[a]);
      return [...(c.scale ? [{ name: 'gamma', shape: n }] : []), ...(c.center ? [{ name: 'beta', shape: n }] : [])];
    }
    case 'Embedding':
      return [{ name: 'embeddings', shape: [layer.config.inputDim, layer.config.outputDim] }];
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      const u = layer.config.units;
      const g = layer.type === 'SimpleRNN' ? 1 : layer.type === 'LSTM' ? 4 : 3;
      const bias =
        layer.type === 'GRU' && layer.config.resetAfter ? { name: 'bias', shape: [2, g * u] } : { name: 'bias', shape: [g * u] };
      return [
        { name: 'kernel', shape: [last, g * u] },
        { name: 'recurrent_kernel', shape: [u, g * u] },
        ...(layer.config.useBias ? [bias] : []),
      ];
    }
    default:
      return [];
  }
}

/** Number of weight values of a layer (from its expected weights). */
export function layerParams(layer: LayerIR): number {
  return weightSpecs(layer).reduce((n, w) => n + product(w.shape), 0);
}

/** Multiply-accumulates of one layer per inference (see the convention at the top of this file). */
export function layerMacs(layer: LayerIR): number {
  const s = layer.inputShape[0] ?? [];
  const o = layer.outputShape;
  const dyn1 = (d: number) => (d < 0 ? 1 : d);
  switch (layer.type) {
    case 'Dense': {
      const rows = product(s.slice(0, -1).map(dyn1));
      return rows * s[s.length - 1] * layer.config.units;
    }
    case 'Conv2D':
      return o[0] * o[1] * layer.config.kernelSize[0] * layer.config.kernelSize[1] * s[2] * layer.config.filters;
    case 'DepthwiseConv2D':
      return o[0] * o[1] * layer.config.kernelSize[0] * layer.config.kernelSize[1] * s[2] * layer.config.depthMultiplier;
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      const g = layer.type === 'SimpleRNN' ? 1 : layer.type === 'LSTM' ? 4 : 3;
      const u = layer.config.units;
      return dyn1(s[0]) * g * u * (s[1] + u);
    }
    default:
      return 0;
  }
}

/**
 * Infers `inputShape` / `outputShape` of every layer, in order (layers must be topologically sorted and
 * names unique; checked here). Resolves negative axes. Throws `ShapeError` naming the file and layer.
 */
export function inferShapes(layers: LayerIR[], ctx: Ctx = {}): void {
  const out = new Map<string, number[]>();
  for (const layer of layers) {
    if (out.has(layer.name)) throw err(layer, ctx, 'duplicate layer name');
    layer.inputShape = layer.inputs.map((name) => {
      const s = out.get(name);
      if (!s) throw err(layer, ctx, `input '${name}' is not produced by an earlier layer`);
      return [...s];
    });
    if (layer.type === 'InputLayer' && layer.inputs.length !== 0) throw err(layer, ctx, 'an InputLayer takes no inputs');
    layer.outputShape = inferLayerShape(layer, ctx);
    out.set(layer.name, layer.outputShape);
  }
}
