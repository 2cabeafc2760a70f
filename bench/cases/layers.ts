/**
 * Benchmarks of whole layers (contracts/layers: config decoding, validation, blob sections, the kernel,
 * requantization, the fused activation) through their harness contracts, at the sizes of the layer gas
 * tests (tests/layers/*.gas.test.ts, LSTM/LayerNormalization/MaxPooling2D gas prints). Configs and
 * weight blobs are built with the layer tier's own quantizers; every output is checked against the
 * oracle so a fast-but-wrong layer cannot produce a figure.
 */
import { getBytes } from 'ethers';
import {
  CONV2D,
  DENSE,
  DEPTHWISE_CONV2D,
  LAYER_NORMALIZATION,
  LSTM,
  MAX_POOLING2D,
  harnessArgs,
  oracleForward,
  oracleForwardSteps,
  quantizeConv2D,
  quantizeDense,
  quantizeDepthwiseConv2D,
  quantizeLayerNormalization,
  quantizeRnn,
  rnnMacsPerStep,
  stepsArgs,
  zeroState,
  type LayerOp,
  type RnnFloat,
} from '../../src/harness/layers/index.ts';
import { activationParams, quantizeTensor } from '../../src/harness/quantize/int8.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import { type BenchContext, type BenchRow, rng } from '../context.ts';

