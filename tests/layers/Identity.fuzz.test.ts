/**
 * Property tests for the byte-identity layers (contracts/layers/Identity.sol: InputLayer, Dropout,
 * Flatten, Reshape): EVM == oracle (the output is the input's bytes), revert ⇔ throw with the same error
 * name on inconsistent shapes, lengths, modes and weights.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { checkProperty } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { DROPOUT, FLATTEN, INPUT_LAYER, RESHAPE, type LayerOp, type ShapeConfig } from '../../src/harness/layers/index.ts';
import { expectLayerAgreement, layerHarness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await layerHarness();
});

const shape = (): fc.Arbitrary<number[]> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<number[]>([]) },
    { weight: 8, arbitrary: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }) },
  );
const count = (d: number[]) => d.reduce((p, v) => p * v, 1);

/** A case: the layer's natural output shape most of the time, else a random shape; a length error rarely. */
const idCase = (op: LayerOp<ShapeConfig>) =>
  fc
    .record({ mode: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.constantFrom(2, 255) }), inShape: shape(), other: shape(), natural: fc.boolean(), extra: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) }), weights: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }), seed: fc.integer() })
    .map((c) => {
      const n = count(c.inShape);
      const natural = op === FLATTEN ? [n] : op === RESHAPE ? [...c.inShape].reverse() : c.inShape;
      const outShape = c.natural ? natural : c.other;
      const eb = c.mode === 0 ? 8 : 1;
      const len = Math.max(0, Math.min(n, 4096) * eb + c.extra);
      const input = Uint8Array.from({ length: len }, (_, i) => (i * 31 + c.seed) & 0xff);
      return { config: { mode: c.mode, inShape: c.inShape, outShape } as ShapeConfig, input, weights: new Uint8Array(c.weights) };
    });

describe('Identity layers: EVM == oracle', () => {
  for (const op of [INPUT_LAYER, DROPOUT, FLATTEN, RESHAPE]) {
    it(op.name, async () => {
      await checkProperty(`${op.name}.forward evm==oracle`, [idCase(op)], async (c) => {
        await expectLayerAgreement(h, op, c.config, c.weights, c.input, c);
      });
    });
  }
});
