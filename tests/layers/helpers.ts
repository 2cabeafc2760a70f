/**
 * Shared helpers of the layer tests: run a layer op in the EVM (LayerHarness, fast and Ref entries) and
 * in the oracle with the same bytes, as `Outcome`s for `expectSameOutcome`; edge-biased generators of
 * layer parameters.
 */
import fc from 'fast-check';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import { harnessArgs, harnessResult, oracleForward, type LayerOp } from '../../src/harness/layers/index.ts';
import { ActKind, INT64_MAX, type ActivationSpec } from '../../src/harness/layers/types.ts';
import { clamp64, int64Edge } from '../fuzz.ts';

export async function layerHarness(): Promise<Harness> {
  return getHarness('LayerHarness');
}

/** The EVM outcome of `method` (default op.harness) with the layer's arguments; value = output bytes. */
export async function evmLayer<C>(
  h: Harness,
  op: LayerOp<C>,
  config: C,
  weights: Uint8Array,
  input: Uint8Array,
  opts: { method?: string; range?: [number, number] } = {},
): Promise<Outcome<number[]> & { gasUsed?: bigint }> {
  const r = await h.call(opts.method ?? op.harness, harnessArgs(op, config, weights, input, opts.range));
  if (!r.ok) return r;
  const { y, gasUsed } = harnessResult(r.value);
  return { ok: true, value: Array.from(y), gasUsed };
}

/** The oracle outcome with the same bytes; value = output bytes. */
export function oracleLayer<C>(h: Harness, op: LayerOp<C>, config: C, weights: Uint8Array, input: Uint8Array, range?: [number, number]): Outcome<number[]> {
  return oracleOutcome(() => Array.from(oracleForward(h.oracle, op, config, weights, input, range)));
}

/** Fast EVM == oracle (and == each Ref method given) on one case. */
export async function expectLayerAgreement<C>(
  h: Harness,
  op: LayerOp<C>,
  config: C,
  weights: Uint8Array,
  input: Uint8Array,
  context: unknown,
  opts: { refMethod?: string; range?: [number, number]; method?: string } = {},
): Promise<Outcome<number[]>> {
  const oracle = oracleLayer(h, op, config, weights, input, opts.range);
  const fast = await evmLayer(h, op, config, weights, input, { method: opts.method, range: opts.range });
  const { gasUsed: _g, ...fastOutcome } = fast as Outcome<number[]> & { gasUsed?: bigint };
  expectSameOutcome(fastOutcome as Outcome<number[]>, oracle, context);
  if (opts.refMethod) {
    const ref = await evmLayer(h, op, config, weights, input, { method: opts.refMethod, range: opts.range });
    const { gasUsed: _r, ...refOutcome } = ref as Outcome<number[]> & { gasUsed?: bigint };
    expectSameOutcome(refOutcome as Outcome<number[]>, oracle, context);
  }
  return oracle;
}

// ------------------------------------------------------------------------------------- generators

/** An int8 zero point / clamp bound. */
export const int8 = (): fc.Arbitrary<number> =>
  fc.oneof({ weight: 1, arbitrary: fc.constantFrom(-128, -127, -1, 0, 1, 127) }, { weight: 3, arbitrary: fc.integer({ min: -128, max: 127 }) });

/** A Q32 pure number (slopes): mostly in [−2, 2], sometimes an int64 edge. */
export const q32Slope = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.bigInt({ min: -(2n << 32n), max: 2n << 32n }) },
    { weight: 2, arbitrary: fc.constantFrom(0n, 1n << 32n, 858993459n /* 0.2 */, 715827883n /* 1/6 */, -(1n << 31n)) },
    { weight: 1, arbitrary: int64Edge() },
  );

/** A value in Q(F): mostly moderate reals (|v| ≤ 8), sometimes an int64 edge. */
export const qValue = (F: number): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.bigInt({ min: -(8n << BigInt(F)), max: 8n << BigInt(F) }).map(clamp64) },
    { weight: 1, arbitrary: fc.constantFrom(0n, 1n << BigInt(F), -(1n << BigInt(F))).map(clamp64) },
    { weight: 1, arbitrary: int64Edge() },
  );

