/**
 * Keras-faithfulness and accuracy of the standalone activation layers (Activation, ReLU, LeakyReLU,
 * Softmax → Activation.sol `forward`): a hand-derived case table, then each layer run by TensorFlow.js
 * (`predictFloat`) and float64 vs the oracle in q32 and int8 (calibrated on the samples), within the
 * bounds of docs/layers.md.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import type { LayerIR } from '../../src/harness/model/ir.ts';
import { activationParams, dequantizeTensor, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { fromQArray, toQ, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import {
  ACTIVATION, ActKind, LINEAR_SPEC, applyActivationFloat, layerActivation, lipschitz, oracleForward, quantizeActivationLayer, reluFamily,
  type ActivationConfig, type ActivationSpec, type LayerActivation,
} from '../../src/harness/layers/index.ts';
import { oneLayerModel, range, uniform } from './helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const ONE = 1n << 32n;
const q32 = (x: number) => toQ(x, 32);
const spec = (kind: number, rest: Partial<ActivationSpec> = {}): ActivationSpec => ({ ...LINEAR_SPEC, kind, ...rest });
const qLayer = (dims: number[], act: ActivationSpec, axis = 0, F = 32): ActivationConfig => ({
  mode: 0, dims, axis, act, F, zIn: 0, scaleInQ: 0n, M: 0, shift: 0, Mn: 0, shiftN: 0, zOut: 0, lo: -128, hi: 127,
});

interface QCase {
  name: string;
  input: { x: bigint[]; dims: number[]; act: ActivationSpec; axis?: number; F?: number };
  expected: bigint[];
}
const cases: QCase[] = [
  { name: 'relu', input: { x: [-ONE, 0n, 3n * ONE], dims: [3], act: spec(ActKind.Relu) }, expected: [0n, 0n, 3n * ONE] },
  {
    name: 'ReLU(max_value=2, negative_slope=0.5, threshold=1): 0 → −0.5, 1 → 1, 5 → 2',
    input: { x: [0n, ONE, 5n * ONE], dims: [3], act: spec(ActKind.Relu, { slope: ONE / 2n, threshold: ONE, maxValue: 2n * ONE }) },
    expected: [-ONE / 2n, ONE, 2n * ONE],
  },
  { name: 'sigmoid(0) = ½, odd-symmetric pair', input: { x: [0n], dims: [1], act: spec(ActKind.Sigmoid) }, expected: [ONE / 2n] },
  {
    name: 'softmax along axis 0 of [2, 2]: columns sum to 1 (equal → ½)',
    input: { x: [ONE, 5n * ONE, ONE, 5n * ONE], dims: [2, 2], act: spec(ActKind.Softmax), axis: 0 },
    expected: [ONE / 2n, ONE / 2n, ONE / 2n, ONE / 2n],
  },
  { name: 'F = 8: relu6 at 6·2^8', input: { x: [100n << 8n], dims: [1], act: spec(ActKind.Relu, { maxValue: 6n << 8n }), F: 8 }, expected: [6n << 8n] },
];

describe('Activation case table', () => {
  it.each(cases)('q: $name', ({ input, expected }) => {
    const y = decodeQ(oracleForward(o, ACTIVATION, qLayer(input.dims, input.act, input.axis, input.F), new Uint8Array(0), getBytes(encodeQ(input.x))));
    expect(Array.from(y)).toEqual(expected);
  });

  it('int8 relu: clamp at the quantized 0, identity above (M/2^shift = 1)', () => {
    const c: ActivationConfig = { ...qLayer([4], spec(ActKind.Relu)), mode: 1, zIn: 5, M: 2 ** 30, shift: 30, Mn: 2 ** 30, shiftN: 30, zOut: 5, lo: 5, hi: 127 };
    const y = decodeI8(oracleForward(o, ACTIVATION, c, new Uint8Array(0), Uint8Array.from([-128, 4, 5, 100], (v) => v & 0xff)));
    expect(Array.from(y)).toEqual([5, 5, 5, 100]);
  });
});

// ------------------------------------------------------------------------------------- vs tfjs

const u = 2 ** -32;
/** The q implementation's own error at input p (docs/layers.md). */
function actErrQ(a: LayerActivation, p: number, n: number): number {
  if (reluFamily(a)) return u * (1 + Math.abs(p));
  switch (a.name) {
    case 'linear':
      return 0;
    case 'sigmoid':
    case 'tanh':
      return 2 * u;
    case 'softmax':
      return (4 + n) * u;
    case 'hard_sigmoid':
      return u * (2 + Math.abs(p));
    case 'silu':
      return u * (1 + 2 * Math.abs(p));
    case 'gelu':
      return a.approximate ? u * (1 + Math.abs(p) * (4 + Math.abs(p) + 0.05 * Math.abs(p) ** 3)) : 2 * u + Math.abs(p) * 1.1e-7;
  }
  return 0;
}

