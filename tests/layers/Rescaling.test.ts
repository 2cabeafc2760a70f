/**
 * Keras Rescaling on chain: hand-derived cases, and q32 / int8 against TensorFlow.js and float64 within
 * the bounds of docs/layers.md.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { activationParams, dequantizeTensor, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { fromQArray, toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { RESCALING, oracleForward, quantizeRescaling, type RescalingConfig } from '../../src/harness/layers/index.ts';
import { oneLayerModel, range, uniform } from './helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const ONE = 1n << 32n;
const none = new Uint8Array(0);

describe('Rescaling case table', () => {
  it.each([
    { name: '3·0.5 + 1 = 2.5', input: { x: [3n * ONE], scale: ONE / 2n, offset: ONE }, expected: [5n * (ONE / 2n)] },
    { name: '255 · (1/255 in Q32) rounds to 1 − 255·δ', input: { x: [255n * ONE], scale: 16843009n, offset: 0n }, expected: [255n * 16843009n] },
    { name: 'saturates at INT64_MAX', input: { x: [(1n << 62n)], scale: 4n * ONE, offset: 0n }, expected: [(1n << 63n) - 1n] },
  ])('q: $name', ({ input, expected }) => {
    const c: RescalingConfig = { mode: 0, dims: [input.x.length], F: 32, scale: input.scale, offset: input.offset, zIn: 0, M: 0, shift: 0, bias: 0n, zOut: 0 };
    expect(Array.from(decodeQ(oracleForward(o, RESCALING, c, none, getBytes(encodeQ(input.x)))))).toEqual(expected);
  });

  it('int8: (x − zIn)·M + bias, one rounding: (10 − 2)·2^30/2^31 + 2^30/2^31 = 4.5 → 5, + zOut', () => {
    const c: RescalingConfig = { mode: 1, dims: [1], F: 32, scale: 0n, offset: 0n, zIn: 2, M: 2 ** 30, shift: 31, bias: 1n << 30n, zOut: -3 };
    expect(Array.from(decodeI8(oracleForward(o, RESCALING, c, none, Uint8Array.of(10))))).toEqual([2]);
  });
});

describe('Rescaling vs tfjs and float64', () => {
  it.each([
    { scale: 1 / 255, offset: 0 },
    { scale: 1 / 127.5, offset: -1 },
    { scale: -2, offset: 0.25 },
  ])('scale $scale, offset $offset', ({ scale, offset }) => {
    const dims = [2, 3];
    const samples = Array.from({ length: 8 }, (_, s) => uniform(40 + s, 6, 0, 255));
    const tf = predictFloat(oneLayerModel(dims, { type: 'Rescaling', config: { scale, offset }, weights: {}, outputShape: dims }), samples);
    const ref = samples.map((x) => Array.from(x, (v) => v * scale + offset));
    const cq = quantizeRescaling(scale, offset, dims, { mode: 'q' });
    const input = activationParams(...range(samples));
    const output = activationParams(...range(ref));
    const c8 = quantizeRescaling(scale, offset, dims, { mode: 'int8', input, output });
    samples.forEach((x, s) => {
      const yq = fromQArray(decodeQ(oracleForward(o, RESCALING, cq, none, getBytes(encodeQ(toQArray(x))))));
      const y8 = dequantizeTensor(decodeI8(oracleForward(o, RESCALING, c8, none, Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff))), output);
      for (let j = 0; j < x.length; j++) {
        // q: input, scale and offset each within 2^-33 (relative to their size), one RHAZ.
        const boundQ = 2 ** -33 * (Math.abs(scale) + Math.abs(x[j]!) + 2) + 1e-15;
        // int8: |scale|·s_in (input quantization) + s_out (rounding and range ends).
        const bound8 = Math.abs(scale) * input.scale + output.scale;
        const tol32 = 2 ** -22 * (Math.abs(x[j]! * scale) + Math.abs(offset));
        expect(Math.abs(yq[j]! - ref[s]![j]!)).toBeLessThanOrEqual(boundQ);
        expect(Math.abs(yq[j]! - tf[s]![j]!)).toBeLessThanOrEqual(boundQ + tol32);
        expect(Math.abs(y8[j]! - ref[s]![j]!)).toBeLessThanOrEqual(bound8);
        expect(Math.abs(y8[j]! - tf[s]![j]!)).toBeLessThanOrEqual(bound8 + tol32);
      }
    });
  });
});
