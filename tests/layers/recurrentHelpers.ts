/**
 * Shared helpers of the recurrent-layer tests (SimpleRNN, LSTM, GRU): running `forwardSteps` / `forward`
 * in the EVM (RecurrentHarness, fast and Ref entries) and in the oracle with the same bytes, edge-biased
 * generators of raw configs, blobs and states, a deterministic PRNG, and single-layer IR models for the
 * tfjs float reference.
 */
import fc from 'fast-check';
import { getBytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import { int64Edge } from '../fuzz.ts';
import { harnessArgs, harnessResult, oracleForward } from '../../src/harness/layers/run.ts';
import {
  GATES, RNN_OPS, oracleForwardSteps, quantizeRnn, rnnFloat, rnnLayout, rnnMacsPerStep, stepsArgs, stepsResult, zeroState, type Cell,
  type RnnConfig, type RnnFloat, type RnnOp,
} from '../../src/harness/layers/recurrent.ts';
import { loadOracle } from '../../src/harness/oracle.ts';
import * as tf from '@tensorflow/tfjs';
import { buildTfjsModel } from '../../src/harness/model/tfjs.ts';
import { activationParams, dequantizeTensor, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { fromQArray, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeQ, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import { ActKind, INT64_MAX, Mode, type ActivationSpec } from '../../src/harness/layers/types.ts';
import type { Activation, LayerIR, ModelIR } from '../../src/harness/model/ir.ts';
import { int8, multiplier, qValue, shiftArb } from './helpers.ts';

export async function recurrentHarness(): Promise<Harness> {
  return getHarness('RecurrentHarness');
}

// ------------------------------------------------------------------------------------------------
// Running

/** Outcome value of forwardSteps: [output bytes, state bytes]. */
export type StepsValue = [number[], number[]];

export async function evmSteps(
  h: Harness,
  op: RnnOp,
  c: RnnConfig,
  w: Uint8Array,
  x: Uint8Array,
  s: Uint8Array,
  tFrom: number,
  tTo: number,
  ref = false,
): Promise<Outcome<StepsValue> & { gasUsed?: bigint }> {
  const r = await h.call(ref ? op.stepsRefHarness : op.stepsHarness, stepsArgs(op, c, w, x, s, tFrom, tTo));
  if (!r.ok) return r;
  const v = stepsResult(r.value);
  return { ok: true, value: [Array.from(v.y), Array.from(v.state)], gasUsed: v.gasUsed };
}

export function oracleSteps(h: Harness, op: RnnOp, c: RnnConfig, w: Uint8Array, x: Uint8Array, s: Uint8Array, tFrom: number, tTo: number): Outcome<StepsValue> {
  return oracleOutcome(() => {
    const v = oracleForwardSteps(h.oracle, op, c, w, x, s, tFrom, tTo);
    return [Array.from(v.y), Array.from(v.state)] as StepsValue;
  });
}

const strip = <T>(o: Outcome<T> & { gasUsed?: bigint }): Outcome<T> => {
  if (!o.ok) return o;
  return { ok: true, value: o.value };
};

/** forwardSteps: fast EVM == oracle, and Ref EVM == oracle when `withRef`. Returns the oracle outcome. */
export async function expectStepsAgreement(
  h: Harness,
  op: RnnOp,
  c: RnnConfig,
  w: Uint8Array,
  x: Uint8Array,
  s: Uint8Array,
  tFrom: number,
  tTo: number,
  withRef: boolean,
  ctx: unknown,
): Promise<Outcome<StepsValue>> {
  const oracle = oracleSteps(h, op, c, w, x, s, tFrom, tTo);
  expectSameOutcome(strip(await evmSteps(h, op, c, w, x, s, tFrom, tTo)), oracle, ctx);
  if (withRef) expectSameOutcome(strip(await evmSteps(h, op, c, w, x, s, tFrom, tTo, true)), oracle, { ...(ctx as object), ref: true });
  return oracle;
}

/** forward: EVM == oracle. */
export async function expectForwardAgreement(h: Harness, op: RnnOp, c: RnnConfig, w: Uint8Array, x: Uint8Array, ctx: unknown): Promise<Outcome<number[]>> {
  const oracle = oracleOutcome(() => Array.from(oracleForward(h.oracle, op, c, w, x)));
  const r = await h.call(op.harness, harnessArgs(op, c, w, x));
  const evm: Outcome<number[]> = r.ok ? { ok: true, value: Array.from(harnessResult(r.value).y) } : r;
  expectSameOutcome(evm, oracle, ctx);
  return oracle;
}

/** Gas of one timestep: forwardSteps over 2 steps minus over 1 step (same state), and of the 1-step call. */
export async function gasPerStep(h: Harness, op: RnnOp, c: RnnConfig, w: Uint8Array, x: Uint8Array): Promise<{ call: bigint; step: bigint }> {
  const s = zeroState(op.cell, c);
  const one = await evmSteps(h, op, c, w, x, s, 0, 1);
  const two = await evmSteps(h, op, c, w, x, s, 0, 2);
  if (!one.ok || !two.ok) throw new Error(`gas run reverted: ${!one.ok ? one.detail : !two.ok ? two.detail : ''}`);
  return { call: one.gasUsed!, step: two.gasUsed! - one.gasUsed! };
}

// ------------------------------------------------------------------------------------------------
// Generators (raw configs and blobs: the whole integer domain, edge-biased)

const spec = (kind: number, rest: Partial<ActivationSpec> = {}): ActivationSpec => ({ kind, slope: 0n, offset: 0n, threshold: 0n, maxValue: INT64_MAX, ...rest });

/** A gate activation: mostly sigmoid / tanh / linear, sometimes any kind (Softmax and bad kinds revert). */
export const gateSpec = (F: number): fc.Arbitrary<ActivationSpec> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(spec(ActKind.Sigmoid), spec(ActKind.Tanh)) },
    { weight: 2, arbitrary: fc.constant(spec(ActKind.Linear)) },
    {
      weight: 2,
      arbitrary: fc
        .record({ slope: fc.bigInt({ min: -(2n << 32n), max: 2n << 32n }), maxValue: fc.constantFrom(INT64_MAX, 6n << BigInt(Math.min(F, 59))) })
        .map((r) => spec(ActKind.Relu, r)),
    },
    { weight: 1, arbitrary: fc.constantFrom(spec(ActKind.Silu), spec(ActKind.Gelu), spec(ActKind.GeluTanh)) },
    { weight: 1, arbitrary: fc.constant(spec(ActKind.HardSigmoid, { slope: 858993459n, offset: 1n << BigInt(Math.max(F - 1, 0)) })) },
    { weight: 1, arbitrary: fc.oneof(fc.constant(spec(ActKind.Softmax)), fc.integer({ min: 9, max: 255 }).map((k) => spec(k))) },
  );

/** A q weight/value in Q(F): mostly |v| ≤ 1 real (realistic), sometimes moderate, rarely an int64 edge. */
export const qWeight = (F: number): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: -(1n << BigInt(F)), max: 1n << BigInt(F) }) },
    { weight: 2, arbitrary: qValue(F) },
    { weight: 1, arbitrary: int64Edge() },
  );

