/**
 * Elementwise: the oracle against exact BigInt references written from docs/numerics.md §1, §3.1,
 * §4.3–§4.4, hand-derived case tables, the EVM-only failures (values too wide for their type, q buffers
 * whose byte length is not a multiple of 8), and gas per element (printed).
 */
import { hexlify } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOracle, OracleError, type Oracle } from '../../src/harness/oracle.ts';
import { decodeI8, encodeI8, encodeQ } from '../../src/harness/tensor/pack.ts';
import * as ew from '../../src/harness/kernels/elementwise.ts';
import { getHarness, type Harness } from '../helpers/diff.ts';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const abs = (v: bigint) => (v < 0n ? -v : v);
function rhazShift(v: bigint, s: bigint): bigint {
  if (s === 0n) return v;
  const d = 1n << s;
  const q = abs(v) / d;
  const m = 2n * (abs(v) - q * d) >= d ? q + 1n : q;
  return v < 0n ? -m : m;
}
const sat64 = (v: bigint) => (v < I64_MIN ? I64_MIN : v > I64_MAX ? I64_MAX : v);
const sat8 = (v: bigint) => (v < -128n ? -128n : v > 127n ? 127n : v);
const requant = (acc: bigint, m: bigint, s: bigint, z: bigint) => sat8(z + rhazShift(acc * m, s));

const QS = [0n, 1n, -1n, 2n, -3n, 1n << 31n, -(1n << 31n), 1n << 32n, 3n << 31n, -(5n << 31n), 123456789n << 20n, I64_MAX, I64_MIN, I64_MIN + 1n, I64_MAX - 1n, 1n << 62n, -(1n << 62n)];
const I8 = [-128, -127, -100, -1, 0, 1, 2, 50, 126, 127];

let o: Oracle;
beforeAll(async () => {
  o = await loadOracle();
});
const q = (a: bigint[]) => BigInt64Array.from(a);
function errorName(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof OracleError) return e.errorName;
    throw e;
  }
}

describe('q mode vs exact reference (numerics §3.1)', () => {
  const a = QS.flatMap((x) => QS.map(() => x));
  const b = QS.flatMap(() => QS);
  it('addQ / subQ: all pairs of edges', () => {
    expect(Array.from(ew.addQ(o, q(a), q(b)))).toEqual(a.map((x, i) => sat64(x + b[i]!)));
    expect(Array.from(ew.subQ(o, q(a), q(b)))).toEqual(a.map((x, i) => sat64(x - b[i]!)));
  });
  it('mulQ: all pairs of edges at every F', () => {
    for (let F = 0; F <= 62; F++) {
      expect(Array.from(ew.mulQ(o, q(a), q(b), F)), `F=${F}`).toEqual(a.map((x, i) => sat64(rhazShift(x * b[i]!, BigInt(F)))));
    }
  });
  it('clampQ', () => {
    for (const lo of QS) for (const hi of QS) {
      if (lo > hi) expect(errorName(() => ew.clampQ(o, q(QS), lo, hi))).toBe('ValueOutOfRange');
      else expect(Array.from(ew.clampQ(o, q(QS), lo, hi))).toEqual(QS.map((x) => (x < lo ? lo : x > hi ? hi : x)));
    }
  });
  const ONE = 1n << 32n;
  const cases: { name: string; run: () => BigInt64Array; expected: bigint[] }[] = [
    { name: 'mulQ 1.5·2.0 = 3.0', run: () => ew.mulQ(o, q([3n * (ONE / 2n)]), q([2n * ONE]), 32), expected: [3n * ONE] },
    { name: 'mulQ −0.5 ulp rounds away: (−1)·1 at F = 1 → −1', run: () => ew.mulQ(o, q([-1n]), q([1n]), 1), expected: [-1n] },
    { name: 'addQ saturates at INT64_MAX', run: () => ew.addQ(o, q([I64_MAX]), q([1n])), expected: [I64_MAX] },
    { name: 'subQ saturates at INT64_MIN', run: () => ew.subQ(o, q([I64_MIN]), q([1n])), expected: [I64_MIN] },
    { name: 'clampQ to [0, 6.0] (ReLU6)', run: () => ew.clampQ(o, q([-ONE, 3n * ONE, 7n * ONE]), 0n, 6n * ONE), expected: [0n, 3n * ONE, 6n * ONE] },
  ];
  for (const c of cases) it(c.name, () => expect(Array.from(c.run())).toEqual(c.expected));
  it('validation', () => {
    expect(errorName(() => ew.addQ(o, q([1n]), q([1n, 2n])))).toBe('ShapeMismatch');
    expect(errorName(() => ew.mulQ(o, q([1n]), q([1n, 2n]), 63))).toBe('ShapeMismatch');
    expect(errorName(() => ew.mulQ(o, q([1n]), q([1n]), 63))).toBe('ValueOutOfRange');
  });
});

