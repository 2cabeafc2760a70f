/**
 * The oracle's q-mode scalar math (assembly/tensor/QMath.ts) against independent references:
 *
 * 1. Exactness. An exact BigInt model written from the text of docs/numerics.md §1/§3 (not from the
 *    kernels): exactly-defined ops (qAdd … qSqrt, qRecip) from their mathematical definitions, and the
 *    algorithm-defined ops (qExp, qLog and the functions built on them) as the spec's steps. The oracle
 *    must equal it bit for bit, and count a saturation exactly when a linear op clamps.
 * 2. Accuracy (numerics §6). A high-precision BigInt reference (192 fractional bits: exp, ln, erf from
 *    their series) — itself checked against float64 within float64's own error — measures the error of
 *    the oracle in ulps (1 ulp = 2^-32) over deterministic sweeps, and the tests assert the bounds below.
 *    float64 alone is not precise enough for exp: Math.exp has ~1 ulp relative error (2^-52·e^x), which
 *    for e^x near 2^31 is ~2^11 Q32 ulps; so the oracle is compared with the high-precision value, and
 *    float64 is used as an independent sanity check with its own error budget added.
 * 3. Hand-derived case tables and the exact symmetries the spec promises.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OracleError, loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import * as Q from '../../src/harness/kernels/qmath.ts';

// =====================================================================================================
// Bounds asserted here, in ulps of Q32.32 (numerics §6, or tighter where measured far below it).

/** qExp (numerics §6): 1 + e^x·2^-20 ulps, i.e. 2^-32 + e^x·2^-52 absolute — over the whole int64 domain,
 *  e^x taken as the best representable value min(e^x, INT64_MAX·2^-32) where it saturates. */
const expBoundUlps = (ex: number) => 1 + ex * 2 ** -20;
/** qLog: 2 ulps (measured ≤ 1.19: the truncated log2 fraction, ≤ ln 2 ulp, plus the final rounding). */
const LOG_BOUND_ULPS = 2;
/** qSigmoid, qTanh: 2 ulps (measured ≤ 0.99 and ≤ 1.49). */
const SIGMOID_BOUND_ULPS = 2;
const TANH_BOUND_ULPS = 2;
/** qErf: 2e-7 absolute (Abramowitz–Stegun 7.1.26's 1.5e-7 plus fixed-point rounding). */
const ERF_BOUND = 2e-7;
/** qGelu: 2^-31 + |x|·1.1e-7 absolute (numerics §3.2). */
const geluBound = (x: number) => 2 ** -31 + Math.abs(x) * 1.1e-7;

// =====================================================================================================
// Exact model of numerics §1 and §3, on unbounded BigInts.

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const ONE = 1n << 32n;
const ONE62 = 1n << 62n;
const LN2_Q32 = 2977044472n;
const LN2_Q62 = 3196577161300663915n;
/** §3.2 qExp step 2's C = LN2_Q32·2^30 − LN2_Q62. */
const EXP_C = 193733013n;
const INV_SQRT2_Q32 = 3037000500n;
const EXP_MIN = -137438953472n;
const EXP_MAX = 94489280512n;
const ERF_P = 1406993061n;
const ERF_A = [1094484764n, -1221904177n, 6104925532n, -6241240432n, 4558701605n] as const;

const abs = (v: bigint) => (v < 0n ? -v : v);
const sat64 = (v: bigint) => (v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : v);
/** §1 rshiftRound: sign(v)·floor((|v| + 2^(s−1)) / 2^s), v for s = 0. */
const rshiftRound = (v: bigint, s: bigint) => (s === 0n ? v : v < 0n ? -((-v + (1n << (s - 1n))) >> s) : (v + (1n << (s - 1n))) >> s);
/** §1 divRound. */
function divRound(n: bigint, d: bigint): bigint {
  let q = abs(n) / abs(d);
  if (2n * (abs(n) - q * abs(d)) >= abs(d)) q += 1n;
  return (n < 0n) !== (d < 0n) ? -q : q;
}
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
/** §3.2's mulShiftRound: rshiftRound(a·b, s) on exact integers (callers assert range). */
const mulShiftRound = (a: bigint, b: bigint, s: bigint) => rshiftRound(a * b, s);