/**
 * An ActivationSpec with numbers for values in Q(F): every kind, random parameters; `allowBad` adds
 * rare invalid kinds (9..255).
 */
export const actSpec = (F: number, allowBad = true): fc.Arbitrary<ActivationSpec> => {
  const spec = (kind: number, rest: Partial<ActivationSpec> = {}): ActivationSpec => ({ kind, slope: 0n, offset: 0n, threshold: 0n, maxValue: INT64_MAX, ...rest });
  const relu = fc
    .record({
      slope: fc.oneof({ weight: 2, arbitrary: fc.constant(0n) }, { weight: 3, arbitrary: q32Slope() }),
      threshold: fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: qValue(F) }),
      maxValue: fc.oneof({ weight: 2, arbitrary: fc.constant(INT64_MAX) }, { weight: 1, arbitrary: fc.constant(6n << BigInt(Math.min(F, 60))) }, { weight: 1, arbitrary: qValue(F) }),
    })
    .map((r) => spec(ActKind.Relu, r));
  const kinds: { weight: number; arbitrary: fc.Arbitrary<ActivationSpec> }[] = [
    { weight: 2, arbitrary: fc.constant(spec(ActKind.Linear)) },
    { weight: 4, arbitrary: relu },
    { weight: 1, arbitrary: fc.constant(spec(ActKind.Sigmoid)) },
    { weight: 1, arbitrary: fc.constant(spec(ActKind.Tanh)) },
    { weight: 1, arbitrary: fc.constant(spec(ActKind.Softmax)) },
    { weight: 1, arbitrary: fc.record({ slope: q32Slope(), offset: qValue(F) }).map((r) => spec(ActKind.HardSigmoid, r)) },
    { weight: 1, arbitrary: fc.constant(spec(ActKind.Silu)) },
    { weight: 1, arbitrary: fc.constant(spec(ActKind.Gelu)) },
    { weight: 1, arbitrary: fc.constant(spec(ActKind.GeluTanh)) },
  ];
  if (allowBad) kinds.push({ weight: 1, arbitrary: fc.integer({ min: 9, max: 255 }).map((k) => spec(k)) });
  return fc.oneof(...kinds);
};

/** A requantization multiplier: mostly normalised [2^30, 2^31), sometimes 0/1/max, rarely invalid (≥ 2^31). */
export const multiplier = (invalid = true): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, 2 ** 31 - 1) },
    { weight: invalid ? 1 : 0, arbitrary: fc.constantFrom(2 ** 31, 2 ** 32 - 1) },
  );

/** A requantization shift in [lo, hi], sometimes 0 / 126, rarely invalid (127..255). */
export const shiftArb = (lo: number, hi: number, invalid = true): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: lo, max: hi }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 126) },
    { weight: invalid ? 1 : 0, arbitrary: fc.constantFrom(127, 255) },
  );

// ------------------------------------------------------------------------------------- data

/** Deterministic uniform floats in [lo, hi) (mulberry32), rounded to float32 like IR weights. */
export function uniform(seed: number, n: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/** Minimum and maximum of several arrays. */
export function range(arrays: ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return [lo, hi];
}

// ------------------------------------------------------------------------------------- IR models

import type { LayerIR, ModelIR } from '../../src/harness/model/ir.ts';

/** A one-layer IR model (InputLayer → layer) for the tfjs float reference. */
export function oneLayerModel(inputShape: number[], layer: Omit<LayerIR, 'name' | 'inputs' | 'inputShape'>): ModelIR {
  const input: LayerIR = { type: 'InputLayer', name: 'input', config: { shape: inputShape }, weights: {}, inputs: [], inputShape: [], outputShape: inputShape };
  const l = { ...layer, name: 'layer', inputs: ['input'], inputShape: [inputShape] } as LayerIR;
  return { name: 'test', source: { format: 'tfjs-layers', file: 'test' }, inputShape, inputKind: 'float', layers: [input, l], outputs: ['layer'], params: 0, macs: 0 };
}
