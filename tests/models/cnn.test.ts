/**
 * Models beyond Dense in `NNModel` (ethereum profile): a small CNN (Conv2D 'same' relu → MaxPooling2D →
 * Dense reading the HWC bytes as its K inputs → Dense) in int8 and q, whose `infer` equals the oracle bit
 * for bit, and whose session under a small cap splits the Conv2D node into row ranges (`stepRange`) with
 * the same output; and a graph model (input → Dense a, Dense b → Add(a, b) → Dense) whose `infer` equals
 * the oracle twin (which runs the multi-input Add with the inputs in node order).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes, hexlify } from 'ethers';
import { createChain, type Chain } from '../../src/simulator/index.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { ADD, addConfigQ, CONV2D, MAX_POOLING2D, quantizeAdd, quantizeConv2D, quantizeDense, windowRows } from '../../src/harness/layers/index.ts';
import { activationParams, quantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import {
  buildModel,
  denseLayer,
  deployLayers,
  deployModel,
  describeTx,
  executePlan,
  layerAddresses,
  layerSpec,
  modelArtifact,
  oracleInfer,
  oracleInferAll,
  profileModel,
  type ModelSpec,
} from '../../src/harness/model-chain/index.ts';
import type { Artifact } from '../../src/harness/compile.ts';
import { argmaxOf, uniform } from './helpers.ts';

let chain: Chain;
let oracle: Oracle;
let model: Artifact;
let addrs: Record<string, string>;

beforeAll(async () => {
  model = modelArtifact();
  chain = await createChain({ profile: 'ethereum' });
  oracle = await loadOracle();
  addrs = layerAddresses(await deployLayers(chain, ['Conv2D', 'MaxPooling2D', 'Dense', 'Add']));
});

const floats = (n: number, seed: number, scale: number) => {
  const r = uniform(seed);
  return Array.from({ length: n }, () => r() * scale);
};

/** A model input of `n` values in [0, 1) in the spec's encoding. */
function input(spec: ModelSpec, n: number, seed: number): Uint8Array {
  const x = floats(n, seed, 1).map((v) => v + 0.5);
  if (spec.mode === 'q') return getBytes(encodeQ(toQArray(x, 32)));
  return getBytes(encodeI8(quantizeTensor(x, spec.input as QuantParams)));
}

// The test CNN: 10×10×2 → Conv2D 3×3 'same' relu, 8 filters → MaxPooling2D 2×2 → Dense 200→16 relu → Dense 16→4.
const H = 10;
const W = 10;
const CIN = 2;
const COUT = 8;

function cnn(mode: 'int8' | 'q'): ModelSpec {
  const conv = { H, W, Cin: CIN, Cout: COUT, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const, kernel: floats(9 * CIN * COUT, 1, 1.2), bias: floats(COUT, 2, 0.2), activation: { name: 'relu' } as const };
  const Ho = windowRows(H, 3, 1, 1);
  const P = Math.floor(Ho / 2);
  const K = P * P * COUT;
  const d1 = { K, N: 16, kernel: floats(K * 16, 3, 3.4 / Math.sqrt(K)), bias: floats(16, 4, 0.2), activation: { name: 'relu' } as const };
  const d2 = { K: 16, N: 4, kernel: floats(64, 5, 0.85), bias: floats(4, 6, 0.2), activation: { name: 'linear' } as const };
  const pool = { mode: mode === 'q' ? 0 : 1, H: Ho, W: Ho, C: COUT, ph: 2, pw: 2, sh: 2, sw: 2, padding: 0 };
  const inQ = activationParams(0, 1);
  const convQ = activationParams(0, 3);
  const d1Q = activationParams(0, 4);
  const outQ = activationParams(-6, 6);
  const c = mode === 'q' ? quantizeConv2D(conv, { mode: 'q' }) : quantizeConv2D(conv, { mode: 'int8', input: inQ, output: convQ });
  const dense1 = mode === 'q' ? quantizeDense(d1, { mode: 'q' }) : quantizeDense(d1, { mode: 'int8', input: convQ, output: d1Q });
  const dense2 = mode === 'q' ? quantizeDense(d2, { mode: 'q' }) : quantizeDense(d2, { mode: 'int8', input: d1Q, output: outQ });
  return {
    mode,
    inputShape: [H, W, CIN],
    input: mode === 'q' ? { F: 32 } : inQ,
    layers: [
      layerSpec({ op: CONV2D, config: c.config, weights: c.weights, outputShape: [Ho, Ho, COUT], name: 'conv' }),
      layerSpec({ op: MAX_POOLING2D, config: pool, weights: new Uint8Array(0), outputShape: [P, P, COUT], name: 'pool' }),
      // Dense reads the pooled HWC bytes as its K inputs (what a Flatten would hand it).
      denseLayer(dense1, 'dense_1'),
      denseLayer(dense2, 'dense_2'),
    ],
  };
}

