/**
 * contracts/layers/LSTM.sol / assembly/layers/LSTM.ts against independent references: hand-derived case
 * tables, the tfjs float32 layer and a float64 reference within docs/layers/recurrent.md's bounds,
 * forwardSteps composition, gas per timestep (the headline figures of the doc), and the real solearn
 * model shakespeare_lstm_mini (Embedding → LSTM(8) → Dense(66)) end to end in both modes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOracle } from '../../src/harness/oracle.ts';
import { importSolearnJson } from '../../src/harness/import/index.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import type { LayerOf, ModelIR } from '../../src/harness/model/ir.ts';
import { oracleForward, harnessArgs, harnessResult } from '../../src/harness/layers/run.ts';
import { DENSE, denseFromIR, quantizeDense } from '../../src/harness/layers/dense.ts';
import { EMBEDDING, embeddingFromIR, encodeIds, quantizeEmbedding } from '../../src/harness/layers/embedding.ts';
import { LSTM, quantizeRnn, rnnFromIR } from '../../src/harness/layers/recurrent.ts';
import { activationParams, dequantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { fromQArray } from '../../src/harness/quantize/q.ts';
import { decodeQ } from '../../src/harness/tensor/pack.ts';
import { expectQCase, type QCase } from './recurrentCaseTable.ts';
import { gasPerStep, maxAbsDiff, recurrentCommonTests, recurrentHarness, rnnModelIR } from './recurrentHelpers.ts';

const lin = { name: 'linear' } as const;
const cases: QCase[] = [
  {
    name: 'linear gates: c = f·c + i·g, h = o·c → (c 0.5, h 1), (c 2.5, h 10)',
    input: { W: [0.5, 0.5, 1, 2], R: [0, 0, 0, 0], b: [0, 0, 0, 0], act: lin, recAct: lin, x: [1, 2] },
    expected: [1, 10],
  },
  {
    name: 'saturated gates i = o = 1, f = 0, g = tanh(20) = 1: c = 1, h = tanh(1) (2 ulps)',
    input: { W: [0, 0, 0, 0], R: [0, 0, 0, 0], b: [40, -40, 20, 40], act: { name: 'tanh' }, x: [0, 3] },
    expected: [Math.tanh(1), Math.tanh(1)],
    tol: 2 ** -31,
  },
  {
    name: 'the forget gate keeps the cell: write 1 at x = 1, hold it while x = 0',
    input: { W: [80, -80, 1, 80], R: [0, 0, 0, 0], b: [-40, 40, 0, 40], act: lin, x: [1, 0, 0] },
    expected: [1, 1, 1],
  },
];

describe('LSTM case table (q, K = U = 1)', () => {
  it.each(cases)('$name', async (c) => expectQCase(await loadOracle(), 'LSTM', c));
});

recurrentCommonTests('LSTM', { K: 64, U: 128, maxQ: 5_600_000n, maxI8: 1_750_000n });

// ------------------------------------------------------------------------------------------------
// The real solearn model

const DIR = process.env.SOLEARN_MODELS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'solearn-models');
const FILE = join(DIR, 'shakespeare_lstm_mini.json');
const have = existsSync(FILE);
if (!have) console.warn(`SKIPPED the shakespeare_lstm_mini tests: ${FILE} is absent`);

const TEXT = 'First Citizen:\nBefore we proceed any further, hear me speak.';

describe.skipIf(!have)('solearn shakespeare_lstm_mini: Embedding → LSTM(8) → Dense(66)', () => {
  const m = have ? importSolearnJson(FILE) : (null as unknown as ModelIR);
  const emb = () => m.layers[1] as LayerOf<'Embedding'>;
  const lstm = () => m.layers[2] as LayerOf<'LSTM'>;
  const dense = () => m.layers[3] as LayerOf<'Dense'>;
  const ids = () => Array.from(TEXT, (ch) => Math.max(0, m.vocabulary!.indexOf(ch)));
  const sub = (): ModelIR => ({ ...m, layers: m.layers.slice(0, 3), outputs: [lstm().name] });
  const prefixes = [8, 24, TEXT.length];

  it('q mode: h within 1e-6 and logits within 1e-5 of tfjs on every prefix; EVM == oracle', async () => {
    const o = await loadOracle();
    const h = await recurrentHarness();
    for (const T of prefixes) {
      const x = ids().slice(0, T);
      const e = quantizeEmbedding(embeddingFromIR(emb()), { mode: 'q', T });
      const xe = oracleForward(o, EMBEDDING, e.config, e.weights, encodeIds(x));
      const r = quantizeRnn(rnnFromIR(lstm()), { mode: 'q', T });
      const hq = oracleForward(o, LSTM, r.config, r.weights, xe);
      const d = quantizeDense(denseFromIR(dense()), { mode: 'q' });
      const logits = fromQArray(decodeQ(oracleForward(o, DENSE, d.config, d.weights, hq)));
      const [hf] = predictFloat(sub(), [Float32Array.from(x)]);
      const [lf] = predictFloat(m, [Float32Array.from(x)]);
      expect(maxAbsDiff(fromQArray(decodeQ(hq)), hf!)).toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(logits, lf!)).toBeLessThanOrEqual(1e-5);
      if (T === prefixes[0]) {
        const ev = await h.call(EMBEDDING.harness, harnessArgs(EMBEDDING, e.config, e.weights, encodeIds(x)));
        expect(ev.ok && Array.from(harnessResult(ev.value).y)).toEqual(Array.from(xe));
        const lv = await h.call(LSTM.harness, harnessArgs(LSTM, r.config, r.weights, xe));
        expect(lv.ok && Array.from(harnessResult(lv.value).y)).toEqual(Array.from(hq));
      }
    }
  });

  it('int8 mode (per-tensor and per-row embeddings): the LSTM within 3·s_h of tfjs on its int8 input, end to end within 8·s_h; EVM == oracle', async () => {
    const o = await loadOracle();
    const h = await recurrentHarness();
    const table = Array.from(embeddingFromIR(emb()).table);
    const embOut: QuantParams = activationParams(Math.min(...table), Math.max(...table));
    const hP = activationParams(-1, 1);
    // Calibrate the logits' range on the float model.
    const allLogits = prefixes.flatMap((T) => Array.from(predictFloat(m, [Float32Array.from(ids().slice(0, T))])[0]!));
    const outP = activationParams(Math.min(...allLogits) * 1.25, Math.max(...allLogits) * 1.25);
    const rows: string[] = [];
    let agree = 0;
    for (const perRow of [false, true]) {
      for (const T of prefixes) {
        const x = ids().slice(0, T);
        const e = quantizeEmbedding(embeddingFromIR(emb()), { mode: 'int8', T, output: embOut, perRow });
        const xe = oracleForward(o, EMBEDDING, e.config, e.weights, encodeIds(x));
        const f = rnnFromIR(lstm());
        const r = quantizeRnn(f, { mode: 'int8', T, input: embOut, h: hP });
        const h8 = oracleForward(o, LSTM, r.config, r.weights, xe);
        const d = quantizeDense(denseFromIR(dense()), { mode: 'int8', input: hP, output: outP });
        const l8 = oracleForward(o, DENSE, d.config, d.weights, h8);
        const hd = dequantizeTensor(new Int8Array(h8.buffer, h8.byteOffset, h8.length), hP);
        // The layer alone: tfjs's LSTM on the dequantized int8 embeddings (the input the int8 layer saw).
        const xeReal = Float32Array.from(dequantizeTensor(new Int8Array(xe.buffer, xe.byteOffset, xe.length), embOut));
        const [hLayer] = predictFloat(rnnModelIR(f, T), [xeReal]);
        const [hf] = predictFloat(sub(), [Float32Array.from(x)]);
        const [lf] = predictFloat(m, [Float32Array.from(x)]);
        const layerErr = maxAbsDiff(hd, hLayer!) / hP.scale;
        const endErr = maxAbsDiff(hd, hf!) / hP.scale;
        const argmax = (v: ArrayLike<number>) => Array.from(v).reduce((b, y, i, a) => (y > a[b]! ? i : b), 0);
        const same = argmax(new Int8Array(l8.buffer, l8.byteOffset, l8.length)) === argmax(lf!);
        agree += same ? 1 : 0;
        rows.push(`perRow=${perRow} T=${T}: LSTM layer error ${layerErr.toFixed(2)}·s_h, end to end ${endErr.toFixed(2)}·s_h, next char ${same ? 'same' : 'differs'}`);
        expect(layerErr).toBeLessThanOrEqual(3);
        expect(endErr).toBeLessThanOrEqual(8);
        if (T === prefixes[0]) {
          const ev = await h.call(EMBEDDING.harness, harnessArgs(EMBEDDING, e.config, e.weights, encodeIds(x)));
          expect(ev.ok && Array.from(harnessResult(ev.value).y)).toEqual(Array.from(xe));
          const lv = await h.call(LSTM.harness, harnessArgs(LSTM, r.config, r.weights, xe));
          expect(lv.ok && Array.from(harnessResult(lv.value).y)).toEqual(Array.from(h8));
        }
      }
    }
    console.info(`shakespeare_lstm_mini int8 (s_h = ${hP.scale.toFixed(5)}, embedding scale ${embOut.scale.toFixed(5)}):\n  ${rows.join('\n  ')}`);
    expect(agree).toBeGreaterThanOrEqual(prefixes.length);
  });

  it('gas per character (one timestep, K = 4, U = 8) in both modes', async () => {
    const h = await recurrentHarness();
    const rows: string[] = [];
    for (const mode of ['q', 'int8'] as const) {
      const T = 2;
      const r = mode === 'q' ? quantizeRnn(rnnFromIR(lstm()), { mode, T }) : quantizeRnn(rnnFromIR(lstm()), { mode, T, input: activationParams(-3, 3), h: activationParams(-1, 1) });
      const x = mode === 'q' ? new Uint8Array(8 * T * 4) : new Uint8Array(T * 4);
      const g = await gasPerStep(h, LSTM, r.config, r.weights, x);
      rows.push(`${mode}: ${g.step} gas per timestep (${(Number(g.step) / (4 * 8 * 12)).toFixed(1)} gas/MAC at 384 MACs: the per-unit gate cost dominates this tiny layer)`);
    }
    console.info(`shakespeare_lstm_mini LSTM gas:\n  ${rows.join('\n  ')}`);
  });
});

