/**
 * Round trips: tfjs models → tfjs layers format / Keras HDF5 (Keras 2 and Keras 3 layouts) → importer →
 * predictFloat, which must equal the original tfjs model's predict exactly. Also the committed fixtures
 * in tests/fixtures/models against their recorded outputs, and shape inference against tfjs' own.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { importKerasH5, importModel, importTfjsLayers } from '../../src/harness/import/index.ts';
import { saveKerasH5, saveTfjsLayers } from '../../src/harness/import/save.ts';
import type { ModelIR } from '../../src/harness/model/ir.ts';
import { buildTfjsModel, predictFloat } from '../../src/harness/model/tfjs.ts';
import {
  buildCnnFunctional,
  buildCnnSequential,
  buildMlpSequential,
  buildRnnSequential,
  predictTfjs,
  sampleInputs,
} from '../fixtures/models/build.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'models');
const tmp = mkdtempSync(join(tmpdir(), 'nnchain-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectExact(got: Float32Array[], want: Float32Array[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(want[i])));
}

/** Every layer's inferred output shape equals the one tfjs computes for the rebuilt model. */
function expectShapesMatchTfjs(ir: ModelIR): void {
  const model = buildTfjsModel(ir);
  try {
    for (const l of ir.layers) {
      const s = model.getLayer(l.name).outputShape as (number | null)[];
      expect(s.slice(1).map((d) => (d === null ? -1 : d)), l.name).toEqual(l.outputShape);
    }
  } finally {
    model.dispose();
  }
}

interface Case {
  name: string;
  build: () => tf.LayersModel;
  shape: number[];
  kind: Parameters<typeof sampleInputs>[3];
  layers: string[];
}

