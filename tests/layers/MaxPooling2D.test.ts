/**
 * MaxPooling2D: a hand-derived case table (pool size ≠ strides, 'same' padding never wins a max), the
 * layer vs TensorFlow.js `maxPooling2d` on several geometries in both modes (bound: q ≤ 0.5 ulp of Q32 —
 * the input rounding, the max itself is exact; int8 ≤ ½ input LSB), forwardRange == rows of forward in
 * the EVM, and the gas at 32×32×16, 2×2.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, decodeQ, encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { MAX_POOLING2D, type Pooling2DConfig } from '../../src/harness/layers/pooling2D.ts';
import { evmLayer, uniform } from './helpers.ts';
import { convLayersHarness } from './spatial.helpers.ts';
import { weightlessAccuracy } from './poolingAccuracy.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const i8 = (v: number[]) => Uint8Array.from(v, (e) => e & 0xff);

describe('MaxPooling2D case table', () => {
  const cases: { name: string; input: { c: Omit<Pooling2DConfig, 'mode'>; x: number[] }; expected: number[] }[] = [
    { name: "2×2 pool, stride 2, 'valid'", input: { c: { H: 2, W: 4, C: 1, ph: 2, pw: 2, sh: 2, sw: 2, padding: 0 }, x: [1, 5, 2, 0, 3, -1, 7, 4] }, expected: [5, 7] },
    { name: 'pool 3, stride 1 (overlapping windows)', input: { c: { H: 1, W: 4, C: 1, ph: 1, pw: 3, sh: 1, sw: 1, padding: 0 }, x: [1, 9, 2, 3] }, expected: [9, 9] },
    // 'same' on negatives: the padding is −∞, so the border window's max is −3, not 0
    { name: "'same' padding never wins a max", input: { c: { H: 1, W: 3, C: 1, ph: 1, pw: 2, sh: 1, sw: 2, padding: 1 }, x: [-5, -4, -3] }, expected: [-4, -3] },
    { name: 'channels pool separately', input: { c: { H: 1, W: 2, C: 2, ph: 1, pw: 2, sh: 1, sw: 1, padding: 0 }, x: [1, -1, -2, 2] }, expected: [1, 2] },
  ];
  it.each(cases)('int8 and q: $name', ({ input, expected }) => {
    const y8 = decodeI8(oracleForward(o, MAX_POOLING2D, { mode: 1, ...input.c }, new Uint8Array(0), i8(input.x)));
    expect(Array.from(y8)).toEqual(expected);
    const yq = decodeQ(oracleForward(o, MAX_POOLING2D, { mode: 0, ...input.c }, new Uint8Array(0), getBytes(encodeQ(input.x.map((v) => BigInt(v) << 32n)))));
    expect(Array.from(yq)).toEqual(expected.map((v) => BigInt(v) << 32n));
  });
});

describe('MaxPooling2D vs tfjs', () => {
  const geoms = [
    { name: "2×2 stride 2 'valid'", H: 8, W: 8, C: 3, ph: 2, pw: 2, sh: 2, sw: 2, padding: 'valid' as const },
    { name: "3×3 stride 2 'same' (pool ≠ stride)", H: 7, W: 9, C: 2, ph: 3, pw: 3, sh: 2, sw: 2, padding: 'same' as const },
    { name: "2×3 strides (1, 2) 'same'", H: 5, W: 6, C: 4, ph: 2, pw: 3, sh: 1, sw: 2, padding: 'same' as const },
  ];
  it.each(geoms)('$name', (g) => {
    const samples = Array.from({ length: 3 }, (_, s) => uniform(300 + s, g.H * g.W * g.C, -2, 3));
    const r = weightlessAccuracy(
      o,
      MAX_POOLING2D,
      { type: 'MaxPooling2D', config: { poolSize: [g.ph, g.pw], strides: [g.sh, g.sw], padding: g.padding }, weights: {}, outputShape: [] },
      [g.H, g.W, g.C],
      (mode) => ({ mode: mode === 'q' ? 0 : 1, H: g.H, W: g.W, C: g.C, ph: g.ph, pw: g.pw, sh: g.sh, sw: g.sw, padding: g.padding === 'valid' ? 0 : 1 }),
      samples,
      { qUlps: 0.5, i8Lsb: 0.5 },
    );
    console.log(`MaxPooling2D ${g.name}: max |oracle − tfjs| q ${r.qUlps.toFixed(2)} ulp (float32 rounding of tfjs), int8 ${r.i8Lsb.toFixed(2)} LSB`);
  });
});

describe('MaxPooling2D EVM: ranges and gas', () => {
  it("forwardRange rows == forward rows ('same': padded with the minimum)", async () => {
    const h = await convLayersHarness();
    const c: Pooling2DConfig = { mode: 1, H: 7, W: 9, C: 33, ph: 3, pw: 2, sh: 2, sw: 2, padding: 1 };
    const x = i8(Array.from(uniform(9, 7 * 9 * 33, -128, 127), Math.round));
    const full = await evmLayer(h, MAX_POOLING2D, c, new Uint8Array(0), x);
    if (!full.ok) throw new Error(full.detail);
    const rowBytes = 5 * 33; // Wo = ⌈9/2⌉ = 5; Ho = 4
    for (const [from, to] of [[0, 1], [1, 3], [3, 4]] as const) {
      const r = await evmLayer(h, MAX_POOLING2D, c, new Uint8Array(0), x, { method: 'maxPooling2dRange', range: [from, to] });
      expect(r.ok && r.value).toEqual(full.value.slice(from * rowBytes, to * rowBytes));
    }
  });

  it('gas at 32×32×16, 2×2 stride 2 (printed)', async () => {
    const h = await convLayersHarness();
    const c: Pooling2DConfig = { mode: 1, H: 32, W: 32, C: 16, ph: 2, pw: 2, sh: 2, sw: 2, padding: 0 };
    const n = 32 * 32 * 16;
    const x = uniform(10, n, -1, 1);
    const e8 = await evmLayer(h, MAX_POOLING2D, c, new Uint8Array(0), i8(Array.from(x, (v) => Math.round(v * 100))));
    const eq = await evmLayer(h, MAX_POOLING2D, { ...c, mode: 0 }, new Uint8Array(0), getBytes(encodeQ(toQArray(x))));
    if (!e8.ok || !eq.ok) throw new Error('pooling failed');
    const outs = 16 * 16 * 16;
    console.log(`MaxPooling2D 32×32×16 2×2/2: int8 ${e8.gasUsed!.toLocaleString('en-US')} gas (${(Number(e8.gasUsed) / outs).toFixed(1)}/output), q ${eq.gasUsed!.toLocaleString('en-US')} gas (${(Number(eq.gasUsed) / outs).toFixed(1)}/output)`);
  });
});