export interface RnnCase {
  config: RnnConfig;
  weights: Uint8Array;
  input: Uint8Array;
  state: Uint8Array;
  tFrom: number;
  tTo: number;
}

const bytesOfQ = (vs: bigint[]): Uint8Array => {
  const out = new Uint8Array(8 * vs.length);
  const v = new DataView(out.buffer);
  vs.forEach((x, i) => v.setBigInt64(8 * i, BigInt.asIntN(64, x), false));
  return out;
};

/** A random valid-shaped case of `cell` (blob and state filled at random over the integer domain). */
export function rnnCase(cell: Cell, opts: { maxT?: number; maxK?: number; maxU?: number } = {}): fc.Arbitrary<RnnCase> {
  const maxT = opts.maxT ?? 3, maxK = opts.maxK ?? 6, maxU = opts.maxU ?? 6;
  const shape = fc.record({
    mode: fc.constantFrom(Mode.Q, Mode.I8),
    T: fc.integer({ min: 1, max: maxT }),
    K: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: maxK }) }, { weight: 1, arbitrary: fc.constant(1) }),
    U: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: maxU }) }, { weight: 1, arbitrary: fc.constantFrom(1, maxU) }),
    returnSequences: fc.boolean(),
    resetAfter: cell === 'GRU' ? fc.boolean() : fc.constant(false),
    F: fc.oneof({ weight: 6, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constant(63) }),
  });
  return shape.chain((sh) => {
    const q = sh.mode === Mode.Q;
    const Fg = q ? Math.min(sh.F, 62) : 32;
    const L = rnnLayout(cell, sh);
    const GU = GATES[cell] * sh.U;
    const nBias = cell === 'GRU' && sh.resetAfter ? 2 * GU : GU;
    const carryN = (L.stateBytes - L.hBytes) / 8;
    const range = fc.oneof(
      { weight: 3, arbitrary: fc.constant([0, sh.T] as [number, number]) },
      { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: sh.T }), fc.integer({ min: 0, max: sh.T })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]) },
      { weight: 1, arbitrary: fc.constantFrom([1, 0] as [number, number], [0, sh.T + 1] as [number, number]) },
    );
    const qBlob = fc
      .record({
        W: fc.array(qWeight(Fg), { minLength: sh.K * GU, maxLength: sh.K * GU }),
        R: fc.array(qWeight(Fg), { minLength: sh.U * GU, maxLength: sh.U * GU }),
        b: fc.array(qWeight(Fg), { minLength: nBias, maxLength: nBias }),
      })
      .map((r) => bytesOfQ([...r.W, ...r.R, ...r.b]));
    // int8: panels are random bytes; biases Q32; multipliers realistic (s_x·s_w·2^32 ≈ 2^8..2^24 → shift 6..22),
    // h quantization 1/(s_h·2^32) ≈ 2^-25 → shift ≈ 55; occasionally invalid.
    const rare = (a: fc.Arbitrary<number>, b: fc.Arbitrary<number>) => fc.oneof({ weight: 30, arbitrary: a }, { weight: 1, arbitrary: b });
    const i8Blob = fc
      .record({
        panels: fc.uint8Array({ minLength: L.bOff, maxLength: L.bOff }),
        b: fc.array(qValue(32), { minLength: nBias, maxLength: nBias }),
        mX: fc.array(rare(multiplier(false), multiplier(true)), { minLength: GU, maxLength: GU }),
        sX: fc.array(rare(shiftArb(6, 22, false), shiftArb(6, 22, true)), { minLength: GU, maxLength: GU }),
        mH: fc.array(rare(multiplier(false), multiplier(true)), { minLength: GU, maxLength: GU }),
        sH: fc.array(rare(shiftArb(6, 22, false), shiftArb(6, 22, true)), { minLength: GU, maxLength: GU }),
      })
      .map((r) => {
        const out = new Uint8Array(L.total);
        const v = new DataView(out.buffer);
        out.set(r.panels, 0);
        out.set(bytesOfQ(r.b), L.bOff);
        for (let j = 0; j < GU; j++) {
          v.setUint32(L.mxOff + 4 * j, r.mX[j]!, false);
          v.setUint8(L.sxOff + j, r.sX[j]!);
          v.setUint32(L.mhOff + 4 * j, r.mH[j]!, false);
          v.setUint8(L.shOff + j, r.sH[j]!);
        }
        return out;
      });
    const input = q
      ? fc.array(qWeight(Fg), { minLength: sh.T * sh.K, maxLength: sh.T * sh.K }).map(bytesOfQ)
      : fc.array(int8(), { minLength: sh.T * sh.K, maxLength: sh.T * sh.K }).map((a) => Uint8Array.from(a, (x) => x & 0xff));
    const hPart = q ? fc.array(qWeight(Fg), { minLength: sh.U, maxLength: sh.U }).map(bytesOfQ) : fc.array(int8(), { minLength: sh.U, maxLength: sh.U }).map((a) => Uint8Array.from(a, (x) => x & 0xff));
    const state = fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      {
        weight: 3,
        arbitrary: fc.tuple(hPart, fc.array(qWeight(Fg), { minLength: carryN, maxLength: carryN })).map(([hb, cv]) => Uint8Array.from([...hb, ...bytesOfQ(cv)])),
      },
    );
    return fc
      .record({
        act: gateSpec(Fg),
        recAct: cell === 'SimpleRNN' ? fc.constant(spec(ActKind.Linear)) : gateSpec(Fg),
        zIn: int8(),
        zH: int8(),
        hM: rare(multiplier(false), multiplier(true)),
        hShift: rare(fc.integer({ min: 40, max: 70 }), shiftArb(40, 70, true)),
        weights: q ? qBlob : i8Blob,
        input,
        state,
        range,
      })
      .map((r) => {
        const config: RnnConfig = {
          mode: sh.mode,
          T: sh.T,
          K: sh.K,
          U: sh.U,
          act: r.act,
          recAct: r.recAct,
          returnSequences: sh.returnSequences,
          resetAfter: sh.resetAfter,
          F: sh.F,
          zIn: q ? 0 : r.zIn,
          zH: q ? 0 : r.zH,
          hM: q ? 0 : r.hM,
          hShift: q ? 0 : r.hShift,
        };
        return { config, weights: r.weights, input: r.input, state: r.state ?? zeroState(cell, config), tFrom: r.range[0], tTo: r.range[1] };
      });
  });
}

