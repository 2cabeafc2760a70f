/**
 * The one shared fuzz helper. Every property test (`*.fuzz.test.ts`) takes its budget and seed here:
 *   FUZZ_RUNS  number of cases per property (CI default below; `npm run fuzz` uses 2000)
 *   FUZZ_SEED  fixed seed to replay a failure (default: a fresh random seed, printed on failure)
 * Every counterexample ever found is pinned in its property's `examples` (with a comment saying where it
 * came from) and replayed first on every run.
 */
import fc from 'fast-check';

/** Cases per property in the default `npm test` run (small, fixed, keeps CI fast). */
export const CI_FUZZ_RUNS = 40;

export function fuzzRuns(scale = 1): number {
  const env = process.env.FUZZ_RUNS;
  const runs = env ? Number.parseInt(env, 10) : CI_FUZZ_RUNS;
  if (!Number.isFinite(runs) || runs <= 0) throw new Error(`FUZZ_RUNS must be a positive integer, got ${env}`);
  return Math.max(1, Math.round(runs * scale));
}

export function fuzzSeed(): number {
  const env = process.env.FUZZ_SEED;
  if (env) return Number.parseInt(env, 10);
  return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

/** Cases checked, per property name, in this process (the fuzz summary prints them). */
export const caseCounts = new Map<string, number>();

/**
 * fc.assert with the shared budget and seed; the failure message names the seed and the replay
 * command. `examples` are pinned regression inputs that always run first.
 */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => Promise<void> | void,
  opts: { scale?: number; examples?: Ts[] } = {},
): Promise<void> {
  const seed = fuzzSeed();
  const numRuns = fuzzRuns(opts.scale);
  let count = 0;
  const prop = fc.asyncProperty(...(arbs as unknown as [fc.Arbitrary<unknown>]), async (...args: unknown[]) => {
    count++;
    await predicate(...(args as Ts));
  });
  try {
    await fc.assert(prop as unknown as fc.IAsyncProperty<[unknown]>, {
      numRuns,
      seed,
      examples: (opts.examples ?? []) as unknown as [unknown][],
      endOnFailure: false,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`property "${name}" failed — replay with FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns}\n${msg}`);
  } finally {
    caseCounts.set(name, (caseCounts.get(name) ?? 0) + count);
    // Under an explicit budget (`npm run fuzz`, FUZZ_RUNS=…) every property reports what it checked.
    if (process.env.FUZZ_RUNS) console.log(`fuzz: ${name}: ${count} cases (seed ${seed})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators biased toward edge values (0, ±1, min/max, powers of two and neighbours, exact
// half-LSB boundaries) mixed with uniform values.

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function powerOfTwoNeighbours(maxBits: number): bigint[] {
  const out: bigint[] = [];
  for (let b = 0; b < maxBits; b++) {
    const p = 1n << BigInt(b);
    out.push(p - 1n, p, p + 1n, -p + 1n, -p, -p - 1n);
  }
  return out;
}

/** int64 biased toward edges. */
export function int64Edge(): fc.Arbitrary<bigint> {
  const edges = [0n, 1n, -1n, INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n, ...powerOfTwoNeighbours(63)];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...edges) },
    { weight: 3, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
    { weight: 3, arbitrary: fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: -1000n, max: 1000n }) },
  );
}

/** A Q value with F fractional bits biased toward integers, exact halves (rounding boundaries) and small magnitudes. */
export function qEdge(F = 32, maxInt = 1n << 20n): fc.Arbitrary<bigint> {
  const one = 1n << BigInt(F);
  const half = F > 0 ? one >> 1n : 0n;
  return fc.oneof(
    { weight: 3, arbitrary: int64Edge() },
    { weight: 2, arbitrary: fc.bigInt({ min: -maxInt, max: maxInt }).map((k) => clamp64(k * one)) },
    { weight: 2, arbitrary: fc.bigInt({ min: -maxInt, max: maxInt }).map((k) => clamp64(k * one + half)) },
    { weight: 3, arbitrary: fc.bigInt({ min: -maxInt * one, max: maxInt * one }).map(clamp64) },
  );
}

/** int8 biased toward -128, -127, -1, 0, 1, 127. */
export function int8Edge(): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(-128, -127, -1, 0, 1, 126, 127) },
    { weight: 3, arbitrary: fc.integer({ min: -128, max: 127 }) },
  );
}

/** An int8 array of the given length (edge-biased elements). */
export function int8Array(length: number): fc.Arbitrary<Int8Array> {
  return fc.array(int8Edge(), { minLength: length, maxLength: length }).map((a) => Int8Array.from(a));
}

export function clamp64(v: bigint): bigint {
  return v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : v;
}

/**
 * A drawn convolution shape fitted to a MAC budget (the EVM reference kernels cost ~1,000 gas per MAC):
 * fewer input channels, then a smaller image, when the channels and kernel alone exceed it. `h`, `w` are
 * the drawn image size; the result has `Cin`, `H`, `W` (callers still filter by the exact MAC count,
 * which padding fixes can change).
 */
export function fitConvBudget<S extends { Cin: number; Cout: number; kh: number; kw: number }>(
  { h, w, ...s }: S & { h: number; w: number },
  budget = 2500,
): Omit<S, 'Cin'> & { Cin: number; H: number; W: number } {
  const perTap = s.Cout * s.kh * s.kw;
  const Cin = Math.max(1, Math.min(s.Cin, Math.floor(budget / perTap)));
  const pixels = Math.max(1, Math.floor(budget / (perTap * Cin)));
  const H = Math.min(h, pixels);
  const W = Math.max(1, Math.min(w, Math.floor(pixels / H)));
  return { ...(s as unknown as S), Cin, H, W };
}
