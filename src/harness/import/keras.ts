/**
 * Keras model-config parsing shared by all importers: Sequential and Functional topologies, Keras 2,
 * Keras 3 and tfjs spellings, normalized into IR layers (weights are attached by each importer).
 *
 * Accepted topology objects:
 * - `{class_name: 'Sequential', config: {layers: [...]}}` (Keras 2/3, tfjs) or `config: [...]` (old Keras)
 * - `{config: {layers: [...]}}` without class_name (the solearn `layers_config`): Sequential
 * - `{class_name: 'Model' | 'Functional', config: {layers, input_layers, output_layers}}` with Keras 2
 *   (`[[name, node, tensor, kwargs], ...]`) or Keras 3 (`{args: [__keras_tensor__...], kwargs}`) inbound nodes
 *
 * Options that only matter for training (initializers, regularizers, constraints, dropout rates,
 * momentum, `unit_forget_bias`, `implementation`, `unroll`, `seed`, dtype policies…) are ignored.
 * Any other option that is unknown is accepted only when its value is null/false; otherwise it is an
 * `UnsupportedLayerError` naming the file, layer, class and option.
 */
import { ModelFormatError, ShapeError, UnsupportedError, UnsupportedLayerError } from '../model/errors.ts';
import type {
  Activation,
  ImportOptions,
  LayerConfigMap,
  LayerIR,
  LayerType,
  ModelFormat,
  Padding,
} from '../model/ir.ts';

export interface KerasContext {
  file: string;
  format: ModelFormat;
  /** `keras_version` from the file, when known (selects Keras 3 `hard_sigmoid`). */
  kerasVersion?: string;
  options?: ImportOptions;
}

