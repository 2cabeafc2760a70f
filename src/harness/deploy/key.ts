/**
 * Private keys from the command line: `0x…` (64 hex digits) or `env:NAME` (read from the environment).
 * Error messages never repeat the value, and the key never leaves the returned `Wallet`.
 */
import { Wallet, type Provider } from 'ethers';

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/** The signer of `spec` (`0x` + 64 hex digits, or `env:NAME`), connected to `provider`. */
export function walletFromKey(spec: string, provider?: Provider): Wallet {
  let hex = spec;
  if (spec.startsWith('env:')) {
    const name = spec.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new KeyError('--key env:NAME needs a valid environment variable name');
    const v = process.env[name];
    if (v === undefined || v === '') throw new KeyError(`--key: environment variable ${name} is not set`);
    hex = v.trim();
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new KeyError(`--key: not a private key (expected 0x followed by 64 hex digits${spec.startsWith('env:') ? `, in ${spec}` : ', or env:NAME'})`);
  try {
    return new Wallet(hex, provider);
  } catch {
    throw new KeyError('--key: not a valid secp256k1 private key');
  }
}
