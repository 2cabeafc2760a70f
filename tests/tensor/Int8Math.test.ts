/**
 * The oracle's scalar int8 ops against an exact BigInt reference written from docs/numerics.md
 * §1, §4.3 and §4.4 (not from the kernels), over a deterministic sweep including every edge, plus
 * hand-derived case tables and the validation order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import * as k from '../../src/harness/kernels/int8.ts';

// ---------------------------------------------------------------- exact reference (numerics §1)

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const abs = (v: bigint) => (v < 0n ? -v : v);
/** RHAZ(v / 2^s): the nearest integer, halves away from zero. */
function rhazShift(v: bigint, s: bigint): bigint {
  if (s === 0n) return v;
  const d = 1n << s;
  const q = abs(v) / d; // floor of the magnitude
  const r = abs(v) - q * d;
  const m = 2n * r >= d ? q + 1n : q;
  return v < 0n ? -m : m;
}
const sat8 = (v: bigint) => (v < -128n ? -128n : v > 127n ? 127n : v);
const sat64 = (v: bigint) => (v < I64_MIN ? I64_MIN : v > I64_MAX ? I64_MAX : v);
const refRequantize = (acc: bigint, m: bigint, s: bigint, z: bigint) => sat8(z + rhazShift(acc * m, s));

// ---------------------------------------------------------------- sweep values

const ACCS = [0n, 1n, -1n, 2n, -2n, 3n, -3n, 127n, -128n, 1000n, -1000n, 65025n, -65025n, 1n << 31n, -(1n << 31n), (1n << 47n) + 12345n, I64_MAX, I64_MIN, I64_MIN + 1n, 123456789012345n, -98765432109876n];
const MULTS = [0n, 1n, 2n, 3n, 1n << 30n, (1n << 30n) + 1n, 1518500250n, (1n << 31n) - 1n];
const SHIFTS = [0n, 1n, 2n, 7n, 8n, 15n, 16n, 30n, 31n, 32n, 38n, 40n, 47n, 62n, 63n, 64n, 93n, 94n, 95n, 125n, 126n];
const ZS = [-128n, -1n, 0n, 1n, 5n, 127n];
const I8S = [-128n, -127n, -64n, -1n, 0n, 1n, 2n, 63n, 126n, 127n];

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});

function errorName(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof OracleError) return e.errorName;
    throw e;
  }
}

