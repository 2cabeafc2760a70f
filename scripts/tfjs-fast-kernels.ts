/**
 * Faster CPU kernels for tfjs's pure-JS backend, for training small CNNs in reasonable time.
 *
 * The two kernels that dominate small-CNN training are `Conv2DBackpropFilter` (the conv weight
 * gradient, 50–200× faster here) and `MaxPoolGrad`: the built-ins go through `TensorBuffer.get` per
 * element and, for MaxPoolGrad, a gather loop over every input position. Once those are fixed the next
 * two are `Conv2D` (forward, ~2×) and `Conv2DBackpropInput` (~6×), replaced too unless
 * `gradientsOnly`. All four iterate with flat channels-last offsets (the conv kernels accumulate in
 * float64 and skip exact zeros — post-ReLU activations and gradients); they equal the built-ins up to float
 * summation order (self-check below: ≤ 3e-7 relative). Only the channels-last, dilation-1, float32
 * case is rewritten; anything else falls back to the original kernel.
 *
 * Usage (training scripts only — never in tests or the demo):
 *   import { installFastKernels } from './tfjs-fast-kernels.ts';
 *   installFastKernels({ log: console.log });  // runs the self-check first and throws if it fails
 *
 * Self-check and timings alone: `npx tsx scripts/tfjs-fast-kernels.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
// The CPU backend's internals we need: the data map and makeTensorInfo.
type CpuBackend = {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfo;
  readSync(dataId: object): ArrayLike<number>;
  disposeData(dataId: object): void;
};
type KernelArgs = {
  inputs: Record<string, TensorInfo>;
  backend: CpuBackend;
  attrs: Record<string, unknown>;
};
type KernelFn = (args: KernelArgs) => TensorInfo;

/** dW[fh][fw][cin][cout] = Σ_{b,yR,yC} x[b][yR·sh+wR−top][yC·sw+wC−left][cin] · dy[b][yR][yC][cout]. */
function makeConv2DBackpropFilter(fallback: KernelFn): KernelFn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as {
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
    };
    if (dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const xv = backend.data.get(x.dataId).values as Float32Array;
    const dyv = backend.data.get(dy.dataId).values as Float32Array;
    const acc = new Float64Array(fh * fw * Ci * Co);
    for (let b = 0; b < B; b++) {
      const xB = b * H * W * Ci;
      for (let yR = 0; yR < Ho; yR++) {
        for (let yC = 0; yC < Wo; yC++) {
          const dyOff = ((b * Ho + yR) * Wo + yC) * Co;
          for (let wR = 0; wR < fh; wR++) {
            const xR = yR * sh + wR - top;
            if (xR < 0 || xR >= H) continue;
            for (let wC = 0; wC < fw; wC++) {
              const xC = yC * sw + wC - left;
              if (xC < 0 || xC >= W) continue;
              const xOff = xB + (xR * W + xC) * Ci;
              let wOff = (wR * fw + wC) * Ci * Co;
              for (let d1 = 0; d1 < Ci; d1++, wOff += Co) {
                const a = xv[xOff + d1];
                if (a === 0) continue; // post-ReLU activations are mostly zero
                for (let d2 = 0; d2 < Co; d2++) acc[wOff + d2] += a * dyv[dyOff + d2];
              }
            }
          }
        }
      }
    }
    return backend.makeTensorInfo(info.filterShape, 'float32', Float32Array.from(acc));
  };
}

