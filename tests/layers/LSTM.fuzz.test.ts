/**
 * Property tests for contracts/layers/LSTM.sol: the fast layer (SWAR / dot4 linear part, assembly cell
 * passes), its plain twin (`forwardStepsRef`) and the oracle (assembly/layers/LSTM.ts → Recurrent.ts) produce
 * the same output and state bytes and fail together with the same error name, in both number modes, for
 * random shapes (T ≤ 3, K ≤ 6, U ≤ 6; a wide property up to U = 17 crosses SWAR panel boundaries), every
 * gate activation kind, random states, step ranges [tFrom, tTo) and corrupted lengths / dimensions.
 */
import { beforeAll, describe, it } from 'vitest';
import { checkProperty } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { checkRnnCase, corruption, recurrentHarness, rnnCase } from './recurrentHelpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await recurrentHarness();
});

/** Largest multiply-accumulate count of a case also run through the Ref twin (~10^3 gas per MAC). */
const REF_MACS = 400;

describe('LSTM: fast EVM == Ref EVM == oracle', () => {

  it('forwardSteps / forward, both modes', async () => {
    await checkProperty('LSTM.forwardSteps evm==oracle', [rnnCase('LSTM'), corruption()], (c, bad) => checkRnnCase(h, 'LSTM', c, bad, REF_MACS));
  });

  it('wide layers (panel boundaries), fast path only', async () => {
    await checkProperty(
      'LSTM.forwardSteps wide evm==oracle',
      [rnnCase('LSTM', { maxT: 1, maxK: 3, maxU: 17 })],
      (c) => checkRnnCase(h, 'LSTM', c, 'none', 0),
      { scale: 0.25 },
    );
  });
});
