/**
 * Gas per multiply-accumulate of the convolution kernels at the headline size: 16×16×16 input,
 * 3×3 kernel, 16 → 32 channels, stride 1, 'same' (Ho·Wo·Cout·kh·kw·Cin = 1,179,648 nominal MACs).
 * Gas is the library call alone (measured inside ConvHarness with gasleft()), which is deterministic;
 * the test asserts the project targets (≤ 10 gas/MAC int8, ≤ 60 gas/MAC q) and checks one output
 * against the oracle so a fast-but-wrong kernel cannot pass.
 */
import { describe, expect, it } from 'vitest';
import { hexlify } from 'ethers';
import { getHarness } from '../helpers/diff.ts';
import { conv2dI8, conv2dI8Requant, conv2dQ, conv2dShapeArg, type Conv2dShape } from '../../src/harness/kernels/conv.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ, packPanelsI8 } from '../../src/harness/tensor/pack.ts';

const s: Conv2dShape = { H: 16, W: 16, Cin: 16, Cout: 32, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' };
const K = s.kh * s.kw * s.Cin;
const NOMINAL_MACS = s.H * s.W * s.Cout * K;
/** MACs on in-bounds taps only ('same' padding skips 8% of the taps: (3·16 − 2)² of 48² tap positions). */
const VALID_MACS = (3 * 16 - 2) ** 2 * s.Cin * s.Cout;

// Deterministic, full-range data.
const x8 = Array.from({ length: s.H * s.W * s.Cin }, (_, i) => ((i * 7919 + 13) % 256) - 128);
const k8 = Array.from({ length: K * s.Cout }, (_, i) => ((i * 104729 + 7) % 255) - 127);
const bias = Array.from({ length: s.Cout }, (_, i) => (i * 7777) % 20001 - 10000);

function report(name: string, gas: bigint): number {
  const perMac = Number(gas) / NOMINAL_MACS;
  console.log(
    `${name.padEnd(16)} ${gas.toLocaleString('en-US').padStart(12)} gas  ${perMac.toFixed(2)} gas/MAC  (${(Number(gas) / VALID_MACS).toFixed(2)} per in-bounds MAC)`,
  );
  return perMac;
}

describe(`conv gas at 16×16×16 → 32, 3×3, 'same' (${NOMINAL_MACS.toLocaleString('en-US')} MACs)`, () => {
  it('conv2dI8 ≤ 10 gas/MAC and conv2dI8Requant ≤ 10 gas/MAC', async () => {
    const h = await getHarness('ConvHarness');
    const panels = hexlify(packPanelsI8(k8, K, s.Cout));
    const r = await h.call<[string, bigint]>('conv2dI8', [encodeI8(x8), -3n, panels, bias, conv2dShapeArg(s)]);
    if (!r.ok) throw new Error(r.detail);
    expect(Array.from(decodeQ(r.value[0]))).toEqual(Array.from(conv2dI8(h.oracle, x8, -3, k8, bias, s)));
    expect(report('conv2dI8', r.value[1])).toBeLessThanOrEqual(10);

    const M = Array.from({ length: s.Cout }, (_, i) => BigInt((1 << 30) + i * 12345));
    const shift = Array.from({ length: s.Cout }, () => 38n);
    const rq = await h.call<[string, bigint]>('conv2dI8Requant', [encodeI8(x8), -3n, panels, bias, conv2dShapeArg(s), M, shift, 5n]);
    if (!rq.ok) throw new Error(rq.detail);
    expect(Array.from(decodeI8(rq.value[0]))).toEqual(Array.from(conv2dI8Requant(h.oracle, x8, -3, k8, bias, s, M, shift, 5)));
    expect(report('conv2dI8Requant', rq.value[1])).toBeLessThanOrEqual(10);
  });

  it('conv2dQ ≤ 60 gas/MAC', async () => {
    const h = await getHarness('ConvHarness');
    const xq = x8.map((v) => BigInt(v) << 25n);
    const kq = k8.map((v) => BigInt(v) << 25n);
    const bq = bias.map((v) => BigInt(v) << 20n);
    const r = await h.call<[string, bigint]>('conv2dQ', [encodeQ(xq), encodeQ(kq), encodeQ(bq), conv2dShapeArg(s), 32n]);
    if (!r.ok) throw new Error(r.detail);
    expect(Array.from(decodeQ(r.value[0]))).toEqual(Array.from(conv2dQ(h.oracle, xq, kq, bq, s, 32)));
    expect(report('conv2dQ', r.value[1])).toBeLessThanOrEqual(60);
  });
});
