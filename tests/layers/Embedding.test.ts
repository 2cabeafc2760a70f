/**
 * contracts/layers/Embedding.sol / assembly/layers/Embedding.ts against independent references: a typed
 * case table (rows copied; the per-row requantization hand-computed), tfjs's Embedding within
 * docs/layers/recurrent.md's bounds (q: exact to the table's Q32 rounding; int8 per-tensor ≤ s/2, per-row
 * ≤ s_r/2 + s_out/2 + ε), the TokenOutOfRange failure, and gas per token.
 */
import { describe, expect, it } from 'vitest';
import { loadOracle, OracleError } from '../../src/harness/oracle.ts';
import { oracleForward, harnessArgs, harnessResult } from '../../src/harness/layers/run.ts';
import { EMBEDDING, encodeIds, packEmbeddingI8, packEmbeddingQ, quantizeEmbedding, type EmbeddingConfig } from '../../src/harness/layers/embedding.ts';
import { Mode } from '../../src/harness/layers/types.ts';
import type { LayerIR, ModelIR } from '../../src/harness/model/ir.ts';
import { predictFloat } from '../../src/harness/model/tfjs.ts';
import { activationParams } from '../../src/harness/quantize/int8.ts';
import { fromQArray } from '../../src/harness/quantize/q.ts';
import { decodeQ } from '../../src/harness/tensor/pack.ts';
import { maxAbsDiff, prng, recurrentHarness } from './recurrentHelpers.ts';

const cfg = (o: Partial<EmbeddingConfig>): EmbeddingConfig => ({ mode: Mode.I8, T: 1, inputDim: 3, outputDim: 2, perRow: false, zOut: 0, ...o });

describe('Embedding case table', () => {
  const table = [1, 2, -3, 4, 100, -128]; // 3 rows × 2
  const cases: { name: string; input: { config: EmbeddingConfig; ids: number[]; rows?: { M: number[]; shift: number[] } }; expected: number[] }[] = [
    { name: 'per-tensor int8: rows are copied', input: { config: cfg({ T: 3 }), ids: [2, 0, 2] }, expected: [100, -128, 1, 2, 100, -128] },
    {
      // M/2^shift = 2^30/2^31 = 1/2: 100 → 50 (+3), −128 → −64 (+3), −3 → −1.5 → −2 (half away from zero) (+3)
      name: 'per-row int8: requantize(q, M, shift, zOut) with M/2^shift = 1/2, zOut = 3',
      input: { config: cfg({ T: 2, perRow: true, zOut: 3 }), ids: [2, 1], rows: { M: [2 ** 30, 2 ** 30, 2 ** 30], shift: [31, 31, 31] } },
      expected: [53, -61, 1, 5],
    },
    {
      name: 'per-row int8: a row scaled ×4 saturates (100·4 → 127)',
      input: { config: cfg({ T: 1, perRow: true }), ids: [2], rows: { M: [0, 0, 2 ** 30], shift: [0, 0, 28] } },
      expected: [127, -128],
    },
  ];
  it.each(cases)('$name', async ({ input, expected }) => {
    const o = await loadOracle();
    const y = oracleForward(o, EMBEDDING, input.config, packEmbeddingI8(table, 3, 2, input.rows), encodeIds(input.ids));
    expect(Array.from(new Int8Array(y.buffer, y.byteOffset, y.length))).toEqual(expected);
  });

  it('q: rows are copied bit for bit', async () => {
    const o = await loadOracle();
    const t = [5n, -6n, 1n << 62n, -(1n << 63n), 7n, 8n];
    const y = oracleForward(o, EMBEDDING, cfg({ mode: Mode.Q, T: 2 }), packEmbeddingQ(t), encodeIds([1, 0]));
    expect(Array.from(decodeQ(y))).toEqual([1n << 62n, -(1n << 63n), 5n, -6n]);
  });

  it('an id ≥ inputDim throws TokenOutOfRange(position, id) in the oracle and reverts with it in the EVM', async () => {
    const o = await loadOracle();
    const h = await recurrentHarness();
    const c = cfg({ T: 3 });
    const w = packEmbeddingI8(table, 3, 2);
    const x = encodeIds([0, 1, 3]);
    expect(() => oracleForward(o, EMBEDDING, c, w, x)).toThrowError(OracleError);
    try {
      oracleForward(o, EMBEDDING, c, w, x);
    } catch (e) {
      expect((e as OracleError).errorName).toBe('TokenOutOfRange');
      expect((e as OracleError).args).toEqual([2n, 3n]);
    }
    const r = await h.call(EMBEDDING.harness, harnessArgs(EMBEDDING, c, w, x));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.name).toBe('TokenOutOfRange');
    // A range that avoids the bad position succeeds.
    expect(Array.from(oracleForward(o, EMBEDDING, c, w, x, [0, 2]))).toEqual([1, 2, 0xfd, 4]);
  });
});

