/**
 * DenseLayer, the deployable ILayer of Dense: weights read from code segments at any offset and across
 * segment boundaries; `forward` and `forwardRange` equal to the oracle bit for bit (and failing with the
 * oracle's error) — including the range-read path that reads only the weights of the requested units
 * (int8 panels; q row pieces) — and that path being what makes a range cheap.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBytes, hexlify } from 'ethers';
import { createChain, type Chain } from '../../src/simulator/index.ts';
import { loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { DENSE, encodeAbi, oracleForward, quantizeDense, type DenseConfig } from '../../src/harness/layers/index.ts';
import { activationParams } from '../../src/harness/quantize/int8.ts';
import { buildSegments, segmentInitcode } from '../../src/harness/storage/index.ts';
import { ILAYER_ABI, deployLayers } from '../../src/harness/model-chain/index.ts';
import { oracleOutcome, type Outcome } from '../helpers/diff.ts';
import { uniform } from './helpers.ts';

let chain: Chain;
let oracle: Oracle;
let layer: string;

beforeAll(async () => {
  chain = await createChain({ profile: 'unlimited' });
  oracle = await loadOracle();
  layer = (await deployLayers(chain, ['Dense'])).Dense!.address;
});

interface Stored {
  w: [string[], bigint, bigint, bigint];
}

/** Store `blob` after `pad` bytes of filler, in segments of `maxData` bytes; the WeightRef of the blob. */
async function store(blob: Uint8Array, pad: number, maxData: number): Promise<Stored> {
  const all = new Uint8Array(pad + blob.length);
  all.fill(0xa5, 0, pad);
  all.set(blob, pad);
  const segs: string[] = [];
  for (const s of buildSegments(all, maxData)) segs.push((await chain.deployCode(segmentInitcode(s.data))).address);
  return { w: [segs, BigInt(maxData), BigInt(pad), BigInt(blob.length)] };
}

async function evm(method: 'forward' | 'forwardRange', cfg: DenseConfig, s: Stored, x: Uint8Array, range?: [number, number], wLen?: bigint): Promise<Outcome<string> & { gas?: bigint }> {
  const w = wLen === undefined ? s.w : ([s.w[0], s.w[1], s.w[2], wLen] as Stored['w']);
  const args: unknown[] = [encodeAbi(DENSE.schema, cfg), w, [hexlify(x)]];
  if (range) args.push(BigInt(range[0]), BigInt(range[1]));
  const r = await chain.tryCall<string>(layer, ILAYER_ABI, method, args);
  return r.ok ? { ok: true, value: r.value, gas: r.gasUsed } : { ok: false, name: r.error.name, detail: r.error.message };
}

function oracleRun(cfg: DenseConfig, blob: Uint8Array, x: Uint8Array, range?: [number, number]): Outcome<string> {
  return oracleOutcome(() => hexlify(oracleForward(oracle, DENSE, cfg, blob, x, range)));
}

function same(a: Outcome<string>, b: Outcome<string>, what: string): void {
  if (b.ok) expect(a, what).toMatchObject({ ok: true, value: b.value });
  else expect(a.ok ? a : { ok: false, name: a.name }, what).toEqual({ ok: false, name: b.name });
}

function denseCase(mode: 'int8' | 'q', K: number, N: number, seed: number, activation: object, rows = 1) {
  const r = uniform(seed);
  const float = { K, N, kernel: Array.from({ length: K * N }, () => (r() * 3) / Math.sqrt(K)), bias: Array.from({ length: N }, () => r() * 0.3), activation: activation as never };
  const input = activationParams(-1, 1);
  const q = mode === 'q' ? quantizeDense(float, { mode: 'q', rows }) : quantizeDense(float, { mode: 'int8', rows, input, output: activationParams(-2, 2), pre: activationParams(-3, 3) });
  const x = mode === 'q' ? new Uint8Array(rows * K * 8) : Uint8Array.from({ length: rows * K }, () => Math.floor((r() + 0.5) * 256));
  if (mode === 'q') {
    const v = new DataView(x.buffer);
    for (let i = 0; i < rows * K; i++) v.setBigInt64(8 * i, BigInt(Math.round(r() * 2 ** 33)), false);
  }
  return { cfg: q.config, blob: q.weights, x };
}

const RANGES = (N: number): [number, number][] => [
  [0, N],
  [0, 1],
  [N - 1, N],
  [Math.floor(N / 3), Math.floor((2 * N) / 3) + 1],
  [31, 33],
  [32, 64],
  [5, 5],
  [3, 2],
  [0, N + 1],
];

