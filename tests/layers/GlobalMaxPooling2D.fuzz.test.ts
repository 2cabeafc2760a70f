/** Property tests for contracts/layers/GlobalMaxPooling2D.sol (the shared property of GlobalAveragePooling2D.fuzz.test.ts). */
import { describe, it } from 'vitest';
import { GLOBAL_MAX_POOLING2D } from '../../src/harness/layers/pooling2D.ts';
import { convLayersHarness, globalPoolingProperty } from './spatial.helpers.ts';

describe('GlobalMaxPooling2D: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange, both modes', async () => {
    await globalPoolingProperty(await convLayersHarness(), GLOBAL_MAX_POOLING2D, 'globalMaxPooling2d');
  });
});
