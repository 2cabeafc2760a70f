/**
 * Keras-faithfulness and accuracy of the Conv2D layer (docs/layers/conv.md "Error bounds"):
 * 1. a typed case table with hand-derived results (q and int8);
 * 2. for several activations and geometries (strides, 'same' with TF's asymmetric split, 'valid',
 *    use_bias false), a float Conv2D is run by TensorFlow.js (`predictFloat`) and by a float64 reference;
 *    the layer is quantized (q32; int8 calibrated on the samples), run by the oracle and dequantized; every
 *    output must lie within the documented bound of the float64 result, and within it plus float32
 *    rounding of the tfjs result;
 * 3. forwardRange == the rows of forward (oracle and EVM), and the EVM equals the oracle on a
 *    quantized layer (fused fast path and the leaky accumulator path).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import type { Activation } from '../../src/harness/model/ir.ts';
import { activationParams, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { toQ, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { packDenseI8, packDenseQ } from '../../src/harness/layers/dense.ts';
import { ActKind, LINEAR_SPEC, type ActivationSpec } from '../../src/harness/layers/types.ts';
import { conv2dFloat } from '../../src/harness/layers/spatial.ts';
import { CONV2D, quantizeConv2D, type Conv2DConfig, type Conv2DFloat } from '../../src/harness/layers/conv2D.ts';
import type { LayerActivation } from '../../src/harness/layers/float.ts';
import { evmLayer, oracleLayer, uniform } from './helpers.ts';
import { convAccuracy, convLayersHarness } from './spatial.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const ONE = 1n << 32n;
const q32 = (x: number) => toQ(x, 32);
const spec = (kind: number, rest: Partial<ActivationSpec> = {}): ActivationSpec => ({ ...LINEAR_SPEC, kind, ...rest });
const noI8 = { F: 32, zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0 };

// ------------------------------------------------------------------------------------- case table

interface QCase {
  name: string;
  input: { shape: Omit<Conv2DConfig, 'mode' | keyof typeof noI8 | 'act'>; x: number[]; k: number[]; b: number[]; act?: ActivationSpec };
  expected: bigint[];
}

const sh1 = { sh: 1, sw: 1 };
const qCases: QCase[] = [
  {
    // 2×2 image, 2×2 window of ones, 'valid': the sum 1 + 2 + 3 + 4, + bias 0.5
    name: "'valid' 2×2 window sum + bias",
    input: { shape: { H: 2, W: 2, Cin: 1, Cout: 1, kh: 2, kw: 2, ...sh1, padding: 0 }, x: [1, 2, 3, 4], k: [1, 1, 1, 1], b: [0.5] },
    expected: [q32(10.5)],
  },
  {
    // Channels mix: out = 2·x_c0 − x_c1 per pixel (1×1 kernel [1][1][2][1])
    name: '1×1 kernel mixes input channels',
    input: { shape: { H: 1, W: 2, Cin: 2, Cout: 1, kh: 1, kw: 1, ...sh1, padding: 0 }, x: [3, 1, 5, 4], k: [2, -1], b: [0] },
    expected: [q32(5), q32(6)],
  },
  {
    // 'same', 3×3 ones on a 3×3 image of ones: corner 4, edge 6, centre 9 (zero padding)
    name: "'same' 3×3: padding contributes 0",
    input: { shape: { H: 3, W: 3, Cin: 1, Cout: 1, kh: 3, kw: 3, ...sh1, padding: 1 }, x: Array(9).fill(1), k: Array(9).fill(1), b: [0] },
    expected: [4, 6, 4, 6, 9, 6, 4, 6, 4].map((v) => BigInt(v) * ONE),
  },
  {
    // TF's split: W = 4, kw = 2, stride 2 'same' → Wo = 2, pad_total = max(2 + 2 − 4, 0) = 0: windows (x0,x1), (x2,x3)
    // W = 5, kw = 2, stride 2 → Wo = 3, pad_total = 1 → 0 left, 1 right: (x0,x1), (x2,x3), (x4, 0)
    name: "'same' stride 2, even kernel: the extra padding goes after",
    input: { shape: { H: 1, W: 5, Cin: 1, Cout: 1, kh: 1, kw: 2, sh: 1, sw: 2, padding: 1 }, x: [1, 2, 3, 4, 5], k: [1, 10], b: [0] },
    expected: [q32(21), q32(43), q32(5)],
  },
  {
    name: 'relu clips, relu6 caps (two filters, the activation is per element)',
    input: { shape: { H: 1, W: 1, Cin: 1, Cout: 2, kh: 1, kw: 1, ...sh1, padding: 0 }, x: [-2], k: [1, -4], b: [0, 0], act: spec(ActKind.Relu, { maxValue: q32(6) }) },
    expected: [0n, q32(6)],
  },
  {
    name: 'softmax along the channels: equal logits → 1/2 each',
    input: { shape: { H: 1, W: 1, Cin: 1, Cout: 2, kh: 1, kw: 1, ...sh1, padding: 0 }, x: [1], k: [3, 3], b: [0, 0], act: spec(ActKind.Softmax) },
    expected: [ONE / 2n, ONE / 2n],
  },
];

describe('Conv2D case table', () => {
  it.each(qCases)('q: $name', ({ input, expected }) => {
    const s = input.shape;
    const K = s.kh * s.kw * s.Cin;
    const config: Conv2DConfig = { mode: 0, ...s, act: input.act ?? LINEAR_SPEC, ...noI8 };
    const weights = packDenseQ(toQArray(input.k), toQArray(input.b), K, s.Cout);
    expect(Array.from(decodeQ(oracleForward(o, CONV2D, config, weights, getBytes(encodeQ(toQArray(input.x))))))).toEqual(expected);
  });

  it('int8: acc = b + Σ (x − zIn)·w with padding = zIn, requantized, relu clamp', () => {
    // 1×3 input, 'same' 1×3 kernel (1, 1, 1): x − zIn = (2, 4, −6): windows (pad, 2, 4) = 6, (2, 4, −6) = 0,
    // (4, −6, pad) = −2; + bias 10 → 16, 10, 8; ·½ → 8, 5, 4; + zPre −3 → 5, 2, 1; relu clamp lo = −3: unchanged.
    const config: Conv2DConfig = {
      mode: 1, H: 1, W: 3, Cin: 1, Cout: 1, kh: 1, kw: 3, sh: 1, sw: 1, padding: 1, act: spec(ActKind.Relu),
      ...noI8, zIn: 5, zPre: -3, lo: -3,
    };
    const weights = packDenseI8({ W: [1, 1, 1], bias: [10], M: [2 ** 30], shift: [31] }, 3, 1);
    const y = decodeI8(oracleForward(o, CONV2D, config, weights, Uint8Array.from([7, 9, -1], (v) => v & 0xff)));
    expect(Array.from(y)).toEqual([5, 2, 1]);
    // bias −30 → −14, −20, −22 → ·½ → −7, −10, −11 → + zPre −3 → −10, −13, −14 → relu clamp at −3
    const w2 = packDenseI8({ W: [1, 1, 1], bias: [-30], M: [2 ** 30], shift: [31] }, 3, 1);
    expect(Array.from(decodeI8(oracleForward(o, CONV2D, config, w2, Uint8Array.from([7, 9, -1], (v) => v & 0xff))))).toEqual([-3, -3, -3]);
  });
});

// ------------------------------------------------------------------------------------- accuracy

interface Geometry {
  name: string;
  H: number;
  W: number;
  Cin: number;
  Cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padding: 'valid' | 'same';
  useBias: boolean;
}

const GEOMETRIES: Geometry[] = [
  { name: "3×3 'same' stride 1", H: 7, W: 6, Cin: 3, Cout: 5, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same', useBias: true },
  { name: "3×3 'same' stride 2 (asymmetric split)", H: 8, W: 7, Cin: 2, Cout: 4, kh: 3, kw: 3, sh: 2, sw: 2, padding: 'same', useBias: true },
  { name: "2×4 'same' strides (1, 3), no bias", H: 5, W: 9, Cin: 3, Cout: 3, kh: 2, kw: 4, sh: 1, sw: 3, padding: 'same', useBias: false },
  { name: "3×2 'valid' strides (2, 1)", H: 7, W: 6, Cin: 4, Cout: 6, kh: 3, kw: 2, sh: 2, sw: 1, padding: 'valid', useBias: true },
];

const ACTIVATIONS: LayerActivation[] = [
  { name: 'linear' },
  { name: 'relu' },
  { name: 'relu6' },
  { name: 'leaky_relu', alpha: 0.1 },
  { name: 'sigmoid' },
  { name: 'tanh' },
  { name: 'softmax', axis: 2 },
  { name: 'silu' },
];

const S = 4;

function floatLayer(g: Geometry, a: LayerActivation, seed: number): Conv2DFloat {
  const K = g.kh * g.kw * g.Cin;
  return {
    ...g,
    kernel: uniform(seed, K * g.Cout, -0.5, 0.5),
    bias: g.useBias ? uniform(seed + 1, g.Cout, -0.3, 0.3) : null,
    activation: a,
  };
}

describe('Conv2D vs tfjs and float64 (both modes)', () => {
  const table: string[] = [];
  const cases = GEOMETRIES.flatMap((g, gi) => ACTIVATIONS.filter((_, ai) => gi === 0 || ai % 2 === gi % 2).map((a, ai) => [g, a, 100 * gi + ai] as const));
  it.each(cases.map(([g, a, seed]) => [`${g.name} ${a.name}`, g, a, seed] as const))('%s', (_n, g, a, seed) => {
    const d = floatLayer(g, a, 1000 + seed);
    const samples = Array.from({ length: S }, (_, s) => uniform(7000 + 31 * seed + s, g.H * g.W * g.Cin, -1, 1.5));
    const r = convAccuracy(o, {
      layer: {
        type: 'Conv2D',
        config: { filters: g.Cout, kernelSize: [g.kh, g.kw], strides: [g.sh, g.sw], padding: g.padding, activation: a as Activation, useBias: g.useBias },
        weights: {
          kernel: { shape: [g.kh, g.kw, g.Cin, g.Cout], data: Float32Array.from(d.kernel) },
          ...(g.useBias ? { bias: { shape: [g.Cout], data: Float32Array.from(d.bias!) } } : {}),
        },
        outputShape: [0, 0, g.Cout],
      },
      inputShape: [g.H, g.W, g.Cin],
      activation: a,
      samples,
      ref: (x) => conv2dFloat(x, d, d.kernel, d.bias, a),
      quantize: (opts) => quantizeConv2D(d, opts),
      op: CONV2D,
    });
    table.push(`${`${g.name} ${a.name}`.padEnd(48)} q: ${r.qUlps.toFixed(1).padStart(6)} ulp   int8: ${r.i8Lsb.toFixed(2)} LSB`);
    expect(r.ratios.q, 'q vs float64').toBeLessThanOrEqual(1);
    expect(r.ratios.qTf, 'q vs tfjs').toBeLessThanOrEqual(1);
    expect(r.ratios.i8, 'int8 vs float64').toBeLessThanOrEqual(1);
    expect(r.ratios.i8Tf, 'int8 vs tfjs').toBeLessThanOrEqual(1);
    if (table.length === cases.length) console.log(`Conv2D, ${S} samples, max |oracle − float64|:\n  ${table.join('\n  ')}`);
  });
});

// ------------------------------------------------------------------------------------- ranges, EVM

describe('Conv2D forwardRange and the EVM', () => {
  const g: Geometry = { name: 'r', H: 7, W: 5, Cin: 3, Cout: 34, kh: 3, kw: 3, sh: 2, sw: 1, padding: 'same', useBias: true };
  const x = uniform(55, g.H * g.W * g.Cin, -1, 1);

  it('forwardRange(from, to) is the rows [from, to) of forward, in both modes, oracle and EVM', async () => {
    const h = await convLayersHarness();
    for (const a of [{ name: 'relu' }, { name: 'leaky_relu', alpha: 0.2 }, { name: 'tanh' }] as LayerActivation[]) {
      const d = floatLayer(g, a, 77);
      const input = activationParams(-1, 1);
      const pre = activationParams(-3, 3);
      const variants = [
        { q: quantizeConv2D(d, { mode: 'q' }), x: getBytes(encodeQ(toQArray(x))), esz: 8 },
        { q: quantizeConv2D(d, { mode: 'int8', input, output: activationParams(-1, 3), pre }), x: Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff), esz: 1 },
      ];
      for (const v of variants) {
        const full = oracleForward(o, CONV2D, v.q.config, v.q.weights, v.x);
        const rowBytes = 5 * g.Cout * v.esz; // Wo = ⌈5/1⌉ = 5; Ho = ⌈7/2⌉ = 4
        const evmFull = await evmLayer(h, CONV2D, v.q.config, v.q.weights, v.x);
        expect(evmFull.ok && evmFull.value).toEqual(Array.from(full));
        for (const [from, to] of [[0, 4], [0, 1], [1, 3], [3, 4], [2, 2]] as const) {
          const want = Array.from(full.slice(from * rowBytes, to * rowBytes));
          expect(Array.from(oracleForward(o, CONV2D, v.q.config, v.q.weights, v.x, [from, to]))).toEqual(want);
          const e = await evmLayer(h, CONV2D, v.q.config, v.q.weights, v.x, { method: 'conv2dRange', range: [from, to] });
          expect(e.ok && e.value, `${a.name} mode ${v.esz} rows [${from}, ${to})`).toEqual(want);
        }
      }
    }
  });

  it('int8 relu uses no negative multipliers (the fused SWAR path); leaky does (the accumulator path)', async () => {
    const input = activationParams(-1, 1);
    const relu = quantizeConv2D(floatLayer(g, { name: 'relu' }, 3), { mode: 'int8', input, output: activationParams(0, 3) });
    expect(relu.config.negative).toBe(false);
    expect(relu.config.lo).toBe(activationParams(0, 3).zeroPoint);
    const leaky = quantizeConv2D(floatLayer(g, { name: 'leaky_relu', alpha: 0.3 }, 3), { mode: 'int8', input, output: activationParams(-1, 3) });
    expect(leaky.config.negative).toBe(true);
    const h = await convLayersHarness();
    const xi = Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff);
    for (const q of [relu, leaky]) {
      const e = await evmLayer(h, CONV2D, q.config, q.weights, xi);
      expect(e).toEqual({ ...oracleLayer(h, CONV2D, q.config, q.weights, xi), gasUsed: (e as { gasUsed?: bigint }).gasUsed });
    }
  });
});
