/**
 * AveragePooling2D: a hand-derived case table (RHAZ of the mean, 'same' windows divide by their valid
 * count as TensorFlow), the layer vs TensorFlow.js `averagePooling2d` in both modes (bound: q ≤ 1 ulp of
 * Q32 — input rounding ½ + one divRound ½; int8 ≤ 1 input LSB — ½ + ½), forwardRange == rows of forward
 * ('same' ranges come from the whole pooling), and the gas at 32×32×16, 2×2.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { AVERAGE_POOLING2D, type Pooling2DConfig } from '../../src/harness/layers/pooling2D.ts';
import { evmLayer, uniform } from './helpers.ts';
import { convLayersHarness } from './spatial.helpers.ts';
import { avgPoolFloat, weightlessAccuracy } from './poolingAccuracy.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const i8 = (v: number[]) => Uint8Array.from(v, (e) => e & 0xff);

describe('AveragePooling2D case table', () => {
  const cases: { name: string; input: { c: Omit<Pooling2DConfig, 'mode'>; x: number[] }; expected: number[] }[] = [
    // (1 + 2 + 3 + 5)/4 = 2.75 → 3; (−1 − 2 − 3 − 4)/4 = −2.5 → −3 (ties away from zero)
    { name: '2×2 mean, RHAZ', input: { c: { H: 2, W: 4, C: 1, ph: 2, pw: 2, sh: 2, sw: 2, padding: 0 }, x: [1, 2, -1, -2, 3, 5, -3, -4] }, expected: [3, -3] },
    // 'same' W = 3, pool 2, stride 2: windows (x0, x1) and (x2 + pad): the second divides by 1, not 2
    { name: "'same': padding excluded from the count", input: { c: { H: 1, W: 3, C: 1, ph: 1, pw: 2, sh: 1, sw: 2, padding: 1 }, x: [4, 6, 8] }, expected: [5, 8] },
    { name: 'pool 1×3 stride 1', input: { c: { H: 1, W: 4, C: 1, ph: 1, pw: 3, sh: 1, sw: 1, padding: 0 }, x: [3, 3, 4, 10] }, expected: [3, 6] },
  ];
  it.each(cases)('int8 and q: $name', ({ input, expected }) => {
    expect(Array.from(decodeI8(oracleForward(o, AVERAGE_POOLING2D, { mode: 1, ...input.c }, new Uint8Array(0), i8(input.x))))).toEqual(expected);
    const yq = decodeQ(oracleForward(o, AVERAGE_POOLING2D, { mode: 0, ...input.c }, new Uint8Array(0), getBytes(encodeQ(input.x.map((v) => BigInt(v))))));
    expect(Array.from(yq)).toEqual(expected.map(BigInt));
  });
});

describe('AveragePooling2D vs tfjs', () => {
  const geoms = [
    { name: "2×2 stride 2 'valid'", H: 8, W: 8, C: 3, ph: 2, pw: 2, sh: 2, sw: 2, padding: 'valid' as const },
    { name: "3×3 stride 2 'same' (pool ≠ stride)", H: 7, W: 9, C: 2, ph: 3, pw: 3, sh: 2, sw: 2, padding: 'same' as const },
    { name: "2×3 strides (1, 2) 'same'", H: 5, W: 6, C: 4, ph: 2, pw: 3, sh: 1, sw: 2, padding: 'same' as const },
  ];
  it.each(geoms)('$name', (g) => {
    const samples = Array.from({ length: 3 }, (_, s) => uniform(400 + s, g.H * g.W * g.C, -2, 3));
    const r = weightlessAccuracy(
      o,
      AVERAGE_POOLING2D,
      { type: 'AveragePooling2D', config: { poolSize: [g.ph, g.pw], strides: [g.sh, g.sw], padding: g.padding }, weights: {}, outputShape: [] },
      [g.H, g.W, g.C],
      (mode) => ({ mode: mode === 'q' ? 0 : 1, H: g.H, W: g.W, C: g.C, ph: g.ph, pw: g.pw, sh: g.sh, sw: g.sw, padding: g.padding === 'valid' ? 0 : 1 }),
      samples,
      { qUlps: 1, i8Lsb: 1 },
      (x) => avgPoolFloat(x, g),
    );
    console.log(`AveragePooling2D ${g.name}: max |oracle − tfjs| q ${r.qUlps.toFixed(2)} ulp (float32 rounding of tfjs), int8 ${r.i8Lsb.toFixed(2)} LSB`);
  });
});

describe('AveragePooling2D EVM: ranges and gas', () => {
  it('forwardRange rows == forward rows, both paddings', async () => {
    const h = await convLayersHarness();
    const x = i8(Array.from(uniform(11, 7 * 9 * 5, -128, 127), Math.round));
    for (const padding of [0, 1]) {
      const c: Pooling2DConfig = { mode: 1, H: 7, W: 9, C: 5, ph: 3, pw: 2, sh: 2, sw: 2, padding };
      const full = await evmLayer(h, AVERAGE_POOLING2D, c, new Uint8Array(0), x);
      if (!full.ok) throw new Error(full.detail);
      const Ho = padding ? 4 : 3;
      const rowBytes = (padding ? 5 : 4) * 5;
      for (const [from, to] of [[0, 1], [1, Ho], [Ho - 1, Ho]] as const) {
        const r = await evmLayer(h, AVERAGE_POOLING2D, c, new Uint8Array(0), x, { method: 'averagePooling2dRange', range: [from, to] });
        expect(r.ok && r.value).toEqual(full.value.slice(from * rowBytes, to * rowBytes));
      }
    }
  });

  it('gas at 32×32×16, 2×2 stride 2 (printed)', async () => {
    const h = await convLayersHarness();
    const c: Pooling2DConfig = { mode: 1, H: 32, W: 32, C: 16, ph: 2, pw: 2, sh: 2, sw: 2, padding: 0 };
    const x = uniform(12, 32 * 32 * 16, -1, 1);
    const e8 = await evmLayer(h, AVERAGE_POOLING2D, c, new Uint8Array(0), i8(Array.from(x, (v) => Math.round(v * 100))));
    const eq = await evmLayer(h, AVERAGE_POOLING2D, { ...c, mode: 0 }, new Uint8Array(0), getBytes(encodeQ(toQArray(x))));
    if (!e8.ok || !eq.ok) throw new Error('pooling failed');
    const outs = 16 * 16 * 16;
    console.log(`AveragePooling2D 32×32×16 2×2/2: int8 ${e8.gasUsed!.toLocaleString('en-US')} gas (${(Number(e8.gasUsed) / outs).toFixed(1)}/output), q ${eq.gasUsed!.toLocaleString('en-US')} gas (${(Number(eq.gasUsed) / outs).toFixed(1)}/output)`);
  });
});
