/** Shared importer plumbing: read files with clear errors, infer shapes, attach weights, validate, count. */
import { readFileSync, statSync } from 'node:fs';
import { ModelFormatError } from '../model/errors.ts';
import type { LayerIR, ModelFormat, ModelIR } from '../model/ir.ts';
import { inferShapes } from '../model/shapes.ts';
import { validateModel } from '../model/validate.ts';
import type { ParsedKerasModel } from './keras.ts';

export function readBytes(file: string, what = 'file'): Buffer {
  try {
    if (!statSync(file).isFile()) throw new ModelFormatError(`${what} is not a regular file`, { file });
    return readFileSync(file);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFormatError(code === 'ENOENT' ? `${what} not found` : `cannot read ${what}: ${(e as Error).message}`, { file });
  }
}

export function readJson(file: string): unknown {
  const text = readBytes(file).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`malformed JSON: ${(e as Error).message}`, { file });
  }
}

/**
 * Shapes first (so 'valid' windows that do not fit fail here, naming the layer), then weights via
 * `attach`, then the full validation and counts.
 */
export function assembleModel(
  parsed: ParsedKerasModel,
  source: { format: ModelFormat; file: string },
  attach: (layers: LayerIR[]) => void,
  extra: { classNames?: string[]; vocabulary?: string[]; name?: string } = {},
): ModelIR {
  inferShapes(parsed.layers, { file: source.file });
  attach(parsed.layers);
  const model: ModelIR = {
    name: extra.name ?? parsed.name,
    source,
    inputShape: [...parsed.layers[0].outputShape],
    inputKind: parsed.inputKind,
    layers: parsed.layers,
    outputs: parsed.outputs,
    params: 0,
    macs: 0,
  };
  if (extra.classNames) model.classNames = extra.classNames;
  if (extra.vocabulary) model.vocabulary = extra.vocabulary;
  const { params, macs } = validateModel(model);
  model.params = params;
  model.macs = macs;
  return model;
}

export function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}
