/**
 * The float reference: an IR model rebuilt as a TensorFlow.js LayersModel (pure JS CPU backend) with the
 * same layers and weights (set by name), so any imported model can be run in float32 and compared
 * against the quantized kernels.
 *
 * tfjs built-ins are used wherever they express the IR exactly (so a tfjs model that is saved, imported
 * and rebuilt predicts bit-identically). Where tfjs has no equivalent a small custom piece is used:
 * - activations tfjs lacks (leaky_relu, Keras 3 hard_sigmoid, softmax on a non-last axis, ReLU with a
 *   threshold or negative slope) → a registered custom activation (`NnchainActivation`);
 * - GRU with `reset_after: true` (Keras' default; tfjs only has reset_after false) → the custom layer
 *   `NnchainGRUResetAfter`, which implements the Keras cell equations step by step.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors.ts';
import { product, type Activation, type LayerIR, type ModelIR } from './ir.ts';

type ExtActivation = Activation | { name: 'relu_ext'; maxValue: number | null; negativeSlope: number; threshold: number };

/** Applies an IR activation to a batched tensor (per-sample axes are shifted by one for the batch). */
export function applyActivation(x: tf.Tensor, a: ExtActivation): tf.Tensor {
  return tf.tidy(() => {
    switch (a.name) {
      case 'linear':
        return x.clone();
      case 'relu':
        return tf.relu(x);
      case 'relu6':
        return tf.relu6(x);
      case 'leaky_relu':
        return tf.leakyRelu(x, a.alpha);
      case 'sigmoid':
        return tf.sigmoid(x);
      case 'tanh':
        return tf.tanh(x);
      case 'softmax': {
        const axis = a.axis + 1;
        if (axis === x.rank - 1) return tf.softmax(x);
        const e = tf.exp(tf.sub(x, tf.max(x, axis, true)));
        return tf.div(e, tf.sum(e, axis, true));
      }
      case 'hard_sigmoid':
        return tf.clipByValue(tf.add(tf.mul(x, a.slope), a.offset), 0, 1);
      case 'silu':
        return tf.mul(x, tf.sigmoid(x));
      case 'gelu':
        if (a.approximate) {
          const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
          return tf.mul(0.5, tf.mul(x, tf.add(1, tf.tanh(inner))));
        }
        return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
      case 'relu_ext': {
        // Keras ReLU: x >= threshold ? min(x, max_value) : negative_slope * (x - threshold)
        const capped = a.maxValue === null ? x : tf.minimum(x, a.maxValue);
        const below = tf.mul(tf.sub(x, a.threshold), a.negativeSlope);
        return tf.where(tf.greaterEqual(x, a.threshold), capped, below);
      }
    }
  });
}

/** A tfjs activation function object wrapping `applyActivation` (registered for tfjs deserialization). */
class NnchainActivation extends tf.serialization.Serializable {
  static className = 'NnchainActivation';
  readonly spec: ExtActivation;
  constructor(config: { spec: ExtActivation }) {
    super();
    this.spec = config.spec;
  }
  apply(x: tf.Tensor): tf.Tensor {
    return applyActivation(x, this.spec);
  }
  override getClassName(): string {
    return NnchainActivation.className;
  }
  getConfig(): tf.serialization.ConfigDict {
    return { spec: this.spec as unknown as tf.serialization.ConfigDict };
  }
}
tf.serialization.registerClass(NnchainActivation);

/** tfjs activation identifier: a built-in name when it is exact, else the custom activation. */
function tfActivation(a: ExtActivation, outRank: number): unknown {
  switch (a.name) {
    case 'linear':
    case 'relu':
    case 'relu6':
    case 'sigmoid':
    case 'tanh':
      return a.name;
    case 'silu':
      return 'swish';
    case 'gelu':
      return a.approximate ? 'gelu_new' : 'gelu';
    case 'softmax':
      if (a.axis === outRank - 1) return 'softmax';
      break;
    case 'hard_sigmoid':
      if (a.slope === 0.2 && a.offset === 0.5) return 'hardSigmoid';
      break;
  }
  return { className: NnchainActivation.className, config: { spec: structuredClone(a) } };
}

