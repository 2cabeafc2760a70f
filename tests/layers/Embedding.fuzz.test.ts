/**
 * Property tests for contracts/layers/Embedding.sol: the fast layer (MCOPY rows, assembly requantization),
 * its plain twin (`forwardRangeRef`) and the oracle (assembly/layers/Embedding.ts) produce the same bytes
 * and fail together with the same error name, in both modes (int8 per-tensor and per-row), for random
 * tables, ids (sometimes out of range → TokenOutOfRange), position ranges and corrupted lengths.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { checkProperty, int8Edge } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { EMBEDDING, encodeIds, packEmbeddingI8, type EmbeddingConfig } from '../../src/harness/layers/embedding.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import { expectLayerAgreement, int8, multiplier, shiftArb } from './helpers.ts';
import { qWeight, recurrentHarness } from './recurrentHelpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await recurrentHarness();
});

type Bad = 'none' | 'x+1' | 'w-1' | 'w+1' | 'mode' | 'T0' | 'V0' | 'D0';

const embCase = fc
  .record({
    mode: fc.constantFrom(Mode.Q, Mode.I8),
    T: fc.integer({ min: 1, max: 8 }),
    V: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) }, { weight: 1, arbitrary: fc.constant(1) }),
    D: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }) }, { weight: 1, arbitrary: fc.constantFrom(1, 33) }),
    perRow: fc.boolean(),
    zOut: int8(),
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      ids: fc.array(
        fc.oneof(
          { weight: 30, arbitrary: fc.integer({ min: 0, max: s.V - 1 }) },
          { weight: 1, arbitrary: fc.constantFrom(s.V, s.V + 1, 2 ** 32 - 1) },
        ),
        { minLength: s.T, maxLength: s.T },
      ),
      q: fc.array(qWeight(32), { minLength: s.V * s.D, maxLength: s.V * s.D }),
      i8: fc.array(int8Edge(), { minLength: s.V * s.D, maxLength: s.V * s.D }),
      M: fc.array(fc.oneof({ weight: 40, arbitrary: multiplier(false) }, { weight: 1, arbitrary: multiplier(true) }), { minLength: s.V, maxLength: s.V }),
      shift: fc.array(fc.oneof({ weight: 40, arbitrary: shiftArb(28, 36, false) }, { weight: 1, arbitrary: shiftArb(28, 36, true) }), { minLength: s.V, maxLength: s.V }),
      range: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: s.T }), fc.integer({ min: 0, max: s.T })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]) },
        { weight: 1, arbitrary: fc.constantFrom([1, 0] as [number, number], [0, s.T + 1] as [number, number]) },
      ),
      bad: fc.oneof({ weight: 20, arbitrary: fc.constant<Bad>('none') }, { weight: 1, arbitrary: fc.constantFrom<Bad>('x+1', 'w-1', 'w+1', 'mode', 'T0', 'V0', 'D0') }),
    }),
  );

describe('Embedding: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange, both modes', async () => {
    await checkProperty('Embedding.forwardRange evm==oracle', [embCase], async (c) => {
      const { s } = c;
      let config: EmbeddingConfig = { mode: s.mode, T: s.T, inputDim: s.V, outputDim: s.D, perRow: s.perRow, zOut: s.zOut };
      let weights =
        s.mode === Mode.Q
          ? (() => {
              const out = new Uint8Array(8 * s.V * s.D);
              const v = new DataView(out.buffer);
              c.q.forEach((x, i) => v.setBigInt64(8 * i, x, false));
              return out;
            })()
          : packEmbeddingI8(c.i8, s.V, s.D, s.perRow ? { M: c.M, shift: c.shift } : undefined);
      let input = encodeIds(c.ids);
      if (c.bad === 'x+1') input = Uint8Array.from([...input, 0]);
      if (c.bad === 'w-1') weights = weights.slice(0, -1);
      if (c.bad === 'w+1') weights = Uint8Array.from([...weights, 0]);
      if (c.bad === 'mode') config = { ...config, mode: 2 };
      if (c.bad === 'T0') config = { ...config, T: 0 };
      if (c.bad === 'V0') config = { ...config, inputDim: 0 };
      if (c.bad === 'D0') config = { ...config, outputDim: 0 };
      const range = c.range ?? [0, s.T];
      const ctx = { config, ids: c.ids, range: c.range, bad: c.bad };
      await expectLayerAgreement(h, EMBEDDING, config, weights, input, ctx, { method: 'embeddingRange', refMethod: 'embeddingRangeRef', range });
      if (!c.range) await expectLayerAgreement(h, EMBEDDING, config, weights, input, ctx);
    });
  });
});
