/**
 * Loader for the WebAssembly oracle (assembly/ → build/oracle.wasm, ESM bindings build/oracle.js).
 *
 * Arrays cross into WASM memory through typed-array views (one bulk `set`, no per-element copies):
 * `arena()` resets the oracle's bump heap, `put*` allocates and writes, `view*` reads back. Kernel
 * failures (an AssemblyScript `throw` → `abort`) become `OracleError`s whose `errorName` equals the
 * Solidity custom error the EVM reverts with (docs/numerics.md §2).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './compile.ts';

/** The raw exports of the oracle module (kernels take pointers, lengths and scalars). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OracleExports = Record<string, any> & {
  memory: { buffer: ArrayBuffer };
  alloc(size: number): number;
  reset(): void;
  saturationCount(): bigint;
  resetSaturationCount(): void;
};

export class OracleError extends Error {
  /** The Solidity custom error name the EVM reverts with for the same input. */
  readonly errorName: string;
  /** The error's arguments as the oracle reports them (decimal integers). */
  readonly args: bigint[];
  constructor(message: string) {
    const text = message.replace(/ in [^ ]+:\d+:\d+$/, '');
    const [name, ...rest] = text.split(' ');
    super(`oracle: ${text}`);
    this.name = 'OracleError';
    this.errorName = name ?? 'Unknown';
    this.args = rest.filter((r) => /^-?\d+$/.test(r)).map((r) => BigInt(r));
  }
}

let loaded: Promise<Oracle> | undefined;

/** Load (once per process) the compiled oracle. Throws a clear error if `npm run build:wasm` has not run. */
export function loadOracle(): Promise<Oracle> {
  loaded ??= (async () => {
    const file = join(REPO_ROOT, 'build', 'oracle.js');
    if (!existsSync(file)) throw new Error(`oracle not built: ${file} is missing — run \`npm run build:wasm\``);
    const mod = (await import(pathToFileURL(file).href)) as OracleExports;
    return new Oracle(mod);
  })();
  return loaded;
}

export class Oracle {
  constructor(readonly exports: OracleExports) {}

  /** Reset the oracle heap; every pointer from before becomes invalid. */
  arena(): void {
    this.exports.reset();
  }

  alloc(bytes: number, align = 8): number {
    // heap.alloc aligns to 16 bytes in the stub runtime; `align` documents the caller's requirement.
    const ptr = this.exports.alloc(Math.max(bytes, 1));
    if (ptr % align !== 0) throw new Error(`oracle alloc misaligned: ${ptr}`);
    return ptr;
  }

  private get buffer(): ArrayBuffer {
    return this.exports.memory.buffer;
  }

  putI8(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length, 1);
    new Int8Array(this.buffer, ptr, values.length).set(values);
    return ptr;
  }
  putI32(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length * 4, 4);
    new Int32Array(this.buffer, ptr, values.length).set(values);
    return ptr;
  }
  putI64(values: ArrayLike<bigint>): number {
    const ptr = this.alloc(values.length * 8, 8);
    new BigInt64Array(this.buffer, ptr, values.length).set(values as ArrayLike<bigint> & Iterable<bigint>);
    return ptr;
  }
  /** A view (valid until the next call that may grow memory): copy it if you keep it. */
  viewI8(ptr: number, n: number): Int8Array {
    return new Int8Array(this.buffer, ptr, n);
  }
  viewI32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.buffer, ptr, n);
  }
  viewI64(ptr: number, n: number): BigInt64Array {
    return new BigInt64Array(this.buffer, ptr, n);
  }

  /** Call a kernel export by name, converting an AssemblyScript abort into an OracleError. */
  call<T = unknown>(name: string, ...args: unknown[]): T {
    const fn = this.exports[name] as ((...a: unknown[]) => T) | undefined;
    if (typeof fn !== 'function') throw new Error(`oracle has no export named ${name}`);
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof Error && !(e instanceof OracleError) && !(e instanceof RangeError && /Maximum call stack/.test(e.message))) {
        if (e.constructor?.name === 'RuntimeError') throw new Error(`oracle trapped in ${name}: ${e.message}`);
        throw new OracleError(e.message);
      }
      throw e;
    }
  }

  saturationCount(): bigint {
    return this.exports.saturationCount();
  }
  resetSaturationCount(): void {
    this.exports.resetSaturationCount();
  }
}

/** Run `fn` and report `{ ok, value }` or `{ ok: false, error }` — the shape the differential tests compare. */
export function tryOracle<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: OracleError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof OracleError) return { ok: false, error: e };
    throw e;
  }
}
