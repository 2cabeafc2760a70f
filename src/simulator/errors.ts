/**
 * Error classes of the simulator and revert decoding.
 *
 * A revert is decoded into a `DecodedRevert`: a custom error of one of the ABIs the simulator
 * knows (the one passed to the call first, then every contract deployed on / called through the
 * chain), Solidity's built-in `Error(string)` and `Panic(uint256)`, or an EVM exception (out of
 * gas, code size limit, invalid opcode, ...) named in PascalCase.
 */
import { ErrorFragment, Interface, Result } from 'ethers';

export interface DecodedRevert {
  /**
   * Custom error name; `Error` for require/revert strings; `Panic` for panics; `Unknown` for
   * revert data nothing decodes (including empty data); for EVM exceptions the exception in
   * PascalCase: `OutOfGas`, `CodeSizeLimit`, `InvalidOpcode`, `StackOverflow`, `InvalidJump`, ...
   */
  name: string;
  /** Decoded arguments (plain values: bigint, string, boolean, arrays). */
  args: unknown[];
  /** Raw revert data (0x-prefixed; `0x` for EVM exceptions). */
  data: string;
  /** Human-readable form, e.g. `TooBig(11, 10)`, `Error("x must be below 5")`, `Panic(0x12: division or modulo by zero)`. */
  message: string;
}

/** A call (or `send` through `call`) reverted or halted; `revert` holds the decoded reason. */
export class ContractRevertError extends Error {
  readonly revert: DecodedRevert;
  readonly gasUsed: bigint;
  constructor(context: string, revert: DecodedRevert, gasUsed: bigint) {
    super(`${context} reverted: ${revert.message}`);
    this.name = 'ContractRevertError';
    this.revert = revert;
    this.gasUsed = gasUsed;
  }
}

export type TxRejectReason =
  | 'GasCapExceeded'
  | 'BlockGasLimitExceeded'
  | 'InitCodeSizeExceeded'
  | 'IntrinsicGasTooLow'
  | 'InsufficientFunds'
  | 'BadNonce'
  | 'UnknownSender'
  | 'Invalid';

/** A transaction was refused before execution: nothing was mined and no state changed. */
export class TxRejectedError extends Error {
  readonly reason: TxRejectReason;
  constructor(reason: TxRejectReason, message: string) {
    super(message);
    this.name = 'TxRejectedError';
    this.reason = reason;
  }
}

/**
 * A deployment transaction was mined but failed (constructor reverted, out of gas, deployed code
 * over the profile's code size limit, ...). `receipt` is the mined receipt (status 0).
 */
export class DeployFailedError extends Error {
  readonly revert: DecodedRevert;
  constructor(
    readonly receipt: { status: 0 | 1; gasUsed: bigint; revert?: DecodedRevert; txHash: string },
    context: string,
  ) {
    const revert = receipt.revert ?? { name: 'Unknown', args: [], data: '0x', message: 'deployment failed' };
    super(`${context} failed: ${revert.message}`);
    this.name = 'DeployFailedError';
    this.revert = revert;
  }
}

export const PANIC_CODES: Readonly<Record<number, string>> = {
  0x00: 'generic compiler panic',
  0x01: 'assertion failed',
  0x11: 'arithmetic overflow or underflow',
  0x12: 'division or modulo by zero',
  0x21: 'invalid enum value',
  0x22: 'invalid storage byte array encoding',
  0x31: 'pop() on an empty array',
  0x32: 'array index out of bounds',
  0x41: 'out of memory (too much memory allocated)',
  0x51: 'call to a zero-initialized internal function',
};

const ERROR_SELECTOR = '0x08c379a0'; // Error(string)
const PANIC_SELECTOR = '0x4e487b71'; // Panic(uint256)
const BUILTIN = new Interface(['error Error(string)', 'error Panic(uint256)']);

