/**
 * Accuracy and numerics of the quantized models against the float references, over the report's
 * samples, all number modes in one pass (the float64 forward pass is shared):
 *
 * - float32 scores: tfjs (`predictFloat`), given by the caller; top-1 accuracy and the argmax the
 *   quantized model must agree with.
 * - quantized: the oracle (`oracleInferAll` over `quantizedModelSpec`), which the chain matches bit for
 *   bit (checked on chain samples by ./chain.ts); top-1 accuracy, agreement with float32.
 * - per layer: the oracle's output bytes of each on-chain layer, dequantized (int8: that layer's output
 *   scale and zero point; q: /2^F), against the float64 reference of the IR layer of the same name
 *   (`floatForward`): max and mean absolute error, values at the format's limits and clipped values.
 */
import { decodeI8, decodeQ } from '../tensor/pack.ts';
import { floatForward, type QuantizedModel } from '../quantize/model.ts';
import type { QuantParams } from '../quantize/int8.ts';
import { argmax, decodeModelOutput, encodeModelInput } from '../quantize/io.ts';
import { oracleInferAll, quantizedModelSpec } from '../model-chain/index.ts';
import type { ModelIR } from '../model/ir.ts';
import type { Oracle } from '../oracle.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export interface LayerStats {
  name: string;
  maxAbs: number;
  sumAbs: number;
  count: number;
  atLimits: number;
  saturated: number;
  outputSize: number;
  /** false when the layer's dequantization parameters are unknown (errors are then not reported). */
  measured: boolean;
}

export interface ModeEvaluation {
  qm: QuantizedModel;
  layers: LayerStats[];
  /** argmax of the oracle's output per sample. */
  preds: number[];
  correct: number;
  agree: number;
  outputMaxAbsError: number;
  /** Encoded inputs and every node's oracle tensor of the first `chainSamples` samples (tensors[0] = input). */
  chain: { input: Uint8Array; tensors: Uint8Array[] }[];
}

/**
 * int8 output parameters of every on-chain layer, as `quantizeModel` chained them (`layers[k].output`);
 * undefined in q mode (q tensors need no parameters to dequantize).
 */
export function layerOutputParams(qm: QuantizedModel): (QuantParams | undefined)[] {
  return qm.layers.map((l) => (qm.mode === 'int8' ? l.output : undefined));
}

function stats(name: string, measured: boolean): LayerStats {
  return { name, maxAbs: 0, sumAbs: 0, count: 0, atLimits: 0, saturated: 0, outputSize: 0, measured };
}

/** Accumulate one layer output: oracle bytes vs the float64 reference. */
function accumulate(s: LayerStats, qm: QuantizedModel, p: QuantParams | undefined, bytes: Uint8Array, ref: Float64Array): void {
  if (qm.mode === 'int8') {
    const q = decodeI8(bytes);
    s.outputSize = q.length;
    const lo = p ? p.scale * (-128 - p.zeroPoint) : 0;
    const hi = p ? p.scale * (127 - p.zeroPoint) : 0;
    for (let i = 0; i < q.length; i++) {
      const v = q[i]!;
      const f = ref[i] ?? NaN;
      if (v === -128 || v === 127) {
        s.atLimits++;
        if (p && ((v === -128 && f < lo - p.scale / 2) || (v === 127 && f > hi + p.scale / 2))) s.saturated++;
      }
      if (p && q.length === ref.length) {
        const e = Math.abs(p.scale * (v - p.zeroPoint) - f);
        if (e > s.maxAbs) s.maxAbs = e;
        s.sumAbs += e;
        s.count++;
      }
    }
    return;
  }
  const q = decodeQ(bytes);
  s.outputSize = q.length;
  const step = 2 ** -qm.F;
  const limit = 2 ** (63 - qm.F);
  for (let i = 0; i < q.length; i++) {
    const v = q[i]!;
    const f = ref[i] ?? NaN;
    if (v === INT64_MIN || v === INT64_MAX) {
      s.atLimits++;
      if (Math.abs(f) > limit) s.saturated++;
    }
    if (q.length === ref.length) {
      const e = Math.abs(Number(v) * step - f);
      if (e > s.maxAbs) s.maxAbs = e;
      s.sumAbs += e;
      s.count++;
    }
  }
}

export interface EvaluateOptions {
  labels?: number[];
  /** float32 (tfjs) scores per sample. */
  floatScores: Float32Array[];
  chainSamples: number;
  onProgress?: (done: number, total: number) => void;
}

/** Evaluate every quantized model on `inputs` (see the module doc). */
export function evaluateModes(ir: ModelIR, qms: QuantizedModel[], oracle: Oracle, inputs: Float32Array[], opts: EvaluateOptions): ModeEvaluation[] {
  const irIndex = new Map(ir.layers.map((l, i) => [l.name, i]));
  const floatPred = opts.floatScores.map((s) => argmax(s));
  const evals = qms.map((qm) => {
    const params = layerOutputParams(qm);
    return {
      qm,
      spec: quantizedModelSpec(qm),
      params,
      e: {
        qm,
        layers: qm.layers.map((l, k) => stats(l.name, qm.mode === 'q' || params[k] !== undefined)),
        preds: [],
        correct: 0,
        agree: 0,
        outputMaxAbsError: 0,
        chain: [],
      } as ModeEvaluation,
    };
  });
  inputs.forEach((x, i) => {
    const ref = floatForward(ir, x);
    for (const { qm, spec, params, e } of evals) {
      const input = encodeModelInput(qm, x);
      const t = oracleInferAll(oracle, spec, input);
      qm.layers.forEach((l, k) => accumulate(e.layers[k]!, qm, params[k], t[k + 1]!, ref[irIndex.get(l.name)!]!.out));
      const out = decodeModelOutput(qm, t[t.length - 1]!);
      const p = argmax(out);
      e.preds.push(p);
      if (opts.labels && p === opts.labels[i]) e.correct++;
      if (p === floatPred[i]) e.agree++;
      const fs = opts.floatScores[i]!;
      for (let j = 0; j < out.length; j++) e.outputMaxAbsError = Math.max(e.outputMaxAbsError, Math.abs(out[j]! - (fs[j] ?? NaN)));
      if (i < opts.chainSamples) e.chain.push({ input, tensors: t });
    }
    opts.onProgress?.(i + 1, inputs.length);
  });
  return evals.map((x) => x.e);
}
