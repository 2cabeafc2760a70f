/** Shared plumbing for benchmark cases: harness deployment, calls, EVM timing. */
import { compileFor, getArtifact } from '../src/harness/compile.ts';
import { buildSegments, segmentInitcode } from '../src/harness/storage/index.ts';
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
  /** The heaviest single view call: the simulator's Mgas/s is taken from it. */
  heaviest = { gas: 0, seconds: 0, id: '' };
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
    const seconds = (performance.now() - t) / 1000;
    this.evmSeconds += seconds;
    this.evmGas += Number(r.gasUsed);
    if (Number(r.gasUsed) > this.heaviest.gas) this.heaviest = { gas: Number(r.gasUsed), seconds, id: `${name}.${method}` };
    const values = Array.isArray(r.value) ? r.value : [r.value];
    return { gas: Number(values[values.length - 1] as bigint), value: values };
  }

  /** Gas of deploying `blob` as weight segments (one deploy transaction each): the receipts' gasUsed summed. */
  async storageGas(blob: Uint8Array): Promise<number> {
    let gas = 0n;
    for (const s of buildSegments(blob)) gas += (await this.chain.deployCode(segmentInitcode(s.data))).gasUsed;
    return Number(gas);
  }
}

export { randomI8, randomQ, rng } from '../src/harness/util/random.ts';
