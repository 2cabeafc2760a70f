/**
 * Property tests for contracts/tensor/MatVec.sol: the fast kernels, their plain `…Ref` twins (both on
 * the embedded EVM) and the WASM oracle agree bit for bit, and fail together with the same error name
 * (docs/numerics.md §3, §4.1–§4.3, §5). Sizes stay small (K ≤ 64, N ≤ 40) so every case runs in ms.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { hexlify } from 'ethers';
import { checkProperty, int64Edge, int8Edge, qEdge } from '../fuzz.ts';
import { expectSameOutcome, getHarness, oracleOutcome, type Harness, type Outcome } from '../helpers/diff.ts';
import { decodeI8, decodeQ, encodeI8, encodeQ, packPanelsI8 } from '../../src/harness/tensor/pack.ts';
import * as mv from '../../src/harness/kernels/matvec.ts';

let h: Harness;
beforeAll(async () => {
  h = await getHarness('MatVecHarness');
});

/** Call a harness method returning `(value, gasUsed)` and keep the value, mapped by `map`. */
async function evm<T>(method: string, args: unknown[], map: (v: unknown) => T): Promise<Outcome<T>> {
  const r = await h.call<[unknown, bigint]>(method, args);
  return r.ok ? { ok: true, value: map(r.value[0]) } : r;
}
const asBigints = (v: unknown) => BigInt64Array.from(v as bigint[], (x) => BigInt(x));
const asBigint = (v: unknown) => BigInt(v as bigint);

// ------------------------------------------------------------------------------------- generators

/** How a case's buffers are (mis)shaped: most cases are well formed. */
type Corruption = 'none' | 'x+1' | 'x-1' | 'w+1' | 'w-1' | 'bias+1' | 'bias-1';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 14, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w+1', 'w-1', 'bias+1', 'bias-1') },
  );

function resize<T extends { length: number; slice(a: number, b: number): T }>(a: T, delta: number, make: (n: number) => T): T {
  if (delta < 0) return a.slice(0, Math.max(0, a.length + delta));
  const out = make(a.length + delta);
  (out as unknown as { set(x: T): void }).set(a);
  return out;
}

/** An int8 vector: edge-biased random, all −128 or all 127. */
const i8Vector = (n: number): fc.Arbitrary<Int8Array> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(int8Edge(), { minLength: n, maxLength: n }).map((a) => Int8Array.from(a)) },
    { weight: 1, arbitrary: fc.constant(new Int8Array(n).fill(-128)) },
    { weight: 1, arbitrary: fc.constant(new Int8Array(n).fill(127)) },
  );

/** A zero point: an int8 biased to the ends, rarely just outside. */
const zeroPoint = (): fc.Arbitrary<number> =>
  fc.oneof({ weight: 30, arbitrary: int8Edge() }, { weight: 1, arbitrary: fc.constantFrom(-129, 128) });

/** An int8-mode bias: |b| < 2^31, biased to the ends, rarely just outside. */
const bias32 = (): fc.Arbitrary<bigint> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: -(1n << 31n) + 1n, max: (1n << 31n) - 1n }) },
    { weight: 4, arbitrary: fc.bigInt({ min: -70000n, max: 70000n }) },
    { weight: 2, arbitrary: fc.constantFrom(0n, (1n << 31n) - 1n, -(1n << 31n) + 1n) },
    { weight: 1, arbitrary: fc.constantFrom(1n << 31n, -(1n << 31n)) },
  );

interface I8Case {
  K: number;
  N: number;
  x: Int8Array;
  zx: number;
  w: Int8Array;
  bias: bigint[];
  bad: Corruption;
}

const i8Case = (maxK = 64, maxN = 40): fc.Arbitrary<I8Case> =>
  fc
    .record({
      K: fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: maxK }) }),
      N: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(1, 31, 32, 33) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: maxN }) }),
    })
    .chain(({ K, N }) =>
      fc.record({
        K: fc.constant(K),
        N: fc.constant(N),
        x: i8Vector(K),
        zx: zeroPoint(),
        w: i8Vector(K * N),
        bias: fc.array(bias32(), { minLength: N, maxLength: N }),
        bad: corruption(),
      }),
    );

/** The buffers of an int8 case as each tier receives them (the corruption applied consistently). */
function i8Buffers(c: I8Case) {
  const d = (kind: string) => (c.bad === `${kind}+1` ? 1 : c.bad === `${kind}-1` ? -1 : 0);
  const x = resize(c.x, d('x'), (n) => new Int8Array(n));
  const panels = resize(packPanelsI8(c.w, c.K, c.N), d('w'), (n) => new Uint8Array(n));
  const rowMajor = resize(c.w, d('w'), (n) => new Int8Array(n));
  const bias = d('bias') < 0 ? c.bias.slice(0, -1) : d('bias') > 0 ? [...c.bias, 0n] : c.bias;
  return { x, panels, rowMajor, bias };
}

