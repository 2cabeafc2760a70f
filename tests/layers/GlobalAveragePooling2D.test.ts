/**
 * GlobalAveragePooling2D: case table, the layer vs TensorFlow.js `globalAveragePooling2d` in both modes
 * (bound: q ≤ 1 ulp of Q32, int8 ≤ 1 input LSB), channel ranges in the EVM, gas at 8×8×64.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { decodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { GLOBAL_AVERAGE_POOLING2D } from '../../src/harness/layers/pooling2D.ts';
import { evmLayer, uniform } from './helpers.ts';
import { convLayersHarness } from './spatial.helpers.ts';
import { avgPoolFloat, weightlessAccuracy } from './poolingAccuracy.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

describe('GlobalAveragePooling2D', () => {
  it('case: the per-channel mean of a 2×2×2 input, RHAZ', () => {
    // channel 0: (1 + 2 + 3 + 4)/4 = 2.5 → 3; channel 1: (−1 − 1 − 1 − 2)/4 = −1.25 → −1
    const x = Uint8Array.from([1, -1, 2, -1, 3, -1, 4, -2], (v) => v & 0xff);
    expect(Array.from(decodeI8(oracleForward(o, GLOBAL_AVERAGE_POOLING2D, { mode: 1, H: 2, W: 2, C: 2 }, new Uint8Array(0), x)))).toEqual([3, -1]);
  });

  it('vs tfjs, both modes', () => {
    const [H, W, C] = [5, 7, 6];
    const samples = Array.from({ length: 3 }, (_, s) => uniform(500 + s, H * W * C, -2, 3));
    const r = weightlessAccuracy(o, GLOBAL_AVERAGE_POOLING2D, { type: 'GlobalAveragePooling2D', config: {}, weights: {}, outputShape: [C] }, [H, W, C],
      (mode) => ({ mode: mode === 'q' ? 0 : 1, H, W, C }), samples, { qUlps: 1, i8Lsb: 1 },
      (x) => avgPoolFloat(x, { H, W, C, ph: H, pw: W, sh: 1, sw: 1, padding: 'valid' }));
    console.log(`GlobalAveragePooling2D 5×7×6: max |oracle − tfjs| q ${r.qUlps.toFixed(2)} ulp (float32 rounding of tfjs), int8 ${r.i8Lsb.toFixed(2)} LSB`);
  });

  it('EVM: channel ranges == the slice of forward; gas at 8×8×64 (printed)', async () => {
    const h = await convLayersHarness();
    const c = { mode: 1, H: 8, W: 8, C: 64 };
    const x = Uint8Array.from(Array.from(uniform(13, 8 * 8 * 64, -128, 127), Math.round), (v) => v & 0xff);
    const full = await evmLayer(h, GLOBAL_AVERAGE_POOLING2D, c, new Uint8Array(0), x);
    if (!full.ok) throw new Error(full.detail);
    const r = await evmLayer(h, GLOBAL_AVERAGE_POOLING2D, c, new Uint8Array(0), x, { method: 'globalAveragePooling2dRange', range: [10, 40] });
    expect(r.ok && r.value).toEqual(full.value.slice(10, 40));
    const eq = await evmLayer(h, GLOBAL_AVERAGE_POOLING2D, { ...c, mode: 0 }, new Uint8Array(0), getBytes(encodeQ(toQArray(uniform(14, 8 * 8 * 64, -1, 1)))));
    if (!eq.ok) throw new Error(eq.detail);
    console.log(`GlobalAveragePooling2D 8×8×64: int8 ${full.gasUsed!.toLocaleString('en-US')} gas (${(Number(full.gasUsed) / 4096).toFixed(1)}/input element), q ${eq.gasUsed!.toLocaleString('en-US')} gas`);
  });
});
