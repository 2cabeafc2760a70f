/**
 * The typed library API (src/index.ts) end to end, using nothing else: import the committed MNIST MLP,
 * quantize it (int8, calibrated on training digits), deploy it on the embedded chain, run one inference
 * with the planner, and check it against the oracle bit for bit and against the float model's class.
 */
import { describe, expect, it } from 'vitest';
import { hexlify } from 'ethers';
import { join } from 'node:path';
import {
  argmax,
  createChain,
  decodeModelOutput,
  deployQuantized,
  encodeModelInput,
  executePlan,
  importModel,
  loadMnist,
  loadOracle,
  oracleInfer,
  predictFloat,
  quantizedModelSpec,
  quantizeModel,
} from '../src/index.ts';

describe('library API (src/index.ts)', () => {
  it('import → quantize → deploy → infer == oracle, same class as the float model', async () => {
    const ir = await importModel(join(import.meta.dirname, '..', 'examples', 'mnist-mlp', 'model.json'));
    const data = loadMnist();
    const qm = quantizeModel(ir, { mode: 'int8', samples: data.train.images.slice(0, 100) });
    const chain = await createChain({ profile: 'ethereum' });
    const d = await deployQuantized(chain, qm);
    const x = encodeModelInput(qm, data.test.images[3]!);
    const res = await executePlan(chain, d.model.address, x);
    expect(res.txs.length).toBe(1);
    expect(hexlify(res.output)).toBe(hexlify(oracleInfer(await loadOracle(), quantizedModelSpec(qm), x)));
    const floatClass = argmax(predictFloat(ir, [data.test.images[3]!])[0]!);
    expect(argmax(decodeModelOutput(qm, res.output))).toBe(floatClass);
    expect(Number(res.argmax)).toBe(floatClass);
  });
});
