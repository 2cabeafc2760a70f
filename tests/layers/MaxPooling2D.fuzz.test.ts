/**
 * Property tests for contracts/layers/MaxPooling2D.sol: the fast layer, its plain twin and the oracle
 * (assembly/layers/MaxPooling2D.ts) produce the same bytes and fail together, in both modes, for random
 * shapes (≤ 8×8, up to 34 channels: the 32-channel SWAR blocks), pool sizes ≠ strides, both paddings,
 * output-row ranges ('same' ranges pad with the minimum) and rare corruptions.
 */
import { describe, it } from 'vitest';
import { MAX_POOLING2D } from '../../src/harness/layers/pooling2D.ts';
import { convLayersHarness, poolingProperty } from './spatial.helpers.ts';

describe('MaxPooling2D: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange, both modes', async () => {
    await poolingProperty(await convLayersHarness(), MAX_POOLING2D, 'maxPooling2d');
  });
});
