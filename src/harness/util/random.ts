/** Deterministic pseudo-random inputs for benchmarks and the demo (never for security). */

/** mulberry32: a 32-bit seeded generator of floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n int8 values uniform in [lo, hi]. */
export function randomI8(n: number, r: () => number, lo = -128, hi = 127): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(r() * (hi - lo + 1));
  return out;
}

/** n q values uniform in ±range (real units) with F fractional bits. */
export function randomQ(n: number, r: () => number, range = 1, F = 32): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = BigInt(Math.round((r() * 2 - 1) * range * 2 ** F));
  return out;
}
