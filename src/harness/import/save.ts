/**
 * Writers for the formats the importers read, used to make test fixtures from tfjs models (pure-JS
 * tfjs has no `file://` handler in Node):
 * - `saveTfjsLayers(model, dir)`: `model.json` + `weights.bin` exactly as `model.save()` would write them
 *   (through `tf.io.withSaveHandler`).
 * - `saveKerasH5(model, path, {style})`: a Keras HDF5 model file written with h5wasm, in the Keras 2
 *   layout (`model_config` + `model_weights/<layer>/<layer>/<weight>:0`) or the Keras 3 legacy-h5
 *   layout and config spellings (`batch_shape`, dtype-policy objects, `{args, kwargs}` inbound nodes,
 *   `negative_slope`, weight paths without `:0`).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadH5wasm } from './keras-h5.ts';

type Json = Record<string, unknown>;

/** The Keras-format topology (`{class_name, config, keras_version, backend}`) of a tfjs model. */
export async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let art: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      art = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return art!;
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const buf = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buf);
}

/** Writes `dir/model.json` and `dir/weights.bin` (the tfjs layers format). */
export async function saveTfjsLayers(model: tf.LayersModel, dir: string, userDefinedMetadata?: Json): Promise<void> {
  const art = await tfjsArtifacts(model);
  mkdirSync(dir, { recursive: true });
  const json: Json = {
    modelTopology: art.modelTopology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }],
  };
  if (userDefinedMetadata) json.userDefinedMetadata = userDefinedMetadata;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), weightBytes(art.weightData));
}

// ---------------------------------------------------------------------------------------------
// Keras 3 spellings

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

function keras3LayerConfig(className: string, c: Json): Json {
  const out: Json = { ...c, dtype: policy };
  delete out.batch_input_shape;
  if (className === 'LeakyReLU' && 'alpha' in out) {
    out.negative_slope = out.alpha;
    delete out.alpha;
  }
  if (className === 'InputLayer') {
    return { batch_shape: c.batch_input_shape, dtype: 'float32', sparse: false, name: c.name };
  }
  return out;
}

function keras3Tensor(ref: unknown[]): Json {
  return {
    class_name: '__keras_tensor__',
    config: { shape: null, dtype: 'float32', keras_history: [ref[0], ref[1], ref[2]] },
  };
}

function toKeras3Topology(topo: Json): Json {
  const cls = topo.class_name as string;
  const cfg = topo.config as Json;
  const layers = cfg.layers as Json[];
  const wrap = (l: Json, extra: Json = {}) => ({
    module: 'keras.layers',
    class_name: l.class_name,
    config: keras3LayerConfig(l.class_name as string, l.config as Json),
    registered_name: null,
    ...extra,
  });
  if (cls === 'Sequential') {
    const first = layers[0].config as Json;
    const out: Json[] = [];
    if (layers[0].class_name !== 'InputLayer')
      out.push(wrap({ class_name: 'InputLayer', config: { batch_input_shape: first.batch_input_shape, name: 'input_layer' } }));
    for (const l of layers) out.push(wrap(l, { build_config: { input_shape: null } }));
    return { module: 'keras', class_name: 'Sequential', config: { name: cfg.name, trainable: true, dtype: policy, layers: out }, registered_name: null };
  }
  const out = layers.map((l) => {
    const nodes = (l.inbound_nodes as unknown[][][]) ?? [];
    const k3nodes = nodes.map((node) => {
      const ts = node.map((ref) => keras3Tensor(ref as unknown[]));
      return { args: ts.length === 1 ? [ts[0]] : [ts], kwargs: {} };
    });
    return { ...wrap(l), name: l.name, inbound_nodes: k3nodes };
  });
  const inputs = cfg.input_layers as unknown[][];
  const outputs = cfg.output_layers as unknown[][];
  return {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name: cfg.name,
      trainable: true,
      layers: out,
      input_layers: inputs.length === 1 ? inputs[0] : inputs,
      output_layers: outputs.length === 1 ? outputs[0] : outputs,
    },
    registered_name: 'Functional',
  };
}

/** Weight path inside the layer group, Keras style. */
function kerasWeightPath(layer: tf.layers.Layer, originalName: string, style: 'keras2' | 'keras3'): string {
  const w = originalName.split('/').pop()!;
  const cls = layer.getClassName();
  const cell = cls === 'LSTM' || cls === 'GRU' || cls === 'SimpleRNN' ? `${layer.name}/${cls === 'SimpleRNN' ? 'simple_rnn' : cls.toLowerCase()}_cell/` : `${layer.name}/`;
  return style === 'keras2' ? `${cell}${w}:0` : `${cell}${w}`;
}

export interface SaveH5Options {
  style?: 'keras2' | 'keras3';
  /** Replace the model config before writing (for tests that need a config tfjs cannot express). */
  transformConfig?: (config: Json) => Json;
  /** Optional `class_names` root attribute. */
  classNames?: string[];
}

/** Writes a Keras HDF5 model file for a tfjs model. */
export async function saveKerasH5(model: tf.LayersModel, path: string, opts: SaveH5Options = {}): Promise<void> {
  const style = opts.style ?? 'keras2';
  const art = await tfjsArtifacts(model);
  const topo = art.modelTopology as Json;
  let config: Json = { class_name: topo.class_name, config: topo.config };
  if (style === 'keras3') config = toKeras3Topology(config);
  if (opts.transformConfig) config = opts.transformConfig(config);
  const h5 = await loadH5wasm();
  const abs = resolve(path);
  rmSync(abs, { force: true });
  const f = new h5.File(abs, 'w');
  try {
    f.create_attribute('model_config', JSON.stringify(config));
    f.create_attribute('keras_version', style === 'keras2' ? '2.15.0' : '3.3.3');
    f.create_attribute('backend', 'tensorflow');
    if (opts.classNames) f.create_attribute('class_names', opts.classNames);
    const mw = f.create_group('model_weights');
    const layers = model.layers.filter((l) => !(l.getClassName() === 'InputLayer'));
    const names = model.layers.map((l) => l.name);
    mw.create_attribute('layer_names', names);
    mw.create_attribute('keras_version', style === 'keras2' ? '2.15.0' : '3.3.3');
    mw.create_attribute('backend', 'tensorflow');
    for (const l of model.layers) {
      const g = mw.create_group(l.name);
      if (!layers.includes(l) || l.weights.length === 0) {
        g.create_attribute('weight_names', [] as string[]);
        continue;
      }
      const values = l.getWeights();
      const paths = l.weights.map((w) => kerasWeightPath(l, (w as unknown as { originalName: string }).originalName ?? w.name, style));
      g.create_attribute('weight_names', paths);
      paths.forEach((p, i) => {
        const parts = p.split('/');
        let grp = g;
        for (const part of parts.slice(0, -1)) grp = (grp.keys().includes(part) ? grp.get(part) : grp.create_group(part)) as typeof g;
        const t = values[i];
        grp.create_dataset({ name: parts[parts.length - 1], data: t.dataSync() as Float32Array, shape: t.shape, dtype: '<f' });
      });
      // (getWeights returns the variables' own tensors: do not dispose them)
    }
  } finally {
    f.close();
  }
}