export type Corruption = 'none' | 'x+1' | 'x-1' | 'w+1' | 'w-1' | 's+1' | 's-1' | 'mode' | 'T0' | 'K0' | 'U0';

export const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w+1', 'w-1', 's+1', 's-1', 'mode', 'T0', 'K0', 'U0') },
  );

const resized = (b: Uint8Array, d: number): Uint8Array => (d < 0 ? b.slice(0, Math.max(b.length - 1, 0)) : Uint8Array.from([...b, 7]));

/** Apply a corruption (a wrong length, mode or a zero dimension). */
export function corrupt(c: RnnCase, bad: Corruption): RnnCase {
  switch (bad) {
    case 'x+1':
      return { ...c, input: resized(c.input, 1) };
    case 'x-1':
      return { ...c, input: resized(c.input, -1) };
    case 'w+1':
      return { ...c, weights: resized(c.weights, 1) };
    case 'w-1':
      return { ...c, weights: resized(c.weights, -1) };
    case 's+1':
      return { ...c, state: resized(c.state, 1) };
    case 's-1':
      return { ...c, state: resized(c.state, -1) };
    case 'mode':
      return { ...c, config: { ...c.config, mode: 2 + (c.config.K % 7) } };
    case 'T0':
      return { ...c, config: { ...c.config, T: 0 } };
    case 'K0':
      return { ...c, config: { ...c.config, K: 0 } };
    case 'U0':
      return { ...c, config: { ...c.config, U: 0 } };
  }
  return c;
}