/** InputLayer [T] (token ids) → Embedding, for tfjs. */
function embeddingIR(V: number, D: number, T: number, table: Float32Array): ModelIR {
  const layer = {
    name: 'emb',
    type: 'Embedding',
    config: { inputDim: V, outputDim: D },
    weights: { embeddings: { shape: [V, D], data: table } },
    inputs: ['input'],
    inputShape: [[T]],
    outputShape: [T, D],
  } as unknown as LayerIR;
  return {
    name: 'emb-test',
    source: { format: 'keras-h5', file: 'test' },
    inputShape: [T],
    inputKind: 'tokens',
    layers: [{ name: 'input', type: 'InputLayer', config: { shape: [T] }, weights: {}, inputs: [], inputShape: [], outputShape: [T] } as LayerIR, layer],
    outputs: ['emb'],
    params: 0,
    macs: 0,
  };
}

describe('Embedding accuracy: oracle vs tfjs', () => {
  it('q exact to the table rounding (≤ 2^-33); int8 per-tensor ≤ s/2; per-row ≤ s_r/2 + s_out/2 + 1e-6', async () => {
    const o = await loadOracle();
    const V = 50, D = 16, T = 12;
    const r = prng(11);
    const table = Float32Array.from({ length: V * D }, () => (r() * 2 - 1) * 3);
    const ids = Array.from({ length: T }, () => Math.floor(r() * V));
    const [ref] = predictFloat(embeddingIR(V, D, T, table), [Float32Array.from(ids)]);
    const q = quantizeEmbedding({ inputDim: V, outputDim: D, table }, { mode: 'q', T });
    expect(maxAbsDiff(fromQArray(decodeQ(oracleForward(o, EMBEDDING, q.config, q.weights, encodeIds(ids)))), ref!)).toBeLessThanOrEqual(2 ** -33);
    const out = activationParams(-3, 3);
    for (const perRow of [false, true]) {
      const e = quantizeEmbedding({ inputDim: V, outputDim: D, table }, { mode: 'int8', T, output: out, perRow });
      const y = oracleForward(o, EMBEDDING, e.config, e.weights, encodeIds(ids));
      const real = Array.from(new Int8Array(y.buffer, y.byteOffset, y.length), (v) => out.scale * (v - out.zeroPoint));
      let bound = out.scale / 2;
      if (perRow) {
        let sr = 0;
        for (const id of ids) for (let k = 0; k < D; k++) sr = Math.max(sr, Math.abs(table[id * D + k]!) / 127);
        bound += sr / 2 + 1e-6;
      }
      expect(maxAbsDiff(real, ref!)).toBeLessThanOrEqual(bound + 1e-9);
    }
  });
});

describe('Embedding gas', () => {
  it('per token at outputDim = 64 (vocabulary 1000), both modes', async () => {
    const h = await recurrentHarness();
    const V = 1000, D = 64;
    const r = prng(5);
    const table = Float32Array.from({ length: V * D }, () => r() * 2 - 1);
    const rows: string[] = [];
    for (const [name, opts] of [
      ['q', { mode: 'q' as const }],
      ['int8 per-tensor', { mode: 'int8' as const, output: activationParams(-1, 1), perRow: false }],
      ['int8 per-row', { mode: 'int8' as const, output: activationParams(-1, 1), perRow: true }],
    ] as const) {
      const gas = async (T: number) => {
        const e = quantizeEmbedding({ inputDim: V, outputDim: D, table }, { ...opts, T });
        const res = await h.call(EMBEDDING.harness, harnessArgs(EMBEDDING, e.config, e.weights, encodeIds(Array.from({ length: T }, (_, i) => (i * 37) % V))));
        if (!res.ok) throw new Error(res.detail);
        return harnessResult(res.value).gasUsed;
      };
      const g1 = await gas(1);
      const g9 = await gas(9);
      rows.push(`${name}: ${(g9 - g1) / 8n} gas per token, ${g1} for a whole 1-token call (decode, validation, copy)`);
      expect((g9 - g1) / 8n).toBeLessThanOrEqual(name === 'int8 per-row' ? 18_000n : 2_500n);
    }
    console.info(`Embedding gas (V = ${V}, D = ${D}):\n  ${rows.join('\n  ')}`);
  });
});
