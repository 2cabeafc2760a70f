/**
 * contracts/layers/SimpleRNN.sol / assembly/layers/SimpleRNN.ts against independent references: hand-derived
 * case tables (q and int8), the tfjs float32 layer and a float64 reference within docs/layers/recurrent.md's
 * bounds, forwardSteps composition, and gas per timestep.
 */
import { describe, expect, it } from 'vitest';
import { loadOracle } from '../../src/harness/oracle.ts';
import { SIMPLE_RNN, oracleForwardSteps, packRnnI8, rnnActivationSpec, zeroState, type RnnConfig } from '../../src/harness/layers/recurrent.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { expectQCase, type QCase } from './recurrentCaseTable.ts';
import { recurrentCommonTests } from './recurrentHelpers.ts';

const cases: QCase[] = [
  {
    name: 'linear: h1 = 0.5·1 + 0.125, h2 = 0.5·2 + 0.25·h1 + 0.125',
    input: { W: [0.5], R: [0.25], b: [0.125], act: { name: 'linear' }, x: [1, 2] },
    expected: [0.625, 1.28125],
  },
  { name: 'relu clips a negative pre-activation to 0', input: { W: [-1], R: [0.5], b: [0], act: { name: 'relu' }, x: [1, -2] }, expected: [0, 2] },
  { name: 'tanh(20) is exactly 1 (qExp(−40) underflows to 0)', input: { W: [20], R: [0], b: [0], act: { name: 'tanh' }, x: [1, -1] }, expected: [1, -1] },
  { name: 'tanh(0.5) to 2 ulps', input: { W: [0.5], R: [0], b: [0], act: { name: 'tanh' }, x: [1] }, expected: [Math.tanh(0.5)], tol: 2 ** -31 },
];

describe('SimpleRNN case table (q, K = U = 1)', () => {
  it.each(cases)('$name', async (c) => expectQCase(await loadOracle(), 'SimpleRNN', c));
});

describe('SimpleRNN case table (int8, K = U = 1)', () => {
  // x·W in Q32: accX·mX/2^sX with mX = 2^30, sX = 8 → accX·2^22; h8 = RHAZ(h·2^30/2^55) = h/2^25 (s_h = 1/128).
  const config: RnnConfig = {
    mode: Mode.I8, T: 1, K: 1, U: 1, act: rnnActivationSpec({ name: 'linear' }, 32), recAct: rnnActivationSpec({ name: 'linear' }, 32),
    returnSequences: true, resetAfter: false, F: 32, zIn: 0, zH: 0, hM: 2 ** 30, hShift: 55,
  };
  const weights = (w: number) => packRnnI8('SimpleRNN', config, { W: [w], R: [0], bias: [0n], mX: [2 ** 30], sX: [8], mH: [2 ** 30], sH: [8] });
  const table: { name: string; input: { x: number; w: number }; expected: number }[] = [
    { name: '10·64 = 640 → 0.625 → 80', input: { x: 10, w: 64 }, expected: 80 },
    { name: '−10·64 → −80', input: { x: -10, w: 64 }, expected: -80 },
    { name: '4·1 → 2^24 → 0.5 rounds away from zero → 1', input: { x: 4, w: 1 }, expected: 1 },
    { name: '−4·1 → −0.5 → −1', input: { x: -4, w: 1 }, expected: -1 },
    { name: '127·127 → 252 saturates to 127', input: { x: 127, w: 127 }, expected: 127 },
  ];
  it.each(table)('$name', async ({ input, expected }) => {
    const o = await loadOracle();
    const { y } = oracleForwardSteps(o, SIMPLE_RNN, config, weights(input.w), Uint8Array.of(input.x & 0xff), zeroState('SimpleRNN', config), 0, 1);
    expect((y[0]! << 24) >> 24).toBe(expected);
  });
});

recurrentCommonTests('SimpleRNN', { K: 64, U: 128, maxQ: 1_400_000n, maxI8: 450_000n });
