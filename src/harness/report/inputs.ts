/**
 * The report's sample inputs and int8 calibration samples.
 *
 * - `mnist`: the 2,000 held-out digits of the fixed split of the `mnist` package (`loadMnist().test`),
 *   raw pixels 0..255; calibration = the first digits of its train split.
 * - a JSON file `{ "inputs": number[][], "labels"?: number[] }`: each input flattened row-major in the
 *   model's per-sample input shape; calibration = the first inputs (which are also evaluated).
 * - nothing: seeded synthetic inputs in the model's natural input range — integer pixels 0..255 for a
 *   model that starts with a Rescaling, token ids below the vocabulary size for a model that starts with
 *   an Embedding, uniform [−1, 1] otherwise (`syntheticInputs`, src/harness/data/synthetic.ts); no labels (accuracy n/a, agreement only); calibration = the
 *   first inputs.
 */
import { readFileSync } from 'node:fs';
import { loadMnist, MNIST_PIXELS } from '../data/mnist.ts';
import { product, type ModelIR } from '../model/ir.ts';
import { syntheticDescription, syntheticInputs } from '../data/synthetic.ts';
import { ReportInputError } from './errors.ts';

export interface ReportData {
  /** One line: where the inputs come from. */
  description: string;
  inputs: Float32Array[];
  labels?: number[];
  synthetic: boolean;
  calibration: Float32Array[];
  /** One line: where the int8 calibration samples come from. */
  calibrationNote: string;
}

export interface DataOptions {
  data?: string;
  samples: number;
  calibration: number;
  seed: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function synthetic(ir: ModelIR, n: number, seed: number): Float32Array[] {
  return syntheticInputs(ir, n, seed).map((x) => Float32Array.from(x));
}

function readDataFile(path: string, size: number): { inputs: Float32Array[]; labels?: number[] } {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ReportInputError(`data file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  const o = j as { inputs?: unknown; labels?: unknown };
  if (!o || typeof o !== 'object' || !Array.isArray(o.inputs) || o.inputs.length === 0)
    throw new ReportInputError(`data file ${path}: expected {"inputs": number[][], "labels"?: number[]} with at least one input`);
  const inputs = o.inputs.map((x, i) => {
    if (!Array.isArray(x) || x.length !== size || !x.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw new ReportInputError(`data file ${path}: input ${i} must be ${size} finite numbers (the model's input shape flattened)`);
    return Float32Array.from(x as number[]);
  });
  let labels: number[] | undefined;
  if (o.labels !== undefined) {
    if (!Array.isArray(o.labels) || o.labels.length !== inputs.length || !o.labels.every((v) => Number.isInteger(v) && v >= 0))
      throw new ReportInputError(`data file ${path}: labels must be ${inputs.length} non-negative integers, one per input`);
    labels = o.labels as number[];
  }
  return { inputs, labels };
}

/** The sample inputs, labels and calibration samples of a report (see the module doc). */
export function loadReportData(ir: ModelIR, opts: DataOptions): ReportData {
  const size = product(ir.inputShape);
  if (opts.data === 'mnist') {
    if (size !== MNIST_PIXELS || ir.inputKind !== 'float')
      throw new ReportInputError(`--data mnist gives 28×28×1 images (${MNIST_PIXELS} values); ${ir.name} takes input shape [${ir.inputShape.join(', ')}]`);
    const d = loadMnist();
    const n = Math.min(opts.samples, d.test.images.length);
    const c = Math.min(opts.calibration, d.train.images.length);
    return {
      description: `MNIST held-out digits (mnist package, fixed split): the first ${fmt(n)} of ${fmt(d.test.images.length)}`,
      inputs: d.test.images.slice(0, n),
      labels: d.test.labels.slice(0, n),
      synthetic: false,
      calibration: d.train.images.slice(0, c),
      calibrationNote: `int8 calibrated on the first ${fmt(c)} digits of the MNIST train split (disjoint from the evaluated digits)`,
    };
  }
  if (opts.data !== undefined) {
    const f = readDataFile(opts.data, size);
    const n = Math.min(opts.samples, f.inputs.length);
    const c = Math.min(opts.calibration, f.inputs.length);
    return {
      description: `${opts.data}: ${fmt(n)} of ${fmt(f.inputs.length)} inputs${f.labels ? ' with labels' : ', no labels (accuracy n/a, agreement only)'}`,
      inputs: f.inputs.slice(0, n),
      labels: f.labels?.slice(0, n),
      synthetic: false,
      calibration: f.inputs.slice(0, c),
      calibrationNote: `int8 calibrated on the first ${fmt(c)} inputs of ${opts.data} (also evaluated)`,
    };
  }
  const n = opts.samples;
  const inputs = synthetic(ir, Math.max(n, opts.calibration), opts.seed);
  const c = Math.min(opts.calibration, inputs.length);
  return {
    description: `synthetic inputs: no labels, accuracy n/a, agreement only (${fmt(n)} seeded inputs, ${syntheticDescription(ir)}, seed ${opts.seed})`,
    inputs: inputs.slice(0, n),
    synthetic: true,
    calibration: inputs.slice(0, c),
    calibrationNote: `int8 calibrated on the first ${fmt(c)} synthetic inputs (also evaluated)`,
  };
}