/** y[b][yR][yC][cout] = Σ x[b][yR·sh+wR−top][yC·sw+wC−left][cin] · w[wR][wC][cin][cout] (zero inputs skipped). */
function makeConv2D(fallback: KernelFn): KernelFn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as {
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dilations: number | [number, number];
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const dil = typeof dilations === 'number' ? [dilations, dilations] : (dilations ?? [1, 1]);
    if (dataFormat === 'NCHW' || dil[0] !== 1 || dil[1] !== 1 || x.dtype !== 'float32') return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const xv = backend.data.get(x.dataId).values as Float32Array;
    const wv = backend.data.get(filter.dataId).values as Float32Array;
    const y = new Float32Array(B * Ho * Wo * Co);
    const acc = new Float64Array(Co);
    for (let b = 0; b < B; b++) {
      const xB = b * H * W * Ci;
      for (let yR = 0; yR < Ho; yR++) {
        for (let yC = 0; yC < Wo; yC++) {
          acc.fill(0);
          for (let wR = 0; wR < fh; wR++) {
            const xR = yR * sh + wR - top;
            if (xR < 0 || xR >= H) continue;
            for (let wC = 0; wC < fw; wC++) {
              const xC = yC * sw + wC - left;
              if (xC < 0 || xC >= W) continue;
              const xOff = xB + (xR * W + xC) * Ci;
              let wOff = (wR * fw + wC) * Ci * Co;
              for (let d1 = 0; d1 < Ci; d1++, wOff += Co) {
                const a = xv[xOff + d1];
                if (a === 0) continue;
                for (let d2 = 0; d2 < Co; d2++) acc[d2] += a * wv[wOff + d2];
              }
            }
          }
          y.set(acc, ((b * Ho + yR) * Wo + yC) * Co);
        }
      }
    }
    return backend.makeTensorInfo(info.outShape, 'float32', y);
  };
}

/** dx[b][xR][xC][cin] = Σ dy[b][yR][yC][cout] · w[wR][wC][cin][cout] over xR = yR·sh+wR−top, … (scatter form). */
function makeConv2DBackpropInput(fallback: KernelFn): KernelFn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as {
      inputShape: [number, number, number, number];
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (dataFormat === 'NCHW' || dy.dtype !== 'float32') return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dyv = backend.data.get(dy.dataId).values as Float32Array;
    const wv = backend.data.get(filter.dataId).values as Float32Array;
    // wT[wR][wC][cout][cin] so the innermost loop runs over contiguous cin.
    const wT = new Float64Array(fh * fw * Co * Ci);
    for (let k = 0; k < fh * fw; k++)
      for (let d1 = 0; d1 < Ci; d1++)
        for (let d2 = 0; d2 < Co; d2++) wT[(k * Co + d2) * Ci + d1] = wv[(k * Ci + d1) * Co + d2];
    const dx = new Float64Array(B * H * W * Ci);
    for (let b = 0; b < B; b++) {
      const xB = b * H * W * Ci;
      for (let yR = 0; yR < Ho; yR++) {
        for (let yC = 0; yC < Wo; yC++) {
          const dyOff = ((b * Ho + yR) * Wo + yC) * Co;
          for (let d2 = 0; d2 < Co; d2++) {
            const g = dyv[dyOff + d2];
            if (g === 0) continue; // gradients behind a ReLU are often exactly zero
            for (let wR = 0; wR < fh; wR++) {
              const xR = yR * sh + wR - top;
              if (xR < 0 || xR >= H) continue;
              for (let wC = 0; wC < fw; wC++) {
                const xC = yC * sw + wC - left;
                if (xC < 0 || xC >= W) continue;
                const xOff = xB + (xR * W + xC) * Ci;
                const wOff = ((wR * fw + wC) * Co + d2) * Ci;
                for (let d1 = 0; d1 < Ci; d1++) dx[xOff + d1] += g * wT[wOff + d1];
              }
            }
          }
        }
      }
    }
    return backend.makeTensorInfo(info.inShape, 'float32', Float32Array.from(dx));
  };
}

/**
 * dx = scatter of dy to the (first, row-major) maximum of each pooling window — the same tie-break
 * as tfjs's `maxPoolPositions` (strict `>` scan, so the first maximum wins).
 */
function makeMaxPoolGrad(fallback: KernelFn): KernelFn {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (input.dtype !== 'float32') return fallback(args);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
    const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const xv = backend.data.get(input.dataId).values as Float32Array;
    const dyv = backend.data.get(dy.dataId).values as Float32Array;
    const dx = new Float32Array(B * H * W * C);
    for (let b = 0; b < B; b++) {
      const xB = b * H * W * C;
      for (let yR = 0; yR < Ho; yR++) {
        const r0 = yR * sh - top;
        const rMin = Math.max(0, r0);
        const rMax = Math.min(H, r0 + fh);
        for (let yC = 0; yC < Wo; yC++) {
          const c0 = yC * sw - left;
          const cMin = Math.max(0, c0);
          const cMax = Math.min(W, c0 + fw);
          const dyOff = ((b * Ho + yR) * Wo + yC) * C;
          for (let d = 0; d < C; d++) {
            let best = Number.NEGATIVE_INFINITY;
            let bestOff = -1;
            for (let r = rMin; r < rMax; r++) {
              for (let c = cMin; c < cMax; c++) {
                const off = xB + (r * W + c) * C + d;
                const v = xv[off];
                if (v > best) {
                  best = v;
                  bestOff = off;
                }
              }
            }
            if (bestOff >= 0) dx[bestOff] += dyv[dyOff + d];
          }
        }
      }
    }
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };
}

