/**
 * The generated ILayer wrappers (scripts/gen-layer-wrappers.ts → contracts/layers/<Name>Layer.sol), one
 * case per layer kind of `LAYER_CONTRACTS` but Dense (tests/models/layers.test.ts): deployed on the
 * embedded chain with the ethereum profile (24,576-byte code limit), weights read from code segments
 * (spans starting inside a segment and crossing several), `forward` and a partial `forwardRange` equal to
 * the oracle bit for bit, `units` / `rangeLayout` equal to the axis computed here from the config and
 * locating the range inside the full output, one failure equal to the oracle's (a wrong input length),
 * single-input wrappers refusing two inputs, and the committed files equal to the generator's output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes, hexlify } from 'ethers';
import { createChain, type Chain } from '../../src/simulator/index.ts';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import {
  ACTIVATION,
  ADD,
  AVERAGE_POOLING2D,
  BATCH_NORMALIZATION,
  CONCATENATE,
  CONV2D,
  DEPTHWISE_CONV2D,
  DROPOUT,
  EMBEDDING,
  encodeIds,
  FLATTEN,
  GLOBAL_AVERAGE_POOLING2D,
  GLOBAL_MAX_POOLING2D,
  GRU,
  INPUT_LAYER,
  LAYER_NORMALIZATION,
  LSTM,
  MAX_POOLING2D,
  MULTIPLY,
  multiplyConfigQ,
  oracleForward,
  oracleForwardMulti,
  quantizeActivationLayer,
  quantizeAdd,
  quantizeBatchNorm,
  quantizeConcatenate,
  quantizeConv2D,
  quantizeDepthwiseConv2D,
  quantizeEmbedding,
  quantizeLayerNormalization,
  quantizeRescaling,
  quantizeRnn,
  RESCALING,
  RESHAPE,
  shapeConfig,
  SIMPLE_RNN,
  windowRows,
  ZERO_PADDING2D,
  type Cell,
  type RnnFloat,
} from '../../src/harness/layers/index.ts';
import { activationParams, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import { buildSegments, segmentInitcode } from '../../src/harness/storage/index.ts';
import { deployLayers, encodeLayerConfig, ILAYER_ABI, isMergeOp, LAYER_CONTRACTS, rangeChunk, type AnyLayerOp, type DeployedLayer } from '../../src/harness/model-chain/index.ts';
import { generateAll, LAYERS_DIR, WRAPPERS } from '../../scripts/gen-layer-wrappers.ts';
import type { Outcome } from '../helpers/diff.ts';
import { uniform } from './helpers.ts';

const CODE_LIMIT = 24_576;

let chain: Chain;
let oracle: Oracle;
let layers: Record<string, DeployedLayer>;

beforeAll(async () => {
  chain = await createChain({ profile: 'ethereum' });
  oracle = await loadOracle();
  layers = await deployLayers(chain, Object.keys(LAYER_CONTRACTS).filter((k) => k !== 'Dense'));
});

// ------------------------------------------------------------------------------------------------
// Cases

interface Case {
  kind: string;
  name: string;
  op: AnyLayerOp;
  config: any;
  weights: Uint8Array;
  inputs: Uint8Array[];
  /** The splittable axis as computed here from the config: [outer, units, unitBytes]. */
  layout: [number, number, number];
  /** A partial range (splittable layers), compared with the oracle's `…Range` export. */
  range?: [number, number];
}

const I8_IN = activationParams(-2, 2);
const I8_OUT = activationParams(-3, 3);

/** n int8 elements (bytes) or q elements (Q32, |x| < 2) from a fixed seed. */
function tensor(mode: 'int8' | 'q', n: number, seed: number): Uint8Array {
  const r = uniform(seed);
  const x = Array.from({ length: n }, () => r() * 4);
  return mode === 'int8' ? getBytes(encodeI8(quantizeTensor(x, I8_IN))) : getBytes(encodeQ(toQArray(x, 32)));
}

