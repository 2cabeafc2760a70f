/**
 * The oracle's rounding primitives (assembly/tensor/Rounding.ts) against exact BigInt references written
 * from docs/numerics.md §1 — including the saturation counter, which must tick exactly when a clamp
 * changes a value.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OracleError, loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { divRound, mulShiftRound, rshiftRound, sat64, sat8 } from '../../src/harness/kernels/qmath.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

// ---- exact references (numerics §1, from the definitions, on unbounded integers) ----

const abs = (v: bigint) => (v < 0n ? -v : v);
const sign = (v: bigint) => (v < 0n ? -1n : v > 0n ? 1n : 0n);
const clamp = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);

/** RHAZ(v / 2^s): the integer nearest v/2^s, ties away from zero — compared as exact rationals. */
function rshiftRoundExact(v: bigint, s: number): bigint {
  const d = 1n << BigInt(s);
  // candidates floor and floor+1; pick the nearer, ties → larger magnitude
  const fl = v >= 0n ? v / d : -((-v + d - 1n) / d);
  const lo = fl, hi = fl + 1n;
  const dLo = v - lo * d, dHi = hi * d - v; // both ≥ 0
  if (dLo < dHi) return lo;
  if (dHi < dLo) return hi;
  return abs(lo) > abs(hi) ? lo : hi;
}

/** RHAZ(n / d), d ≠ 0: §1's divRound (q = ⌊|n|/|d|⌋, r = |n| − q|d|, q += 2r ≥ |d|, sign). */
function divRoundExact(n: bigint, d: bigint): bigint {
  const an = abs(n), ad = abs(d);
  let q = an / ad;
  if (2n * (an - q * ad) >= ad) q += 1n;
  return sign(n) * sign(d) * q;
}

const sat64Exact = (v: bigint) => clamp(v, INT64_MIN, INT64_MAX);
const sat8Exact = (v: bigint) => clamp(v, -128n, 127n);

// ---- deterministic inputs ----

/** 0, ±1, ±2, ±3, int64 extremes, ±2^b and neighbours. */
function edges64(): bigint[] {
  const out = new Set<bigint>([0n, 1n, -1n, 2n, -2n, 3n, -3n, INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n]);
  for (let b = 1n; b < 63n; b++) for (const v of [(1n << b) - 1n, 1n << b, (1n << b) + 1n]) out.add(v).add(-v);
  return [...out];
}

/** A small seeded LCG over int64 (deterministic sweeps). */
function lcg(seed: bigint) {
  let s = seed;
  return (bits = 64): bigint => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    return BigInt.asIntN(64, s) >> BigInt(64 - bits);
  };
}

let oracle: Oracle;
beforeAll(async () => {
  oracle = await loadOracle();
});

/** Collects mismatches (an `expect` per case would dominate the run time); assert with `expectNone`. */
class Mismatches {
  readonly list: string[] = [];
  check(what: string, got: unknown, want: unknown): void {
    if (got !== want) this.list.push(`${what}: got ${String(got)}, want ${String(want)}`);
  }
  expectNone(): void {
    expect(this.list.slice(0, 10), `${this.list.length} mismatches`).toEqual([]);
  }
}

/** Run `fn` and return [value, saturations it counted]. */
function counted<T>(fn: () => T): [T, bigint] {
  oracle.resetSaturationCount();
  const v = fn();
  return [v, oracle.saturationCount()];
}

describe('rshiftRound (oracle) == RHAZ(v / 2^s) exactly', () => {
  it('edges × every s in 0..70, plus exact half-LSB ties', () => {
    let n = 0;
    const bad = new Mismatches();
    for (const v of edges64()) {
      for (let s = 0; s <= 70; s++) {
        bad.check(`rshiftRound(${v}, ${s})`, rshiftRound(oracle, v, s), rshiftRoundExact(v, s));
        n++;
      }
    }
    const rnd = lcg(7n);
    for (let i = 0; i < 3000; i++) {
      const s = 1 + (i % 62);
      const k = rnd(64 - s - 1); // keep k·2^s ± 2^(s-1) inside int64
      for (const delta of [-1n, 0n, 1n]) {
        for (const half of [1n << BigInt(s - 1), -(1n << BigInt(s - 1))]) {
          const v = (k << BigInt(s)) + half + delta;
          bad.check(`rshiftRound(${v}, ${s})`, rshiftRound(oracle, v, s), rshiftRoundExact(v, s));
          n++;
        }
      }
    }
    bad.expectNone();
    expect(n).toBeGreaterThan(20_000);
  });
});

