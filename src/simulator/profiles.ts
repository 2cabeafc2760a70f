/**
 * Chain profiles: the limits of the chains we report feasibility for.
 *
 * Every profile runs the ethereumjs VM at hardfork Osaka, so gas is priced the same way on all
 * of them; what differs is the limits. The VM's own Osaka limits (EIP-7825 cap of 16,777,216 gas
 * per transaction, EIP-170 code size 24,576, EIP-3860 initcode 49,152) are replaced by the
 * profile's values through a hardfork-scoped Common parameter override (see `chain.ts`), and the
 * simulator checks the per-transaction cap, the block gas limit and the initcode size itself
 * before it builds a transaction, so a rejection names the profile and its limit.
 *
 * The L2 figures are snapshots of values documented by the chains (late 2025); they change by
 * governance/operator decisions. Pass your own `ChainProfile` to `createChain` to model another
 * chain or a later snapshot.
 */
import { Hardfork } from '@ethereumjs/common';

export interface ChainProfile {
  name: string;
  description: string;
  /** An ethereumjs `Hardfork` value; all built-in profiles use `osaka`. */
  hardfork: string;
  chainId: bigint;
  blockGasLimit: bigint;
  /** Per-transaction gas cap (EIP-7825 on Ethereum); `null` = none beyond the block gas limit. */
  txGasCap: bigint | null;
  /** Maximum deployed code size in bytes (EIP-170); `null` = unlimited. */
  codeSizeLimit: number | null;
  /** Maximum initcode size in bytes (EIP-3860); `null` = unlimited. */
  initCodeSizeLimit: number | null;
  /** `false` for profiles no real chain has (`unlimited`): results on it are "not deployable". */
  deployable: boolean;
}

export type ProfileName = 'ethereum' | 'base' | 'arbitrum' | 'unlimited';

export const PROFILES: Readonly<Record<ProfileName, ChainProfile>> = Object.freeze({
  ethereum: Object.freeze({
    name: 'ethereum',
    description:
      'Ethereum mainnet after Fusaka (Osaka): 60M block gas limit, EIP-7825 per-transaction cap of 2^24 = 16,777,216 gas, 24 KiB code / 48 KiB initcode.',
    hardfork: Hardfork.Osaka,
    chainId: 1n,
    blockGasLimit: 60_000_000n,
    txGasCap: 16_777_216n,
    codeSizeLimit: 24_576,
    initCodeSizeLimit: 49_152,
    deployable: true,
  }),
  base: Object.freeze({
    name: 'base',
    description:
      'Base (OP Stack L2), snapshot: 150M block gas limit (Base raises it over time); the OP Stack adopts Osaka incl. the EIP-7825 per-transaction cap of 16,777,216 gas; 24 KiB code / 48 KiB initcode.',
    hardfork: Hardfork.Osaka,
    chainId: 8453n,
    // Snapshot of Base's documented block gas limit (raised stepwise during 2025); not a protocol constant.
    blockGasLimit: 150_000_000n,
    // The OP Stack follows L1 execution changes; with its Osaka-equivalent upgrade EIP-7825 applies.
    txGasCap: 16_777_216n,
    codeSizeLimit: 24_576,
    initCodeSizeLimit: 49_152,
    deployable: true,
  }),
  arbitrum: Object.freeze({
    name: 'arbitrum',
    description:
      'Arbitrum One, snapshot: 32M block gas limit and 32M per-transaction limit (Arbitrum does not implement EIP-7825), default 24 KiB code / 48 KiB initcode.',
    hardfork: Hardfork.Osaka,
    chainId: 42161n,
    blockGasLimit: 32_000_000n,
    // Arbitrum's own per-transaction limit (equal to its block gas limit), not EIP-7825.
    txGasCap: 32_000_000n,
    codeSizeLimit: 24_576,
    initCodeSizeLimit: 49_152,
    deployable: true,
  }),
  unlimited: Object.freeze({
    name: 'unlimited',
    description:
      'Test profile: 2^40 block gas limit, no per-transaction cap, no code or initcode size limit. No real chain allows this: results are not deployable.',
    hardfork: Hardfork.Osaka,
    chainId: 31337n,
    blockGasLimit: 1n << 40n,
    txGasCap: null,
    codeSizeLimit: null,
    initCodeSizeLimit: null,
    deployable: false,
  }),
});

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** A profile by name (case-insensitive), or a custom profile passed through after validation. */
export function getProfile(name: string | ChainProfile): ChainProfile {
  if (typeof name !== 'string') return validateProfile(name);
  const p = (PROFILES as Record<string, ChainProfile>)[name.toLowerCase()];
  if (!p) throw new Error(`unknown chain profile "${name}"; known profiles: ${PROFILE_NAMES.join(', ')}`);
  return p;
}

function validateProfile(p: ChainProfile): ChainProfile {
  const problems: string[] = [];
  if (!p.name) problems.push('name is empty');
  if (typeof p.chainId !== 'bigint' || p.chainId <= 0n) problems.push('chainId must be a positive bigint');
  if (typeof p.blockGasLimit !== 'bigint' || p.blockGasLimit < 21_000n) problems.push('blockGasLimit must be a bigint >= 21000');
  if (p.txGasCap !== null && (typeof p.txGasCap !== 'bigint' || p.txGasCap < 21_000n)) problems.push('txGasCap must be null or a bigint >= 21000');
  for (const k of ['codeSizeLimit', 'initCodeSizeLimit'] as const) {
    const v = p[k];
    if (v !== null && (!Number.isInteger(v) || v <= 0)) problems.push(`${k} must be null or a positive integer`);
  }
  if (problems.length > 0) throw new Error(`invalid chain profile "${p.name}": ${problems.join('; ')}`);
  return p;
}

/** The largest gas limit one transaction may carry on this profile. */
export function maxTxGas(profile: ChainProfile): bigint {
  return profile.txGasCap !== null && profile.txGasCap < profile.blockGasLimit ? profile.txGasCap : profile.blockGasLimit;
}
