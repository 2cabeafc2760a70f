/**
 * Property tests for contracts/layers/GlobalAveragePooling2D.sol: fast layer, plain twin and oracle agree
 * (bytes and failures) in both modes for random shapes (≤ 8×8, up to 40 channels), channel ranges and rare
 * corruptions (`globalPoolingProperty` of spatial.helpers.ts).
 */
import { describe, it } from 'vitest';
import { GLOBAL_AVERAGE_POOLING2D } from '../../src/harness/layers/pooling2D.ts';
import { convLayersHarness, globalPoolingProperty } from './spatial.helpers.ts';

describe('GlobalAveragePooling2D: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange, both modes', async () => {
    await globalPoolingProperty(await convLayersHarness(), GLOBAL_AVERAGE_POOLING2D, 'globalAveragePooling2d');
  });
});