const floats = (n: number, seed: number, scale = 1) => {
  const r = uniform(seed);
  return Array.from({ length: n }, () => r() * scale);
};
const eb = (mode: 'int8' | 'q') => (mode === 'q' ? 8 : 1);
const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function conv2dCase(mode: 'int8' | 'q', H: number, W: number, Cin: number, Cout: number, k: number, s: number, padding: 'same' | 'valid', range: [number, number]): Case {
  const d = { H, W, Cin, Cout, kh: k, kw: k, sh: s, sw: s, padding, kernel: floats(k * k * Cin * Cout, 11, 1.2), bias: floats(Cout, 12, 0.3), activation: { name: 'relu' } as const };
  const q = mode === 'q' ? quantizeConv2D(d, { mode: 'q' }) : quantizeConv2D(d, { mode: 'int8', input: I8_IN, output: activationParams(0, 4) });
  const p = padding === 'same' ? 1 : 0;
  const Ho = windowRows(H, k, s, p);
  const Wo = windowRows(W, k, s, p);
  return { kind: 'Conv2D', name: `${mode} ${H}×${W}×${Cin} → ${Cout}, ${k}×${k}/${s} ${padding}`, op: CONV2D, config: q.config, weights: q.weights, inputs: [tensor(mode, H * W * Cin, 13)], layout: [1, Ho, Wo * Cout * eb(mode)], range };
}

function poolCase(kind: 'MaxPooling2D' | 'AveragePooling2D', mode: 'int8' | 'q', H: number, W: number, C: number, ps: number, s: number, padding: number, range: [number, number]): Case {
  const config = { mode: mode === 'q' ? 0 : 1, H, W, C, ph: ps, pw: ps, sh: s, sw: s, padding };
  const op = kind === 'MaxPooling2D' ? MAX_POOLING2D : AVERAGE_POOLING2D;
  const layout: [number, number, number] = [1, windowRows(H, ps, s, padding), windowRows(W, ps, s, padding) * C * eb(mode)];
  return { kind, name: `${mode} ${H}×${W}×${C} pool ${ps}/${s} ${padding ? 'same' : 'valid'}`, op, config, weights: new Uint8Array(0), inputs: [tensor(mode, H * W * C, 21)], layout, range };
}

function globalCase(kind: 'GlobalAveragePooling2D' | 'GlobalMaxPooling2D', mode: 'int8' | 'q', H: number, W: number, C: number, range: [number, number]): Case {
  const op = kind === 'GlobalAveragePooling2D' ? GLOBAL_AVERAGE_POOLING2D : GLOBAL_MAX_POOLING2D;
  return { kind, name: `${mode} ${H}×${W}×${C}`, op, config: { mode: mode === 'q' ? 0 : 1, H, W, C }, weights: new Uint8Array(0), inputs: [tensor(mode, H * W * C, 31)], layout: [1, C, eb(mode)], range };
}

function rnnCase(cell: Cell, mode: 'int8' | 'q', T: number, K: number, U: number, returnSequences: boolean): Case {
  const G = { SimpleRNN: 1, LSTM: 4, GRU: 3 }[cell];
  const resetAfter = cell === 'GRU';
  const f: RnnFloat = {
    cell,
    K,
    U,
    kernel: floats(K * G * U, 41),
    recurrentKernel: floats(U * G * U, 42),
    bias: floats((resetAfter ? 2 : 1) * G * U, 43, 0.5),
    activation: { name: 'tanh' },
    recurrentActivation: { name: 'sigmoid' },
    returnSequences,
    resetAfter,
  };
  const q = mode === 'q' ? quantizeRnn(f, { mode: 'q', T }) : quantizeRnn(f, { mode: 'int8', T, input: I8_IN, h: activationParams(-1, 1) });
  const op = { SimpleRNN: SIMPLE_RNN, LSTM, GRU }[cell];
  const outElems = returnSequences ? T * U : U;
  return { kind: cell, name: `${mode} T=${T} K=${K} U=${U}${returnSequences ? ' sequences' : ''}`, op, config: q.config, weights: q.weights, inputs: [tensor(mode, T * K, 44)], layout: [1, 1, outElems * eb(mode)] };
}