/** Multiply-accumulates of a case's steps (to decide whether the slow Ref twin runs too). */
export function caseMacs(cell: Cell, c: RnnCase): number {
  const steps = Math.max(c.tTo - c.tFrom, 0);
  return steps * GATES[cell] * c.config.U * (c.config.K + c.config.U);
}

/** The fuzz body shared by the three cells: forwardSteps (fast and, when small, Ref) and forward. */
export async function checkRnnCase(h: Harness, cell: Cell, c0: RnnCase, bad: Corruption, refMacs: number): Promise<void> {
  const op = RNN_OPS[cell];
  const c = corrupt(c0, bad);
  const ctx = { cell, bad, config: c.config, tFrom: c.tFrom, tTo: c.tTo, w: c.weights.length, x: c.input.length, s: c.state.length };
  await expectStepsAgreement(h, op, c.config, c.weights, c.input, c.state, c.tFrom, c.tTo, caseMacs(cell, c0) <= refMacs, ctx);
  if (c.tFrom === 0 && c.tTo === c.config.T) await expectForwardAgreement(h, op, c.config, c.weights, c.input, ctx);
}

// ------------------------------------------------------------------------------------------------
// Deterministic data and the tfjs float reference

/** A small deterministic PRNG (LCG), values in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A float recurrent layer with weights ~ U(−a, a) (deterministic). */
export function randomRnn(
  cell: Cell,
  K: number,
  U: number,
  seed: number,
  o: { a?: number; activation?: Activation; recurrentActivation?: Activation; returnSequences?: boolean; resetAfter?: boolean; useBias?: boolean } = {},
): RnnFloat {
  const r = prng(seed);
  const a = o.a ?? 0.5;
  const G = GATES[cell];
  const resetAfter = cell === 'GRU' && (o.resetAfter ?? true);
  const nb = (resetAfter ? 2 : 1) * G * U;
  const f32 = (n: number, s: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * s);
  return {
    cell,
    K,
    U,
    kernel: f32(K * G * U, a),
    recurrentKernel: f32(U * G * U, a),
    bias: o.useBias === false ? null : f32(nb, a / 2),
    activation: o.activation ?? { name: 'tanh' },
    recurrentActivation: o.recurrentActivation ?? { name: 'sigmoid' },
    returnSequences: o.returnSequences ?? true,
    resetAfter,
  };
}

