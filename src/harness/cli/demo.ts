/**
 * `npm run demo` — the main job on the embedded chain.
 *
 * Runs the numeric core on an embedded ethereumjs chain and in the WebAssembly oracle, on the same
 * inputs, and prints per kernel: gas, gas per multiply-accumulate, and whether the two tiers agree bit
 * for bit. Inputs are deterministic (seeded), so the figures are reproducible.
 */
import { compileFor, getArtifact } from '../compile.ts';
import { conv2dI8Requant, conv2dShapeArg } from '../kernels/conv.ts';
import { matvecI8Requant, matvecQ } from '../kernels/matvec.ts';
import { maxPool2dI8, pool2dShapeArg } from '../kernels/pool.ts';
import { qExp, qGelu, qLog, qSigmoid, qSqrt, qTanh } from '../kernels/qmath.ts';
import { softmaxQ } from '../kernels/softmax.ts';
import { loadOracle, type Oracle } from '../oracle.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ, packPanelsI8 } from '../tensor/pack.ts';
import { createChain, type Chain } from '../../simulator/index.ts';

interface Row {
  kernel: string;
  gas: bigint;
  macs?: number;
  exact: boolean;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(2026);
const i8 = (n: number, lo = -128, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
const q = (n: number, range = 1) => BigInt64Array.from({ length: n }, () => BigInt(Math.round((r() * 2 - 1) * range * 2 ** 32)));
const same = (a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>) =>
  a.length === b.length && Array.from(a).every((v, i) => BigInt(v) === BigInt(b[i]!));

class Harnesses {
  private readonly cache = new Map<string, { address: string; abi: unknown[] }>();
  constructor(private readonly chain: Chain) {}
  async call(name: string, method: string, args: unknown[]): Promise<unknown[]> {
    let h = this.cache.get(name);
    if (!h) {
      const artifact = getArtifact(name, compileFor([`contracts/test/${name}.sol`]));
      const { address } = await this.chain.deploy(artifact);
      h = { address, abi: artifact.abi };
      this.cache.set(name, h);
    }
    const res = await this.chain.call<unknown[]>(h.address, h.abi, method, args);
    return res.value;
  }
}

async function run(oracle: Oracle, h: Harnesses): Promise<Row[]> {
  const rows: Row[] = [];

  // Dense-sized int8 matvec with per-channel requantization (SWAR kernel, numerics §4.2–§4.3).
  {
    const [K, N] = [784, 128];
    const x = i8(K);
    const w = i8(K * N, -127, 127);
    const panels = packPanelsI8(w, K, N);
    const bias = BigInt64Array.from({ length: N }, () => BigInt(Math.floor((r() - 0.5) * 2 ** 18)));
    const M = BigInt64Array.from({ length: N }, () => BigInt(2 ** 30 + Math.floor(r() * 2 ** 30)));
    const shifts = BigInt64Array.from({ length: N }, () => 45n);
    const [y, gas] = (await h.call('MatVecHarness', 'matvecI8Requant', [encodeI8(x), -3n, panels, Array.from(bias), Array.from(M), Array.from(shifts), 4n, BigInt(K), BigInt(N)])) as [string, bigint];
    const yo = matvecI8Requant(oracle, x, -3, panels, bias, M, shifts, 4, K, N);
    rows.push({ kernel: `int8 matvec+requant ${K}→${N}`, gas, macs: K * N, exact: same(decodeI8(y), yo) });
  }
  // q-mode (Q32.32) matvec.
  {
    const [K, N] = [256, 64];
    const x = q(K);
    const w = q(K * N);
    const bias = q(N);
    const [y, gas] = (await h.call('MatVecHarness', 'matvecQ', [encodeQ(x), encodeQ(w), encodeQ(bias), BigInt(K), BigInt(N), 32n])) as [string, bigint];
    rows.push({ kernel: `q32 matvec ${K}→${N}`, gas, macs: K * N, exact: same(decodeQ(y), matvecQ(oracle, x, w, bias, K, N, 32)) });
  }
  // int8 conv2d 3×3, 'same', 16→32 channels on 16×16 (fused requantization).
  {
    const s = { H: 16, W: 16, Cin: 16, Cout: 32, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const };
    const x = i8(s.H * s.W * s.Cin);
    const k = i8(s.kh * s.kw * s.Cin * s.Cout, -127, 127);
    const bias = Int32Array.from({ length: s.Cout }, () => Math.floor((r() - 0.5) * 2 ** 16));
    const M = Array.from({ length: s.Cout }, () => BigInt(2 ** 30 + Math.floor(r() * 2 ** 30)));
    const shift = Array.from({ length: s.Cout }, () => 44n);
    const panels = packPanelsI8(k, s.kh * s.kw * s.Cin, s.Cout);
    const [y, gas] = (await h.call('ConvHarness', 'conv2dI8Requant', [encodeI8(x), 5n, panels, Array.from(bias), conv2dShapeArg(s), M, shift, -7n])) as [string, bigint];
    const yo = conv2dI8Requant(oracle, x, 5, k, bias, s, M, shift, -7);
    rows.push({ kernel: 'int8 conv2d 3×3 16→32 @16×16', gas, macs: s.H * s.W * s.kh * s.kw * s.Cin * s.Cout, exact: same(decodeI8(y), yo) });
  }
  // int8 max pooling 2×2 stride 2.
  {
    const s = { H: 16, W: 16, C: 32, ph: 2, pw: 2, sh: 2, sw: 2, padding: 'valid' as const };
    const x = i8(s.H * s.W * s.C);
    const [y, gas] = (await h.call('PoolHarness', 'maxPool2dI8', [encodeI8(x), pool2dShapeArg(s)])) as [string, bigint];
    rows.push({ kernel: 'int8 max-pool 2×2/2 @16×16×32', gas, exact: same(decodeI8(y), maxPool2dI8(oracle, x, s)) });
  }
  // Softmax over 10 logits (max subtraction, numerics §3.2).
  {
    const x = q(10, 12);
    const [y, gas] = (await h.call('SoftmaxHarness', 'softmaxQ', [encodeQ(x), [10n], 0n])) as [string, bigint];
    rows.push({ kernel: 'q32 softmax (10 logits)', gas, exact: same(decodeQ(y), softmaxQ(oracle, x, [10], 0)) });
  }
  // Scalar nonlinear functions.
  const x0 = -(3n << 31n) + 12345n; // ≈ −1.5
  for (const [name, fn, arg] of [
    ['qExp', qExp, x0],
    ['qLog', qLog, 10n << 32n],
    ['qSqrt', qSqrt, 2n << 32n],
    ['qSigmoid', qSigmoid, x0],
    ['qTanh', qTanh, x0],
    ['qGelu', qGelu, x0],
  ] as const) {
    const [v, gas] = (await h.call('QMathHarness', name, [arg])) as [bigint, bigint];
    rows.push({ kernel: `q32 ${name}`, gas, exact: v === fn(oracle, arg) });
  }
  return rows;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log('nnchain demo — kernels on an embedded ethereumjs chain vs the WebAssembly oracle\n');
  const oracle = await loadOracle();
  // Harness contracts are test fixtures that inline many kernels; they exceed 24,576 bytes, so they run
  // on the `unlimited` profile (model contracts target the `ethereum` profile).
  const chain = await createChain({ profile: 'unlimited' });
  const rows = await run(oracle, new Harnesses(chain));
  const w = Math.max(...rows.map((x) => x.kernel.length));
  console.log(`${'kernel'.padEnd(w)}  ${'gas'.padStart(11)}  ${'gas/MAC'.padStart(8)}  EVM == oracle`);
  for (const x of rows) {
    const perMac = x.macs ? (Number(x.gas) / x.macs).toFixed(2) : '';
    console.log(`${x.kernel.padEnd(w)}  ${x.gas.toLocaleString('en-US').padStart(11)}  ${perMac.padStart(8)}  ${x.exact ? 'bit-exact' : 'MISMATCH'}`);
  }
  const bad = rows.filter((x) => !x.exact);
  console.log(`\n${rows.length - bad.length}/${rows.length} kernels bit-exact; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (bad.length > 0) process.exit(1);
}

await main();