const M = {
  qAdd: (a: bigint, b: bigint) => sat64(a + b),
  qSub: (a: bigint, b: bigint) => sat64(a - b),
  qMul: (a: bigint, b: bigint, F: bigint) => sat64(rshiftRound(a * b, F)),
  qDiv: (a: bigint, b: bigint, F: bigint) => sat64(divRound(a * (1n << F), b)),
  qRescale: (a: bigint, F1: bigint, F2: bigint) => (F2 >= F1 ? sat64(a * (1n << (F2 - F1))) : rshiftRound(a, F1 - F2)),
  qClamp: (a: bigint, lo: bigint, hi: bigint) => (a < lo ? lo : a > hi ? hi : a),

  /** §3.2 qExp, steps 1–4. `trace` records the largest Horner values (the spec says < 2^63), the range
   *  of the final k, and checks step 2's promise r62 = x·2^30 − k·LN2_Q62 ∈ [0, LN2_Q62). */
  qExp(x: bigint, trace?: ExpTrace): bigint {
    if (x < EXP_MIN) return 0n;
    if (x > EXP_MAX) return INT64_MAX;
    let k = floorDiv(x, LN2_Q32);
    let r62 = (x - k * LN2_Q32) * (1n << 30n) + k * EXP_C;
    if (r62 < 0n) {
      r62 += LN2_Q62;
      k -= 1n;
    }
    if (r62 >= LN2_Q62) {
      r62 -= LN2_Q62;
      k += 1n;
    }
    if (trace) {
      if (r62 !== x * (1n << 30n) - k * LN2_Q62 || r62 < 0n || r62 >= LN2_Q62) trace.badReduction.push(x);
      if (k < trace.minK) trace.minK = k;
      if (k > trace.maxK) trace.maxK = k;
    }
    const t = M.expHorner(r62, trace);
    const s = 30n - k;
    return s >= 0n ? rshiftRound(t, s) : sat64(t * (1n << -s));
  },
  /** §3.2 qExp step 3: the Horner series of e^(r62/2^62) in Q62. */
  expHorner(r62: bigint, trace?: { maxT: bigint; maxM: bigint }): bigint {
    let t = ONE62;
    for (let i = 18n; i >= 1n; i--) {
      const m = mulShiftRound(r62, t, 62n);
      if (trace && m > trace.maxM) trace.maxM = m;
      t = ONE62 + divRound(m, i);
      if (trace && t > trace.maxT) trace.maxT = t;
    }
    return t;
  },

  /** §3.2 qLog, steps 1–4 (throws for x ≤ 0 like the kernels). */
  qLog(x: bigint): bigint {
    if (x <= 0n) throw new Error('LogOfNonPositive');
    let n = 0n;
    while (1n << (n + 1n) <= x) n++;
    const k = n - 32n;
    let y = n <= 61n ? x * (1n << (61n - n)) : x / 2n;
    let f = 0n;
    for (let i = 1n; i <= 32n; i++) {
      y = mulShiftRound(y, y, 61n);
      if (y >= 1n << 62n) {
        f += 1n << (32n - i);
        y = y / 2n;
      }
    }
    return mulShiftRound(k * (1n << 32n) + f, LN2_Q62, 62n);
  },

  /** §3.2 qSqrt: RHAZ(√(x·2^32)) — the nearest integer to √v, ties (never exact for integers) up:
   *  f = ⌊√v⌋ and f + 1 iff √v ≥ f + ½ ⇔ 4v ≥ (2f + 1)². */
  qSqrt(x: bigint): bigint {
    if (x < 0n) throw new Error('SqrtOfNegative');
    const v = x << 32n;
    const f = isqrt(v);
    return 4n * v >= (2n * f + 1n) ** 2n ? f + 1n : f;
  },

  qRecip: (x: bigint) => sat64(divRound(ONE << 32n, x)),

  qSigmoid(x: bigint): bigint {
    const e = M.qExp(x < 0n ? x : -x);
    const s = M.qDiv(ONE, ONE + e, 32n);
    return x >= 0n ? s : ONE - s;
  },
  qTanh(x: bigint): bigint {
    const e = M.qExp(sat64(2n * (x < 0n ? x : -x)));
    const t = M.qDiv(ONE - e, ONE + e, 32n);
    return x >= 0n ? t : -t;
  },
  qErf(x: bigint): bigint {
    const a = sat64(abs(x));
    const t = M.qDiv(ONE, M.qAdd(ONE, M.qMul(ERF_P, a, 32n)), 32n);
    let p = M.qMul(t, ERF_A[4], 32n);
    for (let j = 3; j >= 0; j--) p = M.qMul(t, M.qAdd(ERF_A[j]!, p), 32n);
    const e = M.qExp(-M.qMul(a, a, 32n));
    const y = M.qSub(ONE, M.qMul(p, e, 32n));
    return x < 0n ? -y : y;
  },
  qGelu(x: bigint): bigint {
    const g = M.qErf(M.qMul(x, INV_SQRT2_Q32, 32n));
    return sat64(rshiftRound(x * (ONE + g), 33n));
  },
};

type ExpTrace = { maxT: bigint; maxM: bigint; minK: bigint; maxK: bigint; badReduction: bigint[] };
const newExpTrace = (): ExpTrace => ({ maxT: 0n, maxM: 0n, minK: 1000n, maxK: -1000n, badReduction: [] });
/** The smallest x with floor(x·2^30 / LN2_Q62) = k: where qExp's k steps up (x = ceil(k·LN2_Q62 / 2^30)). */
const expSeam = (k: bigint) => -floorDiv(-k * LN2_Q62, 1n << 30n);
/** The first x at which qExp saturates by k = 31 (step 4), below EXP_MAX. */
const EXP_SAT_X = expSeam(31n);

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

// =====================================================================================================
// High-precision references: W fractional bits (relative error a few 2^-190).

const W = 192n;
const ONE_W = 1n << W;
const S = W - 32n; // Q32 → W

function lnTwo(): bigint {
  // ln 2 = Σ_{k≥1} 1/(k·2^k), with 32 guard bits
  const one = 1n << (W + 32n);
  let s = 0n;
  for (let k = 1n; k < W + 40n; k++) s += one / (k << k);
  return s >> 32n;
}
const LN2_W = lnTwo();
function piW(): bigint {
  // Machin: π = 16·atan(1/5) − 4·atan(1/239)
  const one = 1n << (W + 32n);
  const atanInv = (m: bigint) => {
    let s = 0n;
    let t = one / m;
    for (let k = 1n, sign = 1n; t > 0n; k += 2n, sign = -sign, t /= m * m) s += (sign * t) / k;
    return s;
  };
  return (16n * atanInv(5n) - 4n * atanInv(239n)) >> 32n;
}
const TWO_OVER_SQRT_PI_W = (2n << (2n * W)) / isqrt(piW() << W);

