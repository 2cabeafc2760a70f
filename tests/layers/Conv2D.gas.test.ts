/**
 * Gas of the whole Conv2D and DepthwiseConv2D layers (config decoding, validation, blob sections, the
 * kernel, requantization, the fused activation) at realistic sizes, measured inside ConvLayersHarness
 * with gasleft(); asserts the project targets for Conv2D at 16×16×16 → 32, 3×3, 'same', relu
 * (1,179,648 MACs): ≤ 10 gas/MAC int8, ≤ 60 gas/MAC q — and checks every output against the oracle so a
 * fast-but-wrong layer cannot pass. Also prints a partial range (rows [4, 8)) and leaky_relu (the
 * accumulator path).
 */
import { describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { activationParams, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import { CONV2D, quantizeConv2D, type Conv2DFloat } from '../../src/harness/layers/conv2D.ts';
import { DEPTHWISE_CONV2D, quantizeDepthwiseConv2D, type DepthwiseConv2DFloat } from '../../src/harness/layers/depthwiseConv2D.ts';
import type { LayerActivation } from '../../src/harness/layers/float.ts';
import type { LayerOp } from '../../src/harness/layers/types.ts';
import { evmLayer, uniform } from './helpers.ts';
import { convLayersHarness } from './spatial.helpers.ts';

const g = { H: 16, W: 16, Cin: 16, Cout: 32, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const };
const MACS = g.H * g.W * g.Cout * g.kh * g.kw * g.Cin;
const conv = (a: LayerActivation): Conv2DFloat => ({ ...g, kernel: uniform(1, 9 * 16 * 32, -0.2, 0.2), bias: uniform(2, 32, -0.1, 0.1), activation: a });
const x = uniform(3, g.H * g.W * g.Cin, -1, 1);
const input = activationParams(-1, 1);
const x8 = Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff);
const xq = getBytes(encodeQ(toQArray(x)));

async function run<C>(op: LayerOp<C>, config: C, weights: Uint8Array, inp: Uint8Array, macs: number, label: string, range?: [number, number]): Promise<number> {
  const h = await convLayersHarness();
  const r = await evmLayer(h, op, config, weights, inp, range ? { method: `${op.harness}Range`, range } : {});
  if (!r.ok) throw new Error(r.detail);
  expect(r.value).toEqual(Array.from(oracleForward(h.oracle, op, config, weights, inp, range)));
  const perMac = Number(r.gasUsed) / macs;
  console.log(`${label.padEnd(58)} ${r.gasUsed!.toLocaleString('en-US').padStart(12)} gas  ${perMac.toFixed(2)} gas/MAC`);
  return perMac;
}

describe(`Conv2D gas at 16×16×16 → 32, 3×3, 'same' (${MACS.toLocaleString('en-US')} MACs)`, () => {
  it('int8 relu ≤ 10 gas/MAC (also: leaky_relu, and a 4-row range)', async () => {
    const q = quantizeConv2D(conv({ name: 'relu' }), { mode: 'int8', input, output: activationParams(0, 2) });
    expect(await run(CONV2D, q.config, q.weights, x8, MACS, 'Conv2D int8 relu')).toBeLessThanOrEqual(10);
    const ql = quantizeConv2D(conv({ name: 'leaky_relu', alpha: 0.1 }), { mode: 'int8', input, output: activationParams(-0.5, 2) });
    await run(CONV2D, ql.config, ql.weights, x8, MACS, 'Conv2D int8 leaky_relu (accumulator path)');
    await run(CONV2D, q.config, q.weights, x8, MACS / 4, 'Conv2D int8 relu, rows [4, 8) (per MAC of the range)', [4, 8]);
  });

  it('q relu ≤ 60 gas/MAC', async () => {
    const q = quantizeConv2D(conv({ name: 'relu' }), { mode: 'q' });
    expect(await run(CONV2D, q.config, q.weights, xq, MACS, 'Conv2D q relu')).toBeLessThanOrEqual(60);
  });
});

describe('DepthwiseConv2D gas at 16×16×32, 3×3, same, multiplier 1 (73,728 MACs)', () => {
  const dg = { H: 16, W: 16, C: 32, mult: 1, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const };
  const dmacs = 16 * 16 * 32 * 9;
  const dw: DepthwiseConv2DFloat = { ...dg, kernel: uniform(4, 9 * 32, -0.5, 0.5), bias: uniform(5, 32, -0.1, 0.1), activation: { name: 'relu6' } };
  const xd = uniform(6, 16 * 16 * 32, -1, 1);
  it('int8 and q relu6 (printed)', async () => {
    const q8 = quantizeDepthwiseConv2D(dw, { mode: 'int8', input, output: activationParams(0, 6) });
    await run(DEPTHWISE_CONV2D, q8.config, q8.weights, Uint8Array.from(quantizeTensor(xd, input), (v) => v & 0xff), dmacs, 'DepthwiseConv2D int8 relu6');
    const qq = quantizeDepthwiseConv2D(dw, { mode: 'q' });
    await run(DEPTHWISE_CONV2D, qq.config, qq.weights, getBytes(encodeQ(toQArray(xd))), dmacs, 'DepthwiseConv2D q relu6');
  });
});
