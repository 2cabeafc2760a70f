/**
 * Sending transactions to any EVM node through ethers v6, within the node's limits:
 *
 * - gas limit = the node's own estimate (`eth_estimateGas`) plus `headroom` (default 20 %), but never
 *   above the largest gas a transaction may carry there: min(latest block's gas limit, the chain
 *   profile's per-transaction cap). A transaction whose estimate alone exceeds that is refused with a
 *   `DeployError` before anything is signed.
 * - each transaction is signed locally first, its hash reported through `onPending` (the deployer
 *   writes it to the record) and only then broadcast, so a crash between broadcast and receipt leaves
 *   the hash behind and a resume waits for that transaction instead of sending a duplicate.
 * - the nonce is read (`pending`) before every transaction, so a creation's address is known before it
 *   is sent (`getCreateAddress`).
 */
import { Interface, Transaction, getCreateAddress, isError, keccak256, type Provider, type Signer, type TransactionReceipt } from 'ethers';
import { WEIGHT_STORE_ABI } from '../storage/index.ts';

export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployError';
  }
}

/** ABI fragments of the custom errors a deployment or an inference can hit, for readable reverts. */
let errorIface: Interface | undefined;
export function registerErrorAbi(abi: readonly unknown[]): void {
  const frags = [...(errorIface?.fragments ?? []), ...new Interface(abi as never).fragments.filter((f) => f.type === 'error')];
  const seen = new Set<string>();
  errorIface = new Interface(frags.filter((f) => (seen.has(f.format()) ? false : (seen.add(f.format()), true))));
}
registerErrorAbi(WEIGHT_STORE_ABI as unknown as string[]);

/** Revert data carried by an ethers / JSON-RPC error, when there is any. */
export function revertDataOf(e: unknown): string | undefined {
  const x = e as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } };
  for (const d of [x?.data, x?.info?.error?.data, (x?.info?.error?.data as { data?: unknown } | undefined)?.data, x?.error?.data]) {
    if (typeof d === 'string' && /^0x[0-9a-fA-F]*$/.test(d)) return d;
  }
  return undefined;
}

/** A one-line reason for a failed call or estimate: the decoded custom error, else the node's message. */
export function describeFailure(e: unknown): string {
  const data = revertDataOf(e);
  if (data && data !== '0x' && errorIface) {
    try {
      const p = errorIface.parseError(data);
      if (p) return `${p.name}(${p.args.map(String).join(', ')})`;
    } catch {
      // fall through
    }
  }
  const rpc = (e as { info?: { error?: { message?: string } } })?.info?.error?.message;
  const shortMessage = (e as { shortMessage?: string })?.shortMessage;
  const msg = rpc ?? shortMessage ?? (e instanceof Error ? e.message : String(e));
  return (data && data !== '0x' ? `${msg} (revert data ${data.slice(0, 74)})` : msg).split('\n')[0]!.slice(0, 300);
}

export interface SentTx {
  step: string;
  hash: string;
  gasUsed: bigint;
  gasLimit: bigint;
  receipt: TransactionReceipt;
  /** The created contract (creations only). */
  address?: string;
}

export interface TxSenderOptions {
  /** The chain profile's per-transaction cap (`null`: only the block gas limit applies). */
  cap: bigint | null;
  /** Added to the node's estimate (default 0.2). */
  headroom?: number;
  /** Pause after every transaction (rate-limited endpoints). */
  delayMs?: number;
  /** Called with the hash (and, for a creation, the address) of a signed transaction before it is broadcast. */
  onPending?: (p: { step: string; hash: string; nonce: number; address?: string }) => void | Promise<void>;
  /** Called once a transaction is mined successfully. */
  onMined?: (t: SentTx) => void | Promise<void>;
}

export class TxSender {
  readonly provider: Provider;
  private address?: string;
  constructor(
    readonly signer: Signer,
    readonly opts: TxSenderOptions,
  ) {
    if (!signer.provider) throw new Error('TxSender: the signer has no provider');
    this.provider = signer.provider;
  }

  async from(): Promise<string> {
    this.address ??= await this.signer.getAddress();
    return this.address;
  }

  /** The largest gas limit a transaction may carry now: min(latest block gas limit, profile cap). */
  async maxGas(): Promise<bigint> {
    const block = await this.provider.getBlock('latest');
    if (!block) throw new DeployError('the node returned no latest block');
    const cap = this.opts.cap;
    return cap !== null && cap < block.gasLimit ? cap : block.gasLimit;
  }

  /** Estimate, sign, report, broadcast and wait for one transaction; throws `DeployError` if it cannot fit or fails. */
  async send(step: string, req: { to?: string; data: string; value?: bigint }): Promise<SentTx> {
    const from = await this.from();
    const limit = await this.maxGas();
    let estimate: bigint;
    try {
      estimate = await this.provider.estimateGas({ from, to: req.to, data: req.data, value: req.value ?? 0n });
    } catch (e) {
      throw new DeployError(`${step}: the node cannot execute it (gas estimate failed): ${describeFailure(e)}`);
    }
    if (estimate > limit) {
      throw new DeployError(`${step}: needs about ${estimate.toLocaleString('en-US')} gas, more than one transaction may use on this node (${limit.toLocaleString('en-US')})`);
    }
    const headroom = this.opts.headroom ?? 0.2;
    let gasLimit = estimate + (estimate * BigInt(Math.round(headroom * 1000))) / 1000n;
    if (gasLimit > limit) gasLimit = limit;
    const nonce = await this.provider.getTransactionCount(from, 'pending');
    const address = req.to === undefined ? getCreateAddress({ from, nonce }) : undefined;
    let signed: string;
    try {
      const populated = await this.signer.populateTransaction({ to: req.to, data: req.data, value: req.value ?? 0n, nonce, gasLimit });
      signed = await this.signer.signTransaction(populated);
    } catch (e) {
      throw new DeployError(`${step}: cannot prepare the transaction: ${describeFailure(e)}`);
    }
    const hash = Transaction.from(signed).hash!;
    await this.opts.onPending?.({ step, hash, nonce, address });
    let receipt: TransactionReceipt | null;
    try {
      const tx = await this.provider.broadcastTransaction(signed);
      receipt = await tx.wait();
    } catch (e) {
      if (isError(e, 'CALL_EXCEPTION') && e.receipt) throw new DeployError(`${step}: transaction ${hash} reverted on chain`);
      throw new DeployError(`${step}: ${describeFailure(e)}`);
    }
    if (!receipt) throw new DeployError(`${step}: transaction ${hash} was not mined`);
    if (receipt.status !== 1) throw new DeployError(`${step}: transaction ${hash} reverted on chain`);
    const sent: SentTx = { step, hash, gasUsed: receipt.gasUsed, gasLimit, receipt, address: receipt.contractAddress ?? undefined };
    await this.opts.onMined?.(sent);
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    return sent;
  }

  /** Wait for a transaction a previous run broadcast (if the node knows it); its receipt, or null if unknown/dropped. */
  async settle(hash: string): Promise<TransactionReceipt | null> {
    const r = await this.provider.getTransactionReceipt(hash);
    if (r) return r;
    const tx = await this.provider.getTransaction(hash);
    if (!tx) return null;
    return this.provider.waitForTransaction(hash, 1, 300_000);
  }
}

/** keccak256 of an address's code ('0x' when none). */
export async function codeHash(provider: Provider, address: string): Promise<string | undefined> {
  const code = await provider.getCode(address);
  return code === '0x' ? undefined : keccak256(code);
}