describe('int8 mode vs exact reference (numerics §4.3–§4.4)', () => {
  const a = Int8Array.from(I8.flatMap((x) => I8.map(() => x)));
  const b = Int8Array.from(I8.flatMap(() => I8));
  it('addI8Tensor sweep', () => {
    for (const [za, ma, zb, mb, s, zo] of [
      [0n, 1n << 30n, 0n, 1n << 30n, 30n, 0n],
      [-128n, (1n << 31n) - 1n, 127n, -(1n << 31n) + 1n, 31n, 5n],
      [3n, 1n, -7n, 2n, 0n, -128n],
      [127n, 987654321n, -128n, 123456789n, 62n, 127n],
    ] as const) {
      const want = Array.from(a, (x, i) => sat8(zo + rhazShift((BigInt(x) - za) * ma + (BigInt(b[i]!) - zb) * mb, s)));
      expect(Array.from(ew.addI8Tensor(o, a, za, ma, b, zb, mb, s, zo), BigInt)).toEqual(want);
    }
  });
  it('mulI8Tensor sweep', () => {
    for (const [za, zb, m, s, zo] of [
      [0n, 0n, 1n << 30n, 37n, 0n],
      [-128n, 127n, (1n << 31n) - 1n, 46n, -3n],
      [1n, 2n, 1n, 0n, 0n],
    ] as const) {
      const want = Array.from(a, (x, i) => requant((BigInt(x) - za) * (BigInt(b[i]!) - zb), m, s, zo));
      expect(Array.from(ew.mulI8Tensor(o, a, za, b, zb, m, s, zo), BigInt)).toEqual(want);
    }
  });
  it('clampI8Tensor: ReLU at z = −5', () => {
    expect(Array.from(ew.clampI8Tensor(o, Int8Array.from(I8), -5, 127))).toEqual(I8.map((x) => Math.max(x, -5)));
    expect(errorName(() => ew.clampI8Tensor(o, Int8Array.from(I8), 5, -5))).toBe('ValueOutOfRange');
  });
  it('requantizeTensor: per-channel parameters, channel = i mod C', () => {
    const acc = [0n, 1n, -1n, 1000n, -1000n, 65025n, I64_MAX, I64_MIN, 1n << 40n, -(1n << 40n), 12345n, -54321n];
    const m = [1n << 30n, 1518500250n, (1n << 31n) - 1n];
    const s = [31n, 38n, 126n];
    const want = acc.map((x, i) => requant(x, m[i % 3]!, s[i % 3]!, -7n));
    expect(Array.from(ew.requantizeTensor(o, q(acc), q(m), q(s), -7n), BigInt)).toEqual(want);
    expect(errorName(() => ew.requantizeTensor(o, q(acc.slice(1)), q(m), q(s), 0))).toBe('ShapeMismatch');
    expect(errorName(() => ew.requantizeTensor(o, q([]), q([]), q([]), 0))).toBe('ShapeMismatch');
    expect(errorName(() => ew.requantizeTensor(o, q(acc), q(m), q(s.slice(1)), 0))).toBe('ShapeMismatch');
    expect(errorName(() => ew.requantizeTensor(o, q(acc), q([1n, 2n, -1n]), q(s), 999))).toBe('InvalidRequantization');
    expect(errorName(() => ew.requantizeTensor(o, q(acc), q(m), q(s), 128))).toBe('ValueOutOfRange');
  });
  it('dequantizeI8Tensor / quantizeQTensor round trip at scale 2^-8', () => {
    // x·2^-8 in Q32.32 is (x − z)·2^24; back: v·2^30/2^(30+24) = v/2^24.
    const x = Int8Array.from(I8);
    const v = ew.dequantizeI8Tensor(o, x, 3, 1n << 24n);
    expect(Array.from(v)).toEqual(I8.map((t) => BigInt(t - 3) << 24n));
    expect(Array.from(ew.quantizeQTensor(o, v, 1n << 30n, 54n, 3))).toEqual(I8);
    expect(Array.from(ew.dequantizeI8Tensor(o, Int8Array.of(127), -128, I64_MAX))).toEqual([I64_MAX]);
    expect(errorName(() => ew.dequantizeI8Tensor(o, x, 0, -1n))).toBe('ValueOutOfRange');
  });
});