function identityCase(kind: 'InputLayer' | 'Dropout' | 'Flatten' | 'Reshape', mode: 'int8' | 'q', inShape: number[], outShape: number[]): Case {
  const op = { InputLayer: INPUT_LAYER, Dropout: DROPOUT, Flatten: FLATTEN, Reshape: RESHAPE }[kind];
  return { kind, name: `${mode} [${inShape}] → [${outShape}]`, op, config: shapeConfig(mode, inShape, outShape), weights: new Uint8Array(0), inputs: [tensor(mode, count(inShape), 61)], layout: [1, 1, count(inShape) * eb(mode)] };
}

function cases(): Case[] {
  const out: Case[] = [
    conv2dCase('int8', 6, 5, 3, 4, 3, 1, 'same', [2, 4]),
    conv2dCase('q', 7, 6, 2, 3, 3, 2, 'valid', [1, 2]),
  ];
  {
    const d = { H: 5, W: 5, C: 2, mult: 2, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const, kernel: floats(3 * 3 * 2 * 2, 15), bias: floats(4, 16, 0.2), activation: { name: 'linear' } as const };
    const q = quantizeDepthwiseConv2D(d, { mode: 'q' });
    out.push({ kind: 'DepthwiseConv2D', name: 'q 5×5×2 ×2, 3×3 same', op: DEPTHWISE_CONV2D, config: q.config, weights: q.weights, inputs: [tensor('q', 50, 17)], layout: [1, 5, 5 * 4 * 8], range: [1, 3] });
    const q8 = quantizeDepthwiseConv2D({ ...d, sh: 2, sw: 2, activation: { name: 'relu' } }, { mode: 'int8', input: I8_IN, output: activationParams(0, 3) });
    out.push({ kind: 'DepthwiseConv2D', name: 'int8 5×5×2 ×2, 3×3/2 same', op: DEPTHWISE_CONV2D, config: q8.config, weights: q8.weights, inputs: [tensor('int8', 50, 18)], layout: [1, 3, 3 * 4], range: [2, 3] });
  }
  out.push(poolCase('MaxPooling2D', 'int8', 6, 6, 3, 2, 2, 0, [1, 2]), poolCase('MaxPooling2D', 'q', 5, 4, 2, 3, 1, 1, [2, 4]));
  out.push(poolCase('AveragePooling2D', 'q', 5, 5, 2, 2, 2, 1, [0, 2]), poolCase('AveragePooling2D', 'int8', 6, 4, 3, 2, 1, 0, [3, 5]));
  out.push(globalCase('GlobalAveragePooling2D', 'int8', 3, 4, 5, [1, 4]), globalCase('GlobalMaxPooling2D', 'q', 3, 3, 4, [2, 4]));
  {
    const config = { mode: 1, H: 4, W: 3, C: 2, top: 1, bottom: 2, left: 1, right: 0, zIn: -3 };
    out.push({ kind: 'ZeroPadding2D', name: 'int8 4×3×2 pad (1, 2, 1, 0)', op: ZERO_PADDING2D, config, weights: new Uint8Array(0), inputs: [tensor('int8', 24, 51)], layout: [1, 7, 4 * 2], range: [0, 2] });
  }
  for (const mode of ['int8', 'q'] as const) {
    const dims = [4, 3, 2];
    const aff = { a: Float64Array.from([1.5, -0.75]), b: Float64Array.from([0.25, -0.5]) };
    const q = mode === 'q' ? quantizeBatchNorm(aff, dims, { mode: 'q' }) : quantizeBatchNorm(aff, dims, { mode: 'int8', input: I8_IN, output: I8_OUT });
    out.push({ kind: 'BatchNormalization', name: `${mode} [4, 3, 2]`, op: BATCH_NORMALIZATION, config: q.config, weights: q.weights, inputs: [tensor(mode, 24, 52)], layout: [1, 4, 6 * eb(mode)], range: [1, 3] });
  }
  out.push({
    kind: 'Activation',
    name: 'int8 sigmoid [10]',
    op: ACTIVATION,
    config: quantizeActivationLayer({ name: 'sigmoid' }, [10], { mode: 'int8', input: I8_IN, output: activationParams(0, 1) }),
    weights: new Uint8Array(0),
    inputs: [tensor('int8', 10, 53)],
    layout: [1, 1, 10],
  });
  out.push({ kind: 'Activation', name: 'q softmax [2, 5]', op: ACTIVATION, config: quantizeActivationLayer({ name: 'softmax', axis: 1 }, [2, 5], { mode: 'q' }), weights: new Uint8Array(0), inputs: [tensor('q', 10, 54)], layout: [1, 1, 80] });
  out.push({ kind: 'Rescaling', name: 'int8 [8] ·0.5 + 0.1', op: RESCALING, config: quantizeRescaling(0.5, 0.1, [8], { mode: 'int8', input: I8_IN, output: I8_OUT }), weights: new Uint8Array(0), inputs: [tensor('int8', 8, 55)], layout: [1, 1, 8] });
  {
    const ln = { dims: [3, 8], axes: [1], epsilon: 1e-3, gamma: Float64Array.from(floats(8, 56, 2)), beta: Float64Array.from(floats(8, 57)) };
    const q = quantizeLayerNormalization(ln, { mode: 'q' });
    out.push({ kind: 'LayerNormalization', name: 'q [3, 8] axis 1', op: LAYER_NORMALIZATION, config: q.config, weights: q.weights, inputs: [tensor('q', 24, 58)], layout: [1, 3, 64], range: [1, 2] });
    const q8 = quantizeLayerNormalization(ln, { mode: 'int8', input: I8_IN, output: I8_OUT });
    out.push({ kind: 'LayerNormalization', name: 'int8 [3, 8] axis 1', op: LAYER_NORMALIZATION, config: q8.config, weights: q8.weights, inputs: [tensor('int8', 24, 59)], layout: [1, 3, 8], range: [0, 2] });
  }
  {
    const e = { inputDim: 7, outputDim: 4, table: floats(28, 60) };
    const q = quantizeEmbedding(e, { mode: 'int8', T: 5, output: I8_OUT, perRow: true });
    out.push({ kind: 'Embedding', name: 'int8 per-row T=5 V=7 D=4', op: EMBEDDING, config: q.config, weights: q.weights, inputs: [encodeIds([3, 0, 6, 6, 2])], layout: [1, 5, 4], range: [2, 5] });
    const qq = quantizeEmbedding(e, { mode: 'q', T: 3 });
    out.push({ kind: 'Embedding', name: 'q T=3 V=7 D=4', op: EMBEDDING, config: qq.config, weights: qq.weights, inputs: [encodeIds([1, 5, 0])], layout: [1, 3, 32], range: [0, 1] });
  }
  out.push(rnnCase('SimpleRNN', 'q', 3, 4, 5, true), rnnCase('LSTM', 'int8', 3, 4, 4, false), rnnCase('GRU', 'q', 2, 3, 4, true));
  {
    const pa = activationParams(-1, 2);
    const pb = activationParams(-3, 1);
    out.push({ kind: 'Add', name: 'int8 2 × [3, 4]', op: ADD, config: quantizeAdd([3, 4], [pa, pb], I8_OUT), weights: new Uint8Array(0), inputs: [tensor('int8', 12, 70), tensor('int8', 12, 71)], layout: [1, 3, 4], range: [1, 3] });
    out.push({ kind: 'Multiply', name: 'q 3 × [2, 3]', op: MULTIPLY, config: multiplyConfigQ([2, 3], 3), weights: new Uint8Array(0), inputs: [tensor('q', 6, 72), tensor('q', 6, 73), tensor('q', 6, 74)], layout: [1, 2, 24], range: [1, 2] });
    out.push({
      kind: 'Concatenate',
      name: 'int8 [3, 2] ‖ [3, 3] on axis 1',
      op: CONCATENATE,
      config: quantizeConcatenate([[3, 2], [3, 3]], 1, [pa, pb], I8_OUT),
      weights: new Uint8Array(0),
      inputs: [tensor('int8', 6, 75), tensor('int8', 9, 76)],
      layout: [1, 3, 5],
      range: [0, 2],
    });
  }
  out.push(identityCase('InputLayer', 'int8', [2, 3], [2, 3]), identityCase('Dropout', 'q', [4], [4]), identityCase('Flatten', 'int8', [2, 2, 2], [8]), identityCase('Reshape', 'q', [6], [2, 3]));
  return out;
}

