/**
 * Property tests for contracts/layers/GRU.sol: the fast layer (SWAR / dot4 linear part, assembly cell
 * passes), its plain twin (`forwardStepsRef`) and the oracle (assembly/layers/GRU.ts → Recurrent.ts) produce
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

describe('GRU: fast EVM == Ref EVM == oracle', () => {
  // reset_after true and false are both drawn by rnnCase('GRU').
  it('forwardSteps / forward, both modes', async () => {
    await checkProperty('GRU.forwardSteps evm==oracle', [rnnCase('GRU'), corruption()], (c, bad) => checkRnnCase(h, 'GRU', c, bad, REF_MACS));
  });

  it('wide layers (panel boundaries), fast path only', async () => {
    await checkProperty(
      'GRU.forwardSteps wide evm==oracle',
      [rnnCase('GRU', { maxT: 1, maxK: 3, maxU: 17 })],
      (c) => checkRnnCase(h, 'GRU', c, 'none', 0),
      { scale: 0.25 },
    );
  });
});