const EVM_ERROR_NAMES: Readonly<Record<string, string>> = {
  'out of gas': 'OutOfGas',
  'code store out of gas': 'CodeStoreOutOfGas',
  'code size to deposit exceeds maximum code size': 'CodeSizeLimit',
  'stack underflow': 'StackUnderflow',
  'stack overflow': 'StackOverflow',
  'invalid JUMP': 'InvalidJump',
  'invalid opcode': 'InvalidOpcode',
  'value out of range': 'OutOfRange',
  'static state change': 'StaticStateChange',
  'internal error': 'InternalError',
  'create collision': 'CreateCollision',
  'refund exhausted': 'RefundExhausted',
  'value overflow': 'ValueOverflow',
  'insufficient balance': 'InsufficientBalance',
  'invalid bytecode deployed': 'InvalidCodePrefix',
  'initcode exceeds max initcode size': 'InitCodeSizeLimit',
  'invalid input length': 'InvalidInputLength',
};

/** Convert ethers `Result`s (deeply) into plain arrays. */
export function plain(v: unknown): unknown {
  if (v instanceof Result) return v.toArray(true);
  return v;
}

/** `1234567n` → `1,234,567`. */
export function fmtInt(n: bigint | number): string {
  return BigInt(n).toLocaleString('en-US');
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v.startsWith('0x') ? v : JSON.stringify(v);
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return String(v);
}

function fromFragment(fragment: ErrorFragment, iface: Interface, data: string): DecodedRevert | undefined {
  try {
    const args = (iface.decodeErrorResult(fragment, data).toArray(true) as unknown[]).map(plain);
    return { name: fragment.name, args, data, message: `${fragment.name}(${args.map(formatValue).join(', ')})` };
  } catch {
    return undefined;
  }
}

/** Decode revert data with the built-in errors and then each interface in turn. */
export function decodeRevertData(data: string, ifaces: Iterable<Interface>): DecodedRevert {
  const selector = data.slice(0, 10).toLowerCase();
  if (data.length >= 10) {
    if (selector === ERROR_SELECTOR) {
      const d = fromFragment(BUILTIN.getError('Error')!, BUILTIN, data);
      if (d) return { ...d, message: `Error(${JSON.stringify(d.args[0])})` };
    } else if (selector === PANIC_SELECTOR) {
      const d = fromFragment(BUILTIN.getError('Panic')!, BUILTIN, data);
      if (d) {
        const code = d.args[0] as bigint;
        const desc = PANIC_CODES[Number(code)] ?? 'unknown panic code';
        return { ...d, message: `Panic(0x${code.toString(16).padStart(2, '0')}: ${desc})` };
      }
    } else {
      for (const iface of ifaces) {
        let fragment: ErrorFragment | null = null;
        try {
          fragment = iface.getError(selector);
        } catch {
          fragment = null;
        }
        if (!fragment) continue;
        const d = fromFragment(fragment, iface, data);
        if (d) return d;
      }
    }
  }
  const bytes = (data.length - 2) / 2;
  return {
    name: 'Unknown',
    args: [],
    data,
    message: bytes === 0 ? 'reverted without reason data' : `unrecognised revert data ${data.slice(0, 10)}… (${bytes} bytes)`,
  };
}

/** A DecodedRevert for an EVM exceptional halt (anything but REVERT). */
export function decodeEvmException(error: string, extra: { gasLimit?: bigint; profileName?: string; codeSizeLimit?: number | null }): DecodedRevert {
  const name =
    EVM_ERROR_NAMES[error] ??
    error
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('');
  let message = error;
  if (name === 'OutOfGas' && extra.gasLimit !== undefined) message = `out of gas (gas limit ${fmtInt(extra.gasLimit)})`;
  if (name === 'CodeSizeLimit' && extra.codeSizeLimit != null) {
    message = `deployed code exceeds the ${extra.profileName ?? ''} profile's code size limit of ${fmtInt(extra.codeSizeLimit)} bytes (EIP-170)`.replace('the  profile', 'the profile');
  }
  return { name, args: [], data: '0x', message };
}
