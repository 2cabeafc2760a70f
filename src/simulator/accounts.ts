/**
 * Dev accounts: the well-known Hardhat/Anvil test mnemonic
 * (`test test … junk`, path m/44'/60'/0'/0/i), so account i and the contract addresses it
 * creates are the same as on a Hardhat node used for cross-checks. Never use these keys on a
 * real network.
 */
import { HDNodeWallet, Mnemonic, getAddress } from 'ethers';
import { hexToBytes } from '@ethereumjs/util';

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

export interface DevAccount {
  /** Checksummed 0x address. */
  address: string;
  privateKey: Uint8Array;
}

// Immutable derivation memo (same mnemonic → same keys); shared by chains but never mutated per chain.
const derived: { address: string; privateKey: string }[] = [];
let root: HDNodeWallet | undefined;

export function devAccounts(count: number): DevAccount[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`accounts must be a positive integer, got ${count}`);
  if (derived.length < count) {
    root ??= HDNodeWallet.fromSeed(Mnemonic.fromPhrase(DEV_MNEMONIC).computeSeed());
    for (let i = derived.length; i < count; i++) {
      const w = root.derivePath(`m/44'/60'/0'/0/${i}`);
      derived.push({ address: getAddress(w.address), privateKey: w.privateKey });
    }
  }
  // Fresh Uint8Arrays per chain so no caller can alter another chain's keys.
  return derived.slice(0, count).map((a) => ({ address: a.address, privateKey: hexToBytes(a.privateKey as `0x${string}`) }));
}