/** Deterministic uniform floats in [lo, hi), rounded to float32 (same stream as the tests' `uniform`). */
function uniform(seed: number, n: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

const i8 = (x: ArrayLike<number>, p: ReturnType<typeof activationParams>): Uint8Array => getBytes(encodeI8(quantizeTensor(x, p)));
const q = (x: ArrayLike<number>): Uint8Array => getBytes(encodeQ(toQArray(x)));

/** Gas of `op`'s harness method on (config, weights, input); throws unless the output equals the oracle's. */
async function layerGas<C>(ctx: BenchContext, harness: string, op: LayerOp<C>, config: C, weights: Uint8Array, input: Uint8Array): Promise<number> {
  const { gas, value } = await ctx.gasOf(harness, op.harness, harnessArgs(op, config, weights, input));
  const want = oracleForward(ctx.oracle, op, config, weights, input);
  if (Buffer.compare(Buffer.from(getBytes(value[0] as string)), Buffer.from(want)) !== 0) throw new Error(`${op.name}: EVM output differs from the oracle`);
  return gas;
}

export async function layerCases(ctx: BenchContext, emit: (r: BenchRow) => void): Promise<void> {
  // Weight blobs of the layer rows, stored at the end (so the harness deployments above keep their
  // addresses): gas per parameter of the weights as code segments.
  const stored: { id: string; weights: Uint8Array; params: number }[] = [];
  // ---- Dense 784 → 128 relu (tests/layers/Dense.gas.test.ts)
  {
    const [K, N] = [784, 128];
    const d = { K, N, kernel: uniform(1, K * N, -0.1, 0.1), bias: uniform(2, N, -0.1, 0.1), activation: { name: 'relu' as const } };
    const x = uniform(3, K, 0, 1);
    const input = activationParams(0, 1);
    const l8 = quantizeDense(d, { mode: 'int8', input, output: activationParams(0, 2) });
    emit({ id: `Dense int8 ${K}->${N} relu`, gas: await layerGas(ctx, 'LayerHarness', DENSE, l8.config, l8.weights, i8(x, input)), units: K * N, unit: 'MAC' });
    const lq = quantizeDense(d, { mode: 'q' });
    emit({ id: `Dense q ${K}->${N} relu`, gas: await layerGas(ctx, 'LayerHarness', DENSE, lq.config, lq.weights, q(x)), units: K * N, unit: 'MAC' });
    const params = K * N + N;
    stored.push({ id: `Dense int8 ${K}->${N} relu`, weights: l8.weights, params }, { id: `Dense q ${K}->${N} relu`, weights: lq.weights, params });
  }

  // ---- Conv2D 16×16×16 → 32, 3×3, same, relu (tests/layers/Conv2D.gas.test.ts)
  {
    const g = { H: 16, W: 16, Cin: 16, Cout: 32, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const };
    const macs = g.H * g.W * g.Cout * g.kh * g.kw * g.Cin;
    const c = { ...g, kernel: uniform(1, 9 * 16 * 32, -0.2, 0.2), bias: uniform(2, 32, -0.1, 0.1), activation: { name: 'relu' as const } };
    const x = uniform(3, g.H * g.W * g.Cin, -1, 1);
    const input = activationParams(-1, 1);
    const l8 = quantizeConv2D(c, { mode: 'int8', input, output: activationParams(0, 2) });
    emit({ id: 'Conv2D int8 16x16x16 3x3 ->32 same relu', gas: await layerGas(ctx, 'ConvLayersHarness', CONV2D, l8.config, l8.weights, i8(x, input)), units: macs, unit: 'MAC' });
    const lq = quantizeConv2D(c, { mode: 'q' });
    emit({ id: 'Conv2D q 16x16x16 3x3 ->32 same relu', gas: await layerGas(ctx, 'ConvLayersHarness', CONV2D, lq.config, lq.weights, q(x)), units: macs, unit: 'MAC' });
    const params = 9 * 16 * 32 + 32;
    stored.push({ id: 'Conv2D int8 16x16x16 3x3 ->32 same relu', weights: l8.weights, params }, { id: 'Conv2D q 16x16x16 3x3 ->32 same relu', weights: lq.weights, params });
  }

  // ---- DepthwiseConv2D 16×16×32, 3×3, same, multiplier 1, relu6 (tests/layers/Conv2D.gas.test.ts)
  {
    const g = { H: 16, W: 16, C: 32, mult: 1, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' as const };
    const macs = 16 * 16 * 32 * 9;
    const dw = { ...g, kernel: uniform(4, 9 * 32, -0.5, 0.5), bias: uniform(5, 32, -0.1, 0.1), activation: { name: 'relu6' as const } };
    const x = uniform(6, 16 * 16 * 32, -1, 1);
    const input = activationParams(-1, 1);
    const l8 = quantizeDepthwiseConv2D(dw, { mode: 'int8', input, output: activationParams(0, 6) });
    emit({ id: 'DepthwiseConv2D int8 16x16x32 3x3 same relu6', gas: await layerGas(ctx, 'ConvLayersHarness', DEPTHWISE_CONV2D, l8.config, l8.weights, i8(x, input)), units: macs, unit: 'MAC' });
    const lq = quantizeDepthwiseConv2D(dw, { mode: 'q' });
    emit({ id: 'DepthwiseConv2D q 16x16x32 3x3 same relu6', gas: await layerGas(ctx, 'ConvLayersHarness', DEPTHWISE_CONV2D, lq.config, lq.weights, q(x)), units: macs, unit: 'MAC' });
    const params = 9 * 32 + 32;
    stored.push({ id: 'DepthwiseConv2D int8 16x16x32 3x3 same relu6', weights: l8.weights, params }, { id: 'DepthwiseConv2D q 16x16x32 3x3 same relu6', weights: lq.weights, params });
  }

  // ---- LSTM K=64, U=128, tanh / sigmoid: gas of one timestep = forwardSteps(0, 2) − forwardSteps(0, 1)
  //      (tests/layers/recurrentHelpers.ts gasPerStep)
  {
    const [K, U] = [64, 128];
    const GU = 4 * U;
    const a = 1 / Math.sqrt(U);
    const f: RnnFloat = {
      cell: 'LSTM',
      K,
      U,
      kernel: uniform(7, K * GU, -a, a),
      recurrentKernel: uniform(8, U * GU, -a, a),
      bias: uniform(9, GU, -a / 2, a / 2),
      activation: { name: 'tanh' },
      recurrentActivation: { name: 'sigmoid' },
      returnSequences: false,
      resetAfter: false,
    };
    const x = uniform(10, 2 * K, -1, 1);
    const macs = rnnMacsPerStep('LSTM', K, U);
    const inP = activationParams(-1, 1);
    for (const mode of ['int8', 'q'] as const) {
      const l = mode === 'q' ? quantizeRnn(f, { mode, T: 2 }) : quantizeRnn(f, { mode, T: 2, input: inP, h: activationParams(-1, 1) });
      const input = mode === 'q' ? q(x) : i8(x, inP);
      const s0 = zeroState('LSTM', l.config);
      const gas: number[] = [];
      for (const tTo of [1, 2]) {
        const r = await ctx.gasOf('RecurrentHarness', LSTM.stepsHarness, stepsArgs(LSTM, l.config, l.weights, input, s0, 0, tTo));
        const want = oracleForwardSteps(ctx.oracle, LSTM, l.config, l.weights, input, s0, 0, tTo);
        if (Buffer.compare(Buffer.from(getBytes(r.value[1] as string)), Buffer.from(want.state)) !== 0) throw new Error('LSTM: EVM state differs from the oracle');
        gas.push(r.gas);
      }
      emit({ id: `LSTM ${mode} K=${K} U=${U} per step`, gas: gas[1]! - gas[0]!, units: macs, unit: 'MAC' });
      stored.push({ id: `LSTM ${mode} K=${K} U=${U} per step`, weights: l.weights, params: K * GU + U * GU + GU });
    }
  }

  // ---- LayerNormalization [4, 768] axis 1 (tests/layers/LayerNormalization.test.ts): gas per element
  {
    const r = rng(11);
    const n = 4 * 768;
    const ln = {
      dims: [4, 768],
      axes: [1],
      epsilon: 1e-12,
      gamma: Float64Array.from({ length: 768 }, () => 0.5 + r()),
      beta: Float64Array.from({ length: 768 }, () => r() - 0.5),
    };
    const x = Array.from({ length: n }, () => (r() - 0.5) * 4);
    const lq = quantizeLayerNormalization(ln, { mode: 'q' });
    emit({ id: 'LayerNormalization q [4,768]', gas: await layerGas(ctx, 'MergeNormHarness', LAYER_NORMALIZATION, lq.config, lq.weights, q(x)), units: n, unit: 'element' });
    const input = activationParams(-2, 2);
    const l8 = quantizeLayerNormalization(ln, { mode: 'int8', input, output: activationParams(-4, 4) });
    emit({ id: 'LayerNormalization int8 [4,768]', gas: await layerGas(ctx, 'MergeNormHarness', LAYER_NORMALIZATION, l8.config, l8.weights, i8(x, input)), units: n, unit: 'element' });
  }

  // ---- MaxPooling2D int8 32×32×16, 2×2 stride 2 valid (tests/layers/MaxPooling2D.test.ts): gas per output
  //      element, like the tensor rows maxPool2d*
  {
    const c = { mode: 1, H: 32, W: 32, C: 16, ph: 2, pw: 2, sh: 2, sw: 2, padding: 0 };
    const n = 32 * 32 * 16;
    const x = getBytes(encodeI8(Array.from(uniform(12, n, -1, 1), (v) => Math.round(v * 100))));
    emit({ id: 'MaxPooling2D int8 32x32x16 2x2/2', gas: await layerGas(ctx, 'ConvLayersHarness', MAX_POOLING2D, c, new Uint8Array(0), x), units: n / 4, unit: 'element' });
  }

  // ---- storage: each layer row's weight blob deployed as code segments (SSTORE2, 24,575 data bytes
  //      each): gas of the deploy transactions (intrinsic + calldata + code deposit) per parameter. The
  //      model's declare/register/seal transactions are in the whole-model rows' deploy gas.
  for (const s of stored) emit({ id: `weights ${s.id}`, gas: await ctx.storageGas(s.weights), units: s.params, unit: 'param' });
}