const CASES = cases();

// ------------------------------------------------------------------------------------------------
// Both tiers

type WRef = [string[], bigint, bigint, bigint];

/** Store `blob` after `pad` filler bytes in segments of `maxData` bytes; the WeightRef of the blob. */
async function store(blob: Uint8Array, pad: number, maxData: number): Promise<WRef> {
  if (blob.length === 0) return [[], 0n, 0n, 0n];
  const all = new Uint8Array(pad + blob.length);
  all.fill(0xa5, 0, pad);
  all.set(blob, pad);
  const segs: string[] = [];
  for (const s of buildSegments(all, maxData)) segs.push((await chain.deployCode(segmentInitcode(s.data))).address);
  return [segs, BigInt(maxData), BigInt(pad), BigInt(blob.length)];
}

type Result = Outcome<string> & { args?: unknown[] };

async function evm(c: Case, w: WRef, method: 'forward' | 'forwardRange', inputs: Uint8Array[], range?: [number, number]): Promise<Result> {
  const args: unknown[] = [encodeLayerConfig(c.op, c.config), w, inputs.map((x) => hexlify(x))];
  if (method === 'forwardRange') args.push(BigInt(range![0]), BigInt(range![1]));
  const r = await chain.tryCall<string>(layers[c.kind]!.address, ILAYER_ABI, method, args);
  return r.ok ? { ok: true, value: r.value } : { ok: false, name: r.error.name, detail: r.error.message, args: r.error.args };
}