const KERNELS = ['Conv2DBackpropFilter', 'MaxPoolGrad', 'Conv2D', 'Conv2DBackpropInput'] as const;
type KernelName = (typeof KERNELS)[number];
const MAKERS: Record<KernelName, (fallback: KernelFn) => KernelFn> = {
  Conv2DBackpropFilter: makeConv2DBackpropFilter,
  MaxPoolGrad: makeMaxPoolGrad,
  Conv2D: makeConv2D,
  Conv2DBackpropInput: makeConv2DBackpropInput,
};

let installed: { original: Record<KernelName, KernelFn>; fast: Record<KernelName, KernelFn> } | undefined;

/**
 * Replace the CPU backend's Conv2DBackpropFilter and MaxPoolGrad (the two dominant gradient kernels)
 * and, unless `gradientsOnly`, Conv2D and Conv2DBackpropInput (the next two) with the fast versions.
 * Runs `selfCheck` first (unless `check: false`) and throws if any kernel differs by more than 1e-5.
 * Idempotent.
 */
export function installFastKernels(opts: { check?: boolean; gradientsOnly?: boolean; log?: (s: string) => void } = {}): void {
  if (installed) return;
  const names: KernelName[] = opts.gradientsOnly ? ['Conv2DBackpropFilter', 'MaxPoolGrad'] : [...KERNELS];
  const original = {} as Record<KernelName, KernelFn>;
  const fast = {} as Record<KernelName, KernelFn>;
  for (const name of KERNELS) {
    const k = tf.getKernel(name, 'cpu');
    if (!k) throw new Error(`tfjs CPU kernel ${name} is not registered (is the cpu backend loaded?)`);
    original[name] = k.kernelFunc as unknown as KernelFn;
    fast[name] = MAKERS[name](original[name]);
  }
  if (opts.check ?? true) {
    const err = selfCheck(original, fast);
    (opts.log ?? (() => {}))(
      `fast tfjs kernels (${names.join(', ')}) self-check vs built-in: max error ` +
        names.map((n) => `${n} ${err[n].toExponential(1)}`).join(', '),
    );
  }
  for (const name of names) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: fast[name] as never });
  }
  installed = { original, fast };
}

/** Deterministic xorshift32 uniform in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Compare fast and built-in kernels on random inputs (several shapes, strides and paddings, with
 * ReLU-like zeros and max-pool ties). Error = max |fast − built-in| / max |built-in| over each output
 * (for MaxPoolGrad, a routing of dy values, it is 0 except for float order where windows overlap).
 * Throws if any error exceeds 1e-5.
 */