describe('requantize vs exact reference (numerics §4.3)', () => {
  it('sweeps acc × multiplier × shift × zOut exactly', () => {
    let n = 0;
    for (const acc of ACCS) for (const m of MULTS) for (const s of SHIFTS) for (const z of ZS) {
      expect(k.requantize(o, acc, m, s, z), `requantize(${acc}, ${m}, ${s}, ${z})`).toBe(refRequantize(acc, m, s, z));
      n++;
    }
    expect(n).toBeGreaterThan(10_000);
  });

  it('rounds exact halves away from zero', () => {
    // acc·m / 2^s = ±k.5 exactly
    for (const kk of [0n, 1n, 2n, 50n]) {
      const acc = 2n * kk + 1n; // (2k+1)/2 with m = 1, s = 1
      expect(k.requantize(o, acc, 1n, 1n, 0n)).toBe(sat8(kk + 1n));
      expect(k.requantize(o, -acc, 1n, 1n, 0n)).toBe(sat8(-(kk + 1n)));
    }
  });

  const cases: { name: string; input: [bigint, bigint, bigint, bigint]; expected: bigint }[] = [
    { name: 'identity scale 2^30/2^30', input: [42n, 1n << 30n, 30n, 0n], expected: 42n },
    { name: 'halve: 5·2^30/2^31 = 2.5 → 3', input: [5n, 1n << 30n, 31n, 0n], expected: 3n },
    { name: 'halve negative: −2.5 → −3', input: [-5n, 1n << 30n, 31n, 0n], expected: -3n },
    { name: '−2.49… → −2', input: [-5n, (1n << 30n) - 1n, 31n, 0n], expected: -2n },
    { name: 'zero point added after rounding', input: [10n, 1n << 30n, 31n, -3n], expected: 2n },
    { name: 'saturates high', input: [1000n, 1n << 30n, 30n, 0n], expected: 127n },
    { name: 'saturates low', input: [-1000n, 1n << 30n, 30n, 5n], expected: -128n },
    { name: 'huge accumulator, no shift', input: [I64_MAX, (1n << 31n) - 1n, 0n, -128n], expected: 127n },
    { name: 'most negative accumulator', input: [I64_MIN, (1n << 31n) - 1n, 126n, 0n], expected: 0n },
    { name: 'zero multiplier gives the zero point', input: [I64_MAX, 0n, 0n, -7n], expected: -7n },
  ];
  for (const c of cases) {
    it(c.name, () => expect(k.requantize(o, ...c.input)).toBe(c.expected));
  }

  it('validates multiplier, shift and zero point in order', () => {
    expect(errorName(() => k.requantize(o, 1n, -1n, 0n, 0n))).toBe('InvalidRequantization');
    expect(errorName(() => k.requantize(o, 1n, 1n << 31n, 0n, 0n))).toBe('InvalidRequantization');
    expect(errorName(() => k.requantize(o, 1n, 1n, 127n, 0n))).toBe('InvalidRequantization');
    expect(errorName(() => k.requantize(o, 1n, 1n, -1n, 0n))).toBe('InvalidRequantization');
    expect(errorName(() => k.requantize(o, 1n, 1n, 0n, 128n))).toBe('ValueOutOfRange');
    expect(errorName(() => k.requantize(o, 1n, -1n, 0n, 128n))).toBe('InvalidRequantization');
    expect(errorName(() => k.requantize(o, 1n, (1n << 31n) - 1n, 126n, -128n))).toBeUndefined();
  });

  it('counts saturation', () => {
    o.resetSaturationCount();
    k.requantize(o, 1000n, 1n << 30n, 30n, 0n);
    k.requantize(o, 100n, 1n << 30n, 30n, 0n);
    expect(o.saturationCount()).toBe(1n);
  });
});

describe('addI8 / mulI8 vs exact reference (numerics §4.4)', () => {
  it('addI8 sweep', () => {
    const ms = [0n, 1n, -1n, 1n << 30n, -(1n << 30n), (1n << 31n) - 1n, -(1n << 31n) + 1n, 987654321n];
    const shifts = [0n, 1n, 30n, 31n, 38n, 62n];
    for (const a of I8S) for (const b of [-128n, -1n, 0n, 127n]) for (const za of [-128n, 0n, 127n]) for (const zb of [-5n, 0n])
      for (const ma of ms) for (const mb of ms.slice(0, 5)) for (const s of shifts) {
        const zo = a & 1n ? -128n : 3n;
        const want = sat8(zo + rhazShift((a - za) * ma + (b - zb) * mb, s));
        expect(k.addI8(o, a, za, ma, b, zb, mb, s, zo)).toBe(want);
      }
  });

  it('mulI8 sweep', () => {
    for (const a of I8S) for (const b of I8S) for (const za of [-128n, 0n, 127n]) for (const zb of [-7n, 0n, 127n])
      for (const m of MULTS) for (const s of [0n, 8n, 16n, 31n, 40n, 126n]) {
        const want = refRequantize((a - za) * (b - zb), m, s, -2n);
        expect(k.mulI8(o, a, za, b, zb, m, s, -2n)).toBe(want);
      }
  });

  it('addI8 hand cases', () => {
    // (3 − 1)·2^30 + (4 − 0)·2^30 over 2^30 = 6, plus zo = 1 → 7
    expect(k.addI8(o, 3n, 1n, 1n << 30n, 4n, 0n, 1n << 30n, 30n, 1n)).toBe(7n);
    // half scale each: (1·2^29 + 2·2^29)/2^30 = 1.5 → 2
    expect(k.addI8(o, 1n, 0n, 1n << 29n, 2n, 0n, 1n << 29n, 30n, 0n)).toBe(2n);
    // negative multiplier subtracts: 5 − 3 = 2
    expect(k.addI8(o, 5n, 0n, 1n, 3n, 0n, -1n, 0n, 0n)).toBe(2n);
  });

  it('mulI8 hand cases', () => {
    // (3)·(−4) = −12, times 2^30 / 2^32 = −3
    expect(k.mulI8(o, 3n, 0n, -4n, 0n, 1n << 30n, 32n, 0n)).toBe(-3n);
    // (−128 − 127)² = 65025 → saturates to 127
    expect(k.mulI8(o, -128n, 127n, -128n, 127n, 1n, 0n, 0n)).toBe(127n);
  });

  it('validates left to right', () => {
    expect(errorName(() => k.addI8(o, 128n, 0n, 1n << 31n, 0n, 0n, 0n, 63n, 200n))).toBe('ValueOutOfRange');
    expect(errorName(() => k.addI8(o, 0n, 0n, 1n << 31n, 200n, 0n, 0n, 63n, 200n))).toBe('InvalidRequantization');
    expect(errorName(() => k.addI8(o, 0n, 0n, 1n, 200n, 0n, 0n, 63n, 200n))).toBe('ValueOutOfRange');
    expect(errorName(() => k.addI8(o, 0n, 0n, 1n, 0n, 0n, 0n, 63n, 0n))).toBe('InvalidRequantization');
    expect(errorName(() => k.addI8(o, 0n, 0n, 1n, 0n, 0n, 0n, 62n, -129n))).toBe('ValueOutOfRange');
    expect(errorName(() => k.mulI8(o, 0n, 0n, 0n, 0n, -1n, 0n, 300n))).toBe('InvalidRequantization');
    expect(errorName(() => k.mulI8(o, 0n, 0n, 0n, -129n, -1n, 0n, 300n))).toBe('ValueOutOfRange');
  });
});

