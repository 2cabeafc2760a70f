/**
 * The byte-identity layers (InputLayer, Dropout, Flatten, Reshape) against TensorFlow.js: Keras Flatten
 * (channels_last) and Reshape are the row-major (HWC) bytes unchanged, so the on-chain op returns its
 * input; shape errors are the documented ones.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { DROPOUT, FLATTEN, INPUT_LAYER, LayerCode, RESHAPE, oracleForward, shapeConfig } from '../../src/harness/layers/index.ts';
import { oneLayerModel, uniform } from './helpers.ts';

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
const fails = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof OracleError) return `${e.errorName} ${e.args.join(' ')}`;
    throw e;
  }
  return 'ok';
};

describe('Identity layers', () => {
  it('tfjs Flatten and Reshape of an HWC tensor are its row-major values (so the bytes are unchanged)', () => {
    const x = uniform(3, 2 * 3 * 4, -1, 1);
    const flat = predictFloat(oneLayerModel([2, 3, 4], { type: 'Flatten', config: {}, weights: {}, outputShape: [24] }), [x])[0]!;
    const reshaped = predictFloat(oneLayerModel([2, 3, 4], { type: 'Reshape', config: { targetShape: [4, 6] }, weights: {}, outputShape: [4, 6] }), [x])[0]!;
    expect(Array.from(flat)).toEqual(Array.from(x));
    expect(Array.from(reshaped)).toEqual(Array.from(x));
  });

  it('the oracle returns the input bytes (both modes)', () => {
    const x8 = bytes(24);
    const xq = bytes(24 * 8);
    expect(Array.from(oracleForward(o, FLATTEN, shapeConfig('int8', [2, 3, 4], [24]), new Uint8Array(0), x8))).toEqual(Array.from(x8));
    expect(Array.from(oracleForward(o, RESHAPE, shapeConfig('q', [2, 3, 4], [4, 6]), new Uint8Array(0), xq))).toEqual(Array.from(xq));
    expect(Array.from(oracleForward(o, INPUT_LAYER, shapeConfig('int8', [24], [24]), new Uint8Array(0), x8))).toEqual(Array.from(x8));
    expect(Array.from(oracleForward(o, DROPOUT, shapeConfig('q', [4, 6], [4, 6]), new Uint8Array(0), xq))).toEqual(Array.from(xq));
  });

  it.each([
    { name: 'Reshape to a different count', run: () => oracleForward(o, RESHAPE, shapeConfig('int8', [2, 3], [7]), new Uint8Array(0), bytes(6)), expected: 'ShapeMismatch 6 7' },
    { name: 'Flatten to rank 2', run: () => oracleForward(o, FLATTEN, shapeConfig('int8', [2, 3], [1, 6]), new Uint8Array(0), bytes(6)), expected: `InvalidShape ${LayerCode.OUTPUT_SHAPE}` },
    { name: 'Dropout changing the shape', run: () => oracleForward(o, DROPOUT, shapeConfig('int8', [2, 3], [3, 2]), new Uint8Array(0), bytes(6)), expected: `InvalidShape ${LayerCode.OUTPUT_SHAPE}` },
    { name: 'a zero dimension', run: () => oracleForward(o, INPUT_LAYER, shapeConfig('q', [2, 0], [2, 0]), new Uint8Array(0), bytes(0)), expected: `InvalidShape ${LayerCode.ZERO_DIM}` },
    { name: 'q input of 6 elements in 47 bytes', run: () => oracleForward(o, FLATTEN, shapeConfig('q', [2, 3], [6]), new Uint8Array(0), bytes(47)), expected: 'ShapeMismatch 48 47' },
    { name: 'non-empty weights', run: () => oracleForward(o, FLATTEN, shapeConfig('int8', [2, 3], [6]), Uint8Array.of(1), bytes(6)), expected: 'ShapeMismatch 0 1' },
  ])('$name → $expected', ({ run, expected }) => {
    expect(fails(run)).toBe(expected);
  });
});