function oracleRun(c: Case, inputs: Uint8Array[], range?: [number, number]): Result {
  try {
    const y = isMergeOp(c.op) ? oracleForwardMulti(oracle, c.op, c.config, c.weights, inputs, range) : oracleForward(oracle, c.op, c.config, c.weights, inputs[0]!, range);
    return { ok: true, value: hexlify(y) };
  } catch (e) {
    if (!(e instanceof OracleError)) throw e;
    return { ok: false, name: e.errorName, detail: e.message, args: e.args };
  }
}

/** Same success bytes, or the same error name and arguments. */
function expectSame(a: Result, b: Result, what: string): void {
  if (b.ok) {
    expect(a, what).toMatchObject({ ok: true, value: b.value });
    return;
  }
  expect(a.ok ? a : { ok: false, name: a.name }, what).toEqual({ ok: false, name: b.name });
  expect((a.args ?? []).map((v) => BigInt(v as bigint)), `${what}: error arguments`).toEqual(b.args ?? []);
}

describe('generated wrappers == oracle', () => {
  it.each(CASES.map((c, i) => ({ ...c, i, label: `${c.kind}: ${c.name}` })))('$label', async (c) => {
    // Odd filler and segment sizes: the span starts inside a segment and crosses into the next ones.
    const w = await store(c.weights, 97 + c.i, 211);
    const full = await evm(c, w, 'forward', c.inputs);
    const want = oracleRun(c, c.inputs);
    expect(want.ok, `oracle forward: ${want.ok ? '' : want.detail}`).toBe(true);
    expectSame(full, want, 'forward');

    // The splittable axis, computed here from the config.
    const addr = layers[c.kind]!.address;
    const cfg = encodeLayerConfig(c.op, c.config);
    const layout = (await chain.call<bigint[]>(addr, ILAYER_ABI, 'rangeLayout', [cfg])).value.map(Number);
    expect(layout, 'rangeLayout').toEqual(c.layout);
    expect(Number((await chain.call<bigint>(addr, ILAYER_ABI, 'units', [cfg])).value), 'units').toBe(c.layout[1]);
    const [outer, units, unitBytes] = c.layout;
    expect(getBytes(full.ok ? full.value : '0x').length).toBe(outer * units * unitBytes);

    if (c.range) {
      // A partial range: the oracle's range export, and the block rangeLayout locates in the full output.
      const part = await evm(c, w, 'forwardRange', c.inputs, c.range);
      expectSame(part, oracleRun(c, c.inputs, c.range), `range ${c.range}`);
      const chunk = rangeChunk({ outer, units, unitBytes }, getBytes(full.ok ? full.value : '0x'), c.range[0], c.range[1]);
      expect(part.ok ? part.value : undefined, 'range = its block of the full output').toBe(hexlify(chunk));
      // The whole axis as a range is the whole output; past the axis is the layer tier's range error.
      expectSame(await evm(c, w, 'forwardRange', c.inputs, [0, units]), want, 'range [0, units)');
      expectSame(await evm(c, w, 'forwardRange', c.inputs, [0, units + 1]), oracleRun(c, c.inputs, [0, units + 1]), 'range [0, units + 1)');
    } else {
      // One unit: [0, 1) is forward, an empty range is empty, anything past it is InvalidShape(100).
      expect(units).toBe(1);
      expectSame(await evm(c, w, 'forwardRange', c.inputs, [0, 1]), want, 'range [0, 1)');
      expect(await evm(c, w, 'forwardRange', c.inputs, [1, 1])).toMatchObject({ ok: true, value: '0x' });
      for (const r of [[0, 2], [1, 0]] as [number, number][]) {
        expect(await evm(c, w, 'forwardRange', c.inputs, r), `range ${r}`).toMatchObject({ ok: false, name: 'InvalidShape', args: [100n] });
      }
    }

    // A wrong input length fails as in the oracle (the last input one byte short).
    const short = c.inputs.map((x, k) => (k === c.inputs.length - 1 ? x.subarray(0, x.length - 1) : x));
    const bad = oracleRun(c, short);
    expect(bad.ok).toBe(false);
    expectSame(await evm(c, w, 'forward', short), bad, 'short input');
    if (c.range) expectSame(await evm(c, w, 'forwardRange', short, c.range), oracleRun(c, short, c.range), 'short input, range');
    // Single-input layers refuse a second tensor.
    if (!isMergeOp(c.op)) expect(await evm(c, w, 'forward', [c.inputs[0]!, c.inputs[0]!])).toMatchObject({ ok: false, name: 'InputCountMismatch', args: [1n, 2n] });
  });
});

