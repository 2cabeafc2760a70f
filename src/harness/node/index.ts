/** Real independent nodes for cross-checks. */
export { startHardhatNode, HARDHAT_NODE_PROFILE, type HardhatNode, type StartHardhatNodeOptions } from './hardhat.ts';