describe('divRound (oracle) == sat64(RHAZ(n / d)) exactly, DivisionByZero for d = 0', () => {
  it('edges × edges and seeded pairs, counting the one possible saturation (INT64_MIN / −1)', () => {
    const e = edges64();
    const rnd = lcg(11n);
    const pairs: [bigint, bigint][] = [];
    for (const n of e.filter((_, i) => i % 2 === 0)) for (const d of e) pairs.push([n, d]);
    for (let i = 0; i < 5000; i++) pairs.push([rnd(1 + (i % 64)), rnd(1 + ((i * 7) % 64))]);
    for (let d = 1n; d <= 12n; d++) for (let n = -40n; n <= 40n; n++) pairs.push([n, d], [n, -d]);
    const bad = new Mismatches();
    for (const [n, d] of pairs) {
      if (d === 0n) {
        expect(() => divRound(oracle, n, d)).toThrow(OracleError);
        continue;
      }
      const exact = divRoundExact(n, d);
      const [got, sats] = counted(() => divRound(oracle, n, d));
      bad.check(`divRound(${n}, ${d})`, got, sat64Exact(exact));
      bad.check(`saturations of divRound(${n}, ${d})`, sats, sat64Exact(exact) === exact ? 0n : 1n);
    }
    bad.expectNone();
  });

  it('d = 0 throws DivisionByZero (numerics §2)', () => {
    for (const n of [0n, 1n, -1n, INT64_MIN, INT64_MAX]) {
      try {
        divRound(oracle, n, 0n);
        expect.fail('no throw');
      } catch (e) {
        expect(e).toBeInstanceOf(OracleError);
        expect((e as OracleError).errorName).toBe('DivisionByZero');
      }
    }
  });
});

describe('mulShiftRound (oracle) == sat64(RHAZ(a·b / 2^s)) on the exact 128-bit product', () => {
  it('edges × edges × s ∈ {0, 1, 31, 32, 33, 61, 62, 63, 64, 65, 126, 127} and seeded triples', () => {
    const e = edges64().filter((_, i) => i % 5 === 0);
    const shifts = [0, 1, 31, 32, 33, 61, 62, 63, 64, 65, 126, 127];
    const rnd = lcg(13n);
    const cases: [bigint, bigint, number][] = [];
    for (const a of e) for (const b of e) for (const s of shifts) cases.push([a, b, s]);
    for (let i = 0; i < 20000; i++) cases.push([rnd(1 + (i % 64)), rnd(1 + ((i * 5) % 64)), i % 128]);
    const bad = new Mismatches();
    for (const [a, b, s] of cases) {
      const exact = rshiftRoundExact(a * b, s);
      const [got, sats] = counted(() => mulShiftRound(oracle, a, b, s));
      bad.check(`mulShiftRound(${a}, ${b}, ${s})`, got, sat64Exact(exact));
      bad.check(`saturations of mulShiftRound(${a}, ${b}, ${s})`, sats, sat64Exact(exact) === exact ? 0n : 1n);
    }
    bad.expectNone();
    expect(cases.length).toBeGreaterThan(30_000);
  });
});

describe('sat64 / sat8 (oracle) == clamp, counted when it changes the value', () => {
  it('sat64 of 128-bit values around ±2^63 and ±2^127', () => {
    const vals: bigint[] = [];
    for (const base of [0n, 1n << 63n, -(1n << 63n), 1n << 64n, -(1n << 64n), (1n << 127n) - 1n, -(1n << 127n)])
      for (let d = -3n; d <= 3n; d++) vals.push(base + d);
    for (const v of vals) {
      if (v < -(1n << 127n) || v >= 1n << 127n) continue;
      const [got, sats] = counted(() => sat64(oracle, v));
      expect(got, `sat64(${v})`).toBe(sat64Exact(v));
      expect(sats).toBe(sat64Exact(v) === v ? 0n : 1n);
    }
  });

  it('sat8 of int64 values', () => {
    const vals = [...edges64(), -129n, -128n, -127n, 126n, 127n, 128n];
    for (let v = -300n; v <= 300n; v++) vals.push(v);
    for (const v of vals) {
      const [got, sats] = counted(() => sat8(oracle, v));
      expect(got, `sat8(${v})`).toBe(sat8Exact(v));
      expect(sats).toBe(sat8Exact(v) === v ? 0n : 1n);
    }
  });
});