describe('DenseLayer == oracle (forward and every kind of range)', () => {
  const cases = [
    { name: 'int8 relu 40→70', mode: 'int8' as const, K: 40, N: 70, act: { name: 'relu' } },
    { name: 'int8 leaky (negative branch) 33→65', mode: 'int8' as const, K: 33, N: 65, act: { name: 'leaky_relu', alpha: 0.1 } },
    { name: 'int8 sigmoid (stage B) 24→40, rows 3', mode: 'int8' as const, K: 24, N: 40, act: { name: 'sigmoid' }, rows: 3 },
    { name: 'q tanh 12→50 (whole-blob reads)', mode: 'q' as const, K: 12, N: 50, act: { name: 'tanh' } },
    { name: 'q relu 32→256 (row-piece reads), rows 2', mode: 'q' as const, K: 32, N: 256, act: { name: 'relu' }, rows: 2 },
  ];
  it.each(cases)('$name', async ({ mode, K, N, act, rows }) => {
    const { cfg, blob, x } = denseCase(mode, K, N, K + N, act, rows ?? 1);
    // Spans that start inside a segment and cross several (odd sizes on purpose).
    const s = await store(blob, 777, 4099);
    same(await evm('forward', cfg, s, x), oracleRun(cfg, blob, x), 'forward');
    for (const range of RANGES(N)) same(await evm('forwardRange', cfg, s, x, range), oracleRun(cfg, blob, x, range), `range ${range}`);
    // A weight span of the wrong length fails like the library (ShapeMismatch), on both paths.
    for (const range of [[0, N], [1, 2]] as [number, number][]) {
      const r = await evm('forwardRange', cfg, s, x, range, BigInt(blob.length - 1));
      expect(r).toMatchObject({ ok: false, name: 'ShapeMismatch' });
    }
    // A wrong input length too.
    same(await evm('forwardRange', cfg, s, x.subarray(1), [1, 2]), oracleRun(cfg, blob, x.subarray(1), [1, 2]), 'short input');
  });

  it('partial softmax and bad channel parameters fail with the library error on the range path', async () => {
    const sm = denseCase('int8', 16, 40, 3, { name: 'softmax', axis: 0 });
    const s1 = await store(sm.blob, 5, 24_575);
    same(await evm('forwardRange', sm.cfg, s1, sm.x, [0, 40]), oracleRun(sm.cfg, sm.blob, sm.x, [0, 40]), 'softmax full');
    same(await evm('forwardRange', sm.cfg, s1, sm.x, [0, 20]), oracleRun(sm.cfg, sm.blob, sm.x, [0, 20]), 'softmax partial');
    // M[45] = 2^31 (out of domain): ranges holding unit 45 fail, the others succeed, as in the oracle.
    const d = denseCase('int8', 16, 70, 4, { name: 'relu' });
    const blob = Uint8Array.from(d.blob);
    const base = Math.ceil(70 / 32) * 32 * 16;
    new DataView(blob.buffer).setUint32(base + 4 * 70 + 4 * 45, 2 ** 31, false);
    const s2 = await store(blob, 0, 24_575);
    for (const range of [[0, 32], [32, 64], [40, 46], [46, 70], [0, 70]] as [number, number][]) {
      same(await evm('forwardRange', d.cfg, s2, d.x, range), oracleRun(d.cfg, blob, d.x, range), `range ${range}`);
    }
    const bad = await evm('forwardRange', d.cfg, s2, d.x, [32, 64]);
    expect(bad).toMatchObject({ ok: false, name: 'InvalidRequantization' });
  });
});

describe('range reads make ranges cheap', () => {
  it('int8 784→128: a 32-unit range costs far less than a quarter of the layer', async () => {
    const { cfg, blob, x } = denseCase('int8', 784, 128, 1, { name: 'relu' });
    const s = await store(blob, 0, 24_575);
    const full = await evm('forward', cfg, s, x);
    const part = await evm('forwardRange', cfg, s, x, [96, 128]);
    expect(part).toMatchObject({ ok: true, value: hexlify(oracleForward(oracle, DENSE, cfg, blob, x, [96, 128])) });
    console.log(`DenseLayer int8 784→128: forward ${full.gas} gas, forwardRange [96, 128) ${part.gas} gas`);
    expect(part.gas! * 3n).toBeLessThan(full.gas!);
    expect(getBytes(full.ok ? full.value : '0x').length).toBe(128);
  });

  it('q 64→1024 (532 kB of weights): one unit reads 64 row pieces, not the whole blob', async () => {
    const { cfg, blob, x } = denseCase('q', 64, 1024, 2, { name: 'linear' });
    const s = await store(blob, 0, 24_575);
    const part = await evm('forwardRange', cfg, s, x, [500, 501]);
    expect(part).toMatchObject({ ok: true, value: hexlify(oracleForward(oracle, DENSE, cfg, blob, x, [500, 501])) });
    // Reading the whole blob would cost its memory expansion alone: 3·words + words²/512.
    const words = BigInt(Math.ceil(blob.length / 32));
    const wholeRead = 3n * words + (words * words) / 512n;
    console.log(`DenseLayer q 64→1024: forwardRange [500, 501) ${part.gas} gas; memory for the whole ${blob.length}-byte blob alone would be ${wholeRead} gas`);
    expect(part.gas!).toBeLessThan(wholeRead / 2n);
  });

  // The gain (no memory expansion for the whole blob) is measured in bench (the q MNIST MLP model row).
  it('q 64→1024: forward streams the blob in 32-unit blocks through one buffer; == oracle for 1 and 2 rows', async () => {
    const one = denseCase('q', 64, 1024, 2, { name: 'relu' });
    const two = denseCase('q', 64, 1024, 2, { name: 'relu' }, 2);
    expect(hexlify(two.blob)).toBe(hexlify(one.blob)); // the blob does not depend on rows
    const s = await store(one.blob, 7, 24_575);
    for (const c of [one, two]) {
      const full = await evm('forward', c.cfg, s, c.x);
      expect(full).toMatchObject({ ok: true, value: hexlify(oracleForward(oracle, DENSE, c.cfg, c.blob, c.x)) });
      console.log(`DenseLayer q 64→1024 × ${c.cfg.rows} rows: forward (streamed) ${full.gas} gas`);
    }
    // Failures keep the library's order: a short input is ShapeMismatch, as in the oracle.
    same(await evm('forward', one.cfg, s, one.x.subarray(8)), oracleRun(one.cfg, one.blob, one.x.subarray(8)), 'short input');
  });
});
