/**
 * ZeroPadding2D: case table (asymmetric padding; int8 pads the zero point), the layer vs TensorFlow.js
 * `zeroPadding2d` in both modes (bound: the input rounding only — q ≤ ½ ulp, int8 ≤ ½ LSB), ranges in the
 * EVM, gas at 32×32×16 with padding 1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { decodeI8 } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { ZERO_PADDING2D, type ZeroPadding2DConfig } from '../../src/harness/layers/zeroPadding2D.ts';
import { evmLayer, uniform } from './helpers.ts';
import { convLayersHarness } from './spatial.helpers.ts';
import { weightlessAccuracy } from './poolingAccuracy.helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

describe('ZeroPadding2D', () => {
  it('case: ((1, 0), (0, 2)) around a 1×2 int8 image pads the zero point', () => {
    const c: ZeroPadding2DConfig = { mode: 1, H: 1, W: 2, C: 1, top: 1, bottom: 0, left: 0, right: 2, zIn: -7 };
    const y = decodeI8(oracleForward(o, ZERO_PADDING2D, c, new Uint8Array(0), Uint8Array.from([5, 6])));
    expect(Array.from(y)).toEqual([-7, -7, -7, -7, 5, 6, -7, -7]);
  });

  it('vs tfjs, both modes', () => {
    const [H, W, C] = [4, 5, 3];
    const padding: [[number, number], [number, number]] = [[1, 2], [3, 0]];
    const samples = Array.from({ length: 2 }, (_, s) => uniform(700 + s, H * W * C, -1, 2));
    const r = weightlessAccuracy(o, ZERO_PADDING2D, { type: 'ZeroPadding2D', config: { padding }, weights: {}, outputShape: [] }, [H, W, C],
      (mode, z) => ({ mode: mode === 'q' ? 0 : 1, H, W, C, top: 1, bottom: 2, left: 3, right: 0, zIn: z }), samples, { qUlps: 0.5, i8Lsb: 0.5 });
    console.log(`ZeroPadding2D: max |oracle − tfjs| q ${r.qUlps.toFixed(2)} ulp (float32 rounding of tfjs), int8 ${r.i8Lsb.toFixed(2)} LSB`);
  });

  it('EVM: ranges == rows of forward; gas at 32×32×16, padding 1 (printed)', async () => {
    const h = await convLayersHarness();
    const c: ZeroPadding2DConfig = { mode: 1, H: 32, W: 32, C: 16, top: 1, bottom: 1, left: 1, right: 1, zIn: 3 };
    const x = Uint8Array.from(Array.from(uniform(16, 32 * 32 * 16, -128, 127), Math.round), (v) => v & 0xff);
    const full = await evmLayer(h, ZERO_PADDING2D, c, new Uint8Array(0), x);
    if (!full.ok) throw new Error(full.detail);
    const row = 34 * 16;
    const r = await evmLayer(h, ZERO_PADDING2D, c, new Uint8Array(0), x, { method: 'zeroPadding2dRange', range: [0, 5] });
    expect(r.ok && r.value).toEqual(full.value.slice(0, 5 * row));
    console.log(`ZeroPadding2D 32×32×16 → 34×34×16 int8: ${full.gasUsed!.toLocaleString('en-US')} gas`);
  });
});
