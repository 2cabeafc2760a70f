/**
 * Per-opcode gas breakdown of EVM work on the embedded chain, on demand only.
 *
 * `traceOpcodes(chain, run, opts)` attaches an ethereumjs `step` listener to `chain.vm.evm` for the
 * duration of `run()` and removes it afterwards (also on a throw). A step listener makes ethereumjs copy
 * the stack and memory on every opcode (7–130× slower, ../shared/TOOLCHAIN.md), so nothing on the
 * default path (bench figures, `profileModel`, the planner) ever calls this: per-layer gas comes from
 * the model's own gas checkpoints (`NNModel.inferLayers`).
 *
 * Attribution (what the sums mean):
 * - Each step's gas is the `dynamicFee` ethereumjs reports for it: the opcode's static fee plus its
 *   dynamic part **including memory expansion**, which is charged to the opcode that expands memory
 *   (MSTORE, MLOAD, CALLDATACOPY, EXTCODECOPY, RETURN, …). For CALL-family opcodes the fee excludes
 *   the gas the callee spends: the callee's own opcodes are counted as steps of its frame.
 * - A call to a precompile has no steps of its own; its gas (measured as the caller's gasLeft drop
 *   across the CALL minus the CALL's fee) is counted under `PRECOMPILE@0x…`.
 * - Hence for a view call (`chain.callRaw`, `executionGasUsed`, no intrinsic gas): Σ step gas +
 *   precompile gas = the call's gas used exactly. For a transaction, the receipt's gas additionally
 *   holds the intrinsic gas (21,000 + calldata, or the EIP-7623 floor), code deposit of creations and
 *   minus refunds, none of which is an opcode.
 * - Steps are grouped into segments: depth-0 steps go to `rootLabel`; when a depth-0 CALL-family
 *   opcode runs, `callLabel(target, ordinal)` names the segment of the callee's frames (all deeper
 *   steps until the next depth-0 step), undefined keeps them in the root segment.
 */
import type { Chain } from './chain.ts';

export interface OpcodeStat {
  op: string;
  count: number;
  gas: bigint;
}

export interface OpcodeSegment {
  label: string;
  /** Σ gas of the segment's steps (and precompile calls). */
  gas: bigint;
  steps: number;
  /** Per opcode, descending gas. */
  ops: OpcodeStat[];
}

export interface OpcodeTrace {
  /** Σ gas over every step and precompile call. */
  gas: bigint;
  steps: number;
  /** Per opcode over all segments, descending gas. */
  ops: OpcodeStat[];
  /** In first-seen order. */
  segments: OpcodeSegment[];
}

export interface TraceOptions {
  /** Label of depth-0 steps (default 'root'). */
  rootLabel?: string;
  /**
   * Label of the frames of a depth-0 call to `target` (lower-case 0x address); `ordinal` counts the
   * depth-0 CALL-family opcodes from 0. Undefined: the callee's steps stay in the root segment.
   */
  callLabel?: (target: string, ordinal: number) => string | undefined;
}

const CALLS = new Set(['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']);
/** Highest precompile address ethereumjs knows at Osaka is 0x11 (BLS12-381) / 0x100 (P256VERIFY). */
const PRECOMPILE_MAX = 0x100n;

interface Acc {
  gas: bigint;
  steps: number;
  ops: Map<string, { count: number; gas: bigint }>;
}

function add(acc: Acc, op: string, gas: bigint, step = true): void {
  acc.gas += gas;
  if (step) acc.steps++;
  const o = acc.ops.get(op);
  if (o) {
    o.count++;
    o.gas += gas;
  } else acc.ops.set(op, { count: 1, gas });
}

const sorted = (m: Map<string, { count: number; gas: bigint }>): OpcodeStat[] =>
  [...m.entries()].map(([op, v]) => ({ op, ...v })).sort((a, b) => (a.gas === b.gas ? a.op.localeCompare(b.op) : b.gas > a.gas ? 1 : -1));

interface StepEvent {
  gasLeft: bigint;
  depth: number;
  stack: bigint[];
  opcode: { name: string; fee: number; dynamicFee?: bigint };
}

/** Run `run()` with a step listener attached to the chain's EVM; see the module doc. */
export async function traceOpcodes<T>(chain: Chain, run: () => Promise<T>, opts: TraceOptions = {}): Promise<{ result: T; trace: OpcodeTrace }> {
  const root = opts.rootLabel ?? 'root';
  const segs = new Map<string, Acc>();
  const total: Acc = { gas: 0n, steps: 0, ops: new Map() };
  const seg = (label: string): Acc => {
    let a = segs.get(label);
    if (!a) segs.set(label, (a = { gas: 0n, steps: 0, ops: new Map() }));
    return a;
  };
  let current = root;
  let ordinal = 0;
  // A pending call to a precompile, per depth: charged when the next step of that depth arrives.
  const pending = new Map<number, { gasLeft: bigint; fee: bigint; label: string; name: string }>();

  // One parameter: ethereumjs awaits a promise per step for two-parameter listeners.
  const onStep = (e: StepEvent): void => {
    const p = pending.get(e.depth);
    if (p) {
      pending.delete(e.depth);
      const used = p.gasLeft - p.fee - e.gasLeft;
      if (used > 0n) {
        add(seg(p.label), p.name, used, false);
        add(total, p.name, used, false);
      }
    }
    const name = e.opcode.name;
    const fee = e.opcode.dynamicFee ?? BigInt(e.opcode.fee);
    if (e.depth === 0) current = root;
    const label = e.depth === 0 ? root : current;
    add(seg(label), name, fee);
    add(total, name, fee);
    if (CALLS.has(name)) {
      // Stack top first: gas, address, …
      const target = e.stack[e.stack.length - 2] ?? 0n;
      if (target > 0n && target <= PRECOMPILE_MAX) {
        pending.set(e.depth, { gasLeft: e.gasLeft, fee, label, name: `PRECOMPILE@0x${target.toString(16).padStart(2, '0')}` });
      } else if (e.depth === 0) {
        current = opts.callLabel?.(`0x${target.toString(16).padStart(40, '0')}`, ordinal) ?? root;
      }
      if (e.depth === 0) ordinal++;
    }
  };
  const events = chain.vm.evm.events;
  if (!events) throw new Error('the EVM has no event emitter');
  events.on('step', onStep as never);
  let result: T;
  try {
    result = await run();
  } finally {
    events.off('step', onStep as never);
  }
  return {
    result,
    trace: {
      gas: total.gas,
      steps: total.steps,
      ops: sorted(total.ops),
      segments: [...segs.entries()].map(([label, a]) => ({ label, gas: a.gas, steps: a.steps, ops: sorted(a.ops) })),
    },
  };
}