/** e^x, x and result with W fractional bits. */
function expW(x: bigint): bigint {
  const k = floorDiv(x + (LN2_W >> 1n), LN2_W); // |r| ≤ ln2 / 2
  const r = x - k * LN2_W;
  let term = ONE_W;
  let sum = ONE_W;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * r) / (n << W);
    sum += term;
  }
  return k >= 0n ? sum << k : sum >> -k;
}
/** ln m, m > 0 with W fractional bits: m = 2^b·u, u ∈ [1, 2), ln u = 2·atanh((u − 1)/(u + 1)). */
function lnW(m: bigint): bigint {
  const b = BigInt(m.toString(2).length) - 1n - W;
  const u = b >= 0n ? m >> b : m << -b;
  const z = ((u - ONE_W) << W) / (u + ONE_W);
  const z2 = (z * z) >> W;
  let s = 0n;
  for (let p = z, k = 1n; p !== 0n; k += 2n, p = (p * z2) >> W) s += p / k;
  return 2n * s + b * LN2_W;
}
/** erf z (W fractional bits): Maclaurin series with 80 guard bits (its terms reach ~e^{z²} before they cancel). */
function erfW(z: bigint): bigint {
  const a = abs(z);
  if (a > 7n << W) return z < 0n ? -ONE_W : ONE_W; // 1 − erf(7) < 5e-23
  const G = 80n;
  const Z = a << G;
  const Z2 = (Z * Z) >> (W + G);
  let s = 0n;
  for (let n = 0n, pw = Z; pw !== 0n; n++, pw = (pw * Z2) / ((n) << (W + G))) s += (n % 2n === 0n ? 1n : -1n) * (pw / (2n * n + 1n));
  const r = ((s * TWO_OVER_SQRT_PI_W) >> W) >> G;
  return z < 0n ? -r : r;
}
const INV_SQRT2_W = isqrt(1n << (2n * W - 1n));

const REF = {
  exp: (x: bigint) => expW(x << S),
  log: (x: bigint) => lnW(x << S),
  sigmoid(x: bigint) {
    const e = expW(-(abs(x) << S));
    const s = (ONE_W << W) / (ONE_W + e);
    return x >= 0n ? s : ONE_W - s;
  },
  tanh(x: bigint) {
    const e = expW(-2n * (abs(x) << S));
    const t = ((ONE_W - e) << W) / (ONE_W + e);
    return x >= 0n ? t : -t;
  },
  erf: (x: bigint) => erfW(x << S),
  gelu(x: bigint) {
    const xw = x << S;
    return (xw * (ONE_W + erfW((xw * INV_SQRT2_W) >> W))) >> (W + 1n);
  },
};
/** (oracle − reference) in Q32 ulps. */
const errUlps = (y: bigint, refW: bigint) => Number((y << S) - refW) / 2 ** Number(S);
const wToNumber = (v: bigint) => Number(v) / 2 ** Number(W);
const qToNumber = (v: bigint) => Number(v) / 2 ** 32;

// =====================================================================================================
// Deterministic inputs.

function lcg(seed: bigint) {
  let s = seed;
  /** A uniform integer in [lo, hi]. */
  return (lo: bigint, hi: bigint): bigint => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    const x = (s >> 11n) * (1n << 53n) + ((s * 0x9e3779b97f4a7c15n) & ((1n << 53n) - 1n)); // 106 bits
    return lo + (x % (hi - lo + 1n));
  };
}
function edges64(): bigint[] {
  const out = new Set<bigint>([0n, 1n, -1n, 2n, -2n, INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n]);
  for (let b = 1n; b < 63n; b++) for (const v of [(1n << b) - 1n, 1n << b, (1n << b) + 1n]) out.add(v).add(-v);
  return [...out];
}
/** Q32 values: edges, integers and halves, random of every magnitude. */
function qInputs(n: number, seed: bigint): bigint[] {
  const rnd = lcg(seed);
  const out = edges64();
  for (let k = -40n; k <= 40n; k++) out.push(k * ONE, k * ONE + ONE / 2n, k * ONE - ONE / 2n);
  for (let i = 0; i < n; i++) {
    const bits = BigInt(1 + (i % 63));
    out.push(rnd(-(1n << bits), (1n << bits) - 1n));
  }
  return out;
}

class Mismatches {
  readonly list: string[] = [];
  check(what: string, got: unknown, want: unknown): void {
    if (got !== want) this.list.push(`${what}: got ${String(got)}, want ${String(want)}`);
  }
  expectNone(): void {
    expect(this.list.slice(0, 10), `${this.list.length} mismatches`).toEqual([]);
  }
}

let oracle: Oracle;
beforeAll(async () => {
  oracle = await loadOracle();
});

/** The oracle's result and the saturations it counted. */
function counted<T>(fn: () => T): [T, bigint] {
  oracle.resetSaturationCount();
  const v = fn();
  return [v, oracle.saturationCount()];
}

// =====================================================================================================