export interface ParsedKerasModel {
  name: string;
  /** Topologically ordered, the InputLayer first; weights empty, shapes not yet inferred. */
  layers: LayerIR[];
  outputs: string[];
  inputShape: number[];
  inputKind: 'float' | 'tokens';
  /** True when the config looked like Keras 3 (or the version said so). */
  keras3: boolean;
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keras' `to_snake_case` (used for default layer names). */
export function toSnakeCase(name: string): string {
  const s = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return s.replace(/^_+/, '');
}

// ---------------------------------------------------------------------------------------------
// activations

/**
 * Parses a Keras/tfjs activation identifier. `keras3` selects the Keras 3 `hard_sigmoid`
 * (relu6(x + 3) / 6) instead of the Keras 2 / tfjs one (clip(0.2x + 0.5, 0, 1)).
 * Softmax gets `axis: -1` (resolved to the last axis by shape inference).
 */
export function parseActivation(
  v: unknown,
  keras3: boolean,
  onUnsupported: (what: string) => Error = (w) => new UnsupportedError(`activation ${w} is not supported`),
): Activation {
  if (v === null || v === undefined) return { name: 'linear' };
  let id: string;
  if (typeof v === 'string') id = v;
  else if (isObj(v) && typeof v.class_name === 'string') {
    // Keras 3 may wrap a built-in as {class_name: 'function', config: 'relu'}; tfjs/Keras 2 as {class_name: 'relu', config: {}}
    if (v.class_name === 'function' && typeof v.config === 'string') id = v.config;
    else if (isObj(v.config) && Object.keys(v.config).filter((k) => k !== 'name').length === 0) id = v.class_name;
    else throw onUnsupported(JSON.stringify(v));
  } else throw onUnsupported(JSON.stringify(v));
  const key = id.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/^_/, '').toLowerCase();
  switch (key) {
    case 'linear':
      return { name: 'linear' };
    case 'relu':
      return { name: 'relu' };
    case 'relu6':
      return { name: 'relu6' };
    case 'leaky_relu':
      return { name: 'leaky_relu', alpha: 0.2 };
    case 'sigmoid':
      return { name: 'sigmoid' };
    case 'tanh':
      return { name: 'tanh' };
    case 'softmax':
      return { name: 'softmax', axis: -1 };
    case 'hard_sigmoid':
      return keras3 ? { name: 'hard_sigmoid', slope: 1 / 6, offset: 0.5 } : { name: 'hard_sigmoid', slope: 0.2, offset: 0.5 };
    case 'silu':
    case 'swish':
      return { name: 'silu' };
    case 'gelu':
      return { name: 'gelu', approximate: false };
    case 'gelu_new':
      return { name: 'gelu', approximate: true };
    default:
      throw onUnsupported(`'${id}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// per-layer config parsing

const IGNORED_KEYS = new Set([
  'name',
  'trainable',
  'dtype',
  'batch_input_shape',
  'batch_shape',
  'input_shape',
  'activity_regularizer',
  'seed',
  'autocast',
]);
const IGNORED_PATTERN = /_(initializer|regularizer|constraint)$/;

class LayerReader {
  readonly used = new Set<string>();
  constructor(
    readonly c: Json,
    readonly name: string,
    readonly className: string,
    readonly kctx: KerasContext,
    readonly keras3: boolean,
  ) {}

  private ctx(option?: string) {
    return { file: this.kctx.file, layer: this.name, className: this.className, option };
  }
  unsupported(option: string, why?: string): UnsupportedLayerError {
    const v = this.c[option];
    return new UnsupportedLayerError(why ?? `option ${option}=${JSON.stringify(v)} is not supported`, this.ctx(option));
  }
  bad(option: string, why: string): ModelFormatError {
    return new ModelFormatError(`option ${option}: ${why}`, { file: this.kctx.file, layer: this.name, className: this.className });
  }
  has(key: string): boolean {
    return this.c[key] !== undefined && this.c[key] !== null;
  }
  raw(key: string): unknown {
    this.used.add(key);
    return this.c[key];
  }
  /** Mark keys as known but irrelevant at inference. */
  ignore(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }
  /** The option must be absent, null, or one of `allowed` (compared as JSON). */
  only(key: string, ...allowed: unknown[]): void {
    const v = this.raw(key);
    if (v === undefined || v === null) return;
    if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(v))) throw this.unsupported(key);
  }
  num(key: string, def?: number): number {
    const v = this.raw(key);
    if (v === undefined || v === null) {
      if (def === undefined) throw this.bad(key, 'is required');
      return def;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      if (Array.isArray(v)) throw this.unsupported(key, `option ${key}=${JSON.stringify(v)}: only a scalar is supported`);
      throw this.bad(key, `expected a number, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  posInt(key: string, def?: number): number {
    const v = this.num(key, def);
    if (!Number.isInteger(v) || v < 1) throw this.bad(key, `expected a positive integer, got ${JSON.stringify(v)}`);
    return v;
  }
  bool(key: string, def: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') throw this.bad(key, `expected a boolean, got ${JSON.stringify(v)}`);
    return v;
  }
  pair(key: string, def?: [number, number]): [number, number] {
    const v = this.raw(key);
    if (v === undefined || v === null) {
      if (!def) throw this.bad(key, 'is required');
      return [...def];
    }
    const arr = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(arr) || arr.length !== 2 || !arr.every((x) => Number.isInteger(x) && x >= 1))
      throw this.bad(key, `expected a positive integer or a pair of them, got ${JSON.stringify(v)}`);
    return [arr[0] as number, arr[1] as number];
  }
  padding(key = 'padding'): Padding {
    const v = this.raw(key);
    if (v === undefined || v === null) return 'valid';
    if (typeof v === 'string' && (v.toLowerCase() === 'valid' || v.toLowerCase() === 'same')) return v.toLowerCase() as Padding;
    throw this.unsupported(key);
  }
  activation(key: string, def: string | null = null): Activation {
    const v = this.raw(key);
    return parseActivation(v === undefined ? def : v, this.keras3, (what) =>
      new UnsupportedLayerError(`activation ${what} is not supported`, this.ctx(key)),
    );
  }
  /** A Keras axis (batch included, may be negative) → per-sample axis (negative kept, resolved later). */
  axis(key: string, def: number): number {
    let v = this.raw(key);
    if (v === undefined || v === null) v = def;
    if (Array.isArray(v) && v.length === 1) v = v[0];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.unsupported(key, `option ${key}=${JSON.stringify(v)}: only a single axis is supported`);
    return kerasAxisToSample(v, () => this.unsupported(key, `option ${key}=0 (the batch axis) is not supported`));
  }
  axes(key: string, def: number): number[] {
    let v = this.raw(key);
    if (v === undefined || v === null) v = def;
    const arr = Array.isArray(v) ? v : [v];
    if (arr.length === 0 || !arr.every((a) => typeof a === 'number' && Number.isInteger(a)))
      throw this.bad(key, `expected an axis or a list of axes, got ${JSON.stringify(v)}`);
    return (arr as number[]).map((a) => kerasAxisToSample(a, () => this.unsupported(key, `option ${key} includes the batch axis`)));
  }
  channelsLast(): void {
    this.only('data_format', 'channels_last');
  }
  noDilation(): void {
    this.only('dilation_rate', 1, [1, 1]);
  }
  /** Every remaining option must be known-ignorable or null/false. */
  finish(): void {
    for (const [k, v] of Object.entries(this.c)) {
      if (this.used.has(k) || IGNORED_KEYS.has(k) || IGNORED_PATTERN.test(k)) continue;
      if (v === null || v === undefined || v === false) continue;
      throw this.unsupported(k);
    }
  }
}

function kerasAxisToSample(a: number, onBatch: () => Error): number {
  if (a === 0) throw onBatch();
  return a > 0 ? a - 1 : a;
}

function checkDtype(r: LayerReader): void {
  const d = r.c.dtype;
  let name: string | undefined;
  let cls = '';
  if (typeof d === 'string') name = d;
  else if (isObj(d)) {
    cls = typeof d.class_name === 'string' ? d.class_name : '';
    if (isObj(d.config) && typeof d.config.name === 'string') name = d.config.name;
  }
  if (/quantiz/i.test(cls) || (name && /int8|int4|float8/i.test(name))) throw r.unsupported('dtype', `quantized dtype policy ${JSON.stringify(name ?? cls)} is not supported`);
}

type Parsed = { [K in LayerType]: { type: K; config: LayerConfigMap[K] } }[LayerType];

const RNN_IGNORED = [
  'dropout',
  'recurrent_dropout',
  'implementation',
  'unroll',
  'unit_forget_bias',
  'zero_output_for_mask',
  'use_cudnn',
];

function parseRnnCommon(r: LayerReader): void {
  r.ignore(...RNN_IGNORED);
  r.only('return_state', false);
  r.only('go_backwards', false);
  r.only('stateful', false);
  r.only('time_major', false);
}

function parseLayerConfig(className: string, r: LayerReader): Parsed {
  switch (className) {
    case 'Rescaling':
      return { type: 'Rescaling', config: { scale: r.num('scale'), offset: r.num('offset', 0) } };
    case 'Flatten':
      r.channelsLast();
      return { type: 'Flatten', config: {} };
    case 'Dense':
      return {
        type: 'Dense',
        config: { units: r.posInt('units'), activation: r.activation('activation'), useBias: r.bool('use_bias', true) },
      };
    case 'Conv2D': {
      r.channelsLast();
      r.noDilation();
      r.only('groups', 1);
      return {
        type: 'Conv2D',
        config: {
          filters: r.posInt('filters'),
          kernelSize: r.pair('kernel_size'),
          strides: r.pair('strides', [1, 1]),
          padding: r.padding(),
          activation: r.activation('activation'),
          useBias: r.bool('use_bias', true),
        },
      };
    }
    case 'DepthwiseConv2D': {
      r.channelsLast();
      r.noDilation();
      return {
        type: 'DepthwiseConv2D',
        config: {
          kernelSize: r.pair('kernel_size'),
          strides: r.pair('strides', [1, 1]),
          padding: r.padding(),
          depthMultiplier: r.posInt('depth_multiplier', 1),
          activation: r.activation('activation'),
          useBias: r.bool('use_bias', true),
        },
      };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      r.channelsLast();
      const poolSize = r.pair('pool_size', [2, 2]);
      const strides = r.pair('strides', poolSize);
      return { type: className, config: { poolSize, strides, padding: r.padding() } };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      r.channelsLast();
      r.only('keepdims', false);
      return { type: className, config: {} };
    case 'ZeroPadding2D': {
      r.channelsLast();
      const v = r.raw('padding') ?? 1;
      let p: [[number, number], [number, number]] | undefined;
      const ok = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
      if (ok(v)) p = [[v, v], [v, v]];
      else if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) p = [[v[0], v[0]], [v[1], v[1]]];
      else if (
        Array.isArray(v) &&
        v.length === 2 &&
        v.every((q) => Array.isArray(q) && q.length === 2 && q.every(ok))
      )
        p = [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
      if (!p) throw r.bad('padding', `expected an int, a pair or a pair of pairs, got ${JSON.stringify(v)}`);
      return { type: 'ZeroPadding2D', config: { padding: p } };
    }
    case 'BatchNormalization':
      r.ignore('momentum', 'synchronized', 'fused', 'renorm_clipping', 'renorm_momentum');
      r.only('renorm', false);
      r.only('virtual_batch_size');
      r.only('adjustment');
      return {
        type: 'BatchNormalization',
        config: { axis: r.axis('axis', -1), epsilon: r.num('epsilon', 1e-3), center: r.bool('center', true), scale: r.bool('scale', true) },
      };
    case 'LayerNormalization':
      r.only('rms_scaling', false);
      return {
        type: 'LayerNormalization',
        config: { axis: r.axes('axis', -1), epsilon: r.num('epsilon', 1e-3), center: r.bool('center', true), scale: r.bool('scale', true) },
      };
    case 'Embedding':
      r.ignore('input_length');
      r.only('mask_zero', false);
      r.only('sparse', false);
      return { type: 'Embedding', config: { inputDim: r.posInt('input_dim'), outputDim: r.posInt('output_dim') } };
    case 'SimpleRNN':
      parseRnnCommon(r);
      return {
        type: 'SimpleRNN',
        config: {
          units: r.posInt('units'),
          activation: r.activation('activation', 'tanh'),
          useBias: r.bool('use_bias', true),
          returnSequences: r.bool('return_sequences', false),
        },
      };
    case 'LSTM':
      parseRnnCommon(r);
      return {
        type: 'LSTM',
        config: {
          units: r.posInt('units'),
          activation: r.activation('activation', 'tanh'),
          recurrentActivation: r.activation('recurrent_activation', 'sigmoid'),
          useBias: r.bool('use_bias', true),
          returnSequences: r.bool('return_sequences', false),
        },
      };
    case 'GRU':
      parseRnnCommon(r);
      return {
        type: 'GRU',
        config: {
          units: r.posInt('units'),
          activation: r.activation('activation', 'tanh'),
          recurrentActivation: r.activation('recurrent_activation', 'sigmoid'),
          useBias: r.bool('use_bias', true),
          returnSequences: r.bool('return_sequences', false),
          resetAfter: r.bool('reset_after', true),
        },
      };
    case 'Dropout':
      r.ignore('noise_shape');
      return { type: 'Dropout', config: { rate: r.num('rate', 0) } };
    case 'Reshape': {
      const t = r.raw('target_shape');
      if (!Array.isArray(t) || !t.every((d) => d === null || (Number.isInteger(d) && (d as number) >= -1)))
        throw r.bad('target_shape', `expected a list of integers, got ${JSON.stringify(t)}`);
      return { type: 'Reshape', config: { targetShape: t.map((d) => (d === null ? -1 : (d as number))) } };
    }
    case 'Add':
    case 'Multiply':
      return { type: className, config: {} };
    case 'Concatenate':
      return { type: 'Concatenate', config: { axis: r.axis('axis', -1) } };
    case 'Activation':
      return { type: 'Activation', config: { activation: r.activation('activation', 'linear') } };
    case 'ReLU': {
      const mv = r.raw('max_value');
      if (mv !== undefined && mv !== null && (typeof mv !== 'number' || mv < 0))
        throw r.bad('max_value', `expected a non-negative number, got ${JSON.stringify(mv)}`);
      return {
        type: 'ReLU',
        config: { maxValue: (mv as number | null | undefined) ?? null, negativeSlope: r.num('negative_slope', 0), threshold: r.num('threshold', 0) },
      };
    }
    case 'LeakyReLU': {
      // Keras 2 / tfjs: alpha (default 0.3); Keras 3: negative_slope (default 0.3)
      const alpha = r.has('negative_slope') ? r.num('negative_slope') : r.num('alpha', 0.3);
      r.ignore('alpha', 'negative_slope');
      return { type: 'LeakyReLU', config: { alpha } };
    }
    case 'Softmax':
      return { type: 'Softmax', config: { axis: r.axis('axis', -1) } };
    case 'Sequential':
    case 'Functional':
    case 'Model':
      throw new UnsupportedLayerError('nested models are not supported (flatten the model first)', {
        file: r.kctx.file,
        layer: r.name,
        className,
      });
    default:
      throw new UnsupportedLayerError(`layer class '${className}' is not supported`, {
        file: r.kctx.file,
        layer: r.name,
        className,
      });
  }
}

// ---------------------------------------------------------------------------------------------
// topology

interface RawLayer {
  className: string;
  config: Json;
  name: string;
  entry: Json;
}

class Namer {
  private used = new Set<string>();
  private counters = new Map<string, number>();
  reserve(name: string): void {
    this.used.add(name);
  }
  has(name: string): boolean {
    return this.used.has(name);
  }
  next(className: string): string {
    const base = className === 'InputLayer' ? 'input' : toSnakeCase(className);
    for (;;) {
      const n = this.counters.get(base) ?? 0;
      this.counters.set(base, n + 1);
      const name = className === 'InputLayer' ? `input_${n + 1}` : n === 0 ? base : `${base}_${n}`;
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }
}

function readRawLayers(list: unknown[], kctx: KerasContext): RawLayer[] {
  const namer = new Namer();
  const pre = list.map((e, i) => {
    if (!isObj(e) || typeof e.class_name !== 'string')
      throw new ModelFormatError(`layer #${i} has no class_name`, { file: kctx.file });
    const config = e.config === undefined || e.config === null ? {} : e.config;
    if (!isObj(config)) throw new ModelFormatError(`layer #${i} (${e.class_name}) has a malformed config`, { file: kctx.file });
    const name = typeof config.name === 'string' ? config.name : typeof e.name === 'string' ? e.name : undefined;
    if (name !== undefined) {
      if (namer.has(name)) throw new ModelFormatError(`duplicate layer name '${name}'`, { file: kctx.file });
      namer.reserve(name);
    }
    return { className: e.class_name, config, name, entry: e };
  });
  return pre.map((p) => ({ ...p, name: p.name ?? namer.next(p.className) }));
}

function batchShapeOf(c: Json): unknown[] | undefined {
  for (const key of ['batch_input_shape', 'batch_shape']) if (Array.isArray(c[key])) return c[key] as unknown[];
  if (Array.isArray(c.input_shape)) return [null, ...(c.input_shape as unknown[])];
  if (Array.isArray(c.shape)) return [null, ...(c.shape as unknown[])];
  return undefined;
}

function toSampleShape(batch: unknown[], layerName: string, kctx: KerasContext): number[] {
  const dims = batch.slice(1);
  const shape = dims.map((d) => {
    if (d === null) return -1;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1)
      throw new ModelFormatError(`input shape ${JSON.stringify(batch)} is malformed`, { file: kctx.file, layer: layerName, className: 'InputLayer' });
    return d;
  });
  const T = kctx.options?.sequenceLength;
  if (T !== undefined) {
    if (!Number.isInteger(T) || T < 1)
      throw new ShapeError(`sequenceLength ${T} must be a positive integer`, { file: kctx.file });
    if (shape.length === 0) throw new ShapeError('sequenceLength given but the input has no axes', { file: kctx.file });
    if (shape[0] === -1) shape[0] = T;
    else if (shape[0] !== T)
      throw new ShapeError(`sequenceLength ${T} given but the input has a static length ${shape[0]}`, {
        file: kctx.file,
        layer: layerName,
        className: 'InputLayer',
      });
  }
  return shape;
}

function makeLayer(raw: RawLayer, inputs: string[], kctx: KerasContext, keras3: boolean): LayerIR {
  const r = new LayerReader(raw.config, raw.name, raw.className, kctx, keras3);
  checkDtype(r);
  let parsed: Parsed;
  if (raw.className === 'InputLayer') {
    const b = batchShapeOf(raw.config);
    if (!b) throw new ModelFormatError('InputLayer has no batch_input_shape/batch_shape', { file: kctx.file, layer: raw.name, className: 'InputLayer' });
    r.ignore('batch_input_shape', 'batch_shape', 'shape', 'input_shape', 'batch_size', 'optional', 'input_tensor');
    r.only('sparse', false);
    r.only('ragged', false);
    parsed = { type: 'InputLayer', config: { shape: toSampleShape(b, raw.name, kctx) } };
  } else {
    parsed = parseLayerConfig(raw.className, r);
  }
  r.finish();
  return { name: raw.name, ...parsed, weights: {}, inputs, inputShape: [], outputShape: [] } as LayerIR;
}

function looksKeras3(layers: RawLayer[], kctx: KerasContext): boolean {
  if (kctx.kerasVersion) {
    const v = kctx.kerasVersion.trim();
    if (/^3\./.test(v)) return true;
    if (/^[12]\./.test(v) || /tfjs/i.test(v)) return false;
  }
  // Keras 2.13+ also writes `module`/`registered_name`, so only Keras-3-only spellings count here
  return layers.some(
    (l) => 'batch_shape' in l.config || (isObj(l.config.dtype) && l.config.dtype.class_name === 'DTypePolicy'),
  );
}

/** Keras 2 `[[name, node, tensor, kwargs], ...]` or Keras 3 `{args, kwargs}` → producer refs. */
function nodeInputs(node: unknown, layer: RawLayer, kctx: KerasContext): Array<[string, number, number]> {
  const ctx = { file: kctx.file, layer: layer.name, className: layer.className };
  const out: Array<[string, number, number]> = [];
  if (Array.isArray(node)) {
    for (const ref of node) {
      if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw new ModelFormatError(`malformed inbound node ${JSON.stringify(ref)}`, ctx);
      out.push([ref[0], Number(ref[1] ?? 0), Number(ref[2] ?? 0)]);
    }
    return out;
  }
  if (isObj(node)) {
    const walk = (v: unknown, into: Array<[string, number, number]>) => {
      if (Array.isArray(v)) v.forEach((x) => walk(x, into));
      else if (isObj(v)) {
        if (v.class_name === '__keras_tensor__' && isObj(v.config) && Array.isArray(v.config.keras_history)) {
          const h = v.config.keras_history;
          into.push([String(h[0]), Number(h[1] ?? 0), Number(h[2] ?? 0)]);
        } else Object.values(v).forEach((x) => walk(x, into));
      }
    };
    walk(node.args, out);
    const kw: Array<[string, number, number]> = [];
    walk(node.kwargs, kw);
    if (kw.length) throw new UnsupportedLayerError('tensor keyword arguments (e.g. masks) are not supported', { ...ctx, option: 'inbound_nodes' });
    return out;
  }
  throw new ModelFormatError(`malformed inbound node ${JSON.stringify(node)}`, ctx);
}

function refList(v: unknown, what: string, kctx: KerasContext): Array<[string, number, number]> {
  if (!Array.isArray(v) || v.length === 0) throw new ModelFormatError(`${what} is missing`, { file: kctx.file });
  const list = typeof v[0] === 'string' ? [v] : v;
  return list.map((ref) => {
    if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw new ModelFormatError(`${what} is malformed: ${JSON.stringify(v)}`, { file: kctx.file });
    return [ref[0], Number(ref[1] ?? 0), Number(ref[2] ?? 0)] as [string, number, number];
  });
}

function parseSequential(name: string, list: unknown[], kctx: KerasContext, buildShape: unknown): ParsedKerasModel {
  const raws = readRawLayers(list, kctx);
  if (raws.length === 0) throw new ModelFormatError('the model has no layers', { file: kctx.file });
  const keras3 = looksKeras3(raws, kctx);
  const layers: LayerIR[] = [];
  let body = raws;
  if (raws[0].className !== 'InputLayer') {
    const b = batchShapeOf(raws[0].config) ?? (Array.isArray(buildShape) ? buildShape : undefined);
    if (!b) throw new ModelFormatError('no input shape: the first layer has no batch_input_shape and there is no InputLayer', { file: kctx.file });
    const used = new Set(raws.map((r) => r.name));
    let inName = `${raws[0].name}_input`;
    for (let i = 1; used.has(inName); i++) inName = `input_${i}`;
    layers.push({
      name: inName,
      type: 'InputLayer',
      config: { shape: toSampleShape(b, inName, kctx) },
      weights: {},
      inputs: [],
      inputShape: [],
      outputShape: [],
    });
  } else {
    layers.push(makeLayer(raws[0], [], kctx, keras3));
    body = raws.slice(1);
  }
  for (const raw of body) {
    if (raw.className === 'InputLayer') throw new ModelFormatError(`InputLayer '${raw.name}' in the middle of a Sequential model`, { file: kctx.file });
    layers.push(makeLayer(raw, [layers[layers.length - 1].name], kctx, keras3));
  }
  return finishParse(name, layers, [layers[layers.length - 1].name], keras3, kctx);
}

function parseFunctional(name: string, cfg: Json, kctx: KerasContext): ParsedKerasModel {
  if (!Array.isArray(cfg.layers)) throw new ModelFormatError('config.layers is missing', { file: kctx.file });
  const raws = readRawLayers(cfg.layers, kctx);
  const keras3 = looksKeras3(raws, kctx);
  const byName = new Map(raws.map((r) => [r.name, r]));
  const inRefs = refList(cfg.input_layers, 'input_layers', kctx);
  if (inRefs.length !== 1) throw new UnsupportedError(`models with ${inRefs.length} inputs are not supported (exactly one)`, { file: kctx.file });
  const outRefs = refList(cfg.output_layers, 'output_layers', kctx);
  const deps = new Map<string, string[]>();
  for (const raw of raws) {
    const nodes = raw.entry.inbound_nodes;
    const list = Array.isArray(nodes) ? nodes : [];
    if (raw.className === 'InputLayer') {
      deps.set(raw.name, []);
      continue;
    }
    if (list.length === 0) continue; // never called: not part of the graph
    if (list.length > 1)
      throw new UnsupportedLayerError(`the layer is called ${list.length} times (shared layers are not supported)`, {
        file: kctx.file,
        layer: raw.name,
        className: raw.className,
        option: 'inbound_nodes',
      });
    const refs = nodeInputs(list[0], raw, kctx);
    if (refs.length === 0) throw new ModelFormatError('the layer has no inputs', { file: kctx.file, layer: raw.name, className: raw.className });
    for (const [src, node, tensor] of refs) {
      if (!byName.has(src)) throw new ModelFormatError(`input '${src}' is not a layer of the model`, { file: kctx.file, layer: raw.name, className: raw.className });
      if (node !== 0 || tensor !== 0)
        throw new UnsupportedLayerError(`input '${src}' node ${node} tensor ${tensor}: only the first output of a single call is supported`, {
          file: kctx.file,
          layer: raw.name,
          className: raw.className,
          option: 'inbound_nodes',
        });
    }
    deps.set(raw.name, refs.map((r) => r[0]));
  }
  for (const [n, node, tensor] of [...inRefs, ...outRefs]) {
    if (!deps.has(n)) throw new ModelFormatError(`input/output layer '${n}' is not a connected layer of the model`, { file: kctx.file });
    if (node !== 0 || tensor !== 0) throw new UnsupportedError(`model input/output '${n}' node ${node} tensor ${tensor} is not supported`, { file: kctx.file });
  }
  const inputName = inRefs[0][0];
  if (byName.get(inputName)?.className !== 'InputLayer') throw new ModelFormatError(`model input '${inputName}' is not an InputLayer`, { file: kctx.file });
  for (const raw of raws)
    if (raw.className === 'InputLayer' && raw.name !== inputName && deps.has(raw.name))
      throw new UnsupportedError(`models with more than one input are not supported ('${raw.name}')`, { file: kctx.file });
  // topological order, stable with respect to the config order
  const order: RawLayer[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (n: string, from: string) => {
    const s = state.get(n);
    if (s === 2) return;
    if (s === 1) throw new ModelFormatError(`the layer graph has a cycle through '${n}'`, { file: kctx.file });
    const d = deps.get(n);
    if (!d) throw new ModelFormatError(`layer '${from}' uses '${n}', which is never called`, { file: kctx.file });
    state.set(n, 1);
    for (const x of d) visit(x, n);
    state.set(n, 2);
    order.push(byName.get(n)!);
  };
  visit(inputName, inputName);
  for (const raw of raws) if (deps.has(raw.name)) visit(raw.name, raw.name);
  const layers = order.map((raw) => makeLayer(raw, deps.get(raw.name)!, kctx, keras3));
  return finishParse(name, layers, outRefs.map((r) => r[0]), keras3, kctx);
}

function finishParse(name: string, layers: LayerIR[], outputs: string[], keras3: boolean, kctx: KerasContext): ParsedKerasModel {
  const input = layers[0];
  if (input.type !== 'InputLayer') throw new ModelFormatError('the model has no InputLayer', { file: kctx.file });
  const consumers = layers.filter((l) => l.inputs.includes(input.name));
  const tokens = consumers.some((l) => l.type === 'Embedding');
  if (tokens && consumers.some((l) => l.type !== 'Embedding'))
    throw new UnsupportedError('the input feeds both an Embedding and other layers', { file: kctx.file });
  return { name, layers, outputs, inputShape: [...input.config.shape], inputKind: tokens ? 'tokens' : 'float', keras3 };
}

/**
 * Parses a Keras model config object (see the file comment for the accepted forms).
 * `fallbackName` names the model when the config has no name.
 */
export function parseKerasTopology(topology: unknown, kctx: KerasContext, fallbackName = 'model'): ParsedKerasModel {
  if (!isObj(topology)) throw new ModelFormatError('the model config is not a JSON object', { file: kctx.file });
  const cls = topology.class_name;
  const cfg = topology.config;
  const nameOf = (c: unknown) => (isObj(c) && typeof c.name === 'string' ? c.name : fallbackName);
  if (cls === undefined || cls === 'Sequential') {
    if (Array.isArray(cfg)) return parseSequential(fallbackName, cfg, kctx, undefined);
    if (isObj(cfg) && Array.isArray(cfg.layers)) return parseSequential(nameOf(cfg), cfg.layers, kctx, cfg.build_input_shape);
    throw new ModelFormatError('config.layers is missing', { file: kctx.file });
  }
  if (cls === 'Model' || cls === 'Functional') {
    if (!isObj(cfg)) throw new ModelFormatError('config is missing', { file: kctx.file });
    return parseFunctional(nameOf(cfg), cfg, kctx);
  }
  throw new UnsupportedError(`model class '${String(cls)}' is not supported (Sequential or Functional only)`, { file: kctx.file });
}

/**
 * Given a weight name from a file (`dense_1/kernel`, `dense_1/dense_1/kernel:0`, `lstm/lstm_cell/kernel`),
 * returns [layer name, Keras weight name] using the longest layer-name prefix, or undefined.
 */
export function splitWeightName(full: string, layerNames: readonly string[]): [string, string] | undefined {
  const clean = full.replace(/:\d+$/, '');
  let best: string | undefined;
  for (const n of layerNames) if ((clean.startsWith(`${n}/`) || clean === n) && (!best || n.length > best.length)) best = n;
  if (!best) return undefined;
  const parts = clean.split('/');
  return [best, parts[parts.length - 1]];
}
