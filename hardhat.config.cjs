/**
 * Hardhat 2 config for the real independent node used by tests/realnode.test.ts (see
 * src/harness/node/hardhat.ts). Only the in-process `hardhat` network is used, through
 * `hardhat node`; nothing is compiled by Hardhat (the project compiles with solc-js itself).
 *
 * Settings mirror the embedded chain's `HARDHAT_NODE_PROFILE`: Osaka, chainId 31337, the
 * default 60M block gas limit (EIP-7825 caps a transaction at 16,777,216), 24 KiB code limit.
 * throwOnTransactionFailures=false: a reverted transaction is mined and its hash returned (status 0
 * in the receipt), as on a production node. throwOnCallFailures=false: NOTE that Hardhat then
 * answers a reverted eth_call with the revert data as the *result* (not an error with code 3 as
 * geth and the embedded chain do); eth_estimateGas still fails with the revert data in
 * `error.data.data`.
 *
 * NNCHAIN_HARDHAT_DIR (set by startHardhatNode) points cache/artifacts at a temp folder so the
 * node's compiler-output watcher never writes into the repository.
 */
const path = require('node:path');

const scratch = process.env.NNCHAIN_HARDHAT_DIR;

/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  networks: {
    hardhat: {
      hardfork: 'osaka',
      chainId: 31337,
      blockGasLimit: 60_000_000,
      allowUnlimitedContractSize: false,
      throwOnTransactionFailures: false,
      throwOnCallFailures: false,
      loggingEnabled: false,
    },
  },
  paths: scratch
    ? { sources: path.join(scratch, 'sources'), cache: path.join(scratch, 'cache'), artifacts: path.join(scratch, 'artifacts') }
    : undefined,
};