describe('§3.1 linear ops: oracle == exact definition (and the saturation counter)', () => {
  const xs = qInputs(1500, 1n);
  const ys = qInputs(300, 2n);

  it('qAdd, qSub', () => {
    const bad = new Mismatches();
    for (const a of xs)
      for (const b of ys.slice(0, 60)) {
        for (const [name, fn, model] of [
          ['qAdd', Q.qAdd, M.qAdd],
          ['qSub', Q.qSub, M.qSub],
        ] as const) {
          const [got, sats] = counted(() => fn(oracle, a, b));
          const exact = name === 'qAdd' ? a + b : a - b;
          bad.check(`${name}(${a}, ${b})`, got, model(a, b));
          bad.check(`${name}(${a}, ${b}) saturations`, sats, sat64(exact) === exact ? 0n : 1n);
        }
      }
    bad.expectNone();
  });

  it('qMul, qDiv for every F in 0..62 (correctly rounded unless saturated)', () => {
    const bad = new Mismatches();
    const rnd = lcg(3n);
    for (let F = 0n; F <= 62n; F++) {
      for (let i = 0; i < 400; i++) {
        const a = xs[Number(rnd(0n, BigInt(xs.length - 1)))]!;
        const b = ys[Number(rnd(0n, BigInt(ys.length - 1)))]!;
        const [mul, ms] = counted(() => Q.qMul(oracle, a, b, Number(F)));
        const pm = rshiftRound(a * b, F);
        bad.check(`qMul(${a}, ${b}, ${F})`, mul, M.qMul(a, b, F));
        bad.check(`qMul(${a}, ${b}, ${F}) saturations`, ms, sat64(pm) === pm ? 0n : 1n);
        if (b === 0n) continue;
        const [div, ds] = counted(() => Q.qDiv(oracle, a, b, Number(F)));
        const pd = divRound(a << F, b);
        bad.check(`qDiv(${a}, ${b}, ${F})`, div, M.qDiv(a, b, F));
        bad.check(`qDiv(${a}, ${b}, ${F}) saturations`, ds, sat64(pd) === pd ? 0n : 1n);
      }
    }
    bad.expectNone();
  });

  it('qDiv at rounding ties and near the 128/64 division limits', () => {
    const bad = new Mismatches();
    const rnd = lcg(4n);
    for (let i = 0; i < 4000; i++) {
      const F = rnd(0n, 62n);
      const b = rnd(1n, 1n << rnd(1n, 62n)) * (i % 2 ? 1n : -1n);
      // a·2^F = q·b + b/2 (an exact tie when b is even) ± 1
      const q = rnd(-(1n << 40n), 1n << 40n);
      const num = q * b + b / 2n + rnd(-1n, 1n);
      const a = num >> F;
      if (a < INT64_MIN || a > INT64_MAX) continue;
      bad.check(`qDiv(${a}, ${b}, ${F})`, Q.qDiv(oracle, a, b, Number(F)), M.qDiv(a, b, F));
    }
    for (const a of [INT64_MIN, INT64_MAX, 1n << 62n, -(1n << 62n), 1n])
      for (const b of [1n, -1n, 2n, 3n, INT64_MAX, INT64_MIN, (1n << 32n) + 1n, (1n << 31n) - 1n])
        for (const F of [0n, 1n, 31n, 32n, 61n, 62n]) bad.check(`qDiv(${a}, ${b}, ${F})`, Q.qDiv(oracle, a, b, Number(F)), M.qDiv(a, b, F));
    bad.expectNone();
  });

  it('qRescale for every (F1, F2) in 0..62², qClamp', () => {
    const bad = new Mismatches();
    for (let F1 = 0n; F1 <= 62n; F1++)
      for (let F2 = 0n; F2 <= 62n; F2++)
        for (const a of xs.slice(0, 40).concat(xs.slice(-20))) {
          const [got, sats] = counted(() => Q.qRescale(oracle, a, Number(F1), Number(F2)));
          const want = M.qRescale(a, F1, F2);
          bad.check(`qRescale(${a}, ${F1}, ${F2})`, got, want);
          bad.check(`qRescale(${a}, ${F1}, ${F2}) saturations`, sats, F2 >= F1 && want !== a * (1n << (F2 - F1)) ? 1n : 0n);
        }
    for (const a of xs.slice(0, 300))
      for (const [lo, hi] of [[-ONE, ONE], [0n, 6n * ONE], [INT64_MIN, INT64_MAX], [5n, 5n]] as const)
        bad.check(`qClamp(${a}, ${lo}, ${hi})`, Q.qClamp(oracle, a, lo, hi), M.qClamp(a, lo, hi));
    bad.expectNone();
  });

  it('qSqrt == RHAZ(√(x·2^32)) and qRecip == divRound(2^64, x)', () => {
    const bad = new Mismatches();
    const rnd = lcg(5n);
    const inputs = xs.filter((x) => x >= 0n);
    // perfect squares and their neighbours, and the round-half boundaries f² + f, f² + f + 1 of v = x·2^32
    for (let i = 0; i < 3000; i++) {
      const f = rnd(1n, (1n << 47n) + (1n << 46n));
      for (const v of [f * f, f * f + f, f * f + f + 1n]) for (const d of [-1n, 0n, 1n]) if (v >> 32n) inputs.push((v >> 32n) + d);
    }
    for (const x of inputs) if (x >= 0n && x <= INT64_MAX) bad.check(`qSqrt(${x})`, Q.qSqrt(oracle, x), M.qSqrt(x));
    for (const x of xs) if (x !== 0n) bad.check(`qRecip(${x})`, Q.qRecip(oracle, x), M.qRecip(x));
    bad.expectNone();
  });
});

describe('§3.2 algorithm-defined functions: oracle == the spec\'s steps, bit for bit', () => {
  const rnd = lcg(6n);
  const expArgs: bigint[] = [...edges64()];
  for (let i = 0; i < 20000; i++) expArgs.push(rnd(EXP_MIN - (1n << 33n), EXP_MAX + (1n << 33n)));
  // both seams: of the first floor(x / LN2_Q32) (multiples of LN2_Q32) and of the final k (expSeam)
  for (let k = -48n; k <= 32n; k++)
    for (const d of [-1n, 0n, 1n]) expArgs.push(k * LN2_Q32 + d, (k + 1n) * LN2_Q32 - 1n + d, expSeam(k) + d);
  for (const d of [-1n, 0n, 1n]) expArgs.push(EXP_MIN + d, EXP_MAX + d, EXP_SAT_X + d);
  // near the top of r62's range [0, LN2_Q62), where the Horner values peak
  for (let k = -47n; k <= 30n; k++) expArgs.push(expSeam(k + 1n) - 1n, expSeam(k + 1n) - 2n);

  it('qExp: oracle == the spec\'s steps; step 2 gives r62 = x·2^30 − k·LN2_Q62 ∈ [0, LN2_Q62), k ∈ [−47, 31]', () => {
    const bad = new Mismatches();
    const trace = newExpTrace();
    for (const x of expArgs) bad.check(`qExp(${x})`, Q.qExp(oracle, x), M.qExp(x, trace));
    bad.expectNone();
    expect(trace.badReduction.slice(0, 5)).toEqual([]);
    expect([trace.minK, trace.maxK]).toEqual([-47n, 31n]); // the shift code handles s = 30 − k ∈ [−1, 77]
    expect(trace.maxT < 1n << 63n, `max intermediate ${trace.maxT}`).toBe(true);
  });

  it('qExp: every Horner intermediate ≤ 2^63 − 2 (each step is non-decreasing in r62; the peak is at r62 = LN2_Q62 − 1)', () => {
    const trace = { maxT: 0n, maxM: 0n };
    M.expHorner(LN2_Q62 - 1n, trace);
    expect(trace.maxT).toBe((1n << 63n) - 2n);
    expect(trace.maxM).toBe((1n << 62n) - 2n);
    // and the fused EVM form's r62·t + D_i < 2^125 + 2^129 needs nothing; the oracle's expStep m < 2^63
  });

  it('qLog', () => {
    const bad = new Mismatches();
    const args: bigint[] = [];
    for (let b = 0n; b < 63n; b++) args.push(1n << b, (1n << b) + 1n, (1n << (b + 1n)) - 1n);
    for (let i = 0; i < 8000; i++) {
      const b = rnd(0n, 62n);
      args.push(rnd(1n << b, (1n << (b + 1n)) - 1n));
    }
    for (const x of args) bad.check(`qLog(${x})`, Q.qLog(oracle, x), M.qLog(x));
    bad.expectNone();
  });

  it('qSigmoid, qTanh, qErf, qGelu', () => {
    const bad = new Mismatches();
    const args = qInputs(3000, 7n);
    for (let i = 0; i < 3000; i++) args.push(rnd(-(12n << 32n), 12n << 32n));
    for (const x of args) {
      bad.check(`qSigmoid(${x})`, Q.qSigmoid(oracle, x), M.qSigmoid(x));
      bad.check(`qTanh(${x})`, Q.qTanh(oracle, x), M.qTanh(x));
      bad.check(`qErf(${x})`, Q.qErf(oracle, x), M.qErf(x));
      bad.check(`qGelu(${x})`, Q.qGelu(oracle, x), M.qGelu(x));
    }
    bad.expectNone();
  });

  it('exact symmetries: σ(x) + σ(−x) = ONE, tanh odd, erf odd except at 0 (qErf(0) = 4 ulps)', () => {
    const bad = new Mismatches();
    for (const x of qInputs(2000, 8n)) {
      if (x === INT64_MIN) continue;
      bad.check(`σ(${x}) + σ(−x)`, Q.qSigmoid(oracle, x) + Q.qSigmoid(oracle, -x), ONE);
      bad.check(`tanh(${x}) + tanh(−x)`, Q.qTanh(oracle, x) + Q.qTanh(oracle, -x), 0n);
      bad.check(`erf(${x}) + erf(−x)`, Q.qErf(oracle, x) + Q.qErf(oracle, -x), x === 0n ? 8n : 0n);
    }
    bad.expectNone();
  });
});