interface GRUArgs {
  name: string;
  units: number;
  activation: Activation;
  recurrentActivation: Activation;
  useBias: boolean;
  returnSequences: boolean;
}

/** Keras GRU with reset_after = true (bias [2, 3u]: input row, recurrent row; gate order z, r, h). */
class NnchainGRUResetAfter extends tf.layers.Layer {
  static className = 'NnchainGRUResetAfter';
  private readonly a: GRUArgs;
  private kernel!: tf.LayerVariable;
  private recurrentKernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;
  constructor(args: GRUArgs) {
    super({ name: args.name });
    this.a = args;
  }
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const f = s[s.length - 1] as number;
    const u = this.a.units;
    const zeros = tf.initializers.zeros();
    this.kernel = this.addWeight('kernel', [f, 3 * u], 'float32', zeros);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], 'float32', zeros);
    if (this.a.useBias) this.bias = this.addWeight('bias', [2, 3 * u], 'float32', zeros);
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.a.returnSequences ? [s[0], s[1], this.a.units] : [s[0], this.a.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [b, T, f] = x.shape;
      const u = this.a.units;
      const k = this.kernel.read() as tf.Tensor2D;
      const rk = this.recurrentKernel.read() as tf.Tensor2D;
      const bias = this.bias ? (this.bias.read() as tf.Tensor2D) : null;
      const bIn = bias ? bias.slice([0, 0], [1, 3 * u]) : null;
      const bRec = bias ? bias.slice([1, 0], [1, 3 * u]) : null;
      let h: tf.Tensor2D = tf.zeros([b, u]);
      const seq: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const xt = x.slice([0, t, 0], [b, 1, f]).reshape([b, f]) as tf.Tensor2D;
        let mx: tf.Tensor2D = tf.matMul(xt, k);
        let mi: tf.Tensor2D = tf.matMul(h, rk);
        if (bIn && bRec) {
          mx = tf.add(mx, bIn);
          mi = tf.add(mi, bRec);
        }
        const [xz, xr, xh] = tf.split(mx, 3, 1);
        const [rz, rr, rh] = tf.split(mi, 3, 1);
        const z = applyActivation(tf.add(xz, rz), this.a.recurrentActivation);
        const r = applyActivation(tf.add(xr, rr), this.a.recurrentActivation);
        const hh = applyActivation(tf.add(xh, tf.mul(r, rh)), this.a.activation);
        h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D;
        if (this.a.returnSequences) seq.push(h);
      }
      return this.a.returnSequences ? tf.stack(seq, 1) : h;
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.a as unknown as tf.serialization.ConfigDict) };
  }
}
tf.serialization.registerClass(NnchainGRUResetAfter);

const batchShape = (s: number[]) => [null, ...s.map((d) => (d < 0 ? null : d))];

