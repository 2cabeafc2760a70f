/** Oracle (WebAssembly) throughput on a 1024×1024 matvec, int8 and Q32.32. */
import { matvecI8, matvecQ } from '../../src/harness/kernels/matvec.ts';
import type { Oracle } from '../../src/harness/oracle.ts';
import { packPanelsI8 } from '../../src/harness/tensor/pack.ts';
import { randomI8, randomQ, rng } from '../context.ts';

export function oracleThroughput(oracle: Oracle): { int8MacPerSec: number; q32MacPerSec: number } {
  const r = rng(99);
  const K = 1024;
  const N = 1024;
  const x = randomI8(K, r);
  const w = packPanelsI8(randomI8(K * N, r, -127, 127), K, N);
  const bias = new BigInt64Array(N);
  const time = (fn: () => void, minSeconds = 1): number => {
    fn(); // warm-up (JIT tiers)
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < minSeconds * 1000) {
      fn();
      n++;
    }
    return (n * K * N) / ((performance.now() - t0) / 1000);
  };
  const int8MacPerSec = time(() => matvecI8(oracle, x, -3, w, bias, K, N));
  const xq = randomQ(K, r);
  const wq = randomQ(K * N, r);
  const q32MacPerSec = time(() => matvecQ(oracle, xq, wq, bias, K, N, 32));
  return { int8MacPerSec, q32MacPerSec };
}