describe('§6 accuracy against high-precision references (bounds in ulps, 1 ulp = 2^-32)', () => {
  const measured: Record<string, string> = {};

  it('the high-precision references agree with float64 within float64\'s own error', () => {
    for (const x of [-31.5, -10, -1, -0.25, 0, 0.125, 1, 3.5, 10, 21]) {
      const X = BigInt(Math.round(x * 2 ** 32));
      const e = wToNumber(REF.exp(X));
      expect(Math.abs(e - Math.exp(x)) / Math.exp(x)).toBeLessThan(2 ** -51);
      expect(Math.abs(wToNumber(REF.tanh(X)) - Math.tanh(x))).toBeLessThan(2 ** -51);
    }
    for (const x of [2 ** -32, 0.001, 0.5, 1, 2, 10, 1e6, 2 ** 31 - 1]) {
      const X = BigInt(Math.round(x * 2 ** 32));
      expect(Math.abs(wToNumber(REF.log(X)) - Math.log(qToNumber(X)))).toBeLessThan(2 ** -48);
    }
    // erf: Abramowitz & Stegun Table 7.1 (10 digits) and erf(3)
    for (const [x, v] of [[0.5, 0.5204998778], [1, 0.8427007929], [2, 0.995322265], [3, 0.9999779095], [-1, -0.8427007929]] as const)
      expect(Math.abs(wToNumber(REF.erf(BigInt(x * 2 ** 32))) - v)).toBeLessThan(1e-10);
  });

  it('qExp: |err| ≤ 1 + e^x·2^-20 ulps over the whole int64 domain (x ≤ 0: ≤ 1 ulp)', () => {
    const rnd = lcg(9n);
    const args: bigint[] = [...edges64()];
    for (let i = 0; i < 12000; i++) args.push(rnd(EXP_MIN - (1n << 33n), EXP_MAX + (1n << 33n)));
    for (let i = 0; i < 4000; i++) args.push(rnd(16n * ONE, EXP_SAT_X)); // the large results, where the old reduction failed
    for (let k = -47n; k <= 31n; k++) for (const d of [-1n, 0n, 1n]) args.push(k * LN2_Q32 + d, expSeam(k) + d);
    for (let d = -8n; d <= 8n; d++) args.push(EXP_SAT_X + d, EXP_MIN + d, EXP_MAX + d);
    const SAT_W = INT64_MAX << S; // the largest representable value, W fractional bits
    let worstNeg = 0;
    let worstRatio = 0;
    let worst = { ulps: 0, x: 0 };
    let worstRel = { rel: 0, x: 0 }; // (err − 0.5 ulp) / (e^x·2^32): the series' and reduction's relative error
    let nSat = 0;
    const bad: string[] = [];
    for (const X of args) {
      const y = Q.qExp(oracle, X);
      if (X < EXP_MIN - (1n << 34n) || X > EXP_MAX + (1n << 34n)) {
        // far outside: e^x < 2^-40 or > 2^31 — the reference's 2^k would be absurdly large to compute
        if (y !== (X < 0n ? 0n : INT64_MAX)) bad.push(`qExp(${X}) = ${y}`);
        continue;
      }
      const exact = REF.exp(X);
      const ref = exact < SAT_W ? exact : SAT_W; // the best representable answer (numerics §1 saturation)
      if (exact >= SAT_W) nSat++;
      const x = qToNumber(X);
      const ex = wToNumber(ref);
      const err = Math.abs(errUlps(y, ref));
      const bound = expBoundUlps(ex);
      if (!(err <= bound)) bad.push(`qExp(${X}) (x = ${x}): ${err} ulps > ${bound}`);
      // float64 cross-check: |y − Math.exp(x)| ≤ bound + float64's error (2 ulps of e^x) + 2^-53 relative for y
      const f64 = Math.min(Math.exp(x), 2 ** 31);
      if (!(Math.abs(qToNumber(y) - f64) <= bound * 2 ** -32 + f64 * 2 ** -51)) bad.push(`qExp(${X}) vs float64: ${qToNumber(y)} vs ${f64}`);
      if (X <= 0n) worstNeg = Math.max(worstNeg, err);
      if (err > worst.ulps) worst = { ulps: err, x };
      if (ex > 1 && (err - 0.5) / (ex * 2 ** 32) > worstRel.rel) worstRel = { rel: (err - 0.5) / (ex * 2 ** 32), x };
      worstRatio = Math.max(worstRatio, err / bound);
    }
    measured.qExp =
      `max ${worst.ulps.toFixed(3)} ulps (at x = ${worst.x.toFixed(6)}); x ≤ 0: max ${worstNeg.toFixed(3)} ulps; ` +
      `max (err − 0.5 ulp)/e^x = 2^${Math.log2(worstRel.rel).toFixed(1)} relative (x = ${worstRel.x.toFixed(4)}); ` +
      `max err/bound ${worstRatio.toFixed(3)}; ${args.length} inputs, ${nSat} saturated`;
    expect(bad.slice(0, 5)).toEqual([]);
    expect(worstNeg).toBeLessThanOrEqual(1);
  });

  it(`qLog: |err| ≤ ${LOG_BOUND_ULPS} ulps over every magnitude`, () => {
    const rnd = lcg(10n);
    const args: bigint[] = [];
    for (let b = 0n; b < 63n; b++) args.push(1n << b, (1n << b) + 1n, (1n << (b + 1n)) - 1n);
    for (let i = 0; i < 12000; i++) {
      const b = rnd(0n, 62n);
      args.push(rnd(1n << b, (1n << (b + 1n)) - 1n));
    }
    for (let i = 0; i < 4000; i++) args.push(rnd(ONE / 2n, 2n * ONE)); // near x = 1, where ln x ≈ 0
    let worst = 0;
    const bad: string[] = [];
    for (const X of args) {
      const y = Q.qLog(oracle, X);
      const err = Math.abs(errUlps(y, REF.log(X)));
      worst = Math.max(worst, err);
      if (!(err <= LOG_BOUND_ULPS)) bad.push(`qLog(${X}): ${err} ulps`);
      // float64: Math.log(x) has error ≤ 2^-52·|ln x| (+ the conversion of X, 2^-53 relative → 2^-53 absolute)
      const f64 = Math.log(qToNumber(X));
      if (!(Math.abs(qToNumber(y) - f64) <= LOG_BOUND_ULPS * 2 ** -32 + Math.abs(f64) * 2 ** -51 + 2 ** -52)) bad.push(`qLog(${X}) vs float64`);
    }
    measured.qLog = `max ${worst.toFixed(3)} ulps`;
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it(`qSigmoid ≤ ${SIGMOID_BOUND_ULPS} ulps, qTanh ≤ ${TANH_BOUND_ULPS} ulps`, () => {
    const rnd = lcg(11n);
    const args = qInputs(500, 12n);
    for (let i = 0; i < 12000; i++) args.push(i % 3 ? rnd(-(8n << 32n), 8n << 32n) : rnd(-(40n << 32n), 40n << 32n));
    let ws = 0;
    let wt = 0;
    const bad: string[] = [];
    for (const X of args) {
      const s = Q.qSigmoid(oracle, X);
      const t = Q.qTanh(oracle, X);
      const es = Math.abs(errUlps(s, REF.sigmoid(X)));
      const et = Math.abs(errUlps(t, REF.tanh(X)));
      ws = Math.max(ws, es);
      wt = Math.max(wt, et);
      if (!(es <= SIGMOID_BOUND_ULPS)) bad.push(`qSigmoid(${X}): ${es} ulps`);
      if (!(et <= TANH_BOUND_ULPS)) bad.push(`qTanh(${X}): ${et} ulps`);
      // float64: values ≤ 1, so float64's own error (~2^-53) is far below an ulp of Q32
      const x = qToNumber(X);
      const sf = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
      if (!(Math.abs(qToNumber(s) - sf) <= SIGMOID_BOUND_ULPS * 2 ** -32 + 2 ** -50)) bad.push(`qSigmoid(${X}) vs float64`);
      if (!(Math.abs(qToNumber(t) - Math.tanh(x)) <= TANH_BOUND_ULPS * 2 ** -32 + 2 ** -50)) bad.push(`qTanh(${X}) vs float64`);
    }
    measured.qSigmoid = `max ${ws.toFixed(3)} ulps`;
    measured.qTanh = `max ${wt.toFixed(3)} ulps`;
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it(`qErf ≤ ${ERF_BOUND} absolute, qGelu ≤ 2^-31 + |x|·1.1e-7`, () => {
    const rnd = lcg(13n);
    const args: bigint[] = [0n, 1n, -1n, INT64_MIN, INT64_MAX, 100n * ONE, -100n * ONE];
    for (let i = 0; i < 2500; i++) args.push(i % 2 ? rnd(-(3n << 32n), 3n << 32n) : rnd(-(9n << 32n), 9n << 32n));
    let we = 0;
    let wg = 0;
    const bad: string[] = [];
    for (const X of args) {
      const x = qToNumber(X);
      const ee = Math.abs(errUlps(Q.qErf(oracle, X), REF.erf(X))) * 2 ** -32;
      const eg = Math.abs(errUlps(Q.qGelu(oracle, X), REF.gelu(X))) * 2 ** -32;
      we = Math.max(we, ee);
      if (Math.abs(x) > 1e-3) wg = Math.max(wg, (eg - 2 ** -31) / Math.abs(x));
      if (!(ee <= ERF_BOUND)) bad.push(`qErf(${X}): ${ee}`);
      if (!(eg <= geluBound(x))) bad.push(`qGelu(${X}): ${eg} > ${geluBound(x)}`);
    }
    measured.qErf = `max ${we.toExponential(3)} absolute`;
    measured.qGelu = `max (err − 2^-31)/|x| = ${wg.toExponential(3)}`;
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('report', () => {
    console.info(`QMath measured error (vs ${W}-bit references):\n  ${Object.entries(measured).map(([k, v]) => `${k}: ${v}`).join('\n  ')}`);
  });
});

describe('case table (hand-derived)', () => {
  type Case = { name: string; input: () => bigint; expected: bigint };
  const h = ONE / 2n;
  const cases: Case[] = [
    { name: 'qMul(1.5, 2.0) = 3.0', input: () => Q.qMul(oracle, 3n * h, 2n * ONE), expected: 3n * ONE },
    { name: 'qMul(−1.5, 0.5) = −0.75', input: () => Q.qMul(oracle, -3n * h, h), expected: -3n * (ONE / 4n) },
    { name: 'qMul(3, 5, F=1): 7.5 → 8', input: () => Q.qMul(oracle, 3n, 5n, 1), expected: 8n },
    { name: 'qMul(−3, 5, F=1): −7.5 → −8', input: () => Q.qMul(oracle, -3n, 5n, 1), expected: -8n },
    { name: 'qMul(2^40, 2^40) saturates', input: () => Q.qMul(oracle, 1n << 40n, 1n << 40n, 0), expected: INT64_MAX },
    { name: 'qDiv(1, 3): 1431655765.33 → 1431655765', input: () => Q.qDiv(oracle, ONE, 3n * ONE), expected: 1431655765n },
    { name: 'qDiv(2, 3): 2863311530.67 → 2863311531', input: () => Q.qDiv(oracle, 2n * ONE, 3n * ONE), expected: 2863311531n },
    { name: 'qDiv(1, 2, F=0): 0.5 → 1', input: () => Q.qDiv(oracle, 1n, 2n, 0), expected: 1n },
    { name: 'qDiv(−1, 2, F=0): −0.5 → −1', input: () => Q.qDiv(oracle, -1n, 2n, 0), expected: -1n },
    { name: 'qDiv(INT64_MAX, 1) saturates', input: () => Q.qDiv(oracle, INT64_MAX, ONE >> 32n), expected: INT64_MAX },
    { name: 'qAdd(INT64_MAX, 1) saturates', input: () => Q.qAdd(oracle, INT64_MAX, 1n), expected: INT64_MAX },
    { name: 'qSub(INT64_MIN, 1) saturates', input: () => Q.qSub(oracle, INT64_MIN, 1n), expected: INT64_MIN },
    { name: 'qRescale(3, 0 → 32) = 3.0', input: () => Q.qRescale(oracle, 3n, 0, 32), expected: 3n * ONE },
    { name: 'qRescale(1.5, 32 → 0) = 2', input: () => Q.qRescale(oracle, 3n * h, 32, 0), expected: 2n },
    { name: 'qRescale(−1.5, 32 → 0) = −2', input: () => Q.qRescale(oracle, -3n * h, 32, 0), expected: -2n },
    { name: 'qRescale(2^40, 0 → 32) saturates', input: () => Q.qRescale(oracle, 1n << 40n, 0, 32), expected: INT64_MAX },
    { name: 'qClamp(5, 1, 3) = 3', input: () => Q.qClamp(oracle, 5n, 1n, 3n), expected: 3n },
    { name: 'qClamp(−5, −1, 3) = −1', input: () => Q.qClamp(oracle, -5n, -1n, 3n), expected: -1n },
    { name: 'qExp(0) = 1', input: () => Q.qExp(oracle, 0n), expected: ONE },
    // x·2^30 = LN2_Q62 + C: k = 1, r62 = C, t = 2^62 + C + (< 1); s = 29 and C / 2^29 = 0.36 rounds away → 2
    { name: 'qExp(LN2_Q32): k = 1, r62 = C → exactly 2', input: () => Q.qExp(oracle, LN2_Q32), expected: 2n * ONE },
    // x·2^30 = −2·LN2_Q62 + (LN2_Q62 − C): k = −2, t ≈ 2^63·(1 − C/2^62) = 2^63 − 2C; s = 32, 2C / 2^32 = 0.09 → 0.5
    { name: 'qExp(−LN2_Q32): k = −2, r62 = LN2_Q62 − C → exactly 0.5', input: () => Q.qExp(oracle, -LN2_Q32), expected: h },
    { name: 'qExp(EXP_MIN − 1) = 0', input: () => Q.qExp(oracle, EXP_MIN - 1n), expected: 0n },
    { name: 'qExp(EXP_MAX + 1) = INT64_MAX', input: () => Q.qExp(oracle, EXP_MAX + 1n), expected: INT64_MAX },
    { name: 'qExp(31·LN2_Q32): k = 31 saturates', input: () => Q.qExp(oracle, 31n * LN2_Q32), expected: INT64_MAX },
    // x·2^30 − 31·LN2_Q62 = 31·C − 5·2^30 = 637014283 ≥ 0: k = 31 (e^x > 2^31) saturates
    { name: 'qExp(31·LN2_Q32 − 5): k = 31 saturates', input: () => Q.qExp(oracle, 31n * LN2_Q32 - 5n), expected: INT64_MAX },
    { name: 'qLog(1) = 0', input: () => Q.qLog(oracle, ONE), expected: 0n },
    { name: 'qLog(2) = RHAZ(LN2_Q62 / 2^30) = LN2_Q32', input: () => Q.qLog(oracle, 2n * ONE), expected: LN2_Q32 },
    { name: 'qLog(0.5) = −LN2_Q32', input: () => Q.qLog(oracle, h), expected: -LN2_Q32 },
    { name: 'qSqrt(4) = 2', input: () => Q.qSqrt(oracle, 4n * ONE), expected: 2n * ONE },
    { name: 'qSqrt(0.25) = 0.5', input: () => Q.qSqrt(oracle, ONE / 4n), expected: h },
    { name: 'qSqrt(2): √2·2^32 = 6074000999.95 → 6074001000', input: () => Q.qSqrt(oracle, 2n * ONE), expected: 6074001000n },
    { name: 'qSqrt(2^-32) = 2^-16', input: () => Q.qSqrt(oracle, 1n), expected: 1n << 16n },
    { name: 'qSqrt(0) = 0', input: () => Q.qSqrt(oracle, 0n), expected: 0n },
    { name: 'qRecip(4) = 0.25', input: () => Q.qRecip(oracle, 4n * ONE), expected: ONE / 4n },
    { name: 'qRecip(−0.5) = −2', input: () => Q.qRecip(oracle, -h), expected: -2n * ONE },
    { name: 'qSigmoid(0) = 0.5', input: () => Q.qSigmoid(oracle, 0n), expected: h },
    { name: 'qSigmoid(−∞-ish) = 0', input: () => Q.qSigmoid(oracle, INT64_MIN), expected: 0n },
    { name: 'qSigmoid(+∞-ish) = 1', input: () => Q.qSigmoid(oracle, INT64_MAX), expected: ONE },
    { name: 'qTanh(0) = 0', input: () => Q.qTanh(oracle, 0n), expected: 0n },
    { name: 'qTanh(INT64_MIN) = −1', input: () => Q.qTanh(oracle, INT64_MIN), expected: -ONE },
    // erf(0): t = 1, p = ΣA_i = 4294967292 (= ONE − 4), e = 1 → y = 4 ulps (A–S 7.1.26 at 0)
    { name: 'qErf(0) = ONE − ΣA_i = 4 ulps', input: () => Q.qErf(oracle, 0n), expected: 4n },
    { name: 'qErf(INT64_MIN) = −1', input: () => Q.qErf(oracle, INT64_MIN), expected: -ONE },
    { name: 'qGelu(0) = 0', input: () => Q.qGelu(oracle, 0n), expected: 0n },
    { name: 'qGelu(100) = 100 (erf(70.7) = 1)', input: () => Q.qGelu(oracle, 100n * ONE), expected: 100n * ONE },
    { name: 'qGelu(−100) = 0', input: () => Q.qGelu(oracle, -100n * ONE), expected: 0n },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(input()).toBe(expected);
  });

  it('qExp(31·LN2_Q32 − 6): k = 30, s = 0, t ≈ 2^63·e^(−436727541/2^62) ≈ 2^63 − 873455082, not saturated', () => {
    // x·2^30 − 30·LN2_Q62 = LN2_Q62 + 31·C − 6·2^30 = LN2_Q62 − 436727541: t ≈ 2^63·(1 − 436727541.05/2^62)
    const [y, sats] = counted(() => Q.qExp(oracle, 31n * LN2_Q32 - 6n));
    expect(abs(y - ((1n << 63n) - 873455082n)) <= 4n, `${y}`).toBe(true);
    expect(sats).toBe(0n);
  });

  it('saturations are counted: qExp above EXP_MAX, qErf(INT64_MIN) (abs64 and qMul(a, a))', () => {
    expect(counted(() => Q.qExp(oracle, EXP_MAX + 1n))[1]).toBe(1n);
    expect(counted(() => Q.qExp(oracle, 31n * LN2_Q32))[1]).toBe(1n);
    expect(counted(() => Q.qExp(oracle, 31n * LN2_Q32 - 5n))[1]).toBe(1n);
    expect(counted(() => Q.qExp(oracle, EXP_MIN - 1n))[1]).toBe(0n);
    expect(counted(() => Q.qErf(oracle, INT64_MIN))[1]).toBe(2n);
    expect(counted(() => Q.qSigmoid(oracle, INT64_MIN))[1]).toBe(0n);
  });
});

describe('domain errors (numerics §2): the oracle throws the Solidity error name with its argument', () => {
  type ErrCase = { name: string; run: () => unknown; error: string; args: bigint[] };
  const cases: ErrCase[] = [
    { name: 'qLog(0)', run: () => Q.qLog(oracle, 0n), error: 'LogOfNonPositive', args: [0n] },
    { name: 'qLog(−5)', run: () => Q.qLog(oracle, -5n), error: 'LogOfNonPositive', args: [-5n] },
    { name: 'qLog(INT64_MIN)', run: () => Q.qLog(oracle, INT64_MIN), error: 'LogOfNonPositive', args: [INT64_MIN] },
    { name: 'qSqrt(−1)', run: () => Q.qSqrt(oracle, -1n), error: 'SqrtOfNegative', args: [-1n] },
    { name: 'qDiv(1, 0)', run: () => Q.qDiv(oracle, ONE, 0n), error: 'DivisionByZero', args: [] },
    { name: 'qRecip(0)', run: () => Q.qRecip(oracle, 0n), error: 'DivisionByZero', args: [] },
    { name: 'qMul(…, F = 63)', run: () => Q.qMul(oracle, 1n, 1n, 63), error: 'ValueOutOfRange', args: [63n] },
    { name: 'qMul(…, F = −1)', run: () => Q.qMul(oracle, 1n, 1n, -1), error: 'ValueOutOfRange', args: [-1n] },
    { name: 'qDiv(…, 0, F = 63): F is checked first', run: () => Q.qDiv(oracle, 1n, 0n, 63), error: 'ValueOutOfRange', args: [63n] },
    { name: 'qRescale(…, 63, 70)', run: () => Q.qRescale(oracle, 1n, 63, 70), error: 'ValueOutOfRange', args: [63n] },
    { name: 'qRescale(…, 0, 70)', run: () => Q.qRescale(oracle, 1n, 0, 70), error: 'ValueOutOfRange', args: [70n] },
    { name: 'qClamp(0, 5, 1)', run: () => Q.qClamp(oracle, 0n, 5n, 1n), error: 'ValueOutOfRange', args: [5n] },
  ];
  it.each(cases)('$name → $error', ({ run, error, args }) => {
    try {
      run();
      expect.fail('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(OracleError);
      expect((e as OracleError).errorName).toBe(error);
      expect((e as OracleError).args).toEqual(args);
    }
  });
});