describe('rounding case table (hand-derived)', () => {
  type Case = { name: string; input: () => bigint; expected: bigint };
  const cases: Case[] = [
    { name: 'rshiftRound(5, 1): 2.5 → 3', input: () => rshiftRound(oracle, 5n, 1), expected: 3n },
    { name: 'rshiftRound(−5, 1): −2.5 → −3', input: () => rshiftRound(oracle, -5n, 1), expected: -3n },
    { name: 'rshiftRound(3, 1): 1.5 → 2', input: () => rshiftRound(oracle, 3n, 1), expected: 2n },
    { name: 'rshiftRound(−3, 1): −1.5 → −2', input: () => rshiftRound(oracle, -3n, 1), expected: -2n },
    { name: 'rshiftRound(1, 1): 0.5 → 1', input: () => rshiftRound(oracle, 1n, 1), expected: 1n },
    { name: 'rshiftRound(−1, 1): −0.5 → −1', input: () => rshiftRound(oracle, -1n, 1), expected: -1n },
    { name: 'rshiftRound(1, 2): 0.25 → 0', input: () => rshiftRound(oracle, 1n, 2), expected: 0n },
    { name: 'rshiftRound(−6, 2): −1.5 → −2', input: () => rshiftRound(oracle, -6n, 2), expected: -2n },
    { name: 'rshiftRound(−5, 2): −1.25 → −1', input: () => rshiftRound(oracle, -5n, 2), expected: -1n },
    { name: 'rshiftRound(7, 0) = 7', input: () => rshiftRound(oracle, 7n, 0), expected: 7n },
    { name: 'rshiftRound(INT64_MIN, 63) = −1', input: () => rshiftRound(oracle, INT64_MIN, 63), expected: -1n },
    { name: 'rshiftRound(INT64_MIN, 64): −0.5 → −1', input: () => rshiftRound(oracle, INT64_MIN, 64), expected: -1n },
    { name: 'rshiftRound(INT64_MAX, 64): just under 0.5 → 0', input: () => rshiftRound(oracle, INT64_MAX, 64), expected: 0n },
    { name: 'divRound(7, 2): 3.5 → 4', input: () => divRound(oracle, 7n, 2n), expected: 4n },
    { name: 'divRound(−7, 2): −3.5 → −4', input: () => divRound(oracle, -7n, 2n), expected: -4n },
    { name: 'divRound(7, −2): −3.5 → −4', input: () => divRound(oracle, 7n, -2n), expected: -4n },
    { name: 'divRound(5, 3): 1.67 → 2', input: () => divRound(oracle, 5n, 3n), expected: 2n },
    { name: 'divRound(4, 3): 1.33 → 1', input: () => divRound(oracle, 4n, 3n), expected: 1n },
    { name: 'divRound(INT64_MIN, −1): 2^63 saturates', input: () => divRound(oracle, INT64_MIN, -1n), expected: INT64_MAX },
    { name: 'mulShiftRound(3, 5, 2): 3.75 → 4', input: () => mulShiftRound(oracle, 3n, 5n, 2), expected: 4n },
    { name: 'mulShiftRound(−3, 5, 3): −1.875 → −2', input: () => mulShiftRound(oracle, -3n, 5n, 3), expected: -2n },
    { name: 'mulShiftRound(2^62, 4, 0) saturates', input: () => mulShiftRound(oracle, 1n << 62n, 4n, 0), expected: INT64_MAX },
    { name: 'mulShiftRound(INT64_MIN, INT64_MIN, 126) = 1', input: () => mulShiftRound(oracle, INT64_MIN, INT64_MIN, 126), expected: 1n },
    { name: 'sat8(200) = 127', input: () => sat8(oracle, 200n), expected: 127n },
    { name: 'sat64(2^64) = INT64_MAX', input: () => sat64(oracle, 1n << 64n), expected: INT64_MAX },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(input()).toBe(expected);
  });
});
