/**
 * Property tests for contracts/layers/Dense.sol: the fast layer, its plain twin (`forwardRef`,
 * `forwardRangeRef`, on the embedded EVM) and the oracle (assembly/layers/Dense.ts) produce the same
 * bytes and fail together with the same error name, in both number modes, for random shapes
 * (rows ≤ 3, K ≤ 64, N ≤ 40), random quantization parameters, every activation kind, and ranges.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { getBytes } from 'ethers';
import { checkProperty, int8Edge } from '../fuzz.ts';
import type { Harness } from '../helpers/diff.ts';
import { encodeQ } from '../../src/harness/tensor/pack.ts';
import { DENSE, packDenseI8, packDenseQ, type DenseConfig } from '../../src/harness/layers/index.ts';
import { ActKind, type ActivationSpec } from '../../src/harness/layers/types.ts';
import { actSpec, expectLayerAgreement, int8, layerHarness, multiplier, qValue, shiftArb } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await layerHarness();
});

type Corruption = 'none' | 'x+1' | 'x-1' | 'w+1' | 'w-1' | 'mode' | 'rows0' | 'N0';
const corruption = (): fc.Arbitrary<Corruption> =>
  fc.oneof(
    { weight: 16, arbitrary: fc.constant<Corruption>('none') },
    { weight: 1, arbitrary: fc.constantFrom<Corruption>('x+1', 'x-1', 'w+1', 'w-1', 'mode', 'rows0', 'N0') },
  );

const shape = () =>
  fc.record({
    rows: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) }),
    K: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(1, 64) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }) }),
    N: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(1, 31, 32, 33, 40) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 40 }) }),
  });

/** A unit range: mostly valid, rarely from > to or to > N. */
const range = (N: number): fc.Arbitrary<[number, number] | undefined> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: N }), fc.integer({ min: 0, max: N }))
        .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]),
    },
    { weight: 1, arbitrary: fc.constantFrom<[number, number]>([0, N + 1], [N, N - 1], [Math.min(1, N), 0]) },
  );

/** Resize a byte buffer by ±1 (the corruption of a length). */
const resized = (b: Uint8Array, d: number): Uint8Array => (d < 0 ? b.slice(0, b.length - 1) : Uint8Array.from([...b, 7]));

function corrupt(c: DenseConfig, bad: Corruption): DenseConfig {
  if (bad === 'mode') return { ...c, mode: 2 + (c.K % 200) };
  if (bad === 'rows0') return { ...c, rows: 0 };
  if (bad === 'N0') return { ...c, N: 0 };
  return c;
}

async function check(c: DenseConfig, weights: Uint8Array, input: Uint8Array, bad: Corruption, r: [number, number] | undefined, ctx: unknown) {
  const x = bad === 'x+1' ? resized(input, 1) : bad === 'x-1' ? resized(input, -1) : input;
  const w = bad === 'w+1' ? resized(weights, 1) : bad === 'w-1' ? resized(weights, -1) : weights;
  const cfg = corrupt(c, bad);
  // The plain twin costs ~10^3 gas per MAC (byte-wise reads): it runs on the smaller cases only.
  const withRef = c.rows * c.K * c.N <= REF_MACS;
  if (r) await expectLayerAgreement(h, DENSE, cfg, w, x, ctx, { method: 'denseRange', refMethod: withRef ? 'denseRangeRef' : undefined, range: r });
  else await expectLayerAgreement(h, DENSE, cfg, w, x, ctx, { refMethod: withRef ? 'denseRef' : undefined });
}

/** Largest rows·K·N checked against the Ref twin as well. */
const REF_MACS = 640;

const noI8 = { zIn: 0, zPre: 0, lo: -128, hi: 127, negative: false, scalePreQ: 0n, outM: 0, outShift: 0, zOut: 0 };

