/**
 * Gas of the whole Dense layer (config decoding, validation, matvec, bias, requantization, activation) at
 * the headline size 784 → 128 (100,352 MACs), relu, measured inside LayerHarness with gasleft(); asserts
 * the project targets (≤ 10 gas/MAC int8, ≤ 60 gas/MAC q) and checks the output against the oracle so a
 * fast-but-wrong layer cannot pass.
 */
import { describe, expect, it } from 'vitest';
import { getBytes } from 'ethers';
import { DENSE, oracleForward, quantizeDense, type DenseFloat } from '../../src/harness/layers/index.ts';
import { activationParams, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import { evmLayer, layerHarness, uniform } from './helpers.ts';

const K = 784;
const N = 128;
const MACS = K * N;
const d: DenseFloat = { K, N, kernel: uniform(1, K * N, -0.1, 0.1), bias: uniform(2, N, -0.1, 0.1), activation: { name: 'relu' } };
const x = uniform(3, K, 0, 1);

function report(name: string, gas: bigint): number {
  const perMac = Number(gas) / MACS;
  console.log(`Dense ${K}→${N} relu ${name.padEnd(5)} ${gas.toLocaleString('en-US').padStart(10)} gas  ${perMac.toFixed(2)} gas/MAC`);
  return perMac;
}

describe(`Dense gas at ${K} → ${N} (${MACS.toLocaleString('en-US')} MACs)`, () => {
  it('int8 ≤ 10 gas/MAC', async () => {
    const h = await layerHarness();
    const input = activationParams(0, 1);
    const { config, weights } = quantizeDense(d, { mode: 'int8', input, output: activationParams(0, 2) });
    const xi = Uint8Array.from(quantizeTensor(x, input), (v) => v & 0xff);
    const r = await evmLayer(h, DENSE, config, weights, xi);
    if (!r.ok) throw new Error(r.detail);
    expect(r.value).toEqual(Array.from(oracleForward(h.oracle, DENSE, config, weights, xi)));
    expect(report('int8', r.gasUsed!)).toBeLessThanOrEqual(10);
  });

  it('q ≤ 60 gas/MAC', async () => {
    const h = await layerHarness();
    const { config, weights } = quantizeDense(d, { mode: 'q' });
    const xq = getBytes(encodeQ(toQArray(x)));
    const r = await evmLayer(h, DENSE, config, weights, xq);
    if (!r.ok) throw new Error(r.detail);
    expect(r.value).toEqual(Array.from(oracleForward(h.oracle, DENSE, config, weights, xq)));
    expect(report('q', r.gasUsed!)).toBeLessThanOrEqual(60);
  }, 30000);
});
