/**
 * Shared helpers of the LayerNormalization / Add / Multiply / Concatenate tests: the MergeNormHarness,
 * multi-input runs in both tiers as `Outcome`s, tensor encoders and edge-biased generators.
 */
import fc from 'fast-check';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import { harnessArgsMulti, harnessResultBytes, oracleForwardMulti, type MergeOp } from '../../src/harness/layers/merge.ts';
import { clamp64, int64Edge } from '../fuzz.ts';

export function mergeNormHarness(): Promise<Harness> {
  return getHarness('MergeNormHarness');
}

/** q values → wire bytes (8-byte big-endian). */
export function qBytes(values: ArrayLike<bigint>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < -(1n << 63n) || v >= 1n << 63n) throw new RangeError(`q value outside int64 at ${i}: ${v}`);
    view.setBigInt64(i * 8, v, false);
  }
  return out;
}

/** Wire bytes → q values. */
export function qValues(bytes: ArrayLike<number>): bigint[] {
  const b = Uint8Array.from(bytes);
  const view = new DataView(b.buffer);
  return Array.from({ length: b.length / 8 }, (_, i) => view.getBigInt64(i * 8, false));
}

/** int8 values → wire bytes. */
export const i8Bytes = (values: ArrayLike<number>): Uint8Array => Uint8Array.from(Array.from(values, (v) => v & 0xff));
/** Wire bytes → int8 values. */
export const i8Values = (bytes: ArrayLike<number>): number[] => Array.from(bytes, (b) => (b << 24) >> 24);

export type Run = { method?: string; range?: [number, number] };

export async function evmMerge<C>(h: Harness, op: MergeOp<C>, config: C, weights: Uint8Array, inputs: readonly Uint8Array[], opts: Run = {}): Promise<Outcome<number[]> & { gasUsed?: bigint }> {
  const method = opts.method ?? (opts.range ? op.harness + 'Range' : op.harness);
  const r = await h.call(method, harnessArgsMulti(op, config, weights, inputs, opts.range));
  if (!r.ok) return r;
  const { y, gasUsed } = harnessResultBytes(r.value);
  return { ok: true, value: Array.from(y), gasUsed };
}

export function oracleMerge<C>(h: Harness, op: MergeOp<C>, config: C, weights: Uint8Array, inputs: readonly Uint8Array[], range?: [number, number]): Outcome<number[]> {
  return oracleOutcome(() => Array.from(oracleForwardMulti(h.oracle, op, config, weights, inputs, range)));
}

const strip = (o: Outcome<number[]> & { gasUsed?: bigint }): Outcome<number[]> => {
  if (!o.ok) return o;
  return { ok: true, value: o.value };
};

/** Fast EVM == Ref EVM == oracle on one multi-input case; returns the oracle outcome. */
export async function expectMergeAgreement<C>(h: Harness, op: MergeOp<C>, config: C, weights: Uint8Array, inputs: readonly Uint8Array[], context: unknown, range?: [number, number]): Promise<Outcome<number[]>> {
  const oracle = oracleMerge(h, op, config, weights, inputs, range);
  const fast = await evmMerge(h, op, config, weights, inputs, { range });
  expectSameOutcome(strip(fast), oracle, { ...(context as object), path: 'fast' });
  const ref = await evmMerge(h, op, config, weights, inputs, { range, method: op.harness + (range ? 'RangeRef' : 'Ref') });
  expectSameOutcome(strip(ref), oracle, { ...(context as object), path: 'ref' });
  return oracle;
}

// ------------------------------------------------------------------------------------- generators

/** A small shape: rank 1..maxRank, each dim 1..maxDim, at most maxCount elements. */
export const smallShape = (maxRank = 3, maxDim = 5, maxCount = 48): fc.Arbitrary<number[]> =>
  fc
    .array(fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: maxDim }) }), { minLength: 1, maxLength: maxRank })
    .filter((d) => d.reduce((p, x) => p * x, 1) <= maxCount);

/** A Q(F) activation value: mostly moderate reals (|v| ≤ 8), sometimes exact halves, sometimes int64 edges. */
export const qAct = (F: number, edgeWeight = 1): fc.Arbitrary<bigint> => {
  const one = 1n << BigInt(F);
  return fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: -8n * one, max: 8n * one }).map(clamp64) },
    { weight: 2, arbitrary: fc.integer({ min: -16, max: 16 }).map((k) => clamp64((BigInt(k) * one) / 2n)) },
    { weight: edgeWeight, arbitrary: int64Edge() },
  );
};

/** An int8 zero point. */
export const zeroPoint = (): fc.Arbitrary<number> =>
  fc.oneof({ weight: 1, arbitrary: fc.constantFrom(-128, -1, 0, 1, 127) }, { weight: 3, arbitrary: fc.integer({ min: -128, max: 127 }) });

/** A rows range for forwardRange: mostly valid, rarely from > to or to > rows. */
export const rowRange = (rows: number): fc.Arbitrary<[number, number] | undefined> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.integer({ min: 0, max: rows }), fc.integer({ min: 0, max: rows })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]),
    },
    { weight: 1, arbitrary: fc.constantFrom<[number, number]>([0, rows + 1], [rows, Math.max(rows - 1, 0)], [1, 0]) },
  );

/** Resize a byte buffer by ±1 (a length corruption). */
export const resized = (b: Uint8Array, d: number): Uint8Array => (d < 0 ? b.slice(0, Math.max(0, b.length - 1)) : Uint8Array.from([...b, 7]));
