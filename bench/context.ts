/** Shared plumbing for benchmark cases: harness deployment, calls, EVM timing. */
import { compileFor, getArtifact } from '../src/harness/compile.ts';
import type { Oracle } from '../src/harness/oracle.ts';
import type { Chain } from '../src/simulator/index.ts';

export interface BenchRow {
  /** Stable id, the key in bench/baseline.json. */
  id: string;
  /** Gas of the measured primitive (measured inside the harness, deterministic). */
  gas: number;
  /** Work units the gas is divided by (MACs, elements or calls). */
  units: number;
  unit: 'MAC' | 'element' | 'call' | 'param';
}

export class BenchContext {
  /** Wall time and gas spent in EVM calls (for the simulator's Mgas/s). */
  evmSeconds = 0;
  evmGas = 0;
  private readonly deployed = new Map<string, { address: string; abi: unknown[] }>();

  constructor(
    readonly chain: Chain,
    readonly oracle: Oracle,
  ) {}

  async harness(name: string): Promise<{ address: string; abi: unknown[] }> {
    let h = this.deployed.get(name);
    if (!h) {
      const artifact = getArtifact(name, compileFor([`contracts/test/${name}.sol`]));
      const { address } = await this.chain.deploy(artifact);
      h = { address, abi: artifact.abi };
      this.deployed.set(name, h);
    }
    return h;
  }

  /**
   * Call `method` of harness `name`; the harness returns `(…, gasUsed)` and the primitive's gas is the
   * last value. Throws when the call reverts (a benchmark input must be valid).
   */
  async gasOf(name: string, method: string, args: unknown[]): Promise<{ gas: number; value: unknown[] }> {
    const h = await this.harness(name);
    const t = performance.now();
    const r = await this.chain.call<unknown[]>(h.address, h.abi, method, args);
    this.evmSeconds += (performance.now() - t) / 1000;
    this.evmGas += Number(r.gasUsed);
    const values = Array.isArray(r.value) ? r.value : [r.value];
    return { gas: Number(values[values.length - 1] as bigint), value: values };
  }
}

export { randomI8, randomQ, rng } from '../src/harness/util/random.ts';
