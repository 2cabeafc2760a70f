/**
 * From a model file to the quantized model the deployer uploads: `importModel` → `quantizeModel`.
 *
 * int8 calibration (`calibration` samples, default 200):
 * - models taking 784 values (MNIST-shaped: 28×28×1 or 784) calibrate on the first N training digits of
 *   the fixed MNIST split (src/harness/data/mnist.ts: raw pixels 0..255);
 * - other float-input models on N seeded synthetic inputs (mulberry32, seed 2026): uniform integers in
 *   [0, 255] when the model starts with a Rescaling layer (image models take raw pixels), else uniform
 *   reals in [−1, 1];
 * - token-id models (a leading Embedding) on uniform ids in [0, input_dim).
 * The record states which (`quantization.calibration`). q mode needs no calibration.
 */
import { importModel } from '../import/index.ts';
import { loadMnist, MNIST_PIXELS } from '../data/mnist.ts';
import { product, type ModelIR } from '../model/ir.ts';
import { syntheticDescription, syntheticInputs } from '../data/synthetic.ts';
import { quantizeModel, type QuantizedModel } from '../quantize/model.ts';
import { quantizedModelSpec, type ModelSpec } from '../model-chain/config.ts';
import { layerKinds } from '../model-chain/pipeline.ts';
import type { RecordQuantization } from './record.ts';

export interface PrepareOptions {
  mode: 'int8' | 'q';
  /** Fractional bits of q mode (default 32). */
  F?: number;
  /** int8 calibration samples (default 200). */
  calibration?: number;
  /** Sequence length fixed on import for models with a dynamic sequence axis (default 8). */
  sequenceLength?: number;
}

export interface PreparedModel {
  ir: ModelIR;
  qm: QuantizedModel;
  spec: ModelSpec;
  /** Layer contract kinds, in deployment order. */
  kinds: string[];
  quantization: RecordQuantization;
}

/** The calibration inputs of `ir` (see the module doc) and their description. */
export function calibrationSamples(ir: ModelIR, n: number): { samples: ArrayLike<number>[]; description: string } {
  if (ir.inputKind !== 'tokens' && product(ir.inputShape) === MNIST_PIXELS) {
    const images = loadMnist().train.images.slice(0, n);
    return { samples: images, description: `the first ${images.length} MNIST training digits (fixed split)` };
  }
  return { samples: syntheticInputs(ir, n, 2026), description: `${n} seeded synthetic inputs (seed 2026): ${syntheticDescription(ir)}` };
}

/** Import and quantize `file`; throws the importer's / quantizer's / ModelConfigError on what cannot deploy. */
export async function prepareModel(file: string, opts: PrepareOptions): Promise<PreparedModel> {
  let ir = await importModel(file);
  if (ir.inputShape.includes(-1)) ir = await importModel(file, { sequenceLength: opts.sequenceLength ?? 8 });
  const F = opts.F ?? 32;
  let qm: QuantizedModel;
  let calibration: string;
  if (opts.mode === 'int8') {
    const { samples, description } = calibrationSamples(ir, opts.calibration ?? 200);
    qm = quantizeModel(ir, { mode: 'int8', samples });
    calibration = description;
  } else {
    qm = quantizeModel(ir, { mode: 'q', F });
    calibration = qm.calibration;
  }
  const kinds = layerKinds(qm);
  const spec = quantizedModelSpec(qm);
  return {
    ir,
    qm,
    spec,
    kinds,
    quantization: {
      mode: qm.mode,
      F: qm.F,
      inputShape: qm.inputShape,
      inputLength: product(qm.inputShape),
      inputTransform: qm.inputTransform,
      input: qm.input,
      output: qm.output,
      firstLayer: qm.layers[0]!.type,
      calibration,
      layers: qm.layers.map((l) => ({ name: l.name, type: l.type, outputShape: l.outputShape })),
    },
  };
}

/**
 * The part of a `QuantizedModel` that `encodeModelInput` / `decodeModelOutput` read, rebuilt from a
 * record (a deployment can be used without the model file).
 */
export function ioModelOf(q: RecordQuantization): QuantizedModel {
  return {
    mode: q.mode,
    F: q.F,
    inputTransform: q.inputTransform,
    input: q.input,
    output: q.output,
    inputShape: q.inputShape,
    folded: [],
    calibration: q.calibration,
    // Only the first layer's type is read (token ids); ops and weights are not needed to encode/decode.
    layers: [{ type: q.firstLayer } as QuantizedModel['layers'][number]],
  };
}
