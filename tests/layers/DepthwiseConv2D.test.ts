/**
 * Keras-faithfulness and accuracy of the DepthwiseConv2D layer (docs/layers/conv.md "Error bounds"):
 * 1. a typed case table with hand-derived results (depth multiplier order c·mult + m, padding, int8);
 * 2. for several activations and geometries (depth multipliers 1 and 2, strides, 'same' and 'valid',
 *    use_bias false), the layer vs TensorFlow.js `depthwiseConv2d` and a float64 reference, both modes,
 *    within the documented bounds;
 * 3. forwardRange == the rows of forward (oracle and EVM).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import type { Activation } from '../../src/harness/model/ir.ts';
import { activationParams, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { toQ, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { LINEAR_SPEC } from '../../src/harness/layers/types.ts';
import { depthwiseConv2dFloat } from '../../src/harness/layers/spatial.ts';
import {
  DEPTHWISE_CONV2D, packDepthwiseI8, packDepthwiseQ, quantizeDepthwiseConv2D, type DepthwiseConv2DConfig, type DepthwiseConv2DFloat,
} from '../../src/harness/layers/depthwiseConv2D.ts';
import type { LayerActivation } from '../../src/harness/layers/float.ts';
import { evmLayer, uniform } from './helpers.ts';
import { convAccuracy, convLayersHarness } from './spatial.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const q32 = (x: number) => toQ(x, 32);
const noI8 = { F: 32, zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0 };

describe('DepthwiseConv2D case table', () => {
  const cases: { name: string; input: { shape: Omit<DepthwiseConv2DConfig, 'mode' | 'act' | keyof typeof noI8>; x: number[]; k: number[]; b: number[] }; expected: bigint[] }[] = [
    {
      // channels never mix: channel 0 × 2, channel 1 × (−1), 1×1 kernel
      name: 'per-channel scale, no mixing',
      input: { shape: { H: 1, W: 2, C: 2, mult: 1, kh: 1, kw: 1, sh: 1, sw: 1, padding: 0 }, x: [1, 3, 5, 7], k: [2, -1], b: [0, 0] },
      expected: [q32(2), q32(-3), q32(10), q32(-7)],
    },
    {
      // depth_multiplier 2: outputs [c0·k00, c0·k01, c1·k10, c1·k11] + bias
      name: 'depth multiplier 2: output channel c·mult + m',
      input: { shape: { H: 1, W: 1, C: 2, mult: 2, kh: 1, kw: 1, sh: 1, sw: 1, padding: 0 }, x: [1, 10], k: [2, 3, 4, 5], b: [0, 0, 0, 0.5] },
      expected: [q32(2), q32(3), q32(40), q32(50.5)],
    },
    {
      // 'same' 3×3 of ones on a 1×3 row: pad 1 each side: 1+2, 1+2+3, 2+3
      name: "'same' 3×3 on one row",
      input: { shape: { H: 1, W: 3, C: 1, mult: 1, kh: 3, kw: 3, sh: 1, sw: 1, padding: 1 }, x: [1, 2, 3], k: Array(9).fill(1), b: [0] },
      expected: [q32(3), q32(6), q32(5)],
    },
  ];
  it.each(cases)('q: $name', ({ input, expected }) => {
    const config: DepthwiseConv2DConfig = { mode: 0, ...input.shape, act: LINEAR_SPEC, ...noI8 };
    const y = oracleForward(o, DEPTHWISE_CONV2D, config, packDepthwiseQ(toQArray(input.k), toQArray(input.b)), getBytes(encodeQ(toQArray(input.x))));
    expect(Array.from(decodeQ(y))).toEqual(expected);
  });

  it('int8: padding = zIn contributes 0; requantize to zPre', () => {
    // x − zIn = (2, 4, 6), kernel 1×3 of ones, 'same': (pad,2,4) = 6, (2,4,6) = 12, (4,6,pad) = 10; + 100; ·½; + 1
    const config: DepthwiseConv2DConfig = { mode: 1, H: 1, W: 3, C: 1, mult: 1, kh: 1, kw: 3, sh: 1, sw: 1, padding: 1, act: LINEAR_SPEC, ...noI8, zIn: 5, zPre: 1 };
    const w = packDepthwiseI8([1, 1, 1], { bias: [100], M: [2 ** 30], shift: [31] }, 1);
    expect(Array.from(decodeI8(oracleForward(o, DEPTHWISE_CONV2D, config, w, Uint8Array.from([7, 9, 11]))))).toEqual([54, 57, 56]);
  });
});

interface Geometry {
  name: string; H: number; W: number; C: number; mult: number; kh: number; kw: number; sh: number; sw: number; padding: 'valid' | 'same'; useBias: boolean;
}
const GEOMETRIES: Geometry[] = [
  { name: "3×3 'same' stride 1", H: 7, W: 9, C: 4, mult: 1, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same', useBias: true },
  { name: "3×3 'same' stride 2, multiplier 2", H: 8, W: 7, C: 3, mult: 2, kh: 3, kw: 3, sh: 2, sw: 2, padding: 'same', useBias: true },
  { name: "2×3 'valid' strides (1, 2), no bias", H: 6, W: 11, C: 5, mult: 1, kh: 2, kw: 3, sh: 1, sw: 2, padding: 'valid', useBias: false },
];
const ACTIVATIONS: LayerActivation[] = [{ name: 'linear' }, { name: 'relu6' }, { name: 'leaky_relu', alpha: 0.1 }, { name: 'tanh' }, { name: 'softmax', axis: 2 }];

function floatLayer(g: Geometry, a: LayerActivation, seed: number): DepthwiseConv2DFloat {
  const N = g.C * g.mult;
  return { ...g, kernel: uniform(seed, g.kh * g.kw * N, -0.8, 0.8), bias: g.useBias ? uniform(seed + 1, N, -0.3, 0.3) : null, activation: a };
}

describe('DepthwiseConv2D vs tfjs and float64 (both modes)', () => {
  const table: string[] = [];
  const cases = GEOMETRIES.flatMap((g, gi) => ACTIVATIONS.map((a, ai) => [`${g.name} ${a.name}`, g, a, 10 * gi + ai] as const));
  it.each(cases)('%s', (name, g, a, seed) => {
    const d = floatLayer(g, a, 2000 + seed);
    const N = g.C * g.mult;
    const samples = Array.from({ length: 4 }, (_, s) => uniform(9000 + 13 * seed + s, g.H * g.W * g.C, -1, 1.5));
    const r = convAccuracy(o, {
      layer: {
        type: 'DepthwiseConv2D',
        config: { kernelSize: [g.kh, g.kw], strides: [g.sh, g.sw], padding: g.padding, depthMultiplier: g.mult, activation: a as Activation, useBias: g.useBias },
        weights: {
          depthwise_kernel: { shape: [g.kh, g.kw, g.C, g.mult], data: Float32Array.from(d.kernel) },
          ...(g.useBias ? { bias: { shape: [N], data: Float32Array.from(d.bias!) } } : {}),
        },
        outputShape: [0, 0, N],
      },
      inputShape: [g.H, g.W, g.C],
      activation: a,
      samples,
      ref: (x) => depthwiseConv2dFloat(x, d, d.kernel, d.bias, a),
      quantize: (opts) => quantizeDepthwiseConv2D(d, opts),
      op: DEPTHWISE_CONV2D,
    });
    table.push(`${name.padEnd(48)} q: ${r.qUlps.toFixed(1).padStart(6)} ulp   int8: ${r.i8Lsb.toFixed(2)} LSB`);
    expect(r.ratios.q, 'q vs float64').toBeLessThanOrEqual(1);
    expect(r.ratios.qTf, 'q vs tfjs').toBeLessThanOrEqual(1);
    expect(r.ratios.i8, 'int8 vs float64').toBeLessThanOrEqual(1);
    expect(r.ratios.i8Tf, 'int8 vs tfjs').toBeLessThanOrEqual(1);
    if (table.length === cases.length) console.log(`DepthwiseConv2D, 4 samples, max |oracle − float64|:\n  ${table.join('\n  ')}`);
  });
});

describe('DepthwiseConv2D forwardRange and the EVM', () => {
  it('forwardRange(from, to) is the rows [from, to) of forward, both modes, oracle and EVM', async () => {
    const h = await convLayersHarness();
    const g: Geometry = { name: 'r', H: 7, W: 19, C: 3, mult: 2, kh: 3, kw: 3, sh: 2, sw: 1, padding: 'same', useBias: true };
    const x = uniform(56, g.H * g.W * g.C, -1, 1);
    const input = activationParams(-1, 1);
    for (const a of [{ name: 'relu6' }, { name: 'leaky_relu', alpha: 0.2 }] as LayerActivation[]) {
      const d = floatLayer(g, a, 78);
      const variants = [
        { q: quantizeDepthwiseConv2D(d, { mode: 'q' }), x: getBytes(encodeQ(toQArray(x))), esz: 8 },
        { q: quantizeDepthwiseConv2D(d, { mode: 'int8', input, output: activationParams(-1, 3) }), x: Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff), esz: 1 },
      ];
      for (const v of variants) {
        const full = oracleForward(o, DEPTHWISE_CONV2D, v.q.config, v.q.weights, v.x);
        const rowBytes = g.W * g.C * g.mult * v.esz; // Wo = W (stride 1, 'same'); Ho = 4
        const evmFull = await evmLayer(h, DEPTHWISE_CONV2D, v.q.config, v.q.weights, v.x);
        expect(evmFull.ok && evmFull.value).toEqual(Array.from(full));
        for (const [from, to] of [[0, 4], [0, 1], [1, 3], [3, 4]] as const) {
          const want = Array.from(full.slice(from * rowBytes, to * rowBytes));
          expect(Array.from(oracleForward(o, DEPTHWISE_CONV2D, v.q.config, v.q.weights, v.x, [from, to]))).toEqual(want);
          const e = await evmLayer(h, DEPTHWISE_CONV2D, v.q.config, v.q.weights, v.x, { method: 'depthwiseConv2dRange', range: [from, to] });
          expect(e.ok && e.value).toEqual(want);
        }
      }
    }
  });
});