const cases: Case[] = [
  {
    name: 'cnn_functional',
    build: buildCnnFunctional,
    shape: [8, 8, 3],
    kind: 'pixels',
    layers: [
      'InputLayer', 'Rescaling', 'Conv2D', 'BatchNormalization', 'DepthwiseConv2D', 'Add', 'ZeroPadding2D', 'MaxPooling2D',
      'AveragePooling2D', 'Concatenate', 'Conv2D', 'LeakyReLU', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Multiply',
      'Dense', 'LayerNormalization', 'ReLU', 'Dropout', 'Dense',
    ],
  },
  {
    name: 'mlp_sequential',
    build: buildMlpSequential,
    shape: [12],
    kind: 'floats',
    layers: ['InputLayer', 'Dense', 'Reshape', 'Softmax', 'Flatten', 'Dense', 'Dense', 'Dense', 'Dense', 'Activation'],
  },
  {
    name: 'rnn_sequential',
    build: buildRnnSequential,
    shape: [6],
    kind: { tokens: 20 },
    layers: ['InputLayer', 'Embedding', 'LSTM', 'SimpleRNN', 'GRU', 'Dense'],
  },
  {
    name: 'cnn_sequential',
    build: buildCnnSequential,
    shape: [7, 7, 2],
    kind: 'floats',
    layers: ['InputLayer', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense'],
  },
];

describe('tfjs layers format round trip (built in the test)', () => {
  for (const c of cases) {
    it(`${c.name}: import → predictFloat equals tfjs predict exactly`, async () => {
      const model = c.build();
      const dir = join(tmp, `tfjs_${c.name}`);
      await saveTfjsLayers(model, dir);
      const ir = importTfjsLayers(join(dir, 'model.json'));
      expect(ir.source).toEqual({ format: 'tfjs-layers', file: join(dir, 'model.json') });
      expect(ir.layers.map((l) => l.type)).toEqual(c.layers);
      expect(ir.params).toBe(model.countParams());
      const xs = sampleInputs(c.shape, 3, 5, c.kind);
      expectExact(predictFloat(ir, xs), predictTfjs(model, xs, c.shape));
      expectShapesMatchTfjs(ir);
      model.dispose();
    });
  }

  it('BatchNormalization moving statistics are matched by name (they come last in the manifest)', async () => {
    const model = buildCnnFunctional();
    const dir = join(tmp, 'bn_order');
    await saveTfjsLayers(model, dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].weights as { name: string }[];
    expect(manifest[manifest.length - 1].name).toBe('bn_a/moving_variance');
    const ir = importTfjsLayers(join(dir, 'model.json'));
    const bn = ir.layers.find((l) => l.name === 'bn_a')!;
    expect(Object.keys(bn.weights).sort()).toEqual(['beta', 'gamma', 'moving_mean', 'moving_variance']);
    const tfVar = model.getLayer('bn_a').getWeights()[3].dataSync();
    expect(Array.from(bn.weights.moving_variance.data)).toEqual(Array.from(tfVar));
    model.dispose();
  });

  it('softmax output sums to 1', async () => {
    const ir = importTfjsLayers(join(FIX, 'cnn_functional', 'model.json'));
    for (const y of predictFloat(ir, sampleInputs([8, 8, 3], 4, 9, 'pixels'))) {
      expect(y.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });
});

describe('Keras HDF5 round trip (built in the test)', () => {
  for (const style of ['keras2', 'keras3'] as const) {
    for (const c of cases.filter((k) => k.name !== 'mlp_sequential')) {
      it(`${c.name} (${style} layout): import → predictFloat equals tfjs predict exactly`, async () => {
        const model = c.build();
        const path = join(tmp, `${c.name}_${style}.h5`);
        await saveKerasH5(model, path, { style });
        const ir = await importKerasH5(path);
        expect(ir.source.format).toBe('keras-h5');
        expect(ir.layers.map((l) => l.type)).toEqual(c.layers);
        expect(ir.params).toBe(model.countParams());
        const xs = sampleInputs(c.shape, 2, 6, c.kind);
        expectExact(predictFloat(ir, xs), predictTfjs(model, xs, c.shape));
        model.dispose();
      });
    }
  }

  it('hard_sigmoid follows the file: Keras 2 / tfjs 0.2x + 0.5, Keras 3 relu6(x + 3) / 6', async () => {
    const model = buildMlpSequential();
    const p2 = join(tmp, 'mlp_k2.h5');
    const p3 = join(tmp, 'mlp_k3.h5');
    await saveKerasH5(model, p2, { style: 'keras2' });
    await saveKerasH5(model, p3, { style: 'keras3' });
    const act = (ir: ModelIR) => {
      const l = ir.layers.find((x) => x.name === 'fc3')!;
      return l.type === 'Dense' ? l.config.activation : undefined;
    };
    const ir2 = await importKerasH5(p2);
    const ir3 = await importKerasH5(p3);
    expect(act(ir2)).toEqual({ name: 'hard_sigmoid', slope: 0.2, offset: 0.5 });
    expect(act(ir3)).toEqual({ name: 'hard_sigmoid', slope: 1 / 6, offset: 0.5 });
    const xs = sampleInputs([12], 2, 8, 'floats');
    expectExact(predictFloat(ir2, xs), predictTfjs(model, xs, [12]));
    // Keras 3 semantics differ from tfjs' built-in hard sigmoid, so the outputs must differ
    expect(predictFloat(ir3, xs)[0]).not.toEqual(predictTfjs(model, xs, [12])[0]);
    model.dispose();
  });
});

describe('committed fixtures (tests/fixtures/models)', () => {
  const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<
    string,
    { file: string; inputShape: number[]; inputs: number[][]; outputs: number[][] }
  >;
  for (const [key, e] of Object.entries(expected)) {
    it(`${key}: importModel → predictFloat equals the recorded tfjs outputs exactly`, async () => {
      const ir = await importModel(join(FIX, e.file));
      expect(ir.inputShape).toEqual(e.inputShape);
      const ys = predictFloat(ir, e.inputs.map((x) => Float32Array.from(x)));
      expectExact(ys, e.outputs.map((y) => Float32Array.from(y)));
    });
  }

  it('detects formats by content', async () => {
    expect((await importModel(join(FIX, 'cnn_sequential_keras2.h5'))).source.format).toBe('keras-h5');
    expect((await importModel(join(FIX, 'rnn_sequential', 'model.json'))).source.format).toBe('tfjs-layers');
  });

  it('Keras 3 functional config (batch_shape, dtype policies, {args, kwargs} nodes) parses like the tfjs one', async () => {
    const a = importTfjsLayers(join(FIX, 'cnn_functional', 'model.json'));
    const b = await importKerasH5(join(FIX, 'cnn_functional_keras3.h5'));
    const strip = (m: ModelIR) => m.layers.map((l) => ({ name: l.name, type: l.type, config: l.config, inputs: l.inputs, out: l.outputShape }));
    expect(strip(b)).toEqual(strip(a));
    expect(b.params).toBe(a.params);
    expect(b.macs).toBe(a.macs);
  });
});