/** A one-layer IR (InputLayer [T, K] → the recurrent layer) for buildTfjsModel / predictFloat. */
export function rnnModelIR(f: RnnFloat, T: number): ModelIR {
  const G = GATES[f.cell];
  const base = { units: f.U, activation: f.activation, useBias: f.bias !== null, returnSequences: f.returnSequences };
  const weights: LayerIR['weights'] = {
    kernel: { shape: [f.K, G * f.U], data: Float32Array.from(f.kernel) },
    recurrent_kernel: { shape: [f.U, G * f.U], data: Float32Array.from(f.recurrentKernel) },
  };
  if (f.bias) weights.bias = { shape: f.cell === 'GRU' && f.resetAfter ? [2, G * f.U] : [G * f.U], data: Float32Array.from(f.bias) };
  const config =
    f.cell === 'SimpleRNN'
      ? base
      : f.cell === 'LSTM'
        ? { ...base, recurrentActivation: f.recurrentActivation }
        : { ...base, recurrentActivation: f.recurrentActivation, resetAfter: f.resetAfter };
  const layer = {
    name: 'rnn',
    type: f.cell,
    config,
    weights,
    inputs: ['input'],
    inputShape: [[T, f.K]],
    outputShape: f.returnSequences ? [T, f.U] : [f.U],
  } as unknown as LayerIR;
  return {
    name: `${f.cell}-test`,
    source: { format: 'keras-h5', file: 'test' },
    inputShape: [T, f.K],
    inputKind: 'float',
    layers: [{ name: 'input', type: 'InputLayer', config: { shape: [T, f.K] }, weights: {}, inputs: [], inputShape: [], outputShape: [T, f.K] } as LayerIR, layer],
    outputs: ['rnn'],
    params: 0,
    macs: 0,
  };
}

/** Max |a − b| over two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// ------------------------------------------------------------------------------------------------
// Shared unit-test bodies: accuracy vs tfjs, step composition, gas


/**
 * Error bounds of docs/layers/recurrent.md "Accuracy" (h ∈ [−1, 1] for the tanh-bounded cells):
 * q (F = 32) vs tfjs float32 ≤ Q_VS_TFJS (tfjs's own float32 rounding dominates), q vs the float64
 * reference ≤ Q_VS_F64; int8 vs tfjs on the dequantized input ≤ I8_STEPS·s_h.
 */
