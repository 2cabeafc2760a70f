/**
 * Keras Embedding on chain (twin of contracts/layers/Embedding.sol, assembly/layers/Embedding.ts): the
 * config struct, the token-id encoding, the weight blobs of both modes, the quantizer (from float weights
 * and, `quantizeEmbeddingLayer`, from an IR layer) and a float64 reference (`embeddingFloat`).
 *
 * - Input: T token ids, each a 4-byte big-endian unsigned integer (`encodeIds`).
 * - q blob: table [inputDim, outputDim] int64 BE (the output's Q(F)).
 * - int8 blob: table int8 ‖ (perRow) M uint32 BE ×inputDim ‖ shift u8 ×inputDim. Per-tensor: the table is
 *   quantized with the output's (scale, zero point) and rows are copied; per-row: row r is symmetric with
 *   scale s_r and requantized by M[r]/2^shift[r] ≈ s_r/s_out to the output.
 */
import { toQArray } from '../quantize/q.ts';
import { activationParams, quantizeMultiplier, quantizeTensor, roundHalfAway, type QuantParams } from '../quantize/int8.ts';
import { QuantizationError } from '../quantize/errors.ts';
import { encodeQ } from '../tensor/pack.ts';
import { getBytes } from 'ethers';
import type { LayerOf } from '../model/ir.ts';
import type { QuantizeOptions, QuantizedLayer } from './quantize.ts';
import type { Schema } from './schema.ts';
import { Mode, elementBytes, type LayerOp } from './types.ts';

/** `EmbeddingConfig` of Embedding.sol. */
export interface EmbeddingConfig {
  mode: number;
  T: number;
  inputDim: number;
  outputDim: number;
  perRow: boolean;
  zOut: number;
}

export const EMBEDDING_CONFIG_SCHEMA: Schema = [
  ['mode', 'uint8'],
  ['T', 'uint32'],
  ['inputDim', 'uint32'],
  ['outputDim', 'uint32'],
  ['perRow', 'bool'],
  ['zOut', 'int8'],
];

export const EMBEDDING: LayerOp<EmbeddingConfig> = {
  name: 'Embedding',
  schema: EMBEDDING_CONFIG_SCHEMA,
  harness: 'embedding',
  oracle: 'embeddingForward',
  outputBytes: (c, range) => Math.max(range ? range[1] - range[0] : c.T, 0) * c.outputDim * elementBytes(c.mode),
};

/** Token ids → the input tensor (4-byte big-endian unsigned each). */
export function encodeIds(ids: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 * ids.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`token id ${v} at ${i} is not a uint32`);
    view.setUint32(4 * i, v, false);
  }
  return out;
}

/** int8 blob: table ‖ [M uint32 BE ×V ‖ shift u8 ×V]. */
export function packEmbeddingI8(table: ArrayLike<number>, V: number, D: number, rows?: { M: ArrayLike<number>; shift: ArrayLike<number> }): Uint8Array {
  if (table.length !== V * D) throw new RangeError(`Embedding table has ${table.length} values, expected ${V}×${D}`);
  const out = new Uint8Array(V * D + (rows ? 5 * V : 0));
  const view = new DataView(out.buffer);
  for (let i = 0; i < V * D; i++) out[i] = table[i]! & 0xff;
  if (rows) {
    for (let r = 0; r < V; r++) {
      view.setUint32(V * D + 4 * r, rows.M[r]!, false);
      view.setUint8(V * D + 4 * V + r, rows.shift[r]!);
    }
  }
  return out;
}

/** q blob: the table as int64 BE. */
export function packEmbeddingQ(table: ArrayLike<bigint>): Uint8Array {
  return getBytes(encodeQ(table));
}

export interface EmbeddingFloat {
  inputDim: number;
  outputDim: number;
  /** [inputDim, outputDim] row-major. */
  table: ArrayLike<number>;
}

export function embeddingFromIR(l: LayerOf<'Embedding'>): EmbeddingFloat {
  const e = l.weights.embeddings;
  if (!e) throw new QuantizationError(`Embedding ${l.name}: no embeddings weight`);
  return { inputDim: l.config.inputDim, outputDim: l.config.outputDim, table: e.data };
}

