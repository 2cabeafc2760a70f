/**
 * Shared fixtures of the model tests: deterministic Dense MLPs in both number modes (quantized with the
 * layer tier's `quantizeDense`) and their inputs.
 */
import { getBytes } from 'ethers';
import { quantizeDense } from '../../src/harness/layers/index.ts';
import type { LayerActivation } from '../../src/harness/layers/float.ts';
import { activationParams, quantizeTensor, type QuantParams } from '../../src/harness/quantize/int8.ts';
import { toQArray } from '../../src/harness/quantize/q.ts';
import { encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import { denseLayer, type LayerSpec, type ModelSpec } from '../../src/harness/model-chain/index.ts';

/** Deterministic uniform numbers in [-0.5, 0.5) (LCG). */
export function uniform(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32 - 0.5;
  };
}

export interface MlpOptions {
  mode: 'int8' | 'q';
  /** [input, hidden…, output] widths. */
  dims: number[];
  seed?: number;
  /** Activation of the hidden layers (default relu); the last layer is linear. */
  hidden?: LayerActivation;
}

/** A Dense MLP: He-like random weights, relu hidden layers, linear output. */
export function mlp(opts: MlpOptions): ModelSpec & { inQuant: QuantParams } {
  const r = uniform(opts.seed ?? 1);
  const inQuant = activationParams(0, 1);
  let q = inQuant;
  const layers: LayerSpec[] = [];
  for (let i = 0; i + 1 < opts.dims.length; i++) {
    const K = opts.dims[i]!;
    const N = opts.dims[i + 1]!;
    const last = i + 2 === opts.dims.length;
    const kernel = Array.from({ length: K * N }, () => (r() * 3.4) / Math.sqrt(K));
    const bias = Array.from({ length: N }, () => r() * 0.2);
    const activation: LayerActivation = last ? { name: 'linear' } : (opts.hidden ?? { name: 'relu' });
    const float = { K, N, kernel, bias, activation };
    if (opts.mode === 'q') {
      layers.push(denseLayer(quantizeDense(float, { mode: 'q' }), `dense_${i}`));
    } else {
      const out = last ? activationParams(-3, 3) : activationParams(0, 2.5);
      layers.push(denseLayer(quantizeDense(float, { mode: 'int8', input: q, output: out }), `dense_${i}`));
      q = out;
    }
  }
  return { mode: opts.mode, inputShape: [opts.dims[0]!], input: opts.mode === 'int8' ? inQuant : { F: 32 }, layers, inQuant };
}

/** An input in [0, 1) for `mlp`, encoded in the model's mode. */
export function mlpInput(spec: ModelSpec & { inQuant: QuantParams }, seed = 99): Uint8Array {
  const r = uniform(seed);
  const x = Array.from({ length: spec.inputShape[0]! }, () => r() + 0.5);
  return spec.mode === 'int8' ? getBytes(encodeI8(quantizeTensor(x, spec.inQuant))) : getBytes(encodeQ(toQArray(x, 32)));
}

/** Index of the largest element (first on ties) of an int8 or q tensor. */
export function argmaxOf(t: Uint8Array, mode: 'int8' | 'q'): bigint {
  const eb = mode === 'q' ? 8 : 1;
  const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
  let best = 0;
  let bestV = -(1n << 64n);
  for (let i = 0; i < t.length / eb; i++) {
    const v = eb === 8 ? view.getBigInt64(i * 8, false) : BigInt(view.getInt8(i));
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return BigInt(best);
}

/** Named argument `name` of the first `event` log of a receipt (fails the test when absent). */
export function eventArg<T = unknown>(r: { logs: { name?: string; args?: unknown }[] }, event: string, name: string): T {
  const log = r.logs.find((l) => l.name === event);
  if (!log) throw new Error(`no ${event} event in the receipt`);
  return (log.args as Record<string, unknown>)[name] as T;
}
