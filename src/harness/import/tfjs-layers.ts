/**
 * Importer for the TensorFlow.js layers format: `model.json` (`modelTopology` + `weightsManifest`) and its
 * `.bin` shards. Accepts what `tfjs.LayersModel.save()` writes (`modelTopology` = the Keras model config)
 * and what the Python converter writes (`modelTopology.model_config`). Weights are matched to layers by
 * name; only float32, unquantized weights are accepted.
 */
import { dirname, resolve } from 'node:path';
import { ModelFormatError, UnsupportedError, WeightError } from '../model/errors.ts';
import { product, type ImportOptions, type LayerIR, type ModelIR } from '../model/ir.ts';
import { assembleModel, readBytes, readJson, stringList } from './common.ts';
import { parseKerasTopology, splitWeightName } from './keras.ts';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isTfjsLayersJson(j: unknown): boolean {
  return isObj(j) && 'modelTopology' in j && 'weightsManifest' in j;
}

export function importTfjsLayers(modelJsonPath: string, options: ImportOptions = {}): ModelIR {
  const file = modelJsonPath;
  const j = readJson(file);
  if (!isObj(j) || !isObj(j.modelTopology)) throw new ModelFormatError('not a tfjs model.json (no modelTopology)', { file });
  if (j.format === 'graph-model' || 'node' in j.modelTopology)
    throw new UnsupportedError('tfjs graph models are not supported (convert to the layers format)', { file });
  const topo = j.modelTopology;
  const config = isObj(topo.model_config) ? topo.model_config : topo;
  const kerasVersion = typeof topo.keras_version === 'string' ? topo.keras_version : undefined;
  const parsed = parseKerasTopology(config, { file, format: 'tfjs-layers', kerasVersion, options }, 'model');
  if (!Array.isArray(j.weightsManifest)) throw new ModelFormatError('weightsManifest is missing', { file });
  const manifest = j.weightsManifest as unknown[];
  const meta = isObj(j.userDefinedMetadata) ? j.userDefinedMetadata : {};
  return assembleModel(
    parsed,
    { format: 'tfjs-layers', file },
    (layers) => attachManifestWeights(layers, manifest, dirname(file), file),
    { classNames: stringList(meta.classNames) ?? stringList(meta.classes_name), vocabulary: stringList(meta.vocabulary) },
  );
}

function attachManifestWeights(layers: LayerIR[], manifest: unknown[], dir: string, file: string): void {
  const names = layers.map((l) => l.name);
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const [gi, group] of manifest.entries()) {
    if (!isObj(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new ModelFormatError(`weightsManifest[${gi}] needs paths and weights`, { file });
    const entries = group.weights as unknown[];
    // find owners and check dtypes before reading any data
    const plan = entries.map((e, wi) => {
      if (!isObj(e) || typeof e.name !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
        throw new ModelFormatError(`weightsManifest[${gi}].weights[${wi}] is malformed`, { file });
      const entry = e as unknown as ManifestEntry;
      const split = splitWeightName(entry.name, names);
      if (!split) throw new WeightError(`weight '${entry.name}' belongs to no layer of the model`, { file });
      const [layerName, weight] = split;
      const layer = byName.get(layerName)!;
      const ctx = { file, layer: layer.name, className: layer.type, weight };
      const dtype = entry.dtype ?? 'float32';
      if (entry.quantization !== undefined && entry.quantization !== null)
        throw new UnsupportedError(`weight '${weight}' is quantized (${JSON.stringify(entry.quantization)}); only float32 weights are supported`, ctx);
      if (dtype !== 'float32') throw new UnsupportedError(`weight '${weight}' has dtype ${dtype}; only float32 weights are supported`, ctx);
      if (weight in layer.weights) throw new WeightError(`weight '${weight}' appears twice ('${entry.name}')`, ctx);
      layer.weights[weight] = { shape: [...entry.shape], data: new Float32Array(0) }; // reserve
      return { layer, weight, shape: [...entry.shape], bytes: product(entry.shape) * 4 };
    });
    const bufs = (group.paths as unknown[]).map((p) => {
      if (typeof p !== 'string') throw new ModelFormatError(`weightsManifest[${gi}].paths is malformed`, { file });
      return readBytes(resolve(dir, p), `weights file '${p}'`);
    });
    const data = Buffer.concat(bufs);
    const need = plan.reduce((n, p) => n + p.bytes, 0);
    const shards = (group.paths as string[]).join(', ');
    if (data.length < need)
      throw new ModelFormatError(`weights file ${shards} is truncated: ${data.length} bytes, the manifest needs ${need}`, { file });
    if (data.length > need)
      throw new ModelFormatError(`weights file ${shards} has ${data.length} bytes, the manifest describes ${need}`, { file });
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    for (const p of plan) {
      const out = new Float32Array(p.bytes / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(off + i * 4, true);
      off += p.bytes;
      p.layer.weights[p.weight] = { shape: p.shape, data: out };
    }
  }
}
