import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/harness/compile.ts';
import { loadMnist } from '../../src/harness/data/mnist.ts';
import { importTfjsLayers } from '../../src/harness/import/index.ts';
import { oracleForward } from '../../src/harness/layers/run.ts';
import type { ModelIR } from '../../src/harness/model/ir.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { QuantizationError, floatForward, quantizeModel } from '../../src/harness/quantize/index.ts';

let ir: ModelIR;
let oracle: Oracle;
const mnist = loadMnist();

beforeAll(async () => {
  ir = importTfjsLayers(join(REPO_ROOT, 'examples', 'mnist-mlp', 'model.json'));
  oracle = await loadOracle();
});

const argmax = (v: ArrayLike<number>) => Array.from(v).reduce((b, x, i, a) => (x > a[b]! ? i : b), 0);

describe('quantizeModel (sequential models)', () => {
  it('folds identity layers and a leading Rescaling off chain', () => {
    const m = quantizeModel(ir, { mode: 'int8', samples: mnist.train.images.slice(0, 50) });
    expect(m.layers.map((l) => l.type)).toEqual(['Dense', 'Dense']);
    expect(m.folded).toEqual(['input', 'rescaling', 'flatten']);
    expect(m.inputTransform?.scale).toBeCloseTo(1 / 255, 12);
    // Pixels scaled to [0, 1] calibrate the input to scale 1/255 with zero point -128.
    expect(m.input!.scale).toBeCloseTo(1 / 255, 9);
    expect(m.input!.zeroPoint).toBe(-128);
  });

  it('int8 predictions agree with the float64 forward pass on held-out digits', () => {
    const m = quantizeModel(ir, { mode: 'int8', samples: mnist.train.images.slice(0, 200) });
    const n = 100;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const pixels = mnist.test.images[i]!;
      const floatOut = floatForward(ir, pixels);
      const ref = argmax(floatOut[floatOut.length - 1]!.out);
      let x = new Uint8Array(quantizeTensor(Array.from(pixels, (p) => p / 255), m.input!).buffer);
      for (const l of m.layers) x = oracleForward(oracle, l.op, l.config, l.weights, x);
      if (argmax(new Int8Array(x.buffer, x.byteOffset, x.length)) === ref) agree++;
    }
    // Measured 99.65 % agreement over the 2,000 held-out digits (npm run demo); 100 digits allow ≤ 3 flips.
    expect(agree).toBeGreaterThanOrEqual(n - 3);
  });

  it('refuses to calibrate int8 without samples', () => {
    expect(() => quantizeModel(ir, { mode: 'int8', samples: [] })).toThrow(QuantizationError);
  });
});
