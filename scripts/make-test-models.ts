/**
 * Writes the committed importer fixtures in tests/fixtures/models/ (tiny tfjs models with seeded,
 * untrained weights) and `expected.json` with sample inputs and the tfjs outputs for them.
 *
 *   npx tsx scripts/make-test-models.ts
 *
 * Fixtures:
 *   cnn_functional/         tfjs layers format, Functional CNN (most image layer types)
 *   mlp_sequential/         tfjs layers format, Sequential MLP (Reshape, Softmax layer, gelu, hard_sigmoid, swish)
 *   rnn_sequential/         tfjs layers format, Sequential Embedding → LSTM → SimpleRNN → GRU → Dense
 *   cnn_sequential_keras2.h5   Keras 2 HDF5 layout (model_weights/<l>/<l>/<w>:0)
 *   cnn_functional_keras3.h5   Keras 3 legacy-h5 layout and config spellings
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { saveKerasH5, saveTfjsLayers } from '../src/harness/import/save.ts';
import {
  buildCnnFunctional,
  buildCnnSequential,
  buildMlpSequential,
  buildRnnSequential,
  predictTfjs,
  sampleInputs,
} from '../tests/fixtures/models/build.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'tests', 'fixtures', 'models');
mkdirSync(out, { recursive: true });

interface Expected {
  file: string;
  inputShape: number[];
  inputs: number[][];
  outputs: number[][];
}
const expected: Record<string, Expected> = {};

function record(key: string, file: string, model: tf.LayersModel, shape: number[], inputs: Float32Array[]): void {
  const outputs = predictTfjs(model, inputs, shape);
  expected[key] = { file, inputShape: shape, inputs: inputs.map((x) => Array.from(x)), outputs: outputs.map((y) => Array.from(y)) };
}

async function tfjsFixture(key: string, model: tf.LayersModel, shape: number[], inputs: Float32Array[]): Promise<void> {
  const dir = join(out, key);
  rmSync(dir, { recursive: true, force: true });
  await saveTfjsLayers(model, dir);
  record(key, `${key}/model.json`, model, shape, inputs);
}

async function h5Fixture(key: string, model: tf.LayersModel, style: 'keras2' | 'keras3', shape: number[], inputs: Float32Array[]): Promise<void> {
  await saveKerasH5(model, join(out, `${key}.h5`), { style });
  record(key, `${key}.h5`, model, shape, inputs);
}

await tfjsFixture('cnn_functional', buildCnnFunctional(), [8, 8, 3], sampleInputs([8, 8, 3], 3, 11, 'pixels'));
await tfjsFixture('mlp_sequential', buildMlpSequential(), [12], sampleInputs([12], 3, 12, 'floats'));
await tfjsFixture('rnn_sequential', buildRnnSequential(), [6], sampleInputs([6], 3, 13, { tokens: 20 }));
await h5Fixture('cnn_sequential_keras2', buildCnnSequential(), 'keras2', [7, 7, 2], sampleInputs([7, 7, 2], 3, 14, 'floats'));
await h5Fixture('cnn_functional_keras3', buildCnnFunctional(), 'keras3', [8, 8, 3], sampleInputs([8, 8, 3], 3, 15, 'pixels'));

writeFileSync(join(out, 'expected.json'), `${JSON.stringify(expected, null, 1)}\n`);
console.log(`wrote ${Object.keys(expected).length} fixtures to ${out}`);
