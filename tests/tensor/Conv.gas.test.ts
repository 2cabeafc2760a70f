/**
 * Gas per multiply-accumulate of the convolution kernels at the headline size: 16×16×16 input,
 * 3×3 kernel, 16 → 32 channels, stride 1, 'same' (Ho·Wo·Cout·kh·kw·Cin = 1,179,648 nominal MACs).
 * Gas is the library call alone (measured inside ConvHarness with gasleft()), which is deterministic;
 * the test asserts the project targets (≤ 10 gas/MAC int8, ≤ 60 gas/MAC q) — for int8 the measured
 * value plus a small margin — and checks one output against the oracle so a fast-but-wrong kernel
 * cannot pass. A second table covers small-channel first layers (see `rows`).
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
  it('conv2dI8 ≤ 5.5 gas/MAC and conv2dI8Requant ≤ 6.2 gas/MAC (targets ≤ 10)', async () => {
    const h = await getHarness('ConvHarness');
    const panels = hexlify(packPanelsI8(k8, K, s.Cout));
    const r = await h.call<[string, bigint]>('conv2dI8', [encodeI8(x8), -3n, panels, bias, conv2dShapeArg(s)]);
    if (!r.ok) throw new Error(r.detail);
    expect(Array.from(decodeQ(r.value[0]))).toEqual(Array.from(conv2dI8(h.oracle, x8, -3, k8, bias, s)));
    // Project target ≤ 10; measured 5.42 (before the small-channel rework: 5.49).
    expect(report('conv2dI8', r.value[1])).toBeLessThanOrEqual(5.5);

    const M = Array.from({ length: s.Cout }, (_, i) => BigInt((1 << 30) + i * 12345));
    const shift = Array.from({ length: s.Cout }, () => 38n);
    const rq = await h.call<[string, bigint]>('conv2dI8Requant', [encodeI8(x8), -3n, panels, bias, conv2dShapeArg(s), M, shift, 5n]);
    if (!rq.ok) throw new Error(rq.detail);
    expect(Array.from(decodeI8(rq.value[0]))).toEqual(Array.from(conv2dI8Requant(h.oracle, x8, -3, k8, bias, s, M, shift, 5)));
    // Project target ≤ 10; measured 6.09 (before: 6.65).
    expect(report('conv2dI8Requant', rq.value[1])).toBeLessThanOrEqual(6.2);
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

/**
 * Small- and mixed-channel shapes (the first layers of real CNNs: few input and output channels) and one
 * wide one, fused requantization, stride 1, 'same'. Each row asserts the gas per nominal MAC measured
 * with the current kernel plus ~2% (so a regression shows) and checks both outputs (fused and int64
 * accumulators) against the oracle. `before` is the gas of the previous kernel (one run of kx·Cin taps
 * per kernel row, partial panels decoded through a flush), for the record.
 */
interface GasRow {
  name: string;
  s: Conv2dShape;
  /** Asserted bound on the fused-requant gas per nominal MAC. */
  maxPerMac: number;
  /** conv2dI8Requant gas of the previous kernel. */
  before: number;
}
const same3 = { kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const };
const rows: GasRow[] = [
  // cifar_cnn_32x32's first layer; target ≤ 6.5M gas (≤ 15 gas/MAC); measured 5,801,352 = 13.11.
  { name: '32×32×3→16 3×3', s: { H: 32, W: 32, Cin: 3, Cout: 16, ...same3 }, maxPerMac: 13.4, before: 16_846_466 },
  { name: '32×32×3→32 3×3', s: { H: 32, W: 32, Cin: 3, Cout: 32, ...same3 }, maxPerMac: 12.6, before: 14_840_129 },
  { name: '32×32×8→16 3×3', s: { H: 32, W: 32, Cin: 8, Cout: 16, ...same3 }, maxPerMac: 8.05, before: 23_318_912 },
  // The MNIST demo CNN's first layer; measured 2,620,834 = 16.71 (the ≤ 15 target is not reached:
  // docs/layers/conv.md "Gas").
  { name: '28×28×1→8 5×5', s: { H: 28, W: 28, Cin: 1, Cout: 8, kh: 5, kw: 5, sh: 1, sw: 1, padding: 'same' }, maxPerMac: 17.0, before: 12_621_222 },
  // Wide: must not regress (before 5.34 gas/MAC); measured 4.98.
  { name: '8×8×32→32 3×3', s: { H: 8, W: 8, Cin: 32, Cout: 32, ...same3 }, maxPerMac: 5.1, before: 3_150_603 },
];

describe('conv2dI8Requant gas at small channel counts', () => {
  it.each(rows)('$name', async ({ name, s: rs, maxPerMac, before }) => {
    const h = await getHarness('ConvHarness');
    const Kr = rs.kh * rs.kw * rs.Cin;
    const xr = Array.from({ length: rs.H * rs.W * rs.Cin }, (_, i) => ((i * 7919 + 13) % 256) - 128);
    const kr = Array.from({ length: Kr * rs.Cout }, (_, i) => ((i * 104729 + 7) % 255) - 127);
    const br = Array.from({ length: rs.Cout }, (_, i) => (i * 7777) % 20001 - 10000);
    const M = Array.from({ length: rs.Cout }, (_, i) => BigInt((1 << 30) + i * 12345));
    const shift = Array.from({ length: rs.Cout }, () => 38n);
    const macs = rs.H * rs.W * rs.Cout * Kr;
    const args = [encodeI8(xr), -3n, hexlify(packPanelsI8(kr, Kr, rs.Cout)), br, conv2dShapeArg(rs), M, shift, 5n];
    const rq = await h.call<[string, bigint]>('conv2dI8Requant', args);
    if (!rq.ok) throw new Error(rq.detail);
    expect(Array.from(decodeI8(rq.value[0]))).toEqual(Array.from(conv2dI8Requant(h.oracle, xr, -3, kr, br, rs, M, shift, 5)));
    const r = await h.call<[string, bigint]>('conv2dI8', args.slice(0, 5));
    if (!r.ok) throw new Error(r.detail);
    expect(Array.from(decodeQ(r.value[0]))).toEqual(Array.from(conv2dI8(h.oracle, xr, -3, kr, br, rs)));
    const perMac = Number(rq.value[1]) / macs;
    console.log(
      `${name.padEnd(16)} requant ${rq.value[1].toLocaleString('en-US').padStart(12)} gas  ${perMac.toFixed(2)} gas/MAC  ` +
        `${(Number(rq.value[1]) / (rs.H * rs.W)).toFixed(0)} gas/pixel  (before ${before.toLocaleString('en-US')}, ` +
        `${(before / Number(rq.value[1])).toFixed(2)}×);  conv2dI8 ${r.value[1].toLocaleString('en-US').padStart(12)} gas`,
    );
    expect(perMac).toBeLessThanOrEqual(maxPerMac);
  });
});