/** q-mode values biased toward edges (int64 extremes, exact halves at F = 32). */
const qVector = (n: number): fc.Arbitrary<bigint[]> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(qEdge(32), { minLength: n, maxLength: n }) },
    { weight: 2, arbitrary: fc.array(fc.bigInt({ min: -(1n << 36n), max: 1n << 36n }), { minLength: n, maxLength: n }) },
    { weight: 1, arbitrary: fc.constant(new Array<bigint>(n).fill(-(1n << 63n))) },
    { weight: 1, arbitrary: fc.constant(new Array<bigint>(n).fill((1n << 63n) - 1n)) },
  );

/** Fractional bits: 0..62 biased to 0, 16, 32, 62, rarely an invalid 63..64. */
const fracBits = (): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 62 }) },
    { weight: 4, arbitrary: fc.constantFrom(0, 1, 16, 32, 61, 62) },
    { weight: 1, arbitrary: fc.constantFrom(63, 64) },
  );

// ------------------------------------------------------------------------------------- int8 mode

describe('MatVec int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('matvecI8', async () => {
    await checkProperty(
      'MatVec.matvecI8 evm==oracle',
      [i8Case()],
      async (c) => {
        const b = i8Buffers(c);
        const oracle = oracleOutcome(() => mv.matvecI8(h.oracle, b.x, c.zx, b.panels, BigInt64Array.from(b.bias), c.K, c.N));
        const fast = await evm('matvecI8', [encodeI8(b.x), c.zx, hexlify(b.panels), b.bias, c.K, c.N], asBigints);
        const ref = await evm('matvecI8Ref', [encodeI8(b.x), c.zx, encodeI8(b.rowMajor), b.bias, c.K, c.N], asBigints);
        expectSameOutcome(fast, oracle, c);
        expectSameOutcome(fast, ref, c);
      },
      {
        examples: <[I8Case][]>[
          // K = 1; N not a multiple of 32; zero point at each end; every extreme at once.
          [{ K: 1, N: 33, x: Int8Array.of(-128), zx: 127, w: new Int8Array(33).fill(127), bias: new Array(33).fill((1n << 31n) - 1n), bad: 'none' }],
          [{ K: 64, N: 40, x: new Int8Array(64).fill(127), zx: -128, w: new Int8Array(64 * 40).fill(-128), bias: new Array(40).fill(-(1n << 31n) + 1n), bad: 'none' }],
          [{ K: 64, N: 32, x: new Int8Array(64).fill(-128), zx: 127, w: new Int8Array(64 * 32).fill(127), bias: new Array(32).fill(0n), bad: 'none' }],
        ],
      },
    );
  });

  it('matvecI8Requant', async () => {
    const requant = (N: number) =>
      fc.record({
        multipliers: fc.array(
          fc.oneof(
            { weight: 20, arbitrary: fc.bigInt({ min: 1n << 30n, max: (1n << 31n) - 1n }) },
            { weight: 3, arbitrary: fc.constantFrom(0n, 1n, (1n << 31n) - 1n) },
            { weight: 1, arbitrary: fc.constantFrom(-1n, 1n << 31n) },
          ),
          { minLength: N, maxLength: N },
        ),
        shifts: fc.array(
          fc.oneof({ weight: 30, arbitrary: fc.bigInt({ min: 20n, max: 60n }) }, { weight: 3, arbitrary: fc.constantFrom(0n, 126n) }, { weight: 1, arbitrary: fc.constantFrom(-1n, 127n) }),
          { minLength: N, maxLength: N },
        ),
        zOut: zeroPoint(),
      });
    await checkProperty(
      'MatVec.matvecI8Requant evm==oracle',
      [i8Case().chain((c) => requant(c.N).map((r) => ({ ...c, ...r })))],
      async (c) => {
        const b = i8Buffers(c);
        const oracle = oracleOutcome(() =>
          mv.matvecI8Requant(h.oracle, b.x, c.zx, b.panels, BigInt64Array.from(b.bias), BigInt64Array.from(c.multipliers), BigInt64Array.from(c.shifts), c.zOut, c.K, c.N),
        );
        const args = [encodeI8(b.x), c.zx, hexlify(b.panels), b.bias, c.multipliers, c.shifts, c.zOut, c.K, c.N];
        expectSameOutcome(await evm('matvecI8Requant', args, (v) => decodeI8(v as string)), oracle, c);
      },
    );
  });

  it('matmulI8', async () => {
    const mmCase = fc
      .record({ M: fc.integer({ min: 0, max: 4 }), K: fc.integer({ min: 1, max: 40 }), N: fc.integer({ min: 1, max: 40 }) })
      .chain(({ M, K, N }) =>
        fc.record({ M: fc.constant(M), K: fc.constant(K), N: fc.constant(N), a: i8Vector(M * K), za: zeroPoint(), b: i8Vector(K * N), bad: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1, 2) }) }),
      );
    await checkProperty('MatVec.matmulI8 evm==oracle', [mmCase], async (c) => {
      // bad: −1 drops a byte of A, 1 adds one to B, 2 appends one to A.
      const a = c.bad === -1 ? c.a.slice(0, -1) : c.bad === 2 ? Int8Array.from([...c.a, 0]) : c.a;
      const b = c.bad === 1 ? Int8Array.from([...c.b, 0]) : c.b;
      const oracle = oracleOutcome(() => mv.matmulI8(h.oracle, a, c.za, b, c.M, c.K, c.N));
      expectSameOutcome(await evm('matmulI8', [encodeI8(a), c.za, encodeI8(b), c.M, c.K, c.N], asBigints), oracle, c);
    });
  });
});