function makeLayer(l: LayerIR): tf.layers.Layer {
  const name = l.name;
  const act = (a: Activation, rank: number) => tfActivation(a, rank) as 'linear';
  const rank = l.outputShape.length;
  switch (l.type) {
    case 'InputLayer':
      throw new Error('unreachable');
    case 'Rescaling':
      return tf.layers.rescaling({ name, scale: l.config.scale, offset: l.config.offset });
    case 'Flatten':
      return tf.layers.flatten({ name });
    case 'Dense':
      return tf.layers.dense({ name, units: l.config.units, activation: act(l.config.activation, rank), useBias: l.config.useBias });
    case 'Conv2D': {
      const c = l.config;
      return tf.layers.conv2d({
        name,
        filters: c.filters,
        kernelSize: c.kernelSize,
        strides: c.strides,
        padding: c.padding,
        dataFormat: 'channelsLast',
        activation: act(c.activation, rank),
        useBias: c.useBias,
      });
    }
    case 'DepthwiseConv2D': {
      const c = l.config;
      return tf.layers.depthwiseConv2d({
        name,
        kernelSize: c.kernelSize,
        strides: c.strides,
        padding: c.padding,
        depthMultiplier: c.depthMultiplier,
        dataFormat: 'channelsLast',
        activation: act(c.activation, rank),
        useBias: c.useBias,
      });
    }
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d({ name, poolSize: l.config.poolSize, strides: l.config.strides, padding: l.config.padding });
    case 'AveragePooling2D':
      return tf.layers.averagePooling2d({ name, poolSize: l.config.poolSize, strides: l.config.strides, padding: l.config.padding });
    case 'GlobalAveragePooling2D':
      return tf.layers.globalAveragePooling2d({ name });
    case 'GlobalMaxPooling2D':
      return tf.layers.globalMaxPooling2d({ name });
    case 'ZeroPadding2D':
      return tf.layers.zeroPadding2d({ name, padding: l.config.padding });
    case 'BatchNormalization':
      return tf.layers.batchNormalization({
        name,
        axis: l.config.axis + 1,
        epsilon: l.config.epsilon,
        center: l.config.center,
        scale: l.config.scale,
      });
    case 'LayerNormalization':
      return tf.layers.layerNormalization({
        name,
        axis: l.config.axis.map((a) => a + 1),
        epsilon: l.config.epsilon,
        center: l.config.center,
        scale: l.config.scale,
      });
    case 'Embedding':
      return tf.layers.embedding({ name, inputDim: l.config.inputDim, outputDim: l.config.outputDim });
    case 'SimpleRNN':
      return tf.layers.simpleRNN({
        name,
        units: l.config.units,
        activation: act(l.config.activation, 1),
        useBias: l.config.useBias,
        returnSequences: l.config.returnSequences,
      });
    case 'LSTM':
      return tf.layers.lstm({
        name,
        units: l.config.units,
        activation: act(l.config.activation, 1),
        recurrentActivation: act(l.config.recurrentActivation, 1),
        useBias: l.config.useBias,
        returnSequences: l.config.returnSequences,
      });
    case 'GRU':
      if (l.config.resetAfter) return new NnchainGRUResetAfter({ name, ...l.config });
      return tf.layers.gru({
        name,
        units: l.config.units,
        activation: act(l.config.activation, 1),
        recurrentActivation: act(l.config.recurrentActivation, 1),
        useBias: l.config.useBias,
        returnSequences: l.config.returnSequences,
      });
    case 'Dropout':
      return tf.layers.dropout({ name, rate: l.config.rate });
    case 'Reshape':
      return tf.layers.reshape({ name, targetShape: l.config.targetShape });
    case 'Add':
      return tf.layers.add({ name });
    case 'Multiply':
      return tf.layers.multiply({ name });
    case 'Concatenate':
      return tf.layers.concatenate({ name, axis: l.config.axis + 1 });
    case 'Activation':
      return tf.layers.activation({ name, activation: act(l.config.activation, rank) });
    case 'ReLU': {
      const c = l.config;
      if (c.negativeSlope === 0 && c.threshold === 0) return tf.layers.reLU({ name, maxValue: c.maxValue ?? undefined });
      return tf.layers.activation({ name, activation: tfActivation({ name: 'relu_ext', ...c }, rank) as 'linear' });
    }
    case 'LeakyReLU':
      return tf.layers.leakyReLU({ name, alpha: l.config.alpha });
    case 'Softmax':
      if (l.config.axis === rank - 1) return tf.layers.softmax({ name, axis: -1 });
      return tf.layers.activation({ name, activation: tfActivation({ name: 'softmax', axis: l.config.axis }, rank) as 'linear' });
  }
}

/** Sets a tfjs layer's weights from the IR layer, matching by Keras weight name. */
function setWeightsByName(layer: tf.layers.Layer, l: LayerIR): void {
  const vars = layer.weights;
  if (vars.length !== Object.keys(l.weights).length)
    throw new Error(`tfjs layer '${l.name}' has ${vars.length} weights, the IR has ${Object.keys(l.weights).length}`);
  const values = vars.map((v) => {
    const orig = (v as unknown as { originalName?: string }).originalName ?? v.name;
    const key = orig.replace(/:\d+$/, '').split('/').pop()!;
    const w = l.weights[key];
    if (!w) throw new Error(`tfjs layer '${l.name}': no IR weight for '${orig}'`);
    return tf.tensor(w.data, w.shape, 'float32');
  });
  layer.setWeights(values);
  tf.dispose(values);
}

