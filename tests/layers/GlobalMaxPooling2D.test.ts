/**
 * GlobalMaxPooling2D: case table, the layer vs TensorFlow.js `globalMaxPooling2d` in both modes (bound:
 * q ≤ ½ ulp, int8 ≤ ½ LSB: the input rounding), channel ranges in the EVM, gas at 8×8×64.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { decodeI8 } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { GLOBAL_MAX_POOLING2D } from '../../src/harness/layers/pooling2D.ts';
import { evmLayer, uniform } from './helpers.ts';
import { convLayersHarness } from './spatial.helpers.ts';
import { weightlessAccuracy } from './poolingAccuracy.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

describe('GlobalMaxPooling2D', () => {
  it('case: the per-channel maximum', () => {
    const x = Uint8Array.from([1, -7, 9, -8, 3, -9, -128, -6], (v) => v & 0xff);
    expect(Array.from(decodeI8(oracleForward(o, GLOBAL_MAX_POOLING2D, { mode: 1, H: 2, W: 2, C: 2 }, new Uint8Array(0), x)))).toEqual([9, -6]);
  });

  it('vs tfjs, both modes', () => {
    const [H, W, C] = [6, 4, 5];
    const samples = Array.from({ length: 3 }, (_, s) => uniform(600 + s, H * W * C, -2, 3));
    const r = weightlessAccuracy(o, GLOBAL_MAX_POOLING2D, { type: 'GlobalMaxPooling2D', config: {}, weights: {}, outputShape: [C] }, [H, W, C],
      (mode) => ({ mode: mode === 'q' ? 0 : 1, H, W, C }), samples, { qUlps: 0.5, i8Lsb: 0.5 });
    console.log(`GlobalMaxPooling2D 6×4×5: max |oracle − tfjs| q ${r.qUlps.toFixed(2)} ulp (float32 rounding of tfjs), int8 ${r.i8Lsb.toFixed(2)} LSB`);
  });

  it('EVM: channel ranges == the slice of forward; gas at 8×8×64 (printed)', async () => {
    const h = await convLayersHarness();
    const c = { mode: 1, H: 8, W: 8, C: 64 };
    const x = Uint8Array.from(Array.from(uniform(15, 8 * 8 * 64, -128, 127), Math.round), (v) => v & 0xff);
    const full = await evmLayer(h, GLOBAL_MAX_POOLING2D, c, new Uint8Array(0), x);
    if (!full.ok) throw new Error(full.detail);
    const r = await evmLayer(h, GLOBAL_MAX_POOLING2D, c, new Uint8Array(0), x, { method: 'globalMaxPooling2dRange', range: [33, 64] });
    expect(r.ok && r.value).toEqual(full.value.slice(33, 64));
    console.log(`GlobalMaxPooling2D 8×8×64: int8 ${full.gasUsed!.toLocaleString('en-US')} gas (${(Number(full.gasUsed) / 4096).toFixed(1)}/input element)`);
  });
});