type ActLayer = Omit<LayerIR, 'name' | 'inputs' | 'inputShape'> & { type: 'Activation' | 'ReLU' | 'LeakyReLU' | 'Softmax' };
const DIMS = [3, 4];
const layers: [string, ActLayer][] = [
  ...(
    [
      { name: 'linear' },
      { name: 'relu' },
      { name: 'relu6' },
      { name: 'sigmoid' },
      { name: 'tanh' },
      { name: 'softmax', axis: 1 },
      { name: 'hard_sigmoid', slope: 0.2, offset: 0.5 },
      { name: 'hard_sigmoid', slope: 1 / 6, offset: 0.5 },
      { name: 'silu' },
      { name: 'gelu', approximate: false },
      { name: 'gelu', approximate: true },
      { name: 'leaky_relu', alpha: 0.3 },
    ] as const
  ).map((activation) => [`Activation(${JSON.stringify(activation).replace(/"/g, '')})`, { type: 'Activation', config: { activation }, weights: {}, outputShape: DIMS }] as [string, ActLayer]),
  ['ReLU(max_value=2, negative_slope=0.1, threshold=0.5)', { type: 'ReLU', config: { maxValue: 2, negativeSlope: 0.1, threshold: 0.5 }, weights: {}, outputShape: DIMS }],
  ['ReLU(max_value=6)', { type: 'ReLU', config: { maxValue: 6, negativeSlope: 0, threshold: 0 }, weights: {}, outputShape: DIMS }],
  ['LeakyReLU(alpha=0.3)', { type: 'LeakyReLU', config: { alpha: 0.3 }, weights: {}, outputShape: DIMS }],
  ['Softmax(axis=0)', { type: 'Softmax', config: { axis: 0 }, weights: {}, outputShape: DIMS }],
  ['Softmax(axis=1)', { type: 'Softmax', config: { axis: 1 }, weights: {}, outputShape: DIMS }],
];

describe('Activation layers vs tfjs and float64', () => {
  const lines: string[] = [];
  it.each(layers.map(([n, l], i) => [n, l, i] as const))('%s', (_n, l, i) => {
    const a = layerActivation(l as never);
    const axis = a.name === 'softmax' ? a.axis : DIMS.length - 1;
    const samples = Array.from({ length: 16 }, (_, s) => uniform(500 + 31 * i + s, 12, -4, 4));
    const tf = predictFloat(oneLayerModel(DIMS, l), samples);
    const ref = samples.map((x) => applyActivationFloat(Float64Array.from(x), a, DIMS, axis));
    const L = lipschitz(a);
    const n = DIMS[axis]!;

    const cq = quantizeActivationLayer(a, DIMS, { mode: 'q' });
    const input = activationParams(...range(samples));
    const output = activationParams(...range(ref));
    const c8 = quantizeActivationLayer(a, DIMS, { mode: 'int8', input, output });
    let worstQ = 0;
    let worst8 = 0;
    samples.forEach((x, s) => {
      const yq = fromQArray(decodeQ(oracleForward(o, ACTIVATION, cq, new Uint8Array(0), getBytes(encodeQ(toQArray(x))))));
      const y8 = dequantizeTensor(decodeI8(oracleForward(o, ACTIVATION, c8, new Uint8Array(0), Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff))), output);
      for (let j = 0; j < x.length; j++) {
        const want = ref[s]![j]!;
        const boundQ = L * 2 ** -33 + actErrQ(a, x[j]!, n) + 1e-15;
        const bound8 = L * input.scale + output.scale + actErrQ(a, x[j]!, n);
        const tol32 = 4e-7 * (1 + Math.abs(x[j]!));
        worstQ = Math.max(worstQ, Math.abs(yq[j]! - want) / boundQ);
        worst8 = Math.max(worst8, Math.abs(y8[j]! - want) / output.scale);
        expect(Math.abs(yq[j]! - want), `q vs float64 at ${x[j]}`).toBeLessThanOrEqual(boundQ);
        expect(Math.abs(yq[j]! - tf[s]![j]!), `q vs tfjs at ${x[j]}`).toBeLessThanOrEqual(boundQ + tol32);
        expect(Math.abs(y8[j]! - want), `int8 vs float64 at ${x[j]}`).toBeLessThanOrEqual(bound8);
        expect(Math.abs(y8[j]! - tf[s]![j]!), `int8 vs tfjs at ${x[j]}`).toBeLessThanOrEqual(bound8 + tol32);
      }
    });
    lines.push(`${_n.padEnd(58)} q: ${worstQ.toFixed(2)} of bound   int8: ${worst8.toFixed(2)} output LSB`);
    if (i === layers.length - 1) console.log(`Activation layers on [3, 4], 16 samples in [−4, 4]:\n  ${lines.join('\n  ')}`);
  });
});
