/** The embedded chain: public API. */
export {
  createChain,
  BASE_FEE,
  DEFAULT_BALANCE,
  GENESIS_TIMESTAMP,
  MAX_FEE_PER_GAS,
  type CallOptions,
  type CallResult,
  type Chain,
  type CreateChainOptions,
  type DeployResult,
  type RawCallResult,
  type Receipt,
  type TryCallResult,
  type TxOptions,
} from './chain.ts';
export { devAccounts, DEV_MNEMONIC, type DevAccount } from './accounts.ts';
export { decodeLog, toInterface, type AbiLike, type DecodedLog } from './abi.ts';
export {
  ContractRevertError,
  DeployFailedError,
  TxRejectedError,
  PANIC_CODES,
  decodeRevertData,
  type DecodedRevert,
  type TxRejectReason,
} from './errors.ts';
export { PROFILES, PROFILE_NAMES, getProfile, maxTxGas, type ChainProfile, type ProfileName } from './profiles.ts';
export { traceOpcodes, type OpcodeSegment, type OpcodeStat, type OpcodeTrace, type TraceOptions } from './opcodes.ts';