// ------------------------------------------------------------------------------------- q mode

describe('MatVec q mode: fast EVM == Ref EVM == oracle', () => {
  it('dotQ', async () => {
    const dotCase = fc
      .integer({ min: 0, max: 40 })
      .chain((n) => fc.record({ a: qVector(n), b: qVector(n), F: fracBits(), extra: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }) }));
    await checkProperty('MatVec.dotQ evm==oracle', [dotCase], async (c) => {
      const b = c.extra ? [...c.b, 1n] : c.b;
      const oracle = oracleOutcome(() => mv.dotQ(h.oracle, BigInt64Array.from(c.a), BigInt64Array.from(b), c.F));
      const fast = await evm('dotQ', [encodeQ(c.a), encodeQ(b), c.F], asBigint);
      expectSameOutcome(fast, oracle, c);
      expectSameOutcome(fast, await evm('dotQRef', [encodeQ(c.a), encodeQ(b), c.F], asBigint), c);
    });
  });

  it('matvecQ', async () => {
    const mvCase = fc
      .record({ K: fc.integer({ min: 0, max: 24 }), N: fc.integer({ min: 0, max: 13 }) })
      .chain(({ K, N }) =>
        fc.record({ K: fc.constant(K), N: fc.constant(N), x: qVector(K), w: qVector(K * N), bias: fc.array(int64Edge(), { minLength: N, maxLength: N }), F: fracBits(), bad: corruption() }),
      );
    await checkProperty('MatVec.matvecQ evm==oracle', [mvCase], async (c) => {
      const d = (kind: string) => (c.bad === `${kind}+1` ? 1 : c.bad === `${kind}-1` ? -1 : 0);
      const fit = (a: bigint[], delta: number) => (delta < 0 ? a.slice(0, Math.max(0, a.length - 1)) : delta > 0 ? [...a, 0n] : a);
      const x = fit(c.x, d('x')), w = fit(c.w, d('w')), bias = fit(c.bias, d('bias'));
      const oracle = oracleOutcome(() => mv.matvecQ(h.oracle, BigInt64Array.from(x), BigInt64Array.from(w), BigInt64Array.from(bias), c.K, c.N, c.F));
      const args = [encodeQ(x), encodeQ(w), encodeQ(bias), c.K, c.N, c.F];
      const fast = await evm('matvecQ', args, (v) => decodeQ(v as string));
      expectSameOutcome(fast, oracle, c);
      expectSameOutcome(fast, await evm('matvecQRef', args, (v) => decodeQ(v as string)), c);
    });
  });

  it('matmulQ', async () => {
    const mmCase = fc
      .record({ M: fc.integer({ min: 0, max: 3 }), K: fc.integer({ min: 0, max: 12 }), N: fc.integer({ min: 0, max: 9 }) })
      .chain(({ M, K, N }) => fc.record({ M: fc.constant(M), K: fc.constant(K), N: fc.constant(N), a: qVector(M * K), b: qVector(K * N), F: fracBits(), bad: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2) }) }));
    await checkProperty('MatVec.matmulQ evm==oracle', [mmCase], async (c) => {
      const a = c.bad === 1 ? [...c.a, 0n] : c.a;
      const b = c.bad === 2 ? [...c.b, 0n] : c.b;
      const oracle = oracleOutcome(() => mv.matmulQ(h.oracle, BigInt64Array.from(a), BigInt64Array.from(b), c.M, c.K, c.N, c.F));
      expectSameOutcome(await evm('matmulQ', [encodeQ(a), encodeQ(b), c.M, c.K, c.N, c.F], (v) => decodeQ(v as string)), oracle, c);
    });
  });
});