export function selfCheck(original: Record<KernelName, KernelFn>, fast: Record<KernelName, KernelFn>): Record<KernelName, number> {
  if (tf.getBackend() !== 'cpu') throw new Error(`tfjs backend is ${tf.getBackend()}, expected cpu`);
  const backend = tf.backend() as unknown as CpuBackend;
  const rand = rng(12345);
  const run = (fn: KernelFn, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array => {
    const info = fn({ inputs: inputs as unknown as Record<string, TensorInfo>, backend, attrs });
    const out = Float32Array.from(backend.readSync(info.dataId));
    backend.disposeData(info.dataId);
    return out;
  };
  const randT = (shape: number[], zeroFrac: number, quant = 0): tf.Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let r = rand() * 2 - 1;
      if (quant) r = Math.round(r * quant) / quant; // create ties
      v[i] = rand() < zeroFrac ? 0 : r;
    }
    return tf.tensor(v, shape);
  };
  const err: Record<KernelName, number> = { Conv2DBackpropFilter: 0, MaxPoolGrad: 0, Conv2D: 0, Conv2DBackpropInput: 0 };
  const compare = (name: KernelName, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): void => {
    const want = run(original[name], inputs, attrs);
    const got = run(fast[name], inputs, attrs);
    if (want.length !== got.length) throw new Error(`${name} self-check: ${got.length} values, expected ${want.length}`);
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < want.length; i++) err[name] = Math.max(err[name], Math.abs(want[i] - got[i]) / (scale || 1));
  };
  const convCases: Array<{ x: number[]; f: [number, number, number, number]; s: number; pad: 'valid' | 'same' }> = [
    { x: [3, 12, 12, 1], f: [3, 3, 1, 8], s: 1, pad: 'valid' },
    { x: [2, 11, 11, 8], f: [3, 3, 8, 16], s: 1, pad: 'same' },
    { x: [2, 13, 13, 4], f: [5, 5, 4, 6], s: 2, pad: 'valid' },
    { x: [2, 10, 9, 3], f: [4, 3, 3, 5], s: 2, pad: 'same' },
  ];
  for (const c of convCases) {
    const x = randT(c.x, 0.4);
    const w = randT(c.f, 0);
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad); // built-in (not yet replaced)
    const dy = randT(y.shape, 0.3);
    const common = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    compare('Conv2D', { x, filter: w }, { ...common, dilations: [1, 1] });
    compare('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: c.f });
    compare('Conv2DBackpropInput', { dy, filter: w }, { ...common, inputShape: c.x });
    tf.dispose([x, w, y, dy]);
  }
  const poolCases: Array<{ x: number[]; k: number; s: number; pad: 'valid' | 'same' }> = [
    { x: [3, 26, 26, 8], k: 2, s: 2, pad: 'valid' },
    { x: [2, 11, 11, 4], k: 2, s: 2, pad: 'valid' },
    { x: [2, 7, 7, 3], k: 2, s: 2, pad: 'same' },
    { x: [2, 9, 9, 2], k: 3, s: 2, pad: 'valid' }, // overlapping windows
  ];
  for (const c of poolCases) {
    const input = randT(c.x, 0.5, 4); // many zeros and repeated values → ties
    const output = tf.maxPool(input as tf.Tensor4D, c.k, c.s, c.pad);
    const dy = randT(output.shape, 0);
    compare('MaxPoolGrad', { dy, input, output }, { filterSize: [c.k, c.k], strides: [c.s, c.s], pad: c.pad, dimRoundingMode: undefined });
    tf.dispose([input, output, dy]);
  }
  for (const name of KERNELS) {
    if (!(err[name] <= 1e-5)) throw new Error(`fast kernel self-check failed: ${name} differs from the built-in by ${err[name]}`);
  }
  return err;
}

// `npx tsx scripts/tfjs-fast-kernels.ts` → self-check + a timing comparison on a training-sized batch.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await tf.setBackend('cpu');
  installFastKernels({ log: console.log });
  const backend = tf.backend() as unknown as CpuBackend;
  // Batch 32, a 5×5 conv 12×12×8 → 8×8×16 with post-ReLU-like sparsity.
  const x = tf.relu(tf.randomUniform([32, 12, 12, 8], -1, 1, 'float32', 1));
  const w = tf.randomUniform([5, 5, 8, 16], -1, 1, 'float32', 2);
  const dy = tf.relu(tf.randomUniform([32, 8, 8, 16], -1, 1, 'float32', 3));
  const common = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' };
  const cases: Array<[KernelName, Record<string, tf.Tensor>, Record<string, unknown>]> = [
    ['Conv2D', { x, filter: w }, { ...common, dilations: [1, 1] }],
    ['Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: [5, 5, 8, 16] }],
    ['Conv2DBackpropInput', { dy, filter: w }, { ...common, inputShape: [32, 12, 12, 8] }],
  ];
  for (const [name, inputs, attrs] of cases) {
    const ms = (fn: KernelFn): string => {
      const t0 = performance.now();
      const info = fn({ inputs: inputs as unknown as Record<string, TensorInfo>, backend, attrs });
      backend.disposeData(info.dataId);
      return (performance.now() - t0).toFixed(1);
    };
    console.log(`${name.padEnd(21)} built-in ${ms(installed!.original[name])} ms, fast ${ms(installed!.fast[name])} ms`);
  }
}
