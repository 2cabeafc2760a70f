/**
 * Importer for the original solearn design's JSON: `{model_name, layers_config, weight_b64,
 * classes_name | vocabulary}` where `weight_b64` is base64 of the little-endian float32 concatenation of
 * Keras `model.get_weights()` (layer order, each layer's weights in Keras order).
 */
import { ModelFormatError } from '../model/errors.ts';
import { product, type ImportOptions, type LayerIR, type ModelIR } from '../model/ir.ts';
import { weightSpecs } from '../model/shapes.ts';
import { assembleModel, readJson, stringList } from './common.ts';
import { parseKerasTopology } from './keras.ts';

/** True when a parsed JSON object looks like a solearn model file. */
export function isSolearnJson(j: unknown): boolean {
  return typeof j === 'object' && j !== null && 'layers_config' in j && 'weight_b64' in j;
}

function decodeFloats(b64: string, file: string): Float32Array {
  const s = b64.replace(/\s+/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s))
    throw new ModelFormatError('weight_b64 is not valid base64', { file });
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 4 !== 0)
    throw new ModelFormatError(`weight_b64 decodes to ${bytes.length} bytes, not a whole number of float32 values`, { file });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Assigns a flat `get_weights()` concatenation to layers in order; the total must match exactly. */
export function assignFlatWeights(layers: LayerIR[], flat: Float32Array, file: string, what = 'weight_b64'): void {
  const plan = layers.flatMap((l) => weightSpecs(l).map((s) => ({ layer: l, spec: s })));
  const total = plan.reduce((n, p) => n + product(p.spec.shape), 0);
  if (flat.length !== total)
    throw new ModelFormatError(`${what} holds ${flat.length} float32 values but the layers need ${total}`, { file });
  let off = 0;
  for (const { layer, spec } of plan) {
    const n = product(spec.shape);
    layer.weights[spec.name] = { shape: [...spec.shape], data: flat.slice(off, off + n) };
    off += n;
  }
}

export function importSolearnJson(path: string, options: ImportOptions = {}): ModelIR {
  const j = readJson(path);
  if (!isSolearnJson(j)) throw new ModelFormatError('not a solearn model JSON (needs layers_config and weight_b64)', { file: path });
  const o = j as Record<string, unknown>;
  if (typeof o.weight_b64 !== 'string') throw new ModelFormatError('weight_b64 is not a string', { file: path });
  const name = typeof o.model_name === 'string' ? o.model_name : 'model';
  const parsed = parseKerasTopology(o.layers_config, { file: path, format: 'solearn-json', options }, name);
  const flat = decodeFloats(o.weight_b64, path);
  return assembleModel(
    parsed,
    { format: 'solearn-json', file: path },
    (layers) => assignFlatWeights(layers, flat, path),
    { name, classNames: stringList(o.classes_name), vocabulary: stringList(o.vocabulary) },
  );
}
