/**
 * eth_estimateGas: the smallest gas limit with which the transaction succeeds, found by re-running
 * it (`chain.simulateTx`, state always reverted).
 *
 * 1. Run at the cap (or the given `gas`); a failure there is the answer: the revert (error 3 with
 *    its data) or "gas required exceeds allowance".
 * 2. The limit must cover the gas consumed before the refund is paid back: gasUsed + the applied
 *    refund (at most 1/5 of it, EIP-3529). Try exactly that first; for most transactions it is the
 *    minimum, so the estimate costs two runs and equals Hardhat's exact answer.
 * 3. Otherwise (CALLs keeping back 1/64, SSTORE's 2,300 stipend check, ...) try geth's optimistic
 *    (gasUsed + refund + 2300) · 64/63, then bisect: exactly below 1,000,000 gas, and above it, like
 *    geth, until the bounds are within 1.5 % (each probe of a multi-million-gas transaction takes
 *    ~0.1–1 s in ethereumjs). The result always succeeds when sent.
 */
import type { Chain, TxRequest } from '../chain.ts';
import { TxRejectedError, fmtInt } from '../errors.ts';
import { maxTxGas } from '../profiles.ts';
import { RpcError, SERVER_ERROR, executionError } from './errors.ts';

const ERROR_RATIO_PER_MILLE = 15n;
/** Below this limit the search is exact. */
const EXACT_BELOW = 1_000_000n;
const CALL_STIPEND = 2_300n;

export async function estimateGas(chain: Chain, req: TxRequest): Promise<bigint> {
  const cap = maxTxGas(chain.profile);
  const top = req.gasLimit === undefined || req.gasLimit > cap ? cap : req.gasLimit;
  const first = await chain.simulateTx({ ...req, gasLimit: top });
  if (!first.ok) {
    if (first.exception === 'out of gas') {
      const p = chain.profile;
      const why = top === cap ? ` (the ${p.name} profile allows at most ${fmtInt(cap)} gas per transaction)` : '';
      throw new RpcError(SERVER_ERROR, `gas required exceeds allowance (${top})${why}`);
    }
    throw executionError(first);
  }
  const succeeds = async (gas: bigint): Promise<boolean> => {
    try {
      return (await chain.simulateTx({ ...req, gasLimit: gas })).ok;
    } catch (e) {
      if (e instanceof TxRejectedError && e.reason === 'IntrinsicGasTooLow') return false;
      throw e;
    }
  };
  let lo = first.gasUsed - 1n;
  let hi = top;
  // Gas consumed before the refund: the refund applied is min(counter, consumed / 5).
  const used = first.gasUsed;
  const consumed = 4n * first.gasRefund <= used ? used + first.gasRefund : used + used / 4n;
  if (consumed > lo && consumed < hi) {
    if (await succeeds(consumed)) hi = consumed;
    else lo = consumed;
  }
  const optimistic = ((used + first.gasRefund + CALL_STIPEND) * 64n) / 63n;
  if (hi === top && optimistic > lo && optimistic < hi) {
    if (await succeeds(optimistic)) hi = optimistic;
    else lo = optimistic;
  }
  const closeEnough = (): boolean => hi - lo <= 1n || (hi > EXACT_BELOW && (hi - lo) * 1000n <= hi * ERROR_RATIO_PER_MILLE);
  while (!closeEnough()) {
    let mid = (hi + lo) / 2n;
    if (mid > lo * 2n) mid = lo * 2n; // geth: most transactions need little gas; probe low first
    if (await succeeds(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
