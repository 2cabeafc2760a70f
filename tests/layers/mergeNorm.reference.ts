/**
 * Independent references for the LayerNormalization / Add / Multiply / Concatenate tests, written from the
 * definitions in docs/layers/merge-norm.md and docs/numerics.md §1 (exact BigInt arithmetic), not from the
 * kernels: RHAZ shifts and divisions, saturation, integer square root, and a seeded PRNG for sweeps.
 */
export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

export const sat64 = (v: bigint): bigint => (v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : v);
export const sat8 = (v: bigint): bigint => (v < -128n ? -128n : v > 127n ? 127n : v);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** RHAZ(n/d), d ≠ 0 (numerics §1 divRound): q = ⌊|n|/|d|⌋, +1 if 2r ≥ |d|, sign(n)·sign(d). */
export function divRound(n: bigint, d: bigint): bigint {
  const an = abs(n);
  const ad = abs(d);
  let q = an / ad;
  if (2n * (an - q * ad) >= ad) q += 1n;
  return (n < 0n) !== (d < 0n) ? -q : q;
}

/** RHAZ(v/2^s) (numerics §1 rshiftRound). */
export const rshiftRound = (v: bigint, s: number): bigint => (s === 0 ? v : divRound(v, 1n << BigInt(s)));

/** ⌊√w⌋ for w ≥ 0 (Newton on BigInt). */
export function isqrt(w: bigint): bigint {
  if (w < 2n) return w;
  let x = 1n << BigInt(Math.ceil(w.toString(2).length / 2));
  for (;;) {
    const y = (x + w / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** RHAZ(√w): the integer nearest √w (a tie is impossible for integers). */
export function sqrtRound(w: bigint): bigint {
  const f = isqrt(w);
  return w - f * f > f ? f + 1n : f;
}

/** mulberry32: a small deterministic PRNG for reproducible sweeps. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Groups of a LayerNormalization: for every group (the elements sharing their indices on the non-normalized
 * axes) the list of (element index, normalized index p) in increasing p.
 */
export function lnGroups(dims: readonly number[], axes: readonly number[]): { i: number; p: number }[][] {
  const n = dims.reduce((a, b) => a * b, 1);
  const map = new Map<number, { i: number; p: number }[]>();
  for (let i = 0; i < n; i++) {
    // multi-index of i (row-major), then g over the other axes and p over the axes, both row-major
    const idx: number[] = [];
    let rem = i;
    for (let k = dims.length - 1; k >= 0; k--) {
      idx[k] = rem % dims[k]!;
      rem = Math.floor(rem / dims[k]!);
    }
    let g = 0;
    let p = 0;
    for (let k = 0; k < dims.length; k++) {
      if (axes.includes(k)) p = p * dims[k]! + idx[k]!;
      else g = g * dims[k]! + idx[k]!;
    }
    if (!map.has(g)) map.set(g, []);
    map.get(g)!.push({ i, p });
  }
  return [...map.keys()].sort((a, b) => a - b).map((g) => map.get(g)!.sort((a, b) => a.p - b.p));
}

/**
 * LayerNormalization in q mode, exactly as docs/layers/merge-norm.md defines it, on Q(F) values:
 * mu = divRound(Σx, D); d = sat64(x − mu); V = divRound(Σ d², D) (Q(2F)); sd = RHAZ(√(V + eps·2^F));
 * y = sat64(sat64(divRound(d·g, sd)) + b). Returns null when some sd = 0 (the layer reverts DivisionByZero).
 */
export function layerNormExact(
  x: readonly bigint[],
  dims: readonly number[],
  axes: readonly number[],
  F: number,
  eps: bigint,
  gamma: readonly bigint[] | null,
  beta: readonly bigint[] | null,
): bigint[] | null {
  const y: bigint[] = new Array(x.length).fill(0n);
  const one = 1n << BigInt(F);
  for (const members of lnGroups(dims, axes)) {
    const D = BigInt(members.length);
    const mu = divRound(members.reduce((s, { i }) => s + x[i]!, 0n), D);
    const d = members.map(({ i }) => sat64(x[i]! - mu));
    const V = divRound(d.reduce((s, v) => s + v * v, 0n), D);
    const sd = sqrtRound(V + (eps << BigInt(F)));
    if (sd === 0n) return null;
    members.forEach(({ i, p }, j) => {
      const g = gamma ? gamma[p]! : one;
      const b = beta ? beta[p]! : 0n;
      y[i] = sat64(sat64(divRound(d[j]! * g, sd)) + b);
    });
  }
  return y;
}

/** Add, q mode: `y = sat64(Σ_k x_k)` (the exact sum saturated once). */
export const addExactQ = (xs: readonly (readonly bigint[])[]): bigint[] => xs[0]!.map((_, i) => sat64(xs.reduce((s, x) => s + x[i]!, 0n)));

/** Add, int8 mode: `y = sat8(zOut + rshiftRound(Σ_k (x_k − z_k)·m_k, shift))`. */
export const addExactI8 = (xs: readonly (readonly number[])[], z: readonly number[], m: readonly number[], shift: number, zOut: number): number[] =>
  xs[0]!.map((_, i) => Number(sat8(BigInt(zOut) + rshiftRound(xs.reduce((s, x, k) => s + BigInt(x[i]! - z[k]!) * BigInt(m[k]!), 0n), shift))));

/** Multiply, q mode: the left fold of `qMul(a, b, F) = sat64(rshiftRound(a·b, F))`. */
export const mulExactQ = (xs: readonly (readonly bigint[])[], F: number): bigint[] =>
  xs[0]!.map((_, i) => xs.slice(1).reduce((v, x) => sat64(rshiftRound(v * x[i]!, F)), xs[0]![i]!));

/** Multiply, int8 mode: `y = sat8(zOut + rshiftRound(Π_k (x_k − z_k)·M, shift))`. */
export const mulExactI8 = (xs: readonly (readonly number[])[], z: readonly number[], M: number, shift: number, zOut: number): number[] =>
  xs[0]!.map((_, i) => Number(sat8(BigInt(zOut) + rshiftRound(xs.reduce((p, x, k) => p * BigInt(x[i]! - z[k]!), 1n) * BigInt(M), shift))));

/**
 * Concatenate along `axis`: output index (o, a, j) takes input k's element (o, a − start_k, j); `f(k, v)`
 * maps the value (identity for q, requantization for int8). Written as nested loops over the output.
 */
export function concatExact<T>(inputs: readonly (readonly T[])[], shapes: readonly number[][], axis: number, f: (k: number, v: T) => T): T[] {
  const outer = shapes[0]!.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shapes[0]!.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out: T[] = [];
  for (let o = 0; o < outer; o++) {
    inputs.forEach((x, k) => {
      const size = shapes[k]![axis]!;
      for (let a = 0; a < size; a++) for (let j = 0; j < inner; j++) out.push(f(k, x[(o * size + a) * inner + j]!));
    });
  }
  return out;
}

/** requantize (numerics §4.3): `sat8(zOut + rshiftRound(acc·M, shift))`. */
export const requantizeExact = (acc: bigint, M: number, shift: number, zOut: number): number => Number(sat8(BigInt(zOut) + rshiftRound(acc * BigInt(M), shift)));