export type EmbeddingQuantOptions =
  | { mode: 'q'; T: number; F?: number }
  | { mode: 'int8'; T: number; output: QuantParams; perRow: boolean };

/** Quantize a float Embedding (docs/layers/recurrent.md "Embedding"). */
export function quantizeEmbedding(e: EmbeddingFloat, opts: EmbeddingQuantOptions): { config: EmbeddingConfig; weights: Uint8Array } {
  const V = e.inputDim, D = e.outputDim;
  const base = { T: opts.T, inputDim: V, outputDim: D };
  if (opts.mode === 'q') {
    return { config: { ...base, mode: Mode.Q, perRow: false, zOut: 0 }, weights: packEmbeddingQ(toQArray(e.table, opts.F ?? 32, 'embeddings')) };
  }
  const out = opts.output;
  if (!opts.perRow) {
    return { config: { ...base, mode: Mode.I8, perRow: false, zOut: out.zeroPoint }, weights: packEmbeddingI8(quantizeTensor(e.table, out), V, D) };
  }
  const q = new Int8Array(V * D);
  const M: number[] = [], shift: number[] = [];
  for (let r = 0; r < V; r++) {
    let mx = 0;
    for (let k = 0; k < D; k++) mx = Math.max(mx, Math.abs(e.table[r * D + k]!));
    const s = mx > 0 ? mx / 127 : 1;
    for (let k = 0; k < D; k++) q[r * D + k] = Math.max(-127, Math.min(127, roundHalfAway(e.table[r * D + k]! / s)));
    const m = quantizeMultiplier(s / out.scale);
    M.push(m.M);
    shift.push(m.shift);
  }
  return { config: { ...base, mode: Mode.I8, perRow: true, zOut: out.zeroPoint }, weights: packEmbeddingI8(q, V, D, { M, shift }) };
}

/**
 * Keras Embedding in float64: row `ids[t]` of the table for every position, output `[T, outputDim]`.
 * Ids must be integers in [0, inputDim) (carried as floats, as the IR's token inputs are).
 */
export function embeddingFloat(e: EmbeddingFloat, ids: ArrayLike<number>): Float64Array {
  const D = e.outputDim;
  const y = new Float64Array(ids.length * D);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= e.inputDim) throw new QuantizationError(`token ${id} at position ${t} is not an integer id in [0, ${e.inputDim})`);
    for (let k = 0; k < D; k++) y[t * D + k] = e.table[id * D + k]!;
  }
  return y;
}

/** The float range of an Embedding's output: every id selects a table row, so it is the table's [min, max]. */
export function embeddingRange(e: EmbeddingFloat): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < e.table.length; i++) {
    lo = Math.min(lo, e.table[i]!);
    hi = Math.max(hi, e.table[i]!);
  }
  return [lo, hi];
}

/**
 * `quantizeLayer` of an IR Embedding: T is the layer's static sequence length (a dynamic one is refused —
 * import with `sequenceLength`). int8 is per-tensor with the output params of `ranges.output` (whole-model
 * quantization passes the table's range, `embeddingRange`, so every id is represented); the input is ids,
 * so `ranges.input` is unused.
 */
export function quantizeEmbeddingLayer(l: LayerOf<'Embedding'>, opts: QuantizeOptions): QuantizedLayer {
  const T = l.outputShape[0]!;
  if (!(Number.isInteger(T) && T >= 1)) throw new QuantizationError(`Embedding ${l.name}: the sequence length is dynamic; import the model with a fixed sequenceLength`);
  const e = embeddingFromIR(l);
  const q =
    opts.mode === 'q'
      ? quantizeEmbedding(e, { mode: 'q', T, F: opts.F })
      : quantizeEmbedding(e, { mode: 'int8', T, output: activationParams(...opts.ranges.output), perRow: false });
  return { op: EMBEDDING as LayerOp<unknown>, config: q.config, weights: q.weights };
}
