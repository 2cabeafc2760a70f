/**
 * The model intermediate representation (IR): what every importer produces and every later stage
 * (quantizer, planner, code generator, float reference) consumes.
 *
 * Conventions
 * - Shapes never include the batch dimension. Layout is channels-last (HWC for images, [T, F] for sequences).
 * - A dimension of `-1` is dynamic (Keras `None`). Only the first axis (the sequence axis of token / sequence
 *   inputs) may be dynamic; everything else is static after import.
 * - Axes in configs (`BatchNormalization.axis`, `LayerNormalization.axis`, `Concatenate.axis`, `Softmax.axis`,
 *   softmax activations) are non-negative indices into the per-sample shape (batch excluded): Keras `axis=-1`
 *   on an [H, W, C] tensor becomes `2`.
 * - Weights carry their Keras names and Keras layouts: Dense `kernel` [in, units]; Conv2D `kernel`
 *   [kh, kw, cin, filters]; DepthwiseConv2D `depthwise_kernel` [kh, kw, cin, multiplier]; RNN `kernel`
 *   [in, g·units], `recurrent_kernel` [units, g·units] with Keras gate order (LSTM i, f, c, o; GRU z, r, h);
 *   GRU with `resetAfter` has `bias` [2, 3·units] (input bias row, recurrent bias row).
 * - `layers` is in topological order; `inputs` names producing layers (Sequential: the previous layer).
 */

export type LayerType =
  | 'InputLayer'
  | 'Rescaling'
  | 'Flatten'
  | 'Dense'
  | 'Conv2D'
  | 'DepthwiseConv2D'
  | 'MaxPooling2D'
  | 'AveragePooling2D'
  | 'GlobalAveragePooling2D'
  | 'GlobalMaxPooling2D'
  | 'ZeroPadding2D'
  | 'BatchNormalization'
  | 'LayerNormalization'
  | 'Embedding'
  | 'SimpleRNN'
  | 'LSTM'
  | 'GRU'
  | 'Dropout'
  | 'Reshape'
  | 'Add'
  | 'Multiply'
  | 'Concatenate'
  | 'Activation'
  | 'ReLU'
  | 'LeakyReLU'
  | 'Softmax';

export const LAYER_TYPES: readonly LayerType[] = [
  'InputLayer', 'Rescaling', 'Flatten', 'Dense', 'Conv2D', 'DepthwiseConv2D', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'ZeroPadding2D', 'BatchNormalization', 'LayerNormalization',
  'Embedding', 'SimpleRNN', 'LSTM', 'GRU', 'Dropout', 'Reshape', 'Add', 'Multiply', 'Concatenate', 'Activation',
  'ReLU', 'LeakyReLU', 'Softmax',
];

/**
 * An activation function with its parameters. Exactly these are supported; anything else is an
 * `UnsupportedError` at import.
 * - `leaky_relu`: x ≥ 0 ? x : alpha·x (Keras 3 string `leaky_relu` → alpha 0.2).
 * - `softmax`: along `axis` (per-sample axis, see conventions).
 * - `hard_sigmoid`: clip(slope·x + offset, 0, 1). Keras 2 and tfjs: slope 0.2, offset 0.5;
 *   Keras 3: relu6(x + 3) / 6, i.e. slope 1/6, offset 0.5. The importer picks by the file's Keras version.
 * - `silu`: x·sigmoid(x) (Keras `swish` and `silu`).
 * - `gelu`: `approximate: false` = x·Φ(x) with erf; `true` = the tanh approximation (tfjs `gelu_new`).
 */
export type Activation =
  | { name: 'linear' }
  | { name: 'relu' }
  | { name: 'relu6' }
  | { name: 'leaky_relu'; alpha: number }
  | { name: 'sigmoid' }
  | { name: 'tanh' }
  | { name: 'softmax'; axis: number }
  | { name: 'hard_sigmoid'; slope: number; offset: number }
  | { name: 'silu' }
  | { name: 'gelu'; approximate: boolean };

export type ActivationName = Activation['name'];

export type Padding = 'valid' | 'same';

