/**
 * Negative tests: every failure is a typed error with a one-line message naming the file (and the layer
 * when it is about one), raised at import time.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importKerasH5, importModel, importSolearnJson, importTfjsLayers } from '../../src/harness/import/index.ts';
import { saveKerasH5, saveTfjsLayers } from '../../src/harness/import/save.ts';
import {
  ModelError,
  ModelFormatError,
  ShapeError,
  UnsupportedError,
  UnsupportedLayerError,
  WeightError,
} from '../../src/harness/model/errors.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { buildCnnSequential, buildMlpSequential } from '../fixtures/models/build.ts';

const tmp = mkdtempSync(join(tmpdir(), 'nnchain-import-err-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Cls = new (...args: never[]) => ModelError;

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
async function catchAsync(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

/** A typed error whose message is one line and contains every part. */
function expectModelError(e: unknown, cls: Cls, ...parts: string[]): ModelError {
  expect(e).toBeInstanceOf(cls);
  const err = e as ModelError;
  expect(err.message).not.toMatch(/[\r\n]/);
  for (const p of parts) expect(err.message).toContain(p);
  return err;
}

let n = 0;
/** Writes a solearn-format JSON with the given Keras layers and the right (or given) number of weights. */
function solearn(layers: unknown[], weights: number | Float32Array, extra: Record<string, unknown> = {}): string {
  const data = typeof weights === 'number' ? Float32Array.from({ length: weights }, (_, i) => ((i % 7) - 3) / 10) : weights;
  const path = join(tmp, `solearn_${n++}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      model_name: 'neg',
      layers_config: { config: { layers } },
      weight_b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      ...extra,
    }),
  );
  return path;
}
const input = (...shape: (number | null)[]) => ({ class_name: 'InputLayer', config: { batch_input_shape: [null, ...shape] } });

describe('unsupported layers and options', () => {
  it('unknown layer class → UnsupportedLayerError naming file, layer and class', () => {
    const f = solearn([input(4, 4, 4, 1), { class_name: 'Conv3D', config: { name: 'vol', filters: 2, kernel_size: [1, 1, 1] } }], 0);
    const e = expectModelError(catchSync(() => importSolearnJson(f)), UnsupportedLayerError, f, "layer 'vol'", 'Conv3D');
    expect(e.layer).toBe('vol');
    expect(e.className).toBe('Conv3D');
  });

  it('unnamed unknown layer gets its Keras default name in the message', () => {
    const f = solearn([input(4), { class_name: 'PReLU', config: {} }], 0);
    expectModelError(catchSync(() => importSolearnJson(f)), UnsupportedLayerError, f, "layer 'p_re_lu'", 'PReLU');
  });

  it('dilation_rate 2 → UnsupportedLayerError naming the option', () => {
    const f = solearn(
      [input(8, 8, 1), { class_name: 'Conv2D', config: { name: 'dil', filters: 1, kernel_size: [3, 3], dilation_rate: [2, 2] } }],
      10,
    );
    const e = expectModelError(catchSync(() => importSolearnJson(f)), UnsupportedLayerError, f, "layer 'dil' (Conv2D)", 'dilation_rate');
    expect((e as UnsupportedLayerError).option).toBe('dilation_rate');
  });

  it.each([
    ['channels_first', { class_name: 'Conv2D', config: { name: 'c', filters: 1, kernel_size: 1, data_format: 'channels_first' } }, 'data_format'],
    ['groups', { class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: 1, groups: 2 } }, 'groups'],
    ['causal padding', { class_name: 'Conv2D', config: { name: 'c', filters: 1, kernel_size: 1, padding: 'causal' } }, 'padding'],
    ['unknown option', { class_name: 'Dense', config: { name: 'c', units: 2, lora_rank: 4 } }, 'lora_rank'],
    ['activation elu', { class_name: 'Dense', config: { name: 'c', units: 2, activation: 'elu' } }, "'elu'"],
  ])('%s → UnsupportedLayerError', (_, layer, option) => {
    const f = solearn([input(3, 3, 1), layer], 0);
    expectModelError(catchSync(() => importSolearnJson(f)), UnsupportedLayerError, f, "layer 'c'", option);
  });

  it.each([
    ['return_state', { return_state: true }],
    ['go_backwards', { go_backwards: true }],
    ['stateful', { stateful: true }],
  ])('LSTM %s → UnsupportedLayerError', (option, extra) => {
    const f = solearn([input(5, 3), { class_name: 'LSTM', config: { name: 'rec', units: 2, ...extra } }], 0);
    expectModelError(catchSync(() => importSolearnJson(f)), UnsupportedLayerError, f, "layer 'rec' (LSTM)", option);
  });

  it('quantized (int32) tfjs weights → UnsupportedError naming layer and weight', async () => {
    const dir = join(tmp, 'int_weights');
    await saveTfjsLayers(buildCnnSequential(), dir);
    const mj = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    mj.weightsManifest[0].weights[0].dtype = 'int32';
    writeFileSync(join(dir, 'model.json'), JSON.stringify(mj));
    expectModelError(catchSync(() => importTfjsLayers(join(dir, 'model.json'))), UnsupportedError, "layer 'conv1'", "'kernel'", 'int32');
    mj.weightsManifest[0].weights[0].dtype = 'float32';
    mj.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 0.1, min: -1 };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(mj));
    expectModelError(catchSync(() => importTfjsLayers(join(dir, 'model.json'))), UnsupportedError, "layer 'conv1'", 'quantized');
  });

  it('shared layers and multiple inputs → UnsupportedError', () => {
    const shared = {
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [
          { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 3], name: 'in' }, inbound_nodes: [] },
          { name: 'd', class_name: 'Dense', config: { name: 'd', units: 3 }, inbound_nodes: [[['in', 0, 0, {}]], [['d', 0, 0, {}]]] },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['d', 1, 0]],
      },
    };
    const f1 = join(tmp, 'shared.json');
    writeFileSync(f1, JSON.stringify({ model_name: 's', layers_config: shared, weight_b64: '' }));
    expectModelError(catchSync(() => importSolearnJson(f1)), UnsupportedLayerError, f1, "layer 'd'", 'shared');
    const multi = {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [
          { name: 'a', class_name: 'InputLayer', config: { batch_input_shape: [null, 3], name: 'a' }, inbound_nodes: [] },
          { name: 'b', class_name: 'InputLayer', config: { batch_input_shape: [null, 3], name: 'b' }, inbound_nodes: [] },
          { name: 's', class_name: 'Add', config: { name: 's' }, inbound_nodes: [[['a', 0, 0, {}], ['b', 0, 0, {}]]] },
        ],
        input_layers: [['a', 0, 0], ['b', 0, 0]],
        output_layers: [['s', 0, 0]],
      },
    };
    const f2 = join(tmp, 'multi.json');
    writeFileSync(f2, JSON.stringify({ model_name: 'm', layers_config: multi, weight_b64: '' }));
    expectModelError(catchSync(() => importSolearnJson(f2)), UnsupportedError, f2, '2 inputs');
  });

  it('.keras zip files are rejected with a hint', async () => {
    const f = join(tmp, 'model.keras');
    writeFileSync(f, 'PK\u0003\u0004');
    expectModelError(await catchAsync(() => importModel(f)), UnsupportedError, f, '.keras');
  });
});

describe('weights', () => {
  const copy = (name: string) => {
    const d = join(tmp, name);
    rmSync(d, { recursive: true, force: true });
    return d;
  };

  it('NaN weight → WeightError naming layer, weight and index', async () => {
    const d = copy('nan');
    await saveTfjsLayers(buildMlpSequential(), d);
    const bin = readFileSync(join(d, 'weights.bin'));
    bin.writeFloatLE(Number.NaN, 4 * 13); // fc1/kernel [12, 16], flat index 13 = [0, 13]
    writeFileSync(join(d, 'weights.bin'), bin);
    const e = expectModelError(catchSync(() => importTfjsLayers(join(d, 'model.json'))), WeightError, "layer 'fc1' (Dense)", "'kernel'", 'NaN', 'index 13');
    expect((e as WeightError).weight).toBe('kernel');
    expect((e as WeightError).index).toBe(13);
  });

  it('Infinity in a solearn weight → WeightError', () => {
    const w = new Float32Array(3 * 2 + 2);
    w[7] = Number.POSITIVE_INFINITY;
    const f = solearn([input(3), { class_name: 'Dense', config: { name: 'fc', units: 2 } }], w);
    expectModelError(catchSync(() => importSolearnJson(f)), WeightError, f, "layer 'fc'", "'bias'", 'Infinity', 'index 1');
  });

  it('weight shape mismatch → WeightError with both shapes', async () => {
    const d = copy('shape');
    await saveTfjsLayers(buildMlpSequential(), d);
    const mj = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
    const k = mj.weightsManifest[0].weights.find((x: { name: string }) => x.name === 'fc1/kernel');
    k.shape = [16, 12];
    writeFileSync(join(d, 'model.json'), JSON.stringify(mj));
    expectModelError(catchSync(() => importTfjsLayers(join(d, 'model.json'))), WeightError, "layer 'fc1'", '[16, 12]', 'expected [12, 16]');
  });

  it('missing and unexpected weights → WeightError', async () => {
    const d = copy('missing');
    await saveTfjsLayers(buildMlpSequential(), d);
    const mj = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
    const ws = mj.weightsManifest[0].weights as { name: string }[];
    const i = ws.findIndex((x) => x.name === 'fc4/bias');
    ws[i].name = 'fc4/gamma';
    writeFileSync(join(d, 'model.json'), JSON.stringify(mj));
    expectModelError(catchSync(() => importTfjsLayers(join(d, 'model.json'))), WeightError, "layer 'fc4'", "unexpected weight 'gamma'");
    ws[i].name = 'nolayer/bias';
    writeFileSync(join(d, 'model.json'), JSON.stringify(mj));
    expectModelError(catchSync(() => importTfjsLayers(join(d, 'model.json'))), WeightError, "'nolayer/bias'", 'no layer');
  });

  it('truncated weights file → ModelFormatError', () => {
    const d = join(tmp, 'trunc');
    rmSync(d, { recursive: true, force: true });
    return saveTfjsLayers(buildMlpSequential(), d).then(() => {
      truncateSync(join(d, 'weights.bin'), 1000);
      expectModelError(catchSync(() => importTfjsLayers(join(d, 'model.json'))), ModelFormatError, join(d, 'model.json'), 'truncated', '1000 bytes');
    });
  });

  it('missing weights file → ModelFormatError', async () => {
    const d = join(tmp, 'nobin');
    await saveTfjsLayers(buildMlpSequential(), d);
    rmSync(join(d, 'weights.bin'));
    expectModelError(catchSync(() => importTfjsLayers(join(d, 'model.json'))), ModelFormatError, "weights file 'weights.bin' not found");
  });

  it('solearn weight count mismatch → ModelFormatError with both counts', () => {
    const f = solearn([input(3), { class_name: 'Dense', config: { units: 2 } }], 7);
    expectModelError(catchSync(() => importSolearnJson(f)), ModelFormatError, f, '7 float32 values', 'need 8');
  });

  it('bad base64 → ModelFormatError', () => {
    const f = join(tmp, 'b64.json');
    writeFileSync(f, JSON.stringify({ layers_config: { config: { layers: [input(1)] } }, weight_b64: 'AAA*' }));
    expectModelError(catchSync(() => importSolearnJson(f)), ModelFormatError, f, 'base64');
  });
});

describe('shapes', () => {
  it("'valid' conv on a too-small input → ShapeError at import, naming the layer", () => {
    const f = solearn([input(2, 2, 1), { class_name: 'Conv2D', config: { name: 'big', filters: 1, kernel_size: 3, padding: 'valid' } }], 10);
    expectModelError(catchSync(() => importSolearnJson(f)), ShapeError, f, "layer 'big' (Conv2D)", 'smaller than the window 3');
  });

  it("'valid' pooling on a too-small input → ShapeError", () => {
    const f = solearn([input(1, 5, 2), { class_name: 'MaxPooling2D', config: { name: 'pool', pool_size: [2, 2] } }], 0);
    expectModelError(catchSync(() => importSolearnJson(f)), ShapeError, f, "layer 'pool'", 'height');
  });

  it('Add with mismatched inputs → ShapeError', () => {
    const topo = {
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [
          { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 3], name: 'in' }, inbound_nodes: [] },
          { name: 'd', class_name: 'Dense', config: { name: 'd', units: 4 }, inbound_nodes: [[['in', 0, 0, {}]]] },
          { name: 'sum', class_name: 'Add', config: { name: 'sum' }, inbound_nodes: [[['in', 0, 0, {}], ['d', 0, 0, {}]]] },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['sum', 0, 0]],
      },
    };
    const f = join(tmp, 'add.json');
    writeFileSync(f, JSON.stringify({ layers_config: topo, weight_b64: '' }));
    expectModelError(catchSync(() => importSolearnJson(f)), ShapeError, f, "layer 'sum' (Add)", '[3] and [4]');
  });

  it('Flatten after a dynamic sequence → ShapeError suggesting a sequence length', () => {
    const f = solearn([input(null), { class_name: 'Embedding', config: { input_dim: 5, output_dim: 2 } }, { class_name: 'Flatten' }], 10);
    expectModelError(catchSync(() => importSolearnJson(f)), ShapeError, "layer 'flatten'", 'sequence length');
    expect(importSolearnJson(f, { sequenceLength: 3 }).layers[2].outputShape).toEqual([6]);
  });

  it('predictFloat rejects wrong input sizes and bad token ids', () => {
    const f = solearn([input(null), { class_name: 'Embedding', config: { name: 'emb', input_dim: 5, output_dim: 2 } }], 10);
    const ir = importSolearnJson(f);
    expect(predictFloat(ir, [Float32Array.from([0, 4, 2])])[0].length).toBe(6);
    expectModelError(catchSync(() => predictFloat(ir, [Float32Array.from([0, 5])])), ShapeError, 'token 5');
    const g = solearn([input(3), { class_name: 'Dense', config: { units: 1 } }], 4);
    expectModelError(catchSync(() => predictFloat(importSolearnJson(g), [new Float32Array(4)])), ShapeError, 'has 4 values');
  });
});

describe('malformed files', () => {
  it('malformed JSON → ModelFormatError (each JSON importer and importModel)', async () => {
    const f = join(tmp, 'bad.json');
    writeFileSync(f, '{"modelTopology": {"class_name": ');
    expectModelError(catchSync(() => importTfjsLayers(f)), ModelFormatError, f, 'malformed JSON');
    expectModelError(catchSync(() => importSolearnJson(f)), ModelFormatError, f, 'malformed JSON');
    expectModelError(await catchAsync(() => importModel(f)), ModelFormatError, f);
  });

  it('JSON of an unknown shape → ModelFormatError', async () => {
    const f = join(tmp, 'other.json');
    writeFileSync(f, '{"hello": 1}');
    expectModelError(await catchAsync(() => importModel(f)), ModelFormatError, f, 'unknown JSON model format');
    writeFileSync(f, JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { layers: [] } }, weightsManifest: [] }));
    expectModelError(catchSync(() => importTfjsLayers(f)), ModelFormatError, f, 'no layers');
  });

  it('missing file → ModelFormatError', () => {
    const f = join(tmp, 'nope.json');
    expectModelError(catchSync(() => importSolearnJson(f)), ModelFormatError, f, 'not found');
  });

  it('a non-HDF5 .h5 and a weights-only .h5 → ModelFormatError', async () => {
    const f = join(tmp, 'fake.h5');
    writeFileSync(f, 'not hdf5 at all');
    expectModelError(await catchAsync(() => importKerasH5(f)), ModelFormatError, f, 'not an HDF5 file');
    const g = join(tmp, 'weights_only.h5');
    await saveKerasH5(buildCnnSequential(), g);
    // drop the model config, as in a file written by save_weights
    const h5 = (await import('h5wasm/node')).default;
    await h5.ready;
    const file = new h5.File(g, 'a');
    file.delete_attribute('model_config');
    file.close();
    expectModelError(await catchAsync(() => importKerasH5(g)), ModelFormatError, g, 'no model_config');
  });

  it('InputLayer without a shape → ModelFormatError', () => {
    const f = solearn([{ class_name: 'InputLayer', config: { name: 'x' } }, { class_name: 'Dense', config: { units: 1 } }], 0);
    expectModelError(catchSync(() => importSolearnJson(f)), ModelFormatError, f, "layer 'x'", 'batch_input_shape');
  });
});
