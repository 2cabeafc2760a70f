/**
 * Model importers. All return a `ModelIR` with shapes inferred and weights validated, or throw one of
 * the errors of `../model/errors.ts` with a one-line message naming the file (and layer).
 *
 * - `importSolearnJson(path)`   solearn JSON (Keras layers_config + base64 float32 weights)
 * - `importTfjsLayers(path)`    tfjs layers format (model.json + .bin shards)
 * - `importKerasH5(path)`       Keras HDF5 (async: h5wasm loads a WebAssembly module)
 * - `importModel(path)`         picks one of the above by content (HDF5 signature, JSON keys) and extension
 */
import { extname } from 'node:path';
import { ModelFormatError, UnsupportedError } from '../model/errors.ts';
import type { ImportOptions, ModelIR } from '../model/ir.ts';
import { readBytes } from './common.ts';
import { importKerasH5, isHdf5 } from './keras-h5.ts';
import { importSolearnJson, isSolearnJson } from './solearn.ts';
import { importTfjsLayers, isTfjsLayersJson } from './tfjs-layers.ts';

export { importKerasH5, loadH5wasm } from './keras-h5.ts';
export { importSolearnJson, assignFlatWeights } from './solearn.ts';
export { importTfjsLayers } from './tfjs-layers.ts';
export { parseKerasTopology, parseActivation, splitWeightName, type KerasContext, type ParsedKerasModel } from './keras.ts';

export type ModelFileKind = 'solearn-json' | 'tfjs-layers' | 'keras-h5';

/** Detects the format of a model file from its content (extension only breaks ties). */
export function detectModelFormat(path: string): ModelFileKind {
  const ext = extname(path).toLowerCase();
  if (ext === '.keras') throw new UnsupportedError('the Keras v3 .keras zip format is not supported; save as .h5 or convert to tfjs layers', { file: path });
  const bytes = readBytes(path);
  if (isHdf5(bytes)) return 'keras-h5';
  if (ext === '.h5' || ext === '.hdf5') throw new ModelFormatError('not an HDF5 file', { file: path });
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ModelFormatError(`neither HDF5 nor valid JSON: ${(e as Error).message}`, { file: path });
  }
  if (isSolearnJson(j)) return 'solearn-json';
  if (isTfjsLayersJson(j)) return 'tfjs-layers';
  throw new ModelFormatError('unknown JSON model format (expected solearn layers_config/weight_b64 or tfjs modelTopology/weightsManifest)', { file: path });
}

/** Imports any supported model file. */
export async function importModel(path: string, options: ImportOptions = {}): Promise<ModelIR> {
  switch (detectModelFormat(path)) {
    case 'keras-h5':
      return importKerasH5(path, options);
    case 'solearn-json':
      return importSolearnJson(path, options);
    case 'tfjs-layers':
      return importTfjsLayers(path, options);
  }
}