describe('clampI8, dequantizeI8, quantizeQ (numerics §4.4)', () => {
  it('clampI8 sweep and bounds', () => {
    for (const x of I8S) for (const lo of I8S) for (const hi of I8S) {
      if (lo > hi) expect(errorName(() => k.clampI8(o, x, lo, hi))).toBe('ValueOutOfRange');
      else expect(k.clampI8(o, x, lo, hi)).toBe(x < lo ? lo : x > hi ? hi : x);
    }
    // ReLU6 with scale 6/255-ish: clamp at the quantized 0 (z = −128) and 6 (127)
    expect(k.clampI8(o, -100n, -128n, 127n)).toBe(-100n);
    expect(errorName(() => k.clampI8(o, 0n, 0n, 128n))).toBe('ValueOutOfRange');
  });

  it('dequantizeI8 sweep (exact, saturating)', () => {
    const scales = [0n, 1n, 1n << 32n, 1n << 24n, 3n, I64_MAX, I64_MAX >> 7n, I64_MAX >> 8n, 16843009n];
    for (const x of I8S) for (const z of I8S) for (const sq of scales) {
      expect(k.dequantizeI8(o, x, z, sq)).toBe(sat64((x - z) * sq));
    }
    // x = 10, z = 2, scale 0.5 → 4.0 in Q32.32
    expect(k.dequantizeI8(o, 10n, 2n, 1n << 31n)).toBe(4n << 32n);
    expect(errorName(() => k.dequantizeI8(o, 0n, 0n, -1n))).toBe('ValueOutOfRange');
  });

  it('quantizeQ sweep (= requantize of a Q32.32 value)', () => {
    for (const v of ACCS) for (const m of MULTS) for (const s of SHIFTS) for (const z of [-128n, 0n, 9n]) {
      expect(k.quantizeQ(o, v, m, s, z)).toBe(refRequantize(v, m, s, z));
    }
    // 2.5 (Q32.32) with scale 0.5: 2.5/0.5 = 5; M/2^shift = 1/(0.5·2^32) = 2^30/2^61
    expect(k.quantizeQ(o, 5n << 31n, 1n << 30n, 61n, 0n)).toBe(5n);
  });
});