export const Q_VS_TFJS = 1e-6;
export const Q_VS_F64 = 1e-8;
export const I8_STEPS = 2;

/** The accuracy shapes: (K, U, T). */
export const ACCURACY_SHAPES: [number, number, number][] = [
  [4, 8, 8],
  [16, 16, 16],
  [32, 32, 24],
  [8, 48, 12],
];

/** tfjs predictions of a one-layer IR on several [T, K] inputs (the model is built once). */
export function tfjsPredict(ir: ModelIR, xs: Float32Array[]): Float32Array[] {
  const model = buildTfjsModel(ir);
  try {
    return xs.map((x) => tf.tidy(() => (model.predict(tf.tensor(x, [1, ...ir.inputShape])) as tf.Tensor).dataSync() as Float32Array).slice());
  } finally {
    model.dispose();
  }
}

/** One accuracy case in both modes (oracle only): returns the measured errors. */
export async function accuracyCase(f: RnnFloat, T: number, seed: number): Promise<{ qTfjs: number; qF64: number; i8Steps: number }> {
  const o = await loadOracle();
  const op = RNN_OPS[f.cell];
  const r = prng(seed);
  const x = Float32Array.from({ length: T * f.K }, () => r() * 2 - 1);
  const q = quantizeRnn(f, { mode: 'q', T });
  const yq = fromQArray(decodeQ(oracleForward(o, op, q.config, q.weights, getBytes(encodeQ(toQArray(x))))));
  const ir = rnnModelIR(f, T);
  const inP = activationParams(-1, 1);
  const hP = activationParams(-1, 1);
  const xq = quantizeTensor(x, inP);
  const [yTf, yTfDeq] = tfjsPredict(ir, [x, Float32Array.from(dequantizeTensor(xq, inP))]);
  const f64 = f.returnSequences ? rnnFloat(f, x, T).hs : rnnFloat(f, x, T).h;
  const i8 = quantizeRnn(f, { mode: 'int8', T, input: inP, h: hP });
  const y8 = oracleForward(o, op, i8.config, i8.weights, getBytes(encodeI8(xq)));
  const y8d = dequantizeTensor(new Int8Array(y8.buffer, y8.byteOffset, y8.length), hP);
  return { qTfjs: maxAbsDiff(yq, yTf!), qF64: maxAbsDiff(yq, f64), i8Steps: maxAbsDiff(y8d, yTfDeq!) / hP.scale };
}

