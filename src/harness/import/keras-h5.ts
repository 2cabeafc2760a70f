/**
 * Importer for Keras HDF5 model files (`model.save('x.h5')`), read with h5wasm:
 * - root attribute `model_config` (JSON of the Keras model config), `keras_version`
 * - group `model_weights` with one group per layer; each layer group has an attribute `weight_names`
 *   (Keras 2: `dense/kernel:0`, Keras 3 legacy h5: `dense/kernel`), each naming a dataset relative to the
 *   layer group (`model_weights/dense/dense/kernel:0`). Attributes larger than the HDF5 header limit are
 *   split by Keras into `weight_names0`, `weight_names1`, … and are joined here.
 * Weights are matched by name (layer group + the last path segment, `:0` dropped); float32 only.
 * Weights-only files (`save_weights`) have no `model_config` and are rejected.
 */
import { resolve } from 'node:path';
import { ModelFormatError, UnsupportedError, WeightError } from '../model/errors.ts';
import type { ImportOptions, LayerIR, ModelIR } from '../model/ir.ts';
import { assembleModel, readBytes, stringList } from './common.ts';
import { parseKerasTopology } from './keras.ts';

type H5 = typeof import('h5wasm/node').default;
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let h5Promise: Promise<H5> | undefined;

/** Loads h5wasm (Node build, host filesystem) once. */
export async function loadH5wasm(): Promise<H5> {
  h5Promise ??= (async () => {
    const mod = (await import('h5wasm/node')).default;
    await mod.ready;
    return mod;
  })();
  return h5Promise;
}

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 signature at offset 0 or at a user-block offset (512, 1024, …). */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2)
    if (Buffer.from(bytes.buffer, bytes.byteOffset + off, 8).equals(HDF5_MAGIC)) return true;
  return false;
}

function attrNames(obj: { attrs: Record<string, unknown> }): string[] {
  try {
    return Object.keys(obj.attrs);
  } catch {
    return [];
  }
}

/** Reads a string or string-list attribute, joining Keras' chunked `name0`, `name1`, … form. */
function readStrings(obj: H5Group, name: string): string[] | undefined {
  const names = attrNames(obj as unknown as { attrs: Record<string, unknown> });
  const one = (n: string): string[] => {
    const v = obj.get_attribute(n, false) as unknown;
    if (v === null || v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (v instanceof Uint8Array) return [Buffer.from(v).toString('utf8')];
    if (Array.isArray(v)) return v.map((x) => (x instanceof Uint8Array ? Buffer.from(x).toString('utf8') : String(x)));
    if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 0) return [];
    return [String(v)];
  };
  if (names.includes(name)) return one(name);
  if (names.includes(`${name}0`)) {
    const out: string[] = [];
    for (let i = 0; names.includes(`${name}${i}`); i++) out.push(...one(`${name}${i}`));
    return out;
  }
  return undefined;
}

function datasetsUnder(g: H5Group, prefix = ''): string[] {
  const out: string[] = [];
  for (const k of g.keys()) {
    const e = g.get(k) as unknown;
    if (e && (e as { type?: string }).type === 'Dataset') out.push(prefix + k);
    else if (e && (e as { type?: string }).type === 'Group') out.push(...datasetsUnder(e as H5Group, `${prefix}${k}/`));
  }
  return out;
}

export async function importKerasH5(path: string, options: ImportOptions = {}): Promise<ModelIR> {
  const file = path;
  const head = readBytes(file);
  if (!isHdf5(head)) throw new ModelFormatError('not an HDF5 file', { file });
  const h5 = await loadH5wasm();
  let f: InstanceType<H5['File']>;
  try {
    f = new h5.File(resolve(file), 'r');
  } catch (e) {
    throw new ModelFormatError(`cannot open as HDF5: ${(e as Error).message}`, { file });
  }
  try {
    const cfgText = readStrings(f, 'model_config')?.[0];
    if (!cfgText)
      throw new ModelFormatError('no model_config attribute (a weights-only file? save the whole model with model.save)', { file });
    let cfg: unknown;
    try {
      cfg = JSON.parse(cfgText);
    } catch (e) {
      throw new ModelFormatError(`model_config is malformed JSON: ${(e as Error).message}`, { file });
    }
    const kerasVersion = readStrings(f, 'keras_version')?.[0];
    const parsed = parseKerasTopology(cfg, { file, format: 'keras-h5', kerasVersion, options }, 'model');
    const mw = f.get('model_weights') as unknown;
    if (!mw || (mw as { type?: string }).type !== 'Group') throw new ModelFormatError('no model_weights group', { file });
    const meta = readStrings(f, 'class_names');
    return assembleModel(parsed, { format: 'keras-h5', file }, (layers) => attachH5Weights(layers, mw as H5Group, file), {
      classNames: meta && meta.length ? stringList(meta) : undefined,
    });
  } finally {
    f.close();
  }
}

function attachH5Weights(layers: LayerIR[], mw: H5Group, file: string): void {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const groups = readStrings(mw, 'layer_names') ?? mw.keys();
  for (const gname of groups) {
    const g = mw.get(gname) as unknown;
    if (!g || (g as { type?: string }).type !== 'Group') throw new ModelFormatError(`model_weights/${gname} is missing`, { file });
    const group = g as H5Group;
    const wnames = readStrings(group, 'weight_names') ?? datasetsUnder(group);
    if (wnames.length === 0) continue;
    const layer = byName.get(gname);
    if (!layer) throw new WeightError(`model_weights/${gname} holds weights but the model has no layer '${gname}'`, { file });
    for (const wn of wnames) {
      const parts = wn.replace(/:\d+$/, '').split('/');
      const weight = parts[parts.length - 1];
      const ctx = { file, layer: layer.name, className: layer.type, weight };
      const ds = group.get(wn) as unknown;
      if (!ds || (ds as { type?: string }).type !== 'Dataset')
        throw new ModelFormatError(`dataset model_weights/${gname}/${wn} is missing`, ctx);
      const d = ds as H5Dataset;
      const m = d.metadata;
      if (m.type !== 1 || m.size !== 4)
        throw new UnsupportedError(`weight '${weight}' has HDF5 type ${String(d.dtype)}; only float32 weights are supported`, ctx);
      if (weight in layer.weights) throw new WeightError(`weight '${weight}' appears twice ('${wn}')`, ctx);
      const v = d.value;
      if (!(v instanceof Float32Array)) throw new ModelFormatError(`weight '${weight}' could not be read as float32`, ctx);
      layer.weights[weight] = { shape: [...(d.shape ?? [])], data: new Float32Array(v) };
    }
  }
}
