/** Benchmarks of the tensor primitives (contracts/tensor) through their harness contracts. */
import { encodeI8, encodeQ, packPanelsI8 } from '../../src/harness/tensor/pack.ts';
import { type BenchContext, type BenchRow, randomI8, randomQ, rng } from '../context.ts';

const ONE = 1n << 32n;

export async function tensorCases(ctx: BenchContext, emit: (r: BenchRow) => void): Promise<void> {
  const r = rng(1234);

  // ---- scalar q-mode math (Q32.32), one representative input each
  const scalar: [string, string, unknown[]][] = [
    ['QMathHarness', 'qAdd', [3n * ONE, ONE / 2n]],
    ['QMathHarness', 'qMul', [3n * ONE + 12345n, -(ONE / 3n), 32n]],
    ['QMathHarness', 'qDiv', [3n * ONE + 12345n, -(ONE / 3n), 32n]],
    ['QMathHarness', 'qExp', [-(ONE * 3n) / 2n]],
    ['QMathHarness', 'qLog', [ONE * 10n + 7n]],
    ['QMathHarness', 'qSqrt', [ONE * 2n]],
    ['QMathHarness', 'qSigmoid', [ONE / 2n]],
    ['QMathHarness', 'qTanh', [ONE / 2n]],
    ['QMathHarness', 'qErf', [ONE / 2n]],
    ['QMathHarness', 'qGelu', [ONE / 2n]],
    ['Int8MathHarness', 'requantize', [123456n, 1518500250n, 40n, -5n]],
    ['Int8MathHarness', 'addI8', [17n, -3n, 1073741824n, -90n, 4n, 1518500250n, 31n, 2n]],
    ['Int8MathHarness', 'mulI8', [17n, -3n, -90n, 4n, 1518500250n, 40n, 2n]],
  ];
  for (const [h, m, args] of scalar) {
    const { gas } = await ctx.gasOf(h, m, args);
    emit({ id: m, gas, units: 1, unit: 'call' });
  }

  // ---- matvec, int8 (SWAR, panel layout) and q (Q32.32)
  for (const [K, N] of [
    [784, 128],
    [256, 64],
  ] as const) {
    const x = randomI8(K, r);
    const w = randomI8(K * N, r, -127, 127);
    const bias = Array.from({ length: N }, () => BigInt(Math.floor((r() - 0.5) * 2 ** 20)));
    const { gas } = await ctx.gasOf('MatVecHarness', 'matvecI8', [encodeI8(x), -3n, packPanelsI8(w, K, N), bias, BigInt(K), BigInt(N)]);
    emit({ id: `matvecI8 ${K}x${N}`, gas, units: K * N, unit: 'MAC' });
    const mult = Array.from({ length: N }, () => 1518500250n);
    const shifts = Array.from({ length: N }, () => 45n);
    const rq = await ctx.gasOf('MatVecHarness', 'matvecI8Requant', [encodeI8(x), -3n, packPanelsI8(w, K, N), bias, mult, shifts, 5n, BigInt(K), BigInt(N)]);
    emit({ id: `matvecI8Requant ${K}x${N}`, gas: rq.gas, units: K * N, unit: 'MAC' });
  }
  {
    const [K, N] = [784, 128];
    const q = await ctx.gasOf('MatVecHarness', 'matvecQ', [encodeQ(randomQ(K, r)), encodeQ(randomQ(K * N, r)), encodeQ(randomQ(N, r)), BigInt(K), BigInt(N), 32n]);
    emit({ id: `matvecQ ${K}x${N}`, gas: q.gas, units: K * N, unit: 'MAC' });
  }

  // ---- conv2d
  {
    const [H, W, Cin, Cout, k] = [16, 16, 16, 32, 3];
    const x = randomI8(H * W * Cin, r);
    const kern = randomI8(k * k * Cin * Cout, r, -127, 127);
    const bias = Array.from({ length: Cout }, () => BigInt(Math.floor((r() - 0.5) * 2 ** 16)));
    const shape = { H: BigInt(H), W: BigInt(W), Cin: BigInt(Cin), Cout: BigInt(Cout), kh: BigInt(k), kw: BigInt(k), sh: 1n, sw: 1n, padding: 1n };
    const { gas } = await ctx.gasOf('ConvHarness', 'conv2dI8', [encodeI8(x), 7n, packPanelsI8(kern, k * k * Cin, Cout), bias, shape]);
    emit({ id: `conv2dI8 ${H}x${W}x${Cin} ${k}x${k} ->${Cout} same`, gas, units: H * W * k * k * Cin * Cout, unit: 'MAC' });
  }
  {
    const [H, W, Cin, Cout, k] = [8, 8, 8, 16, 3];
    const shape = { H: BigInt(H), W: BigInt(W), Cin: BigInt(Cin), Cout: BigInt(Cout), kh: BigInt(k), kw: BigInt(k), sh: 1n, sw: 1n, padding: 1n };
    const { gas } = await ctx.gasOf('ConvHarness', 'conv2dQ', [encodeQ(randomQ(H * W * Cin, r)), encodeQ(randomQ(k * k * Cin * Cout, r)), encodeQ(randomQ(Cout, r)), shape, 32n]);
    emit({ id: `conv2dQ ${H}x${W}x${Cin} ${k}x${k} ->${Cout} same`, gas, units: H * W * k * k * Cin * Cout, unit: 'MAC' });
  }

  // ---- elementwise, pooling and softmax: gas per element
  {
    const n = 1024;
    const a = encodeI8(randomI8(n, r));
    const b = encodeI8(randomI8(n, r));
    const add = await ctx.gasOf('ElementwiseHarness', 'addI8Tensor', [a, -3n, 1073741824n, b, 4n, 1518500250n, 31n, 2n]);
    emit({ id: `addI8Tensor n=${n}`, gas: add.gas, units: n, unit: 'element' });
    const mul = await ctx.gasOf('ElementwiseHarness', 'mulI8Tensor', [a, -3n, b, 4n, 1518500250n, 40n, 2n]);
    emit({ id: `mulI8Tensor n=${n}`, gas: mul.gas, units: n, unit: 'element' });
    const qa = encodeQ(randomQ(n, r));
    const qb = encodeQ(randomQ(n, r));
    const addq = await ctx.gasOf('ElementwiseHarness', 'addQ', [qa, qb]);
    emit({ id: `addQ n=${n}`, gas: addq.gas, units: n, unit: 'element' });
    const mulq = await ctx.gasOf('ElementwiseHarness', 'mulQ', [qa, qb, 32n]);
    emit({ id: `mulQ n=${n}`, gas: mulq.gas, units: n, unit: 'element' });
  }
  {
    const [H, W, C] = [16, 16, 32];
    const shape = { H: BigInt(H), W: BigInt(W), C: BigInt(C), ph: 2n, pw: 2n, sh: 2n, sw: 2n, padding: 0n };
    const outs = (H / 2) * (W / 2) * C;
    const xi = encodeI8(randomI8(H * W * C, r));
    for (const m of ['maxPool2dI8', 'avgPool2dI8'] as const) {
      const { gas } = await ctx.gasOf('PoolHarness', m, [xi, shape]);
      emit({ id: `${m} ${H}x${W}x${C} 2x2/2`, gas, units: outs, unit: 'element' });
    }
    const xq = encodeQ(randomQ(H * W * C, r));
    for (const m of ['maxPool2dQ', 'avgPool2dQ'] as const) {
      const { gas } = await ctx.gasOf('PoolHarness', m, [xq, shape]);
      emit({ id: `${m} ${H}x${W}x${C} 2x2/2`, gas, units: outs, unit: 'element' });
    }
  }
  {
    const n = 10;
    const sq = await ctx.gasOf('SoftmaxHarness', 'softmaxQ', [encodeQ(randomQ(n, r, 8)), [BigInt(n)], 0n]);
    emit({ id: `softmaxQ n=${n}`, gas: sq.gas, units: n, unit: 'element' });
    // int8 logits with scale 1/16 (Q32: 2^28), output scale 1/256 zero point -128 (TFLite's softmax output)
    const si = await ctx.gasOf('SoftmaxHarness', 'softmaxI8', [encodeI8(randomI8(n, r)), 0n, 1n << 28n, [BigInt(n)], 0n, 1n << 30n, 54n, -128n]);
    emit({ id: `softmaxI8 n=${n}`, gas: si.gas, units: n, unit: 'element' });
  }
}
