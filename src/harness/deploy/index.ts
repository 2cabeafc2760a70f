/**
 * Deploying models to any EVM node and running inference there (docs/deploy.md): the chain-agnostic,
 * resumable deployer over ethers v6, the deployment record, keys from the command line, and inference
 * through an embedded replica (any node) or a deterministic replay (the embedded chain).
 */
export * from './record.ts';
export * from './key.ts';
export * from './tx.ts';
export * from './prepare.ts';
export * from './deployer.ts';
export * from './infer.ts';
export * from './connect.ts';
export * from './artifacts.ts';
