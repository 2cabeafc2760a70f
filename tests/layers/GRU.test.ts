/**
 * contracts/layers/GRU.sol / assembly/layers/GRU.ts (reset_after true and false) against independent
 * references: hand-derived case tables, the tfjs float32 layer (tfjs's GRU for reset_after = false, the
 * custom Keras reset_after layer of src/harness/model/tfjs.ts otherwise) and a float64 reference within
 * docs/layers/recurrent.md's bounds, forwardSteps composition, and gas per timestep.
 */
import { describe, it } from 'vitest';
import { loadOracle } from '../../src/harness/oracle.ts';
import { expectQCase, type QCase } from './recurrentCaseTable.ts';
import { recurrentCommonTests } from './recurrentHelpers.ts';

const lin = { name: 'linear' } as const;
const cases: QCase[] = [
  {
    name: 'reset_after: z = 0, r = 1: h = x + (0.5·h + 0.25) → 1.25, 1.875',
    input: { W: [0, 0, 1], R: [0, 0, 0.5], b: [-40, 40, 0], bRec: [0, 0, 0.25], act: lin, resetAfter: true, x: [1, 1] },
    expected: [1.25, 1.875],
  },
  {
    name: 'reset_after = false: z = 0, r = 1: h = x + 0.5·(r·h) → 1, 1.5',
    input: { W: [0, 0, 1], R: [0, 0, 0.5], b: [-40, 40, 0], act: lin, resetAfter: false, x: [1, 1] },
    expected: [1, 1.5],
  },
  {
    name: 'reset_after = false: r = 0 resets the recurrent term: h = x',
    input: { W: [0, 0, 1], R: [0, 0, 0.5], b: [-40, -40, 0], act: lin, resetAfter: false, x: [1, 1] },
    expected: [1, 1],
  },
  {
    name: 'z = 1 keeps h0 = 0 whatever the input',
    input: { W: [0, 0, 1], R: [0, 0, 0], b: [40, 40, 0], bRec: [0, 0, 0], act: lin, resetAfter: true, x: [1, 5] },
    expected: [0, 0],
  },
  {
    name: 'z = σ(0) = 0.5 exactly: h = 0.5·h + 0.5·x → 0.5, 0.75',
    input: { W: [0, 0, 1], R: [0, 0, 0], b: [0, 0, 0], bRec: [0, 0, 0], act: lin, resetAfter: true, x: [1, 1] },
    expected: [0.5, 0.75],
  },
];

describe('GRU case table (q, K = U = 1)', () => {
  it.each(cases)('$name', async (c) => expectQCase(await loadOracle(), 'GRU', c));
});

recurrentCommonTests('GRU', { K: 64, U: 128, maxQ: 4_200_000n, maxI8: 1_350_000n });
