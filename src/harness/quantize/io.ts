/**
 * A quantized model's input and output on the wire: the bytes a client sends for a float input, and
 * the real-valued scores it reads back. One definition, used by the demo, the report, the CLI and the
 * tests (docs/numerics.md §3 q encoding, §4 int8 encoding).
 *
 * - Input: the model's `inputTransform` (a folded leading Rescaling, e.g. pixels/255) is applied in
 *   float64, then the values are quantized: int8 with the calibrated input params
 *   (`quantizeTensor`, round half away from zero, saturating), q with `toQArray` (Q(F), which rejects
 *   values outside int64 range). Token-id models (a leading Embedding) take the ids as 4-byte big-endian
 *   integers in both modes (`encodeIds`).
 * - Output: int8 bytes dequantized with the output params; q values divided by 2^F.
 */
import { getBytes } from 'ethers';
import { encodeIds } from '../layers/embedding.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ } from '../tensor/pack.ts';
import { dequantizeTensor, quantizeTensor } from './int8.ts';
import type { QuantizedModel } from './model.ts';
import { fromQArray, toQArray } from './q.ts';

/** True when the model's first on-chain layer takes token ids (Embedding). */
export function takesTokenIds(m: QuantizedModel): boolean {
  return m.layers[0]?.type === 'Embedding';
}

/** The input bytes of `m` for one float sample (or one sequence of token ids). */
export function encodeModelInput(m: QuantizedModel, x: ArrayLike<number>): Uint8Array {
  if (takesTokenIds(m)) return encodeIds(x);
  const t = m.inputTransform;
  const v = t ? Array.from(x, (p) => p * t.scale + t.offset) : x;
  if (m.mode === 'int8') return getBytes(encodeI8(quantizeTensor(v, m.input!)));
  return getBytes(encodeQ(toQArray(v, m.F, 'input')));
}

/** Real-valued outputs of `m` from its output bytes. */
export function decodeModelOutput(m: QuantizedModel, out: Uint8Array): Float64Array {
  if (m.mode === 'int8') return dequantizeTensor(decodeI8(out), m.output!);
  return fromQArray(decodeQ(out), m.F);
}

/** Index of the largest element (the first one on ties), as `NNModel.classify` computes it. */
export function argmax(v: ArrayLike<number | bigint>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