export interface InputLayerConfig {
  /** Per-sample shape (no batch); `-1` = dynamic (sequence axis only). */
  shape: number[];
}
export interface RescalingConfig {
  /** y = x·scale + offset (scalars). */
  scale: number;
  offset: number;
}
export type FlattenConfig = Record<string, never>;
export interface DenseConfig {
  units: number;
  activation: Activation;
  useBias: boolean;
}
export interface Conv2DConfig {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: Padding;
  activation: Activation;
  useBias: boolean;
}
export interface DepthwiseConv2DConfig {
  kernelSize: [number, number];
  strides: [number, number];
  padding: Padding;
  depthMultiplier: number;
  activation: Activation;
  useBias: boolean;
}
export interface Pooling2DConfig {
  poolSize: [number, number];
  /** Defaults to `poolSize` (as Keras). */
  strides: [number, number];
  padding: Padding;
}
export type GlobalPooling2DConfig = Record<string, never>;
export interface ZeroPadding2DConfig {
  /** [[top, bottom], [left, right]]. */
  padding: [[number, number], [number, number]];
}
export interface BatchNormalizationConfig {
  /** Per-sample axis of the features (normally the last). */
  axis: number;
  epsilon: number;
  /** Has `beta`. */
  center: boolean;
  /** Has `gamma`. */
  scale: boolean;
}
export interface LayerNormalizationConfig {
  /** Per-sample axes normalized over (normally `[last]`). */
  axis: number[];
  epsilon: number;
  center: boolean;
  scale: boolean;
}
export interface EmbeddingConfig {
  inputDim: number;
  outputDim: number;
}
export interface SimpleRNNConfig {
  units: number;
  activation: Activation;
  useBias: boolean;
  returnSequences: boolean;
}
export interface LSTMConfig {
  units: number;
  activation: Activation;
  recurrentActivation: Activation;
  useBias: boolean;
  returnSequences: boolean;
}
export interface GRUConfig {
  units: number;
  activation: Activation;
  recurrentActivation: Activation;
  useBias: boolean;
  returnSequences: boolean;
  /** Keras `reset_after` (Keras 2.x/3 default true; tfjs only supports false). */
  resetAfter: boolean;
}
export interface DropoutConfig {
  /** Training only; identity at inference. */
  rate: number;
}
export interface ReshapeConfig {
  /** Resolved target shape (no `-1` left). */
  targetShape: number[];
}
export type MergeConfig = Record<string, never>;
export interface ConcatenateConfig {
  axis: number;
}
export interface ActivationLayerConfig {
  activation: Activation;
}
export interface ReLUConfig {
  /** y = x ≥ threshold ? min(x, maxValue) : negativeSlope·(x − threshold). `null` = no cap. */
  maxValue: number | null;
  negativeSlope: number;
  threshold: number;
}
export interface LeakyReLUConfig {
  /** Keras 2 `alpha`, Keras 3 `negative_slope`. */
  alpha: number;
}
export interface SoftmaxConfig {
  axis: number;
}

export interface LayerConfigMap {
  InputLayer: InputLayerConfig;
  Rescaling: RescalingConfig;
  Flatten: FlattenConfig;
  Dense: DenseConfig;
  Conv2D: Conv2DConfig;
  DepthwiseConv2D: DepthwiseConv2DConfig;
  MaxPooling2D: Pooling2DConfig;
  AveragePooling2D: Pooling2DConfig;
  GlobalAveragePooling2D: GlobalPooling2DConfig;
  GlobalMaxPooling2D: GlobalPooling2DConfig;
  ZeroPadding2D: ZeroPadding2DConfig;
  BatchNormalization: BatchNormalizationConfig;
  LayerNormalization: LayerNormalizationConfig;
  Embedding: EmbeddingConfig;
  SimpleRNN: SimpleRNNConfig;
  LSTM: LSTMConfig;
  GRU: GRUConfig;
  Dropout: DropoutConfig;
  Reshape: ReshapeConfig;
  Add: MergeConfig;
  Multiply: MergeConfig;
  Concatenate: ConcatenateConfig;
  Activation: ActivationLayerConfig;
  ReLU: ReLUConfig;
  LeakyReLU: LeakyReLUConfig;
  Softmax: SoftmaxConfig;
}

export type LayerConfig = LayerConfigMap[LayerType];

export interface TensorData {
  shape: number[];
  /** Row-major (C order), `data.length === product(shape)`. */
  data: Float32Array;
}

interface LayerBase {
  name: string;
  /** Weights by Keras name: kernel, bias, recurrent_kernel, depthwise_kernel, embeddings, gamma, beta, moving_mean, moving_variance. */
  weights: Record<string, TensorData>;
  /** Names of the producing layers, one per input (InputLayer: none). */
  inputs: string[];
  /** Per input, without batch (InputLayer: none). */
  inputShape: number[][];
  /** Without batch. */
  outputShape: number[];
}

/** A layer: `type` discriminates `config` (`if (l.type === 'Dense') l.config.units`). */
export type LayerIR = { [K in LayerType]: LayerBase & { type: K; config: LayerConfigMap[K] } }[LayerType];

/** A layer of one given type. */
export type LayerOf<K extends LayerType> = LayerBase & { type: K; config: LayerConfigMap[K] };

export type ModelFormat = 'solearn-json' | 'tfjs-layers' | 'keras-h5';

export interface ModelIR {
  name: string;
  source: { format: ModelFormat; file: string };
  /** Per-sample input shape (no batch); `-1` = dynamic sequence length. */
  inputShape: number[];
  /** `tokens`: the input feeds an Embedding (integer ids carried as floats). */
  inputKind: 'float' | 'tokens';
  layers: LayerIR[];
  /** Names of the output layers (usually one). */
  outputs: string[];
  classNames?: string[];
  vocabulary?: string[];
  /** Number of weight values (all weights, including BatchNormalization moving statistics). */
  params: number;
  /**
   * Multiply-accumulates per inference (one sample), see `shapes.ts` for the convention per layer.
   * Recurrent layers count per time step × sequence length of the input shape; when that length is
   * dynamic (`-1`) it counts one step, i.e. MACs per token.
   */
  macs: number;
}

/** Options shared by all importers. */
export interface ImportOptions {
  /**
   * Fix a dynamic (`None`) sequence length of the input to this value (shapes and MACs then use it).
   * Without it a dynamic length stays `-1` and MACs are per time step.
   */
  sequenceLength?: number;
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function layerByName(model: ModelIR, name: string): LayerIR | undefined {
  return model.layers.find((l) => l.name === name);
}