describe('Dense q mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const qCase = shape().chain(({ rows, K, N }) =>
      fc
        .oneof({ weight: 6, arbitrary: fc.constant(32) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 62 }) }, { weight: 1, arbitrary: fc.constantFrom(63, 255) })
        .chain((F) =>
          fc.record({
            rows: fc.constant(rows),
            K: fc.constant(K),
            N: fc.constant(N),
            F: fc.constant(F),
            act: actSpec(Math.min(F, 62)),
            x: fc.array(qValue(Math.min(F, 62)), { minLength: rows * K, maxLength: rows * K }),
            W: fc.array(qValue(Math.min(F, 62)), { minLength: K * N, maxLength: K * N }),
            b: fc.array(qValue(Math.min(F, 62)), { minLength: N, maxLength: N }),
            range: range(N),
            bad: corruption(),
          }),
        ),
    );
    await checkProperty('Dense.forward q evm==oracle', [qCase], async (c) => {
      const config: DenseConfig = { mode: 0, rows: c.rows, K: c.K, N: c.N, act: c.act, F: c.F, ...noI8 };
      await check(config, packDenseQ(c.W, c.b, c.K, c.N), getBytes(encodeQ(c.x)), c.bad, c.range, c);
    });
  });
});

describe('Dense int8 mode: fast EVM == Ref EVM == oracle', () => {
  it('forward / forwardRange', async () => {
    const i8Case = shape().chain(({ rows, K, N }) =>
      fc.record({
        rows: fc.constant(rows),
        K: fc.constant(K),
        N: fc.constant(N),
        act: actSpec(32),
        zIn: int8(),
        zPre: int8(),
        clamp: fc.oneof({ weight: 8, arbitrary: fc.tuple(int8(), int8()).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]) }, { weight: 1, arbitrary: fc.tuple(int8(), int8()) }),
        negative: fc.boolean(),
        scalePreQ: fc.oneof(
          { weight: 8, arbitrary: fc.bigInt({ min: 1n << 20n, max: 1n << 34n }) },
          { weight: 1, arbitrary: fc.constantFrom(0n, 1n, (1n << 63n) - 1n) },
          { weight: 1, arbitrary: fc.constantFrom(-1n, -(1n << 63n)) },
        ),
        outM: multiplier(),
        outShift: shiftArb(40, 62),
        zOut: int8(),
        x: fc.array(int8Edge(), { minLength: rows * K, maxLength: rows * K }),
        W: fc.array(int8Edge(), { minLength: K * N, maxLength: K * N }),
        bias: fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -100000, max: 100000 }) }, { weight: 1, arbitrary: fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0) }), { minLength: N, maxLength: N }),
        M: fc.array(multiplier(false), { minLength: N, maxLength: N }),
        shift: fc.array(shiftArb(30, 52, false), { minLength: N, maxLength: N }),
        Mn: fc.array(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), { minLength: N, maxLength: N }),
        shiftN: fc.array(shiftArb(30, 52, false), { minLength: N, maxLength: N }),
        // One invalid per-channel parameter in ~1 case of 8: (unit, which field, value).
        badChannel: fc.oneof(
          { weight: 7, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: N - 1 }), fc.constantFrom('M', 'shift', 'Mn', 'shiftN'), fc.constantFrom(0, 1)) },
        ),
        range: range(N),
        bad: corruption(),
      }),
    );
    await checkProperty('Dense.forward int8 evm==oracle', [i8Case], async (c) => {
      const act: ActivationSpec = c.act;
      const config: DenseConfig = {
        mode: 1,
        rows: c.rows,
        K: c.K,
        N: c.N,
        act,
        F: 32,
        zIn: c.zIn,
        zPre: c.zPre,
        lo: c.clamp[0]!,
        hi: c.clamp[1]!,
        negative: c.negative,
        scalePreQ: c.scalePreQ,
        outM: c.outM,
        outShift: c.outShift,
        zOut: c.zOut,
      };
      const [M, shift, Mn, shiftN] = [[...c.M], [...c.shift], [...c.Mn], [...c.shiftN]];
      if (c.badChannel) {
        const [o, field, v] = c.badChannel;
        if (field === 'M') M[o] = v ? 2 ** 32 - 1 : 2 ** 31;
        if (field === 'shift') shift[o] = v ? 255 : 127;
        if (field === 'Mn') Mn[o] = -(2 ** 31);
        if (field === 'shiftN') shiftN[o] = v ? 255 : 127;
      }
      const weights = packDenseI8({ W: c.W, bias: c.bias, M, shift, ...(c.negative ? { Mn, shiftN } : {}) }, c.K, c.N);
      await check(config, weights, Uint8Array.from(c.x, (v) => v & 0xff), c.bad, c.range, c);
    });
  });
});

// Kinds are referenced so a new ActKind shows up here when it is added.
void ActKind;
