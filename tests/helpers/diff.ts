/**
 * Differential comparison of the EVM (a harness contract on the embedded chain) and the oracle:
 * the same integers out, or a revert on the EVM exactly when the oracle throws, with the same error name.
 */
import { expect } from 'vitest';
import { compileFor, getArtifact } from '../../src/harness/compile.ts';
import { OracleError, loadOracle, type Oracle } from '../../src/harness/oracle.ts';
import { createChain, type Chain } from '../../src/simulator/index.ts';

export type Outcome<T> = { ok: true; value: T } | { ok: false; name: string; detail: string };

export function oracleOutcome<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof OracleError) return { ok: false, name: e.errorName, detail: e.message };
    throw e;
  }
}

/** Compare outcomes; `context` is printed on mismatch (the inputs). */
export function expectSameOutcome<T>(evm: Outcome<T>, oracle: Outcome<T>, context: unknown): void {
  const show = (o: Outcome<T>) => (o.ok ? { ok: true, value: o.value } : { ok: false, error: o.name, detail: o.detail });
  if (evm.ok !== oracle.ok || (!evm.ok && !oracle.ok && evm.name !== oracle.name)) {
    expect.fail(
      `EVM and oracle disagree on success/failure for ${stringify(context)}:\n  evm:    ${stringify(show(evm))}\n  oracle: ${stringify(show(oracle))}`,
    );
  }
  if (evm.ok && oracle.ok) {
    expect(normalize(evm.value), `EVM vs oracle for ${stringify(context)}`).toEqual(normalize(oracle.value));
  }
}

/** Bigints, typed arrays and nested arrays → plain comparable structures. */
export function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number | bigint>, normalize);
  if (Array.isArray(v)) return v.map(normalize);
  return v;
}

export function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x));
}

export interface Harness {
  chain: Chain;
  address: string;
  abi: unknown[];
  oracle: Oracle;
  /** Call a view of the harness and return its outcome (value decoded by ethers, as a plain array for tuples). */
  call<T = unknown>(method: string, args: unknown[]): Promise<Outcome<T>>;
}

const harnesses = new Map<string, Promise<Harness>>();

/**
 * Deploy (once per test file/process) the harness contract `contracts/test/<contract>.sol` on an
 * `unlimited` chain (artifacts from `compileFor`: the cached whole-tree build when it compiles).
 */
export function getHarness(contract: string): Promise<Harness> {
  let h = harnesses.get(contract);
  if (!h) {
    h = (async () => {
      const artifact = getArtifact(contract, compileFor([`contracts/test/${contract}.sol`]));
      const chain = await createChain({ profile: 'unlimited' });
      const { address } = await chain.deploy(artifact);
      const oracle = await loadOracle();
      return {
        chain,
        address: address!,
        abi: artifact.abi,
        oracle,
        async call<T>(method: string, args: unknown[]): Promise<Outcome<T>> {
          const r = await chain.tryCall<T>(address!, artifact.abi, method, args);
          if (r.ok) return { ok: true, value: r.value };
          return { ok: false, name: r.error.name, detail: r.error.message };
        },
      };
    })();
    harnesses.set(contract, h);
  }
  return h;
}
