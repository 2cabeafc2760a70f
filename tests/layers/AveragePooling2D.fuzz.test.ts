/**
 * Property tests for contracts/layers/AveragePooling2D.sol: the fast layer, its plain twin and the oracle
 * (assembly/layers/AveragePooling2D.ts) produce the same bytes and fail together, in both modes, for
 * random shapes (≤ 8×8, up to 34 channels), pool sizes ≠ strides, both paddings, output-row ranges
 * ('valid' on a row slice, 'same' from the whole pooling) and rare corruptions.
 */
import { describe, it } from 'vitest';
import { AVERAGE_POOLING2D } from '../../src/harness/layers/pooling2D.ts';
import { convLayersHarness, poolingProperty } from './spatial.helpers.ts';

describe('AveragePooling2D: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange, both modes', async () => {
    await poolingProperty(await convLayersHarness(), AVERAGE_POOLING2D, 'averagePooling2d');
  });
});