/** Accuracy (vs tfjs), step composition and gas tests shared by the three cells. */
export function recurrentCommonTests(cell: Cell, gas: { K: number; U: number; maxQ: bigint; maxI8: bigint }): void {
  const op = RNN_OPS[cell];
  const variants: { name: string; resetAfter: boolean }[] = cell === 'GRU' ? [{ name: 'reset_after', resetAfter: true }, { name: 'reset_after=false', resetAfter: false }] : [{ name: '', resetAfter: false }];

  describe(`${cell} accuracy: oracle vs tfjs float32 (and a float64 reference)`, () => {
    for (const v of variants) {
      it(`${v.name} q ≤ ${Q_VS_TFJS} of tfjs, ≤ ${Q_VS_F64} of float64; int8 ≤ ${I8_STEPS}·s_h of tfjs`, async () => {
        const rows: string[] = [];
        for (const [K, U, T] of ACCURACY_SHAPES) {
          for (const returnSequences of [true, false]) {
            const f = randomRnn(cell, K, U, 31 * K + U, { a: 1 / Math.sqrt(U), resetAfter: v.resetAfter, returnSequences });
            const e = await accuracyCase(f, T, K + T);
            rows.push(`K=${K} U=${U} T=${T} seq=${returnSequences}: q−tfjs ${e.qTfjs.toExponential(2)}, q−f64 ${e.qF64.toExponential(2)}, int8−tfjs ${e.i8Steps.toFixed(2)}·s_h`);
            expect(e.qTfjs).toBeLessThanOrEqual(Q_VS_TFJS);
            expect(e.qF64).toBeLessThanOrEqual(Q_VS_F64);
            expect(e.i8Steps).toBeLessThanOrEqual(I8_STEPS);
          }
        }
        console.info(`${cell} ${v.name} accuracy:\n  ${rows.join('\n  ')}`);
      });
    }
  });

  describe(`${cell} forwardSteps composes (a sequence split across transactions)`, () => {
    it('steps [0, k) then [k, T) from the returned state == forward, every k, both modes (oracle; EVM for one k)', async () => {
      const h = await recurrentHarness();
      for (const v of variants) {
        for (const mode of ['q', 'int8'] as const) {
          const T = 5;
          const f = randomRnn(cell, 3, 4, 7, { resetAfter: v.resetAfter, returnSequences: true });
          const r = prng(3);
          const x = Array.from({ length: T * 3 }, () => r() * 2 - 1);
          const inP = activationParams(-1, 1);
          const qz = mode === 'q' ? quantizeRnn(f, { mode, T }) : quantizeRnn(f, { mode, T, input: inP, h: activationParams(-1, 1) });
          const input = mode === 'q' ? getBytes(encodeQ(toQArray(x))) : getBytes(encodeI8(quantizeTensor(x, inP)));
          const full = oracleForward(h.oracle, op, qz.config, qz.weights, input);
          const last = oracleForward(h.oracle, op, { ...qz.config, returnSequences: false }, qz.weights, input);
          const hb = full.length / T;
          for (let k = 0; k <= T; k++) {
            const a = oracleForwardSteps(h.oracle, op, qz.config, qz.weights, input, zeroState(cell, qz.config), 0, k);
            const b = oracleForwardSteps(h.oracle, op, qz.config, qz.weights, input, a.state, k, T);
            expect(Array.from([...a.y, ...b.y])).toEqual(Array.from(full));
            expect(Array.from(b.state.slice(0, hb))).toEqual(Array.from(last));
            if (k === 2) {
              const e = await evmSteps(h, op, qz.config, qz.weights, input, a.state, k, T);
              expect(e.ok && e.value[0]).toEqual(Array.from(b.y));
              expect(e.ok && e.value[1]).toEqual(Array.from(b.state));
            }
          }
        }
      }
    });
  });

  describe(`${cell} gas (measured inside the harness)`, () => {
    it(`per timestep at K=${gas.K}, U=${gas.U}: q ≤ ${gas.maxQ}, int8 ≤ ${gas.maxI8}`, async () => {
      const h = await recurrentHarness();
      const { K, U } = gas;
      const f = randomRnn(cell, K, U, 5, { a: 1 / Math.sqrt(U), returnSequences: false });
      const r = prng(9);
      const x = Array.from({ length: 2 * K }, () => r() * 2 - 1);
      const macs = rnnMacsPerStep(cell, K, U);
      const rows: string[] = [];
      for (const mode of ['q', 'int8'] as const) {
        const inP = activationParams(-1, 1);
        const qz = mode === 'q' ? quantizeRnn(f, { mode, T: 2 }) : quantizeRnn(f, { mode, T: 2, input: inP, h: activationParams(-1, 1) });
        const input = mode === 'q' ? getBytes(encodeQ(toQArray(x))) : getBytes(encodeI8(quantizeTensor(x, inP)));
        const g = await gasPerStep(h, op, qz.config, qz.weights, input);
        rows.push(`${mode}: ${g.step} gas per timestep (${(Number(g.step) / macs).toFixed(2)} gas/MAC, ${macs} MACs), first call with 1 step ${g.call}`);
        expect(g.step).toBeLessThanOrEqual(mode === 'q' ? gas.maxQ : gas.maxI8);
      }
      console.info(`${cell} gas, K=${K} U=${U} (tanh / sigmoid):\n  ${rows.join('\n  ')}`);
    });
  });
}