/** Builds a tfjs LayersModel equivalent to the IR (same layer names, weights set by name). */
export function buildTfjsModel(ir: ModelIR): tf.LayersModel {
  const sym = new Map<string, tf.SymbolicTensor>();
  const built: Array<[tf.layers.Layer, LayerIR]> = [];
  let input: tf.SymbolicTensor | undefined;
  for (const l of ir.layers) {
    if (l.type === 'InputLayer') {
      input = tf.input({ batchShape: batchShape(l.config.shape), name: l.name, dtype: 'float32' });
      sym.set(l.name, input);
      continue;
    }
    const layer = makeLayer(l);
    const ins = l.inputs.map((n) => sym.get(n)!);
    const out = layer.apply(ins.length === 1 ? ins[0] : ins) as tf.SymbolicTensor;
    sym.set(l.name, out);
    built.push([layer, l]);
  }
  if (!input) throw new Error(`${ir.source.file}: the model has no InputLayer`);
  const outputs = ir.outputs.map((n) => sym.get(n)!);
  const model = tf.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs, name: ir.name });
  for (const [layer, l] of built) if (Object.keys(l.weights).length) setWeightsByName(layer, l);
  return model;
}

function checkTokens(ir: ModelIR, x: Float32Array, i: number): void {
  const emb = ir.layers.find((l) => l.type === 'Embedding' && l.inputs[0] === ir.layers[0].name);
  if (!emb || emb.type !== 'Embedding') return;
  const n = emb.config.inputDim;
  for (let j = 0; j < x.length; j++)
    if (!Number.isInteger(x[j]) || x[j] < 0 || x[j] >= n)
      throw new ShapeError(`input ${i}: token ${x[j]} at position ${j} is not an integer id in [0, ${n})`, { file: ir.source.file });
}

/**
 * Runs the IR in float32 (tfjs CPU). `inputs` is a list of samples, each flattened row-major in the
 * per-sample input shape (images HWC, tokens as ids); returns one flattened output per sample (several
 * model outputs are concatenated in `ir.outputs` order). With a dynamic sequence length each sample may
 * have its own length and is run alone.
 */
export function predictFloat(ir: ModelIR, inputs: Float32Array[]): Float32Array[] {
  const shape = ir.inputShape;
  const dynamic = shape[0] < 0;
  const rest = product(shape.slice(1));
  inputs.forEach((x, i) => {
    if (dynamic ? x.length === 0 || x.length % rest !== 0 : x.length !== product(shape))
      throw new ShapeError(`input ${i} has ${x.length} values, the input shape ${JSON.stringify(shape)} needs ${dynamic ? `a multiple of ${rest}` : product(shape)}`, {
        file: ir.source.file,
      });
    if (ir.inputKind === 'tokens') checkTokens(ir, x, i);
  });
  if (inputs.length === 0) return [];
  const model = buildTfjsModel(ir);
  try {
    const run = (batch: Float32Array[], sampleShape: number[]): Float32Array[] => {
      const flat = new Float32Array(batch.length * product(sampleShape));
      batch.forEach((x, i) => flat.set(x, i * x.length));
      return tf.tidy(() => {
        const x = tf.tensor(flat, [batch.length, ...sampleShape], 'float32');
        const y = model.predict(x);
        const ys = Array.isArray(y) ? y : [y];
        const per = ys.map((t) => {
          const d = t.dataSync() as Float32Array;
          const n = d.length / batch.length;
          return batch.map((_, i) => d.slice(i * n, (i + 1) * n));
        });
        return batch.map((_, i) => {
          if (per.length === 1) return per[0][i];
          const parts = per.map((p) => p[i]);
          const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
          let off = 0;
          for (const p of parts) {
            out.set(p, off);
            off += p.length;
          }
          return out;
        });
      });
    };
    if (!dynamic) return run(inputs, shape);
    return inputs.map((x) => run([x], [x.length / rest, ...shape.slice(1)])[0]);
  } finally {
    model.dispose();
  }
}