describe.each(['int8', 'q'] as const)('%s CNN (Conv2D → MaxPooling2D → Dense → Dense)', (mode) => {
  const spec = cnn(mode);
  let m: string;
  beforeAll(async () => {
    m = (await deployModel(chain, buildModel(spec, addrs))).address;
  });

  it('infer == oracle bit for bit, for several inputs', async () => {
    const outputs = new Set<string>();
    for (const seed of [7, 8, 9]) {
      const x = input(spec, H * W * CIN, seed);
      const want = oracleInfer(oracle, spec, x);
      const r = await chain.call<string>(m, model.abi, 'infer', [x]);
      expect(r.value, `seed ${seed}`).toBe(hexlify(want));
      outputs.add(r.value);
      if (seed === 7) {
        const per = await chain.call<[string[], bigint[]]>(m, model.abi, 'inferLayers', [[hexlify(x)], 1n, 5n]);
        console.log(`${mode} CNN infer: ${r.gasUsed} gas (layers: ${per.value[1].map((g, i) => `${spec.layers[i]!.kind} ${g}`).join(', ')})`);
      }
    }
    // Not a degenerate model: different inputs give different outputs.
    expect(outputs.size).toBe(3);
  });

  it('a session under a small cap splits Conv2D into row ranges and gives the same output', async () => {
    const x = input(spec, H * W * CIN, 11);
    const want = oracleInfer(oracle, spec, x);
    const profile = await profileModel(chain, m, x, { probeAbove: 0n });
    expect(profile.tensors.map((t) => hexlify(t))).toEqual(oracleInferAll(oracle, spec, x).map((t) => hexlify(t)));
    const conv = profile.nodes[0]!;
    expect(conv.units).toBe(H); // output rows
    expect(conv.splittable).toBe(true);
    // A cap under what the Conv2D node needs in one transaction, but above every other node's needs.
    const cap = (conv.gas * 3n) / 4n + 100_000n;
    const res = await executePlan(chain, m, x, { cap, profile });
    expect(hexlify(res.output)).toBe(hexlify(want));
    expect(res.argmax).toBe(argmaxOf(want, mode));
    const ranges = res.txs.filter((t) => t.tx.kind === 'range');
    expect(ranges.length).toBeGreaterThanOrEqual(2);
    expect(ranges.every((t) => t.tx.kind === 'range' && t.tx.node === 1)).toBe(true);
    for (const t of res.txs) expect(t.gasUsed).toBeLessThanOrEqual(cap);
    console.log(
      [
        `${mode} CNN session under a ${cap}-gas cap: ${res.txs.length} txs, ${res.totalGas} gas in total (Conv2D node ${conv.gas} gas)`,
        ...res.txs.map((t) => `  ${describeTx(t.tx).padEnd(40)} used ${t.gasUsed}`),
      ].join('\n'),
    );
  });
});

describe.each(['int8', 'q'] as const)('%s graph model: input → Dense a, Dense b → Add(a, b) → Dense', (mode) => {
  it('infer == oracle (the multi-input Add in the oracle twin)', async () => {
    const K = 12;
    const N = 6;
    const dense = (seed: number, n: number, k: number, act: 'relu' | 'linear') => ({ K: k, N: n, kernel: floats(k * n, seed, 3 / Math.sqrt(k)), bias: floats(n, seed + 1, 0.2), activation: { name: act } as const });
    const inQ = activationParams(0, 1);
    const aQ = activationParams(0, 2);
    const bQ = activationParams(-2, 2);
    const sumQ = activationParams(-2, 4);
    const outQ = activationParams(-5, 5);
    const q = mode === 'q';
    const da = q ? quantizeDense(dense(20, N, K, 'relu'), { mode: 'q' }) : quantizeDense(dense(20, N, K, 'relu'), { mode: 'int8', input: inQ, output: aQ });
    const db = q ? quantizeDense(dense(30, N, K, 'linear'), { mode: 'q' }) : quantizeDense(dense(30, N, K, 'linear'), { mode: 'int8', input: inQ, output: bQ });
    const add = q ? addConfigQ([N], 2) : quantizeAdd([N], [aQ, bQ], sumQ);
    const dc = q ? quantizeDense(dense(40, 3, N, 'linear'), { mode: 'q' }) : quantizeDense(dense(40, 3, N, 'linear'), { mode: 'int8', input: sumQ, output: outQ });
    const spec: ModelSpec = {
      mode,
      inputShape: [K],
      input: q ? { F: 32 } : inQ,
      layers: [
        { ...denseLayer(da, 'a'), inputs: [0] },
        { ...denseLayer(db, 'b'), inputs: [0] },
        layerSpec({ op: ADD, config: add, weights: new Uint8Array(0), outputShape: [N], inputs: [1, 2], name: 'add' }),
        { ...denseLayer(dc, 'out'), inputs: [3] },
      ],
    };
    const built = buildModel(spec, addrs);
    const m = (await deployModel(chain, built)).address;
    for (const seed of [3, 4]) {
      const x = input(spec, K, seed);
      const t = oracleInferAll(oracle, spec, x);
      // The Add node really is a + b (not a copy of one input): its output differs from both.
      expect(hexlify(t[3]!)).not.toBe(hexlify(t[1]!));
      expect(hexlify(t[3]!)).not.toBe(hexlify(t[2]!));
      const r = await chain.call<string>(m, model.abi, 'infer', [x]);
      expect(r.value, `seed ${seed}`).toBe(hexlify(t[4]!));
    }
  });
});