describe('registry, code size, generated files', () => {
  it('every kind but Dense is served by a generated wrapper named in LAYER_CONTRACTS, and every kind has a case', () => {
    const generated = new Map(WRAPPERS.flatMap((w) => w.kinds.map((k) => [k, w.contract] as const)));
    expect([...generated.keys(), 'Dense'].sort()).toEqual(Object.keys(LAYER_CONTRACTS).sort());
    for (const [kind, contract] of generated) expect(LAYER_CONTRACTS[kind], kind).toEqual({ source: `contracts/layers/${contract}.sol`, contract });
    // The key is the layer tier's op name (what layerSpec / quantizedModelSpec use as the kind).
    for (const c of CASES) expect(c.op.name, c.kind).toBe(c.kind);
    expect(new Set(CASES.map((c) => c.kind))).toEqual(new Set(generated.keys()));
  });

  it(`every wrapper deploys under the ${CODE_LIMIT}-byte limit (ethereum profile); kinds sharing a contract share the address`, () => {
    expect(chain.profile.codeSizeLimit).toBe(CODE_LIMIT);
    const sizes = new Map<string, number>();
    for (const l of Object.values(layers)) {
      expect(l.codeSize, l.kind).toBeGreaterThan(0);
      expect(l.codeSize, l.kind).toBeLessThanOrEqual(CODE_LIMIT);
      sizes.set(LAYER_CONTRACTS[l.kind]!.contract, l.codeSize);
    }
    expect(layers.InputLayer!.address).toBe(layers.Dropout!.address);
    console.log(`wrapper code sizes (bytes): ${[...sizes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });

  it('the committed wrappers equal the output of scripts/gen-layer-wrappers.ts', () => {
    const files = generateAll();
    expect(files.size).toBe(WRAPPERS.length);
    for (const [file, src] of files) {
      expect(readFileSync(join(LAYERS_DIR, file), 'utf8') === src, `stale contracts/layers/${file}: run \`npx tsx scripts/gen-layer-wrappers.ts\``).toBe(true);
      expect(src).toContain('generated by scripts/gen-layer-wrappers.ts — do not edit');
    }
  });
});