describe('EVM-only failures and gas per element', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await getHarness('ElementwiseHarness');
  });

  it('reverts ValueOutOfRange on an accumulator outside int64, ShapeMismatch on a ragged q buffer', async () => {
    const r = await h.call('requantizeTensor', [[1n, 1n << 63n, -(1n << 64n)], [1n << 30n], [30n], 0]);
    expect(r.ok ? 'ok' : r.name).toBe('ValueOutOfRange');
    const ok = await h.call<[string, bigint]>('requantizeTensor', [[1n, I64_MAX, I64_MIN], [1n << 30n], [30n], 0]);
    expect(ok.ok && Array.from(decodeI8(ok.value[0]))).toEqual([1, 127, -128]);
    const ragged = hexlify(new Uint8Array(12));
    for (const [m, args] of [['addQ', [ragged, ragged]], ['clampQ', [ragged, 0n, 1n]], ['quantizeQTensor', [ragged, 1n, 0n, 0n]]] as const) {
      const res = await h.call(m, [...args]);
      expect(res.ok ? 'ok' : res.name, m).toBe('ShapeMismatch');
    }
  });

  it('prints gas per element (n = 256)', async () => {
    const n = 256;
    const qa = encodeQ(Array.from({ length: n }, (_, i) => BigInt(i - 128) << 30n));
    const ia = encodeI8(Array.from({ length: n }, (_, i) => (i % 256) - 128));
    const calls: [string, unknown[]][] = [
      ['addQ', [qa, qa]],
      ['mulQ', [qa, qa, 32]],
      ['clampQ', [qa, 0n, 1n << 34n]],
      ['addI8Tensor', [ia, 0, 1n << 30n, ia, 0, 1n << 30n, 31, 0]],
      ['mulI8Tensor', [ia, 0, ia, 0, 1n << 30n, 37, 0]],
      ['clampI8Tensor', [ia, -128, 0]],
      ['requantizeTensor', [Array.from({ length: n }, (_, i) => BigInt(i * 1000 - 100000)), new Array(16).fill(1n << 30n), new Array(16).fill(40n), 0]],
      ['dequantizeI8Tensor', [ia, 0, 1n << 24n]],
      ['quantizeQTensor', [qa, 1n << 30n, 62, 0]],
    ];
    const lines = [`gas per element (n = ${n}, gasleft() in the harness):`];
    for (const [m, args] of calls) {
      const r = await h.call<[string, bigint]>(m, args);
      if (!r.ok) throw new Error(`${m}: ${r.name}`);
      const per = Number(r.value[1]) / n;
      lines.push(`  ${m.padEnd(20)} ${per.toFixed(1)}`);
      expect(per, `${m} gas per element`).toBeLessThan(400); // a loose regression bound; the figures are printed
    }
    console.log(lines.join('\n'));
  });
});
