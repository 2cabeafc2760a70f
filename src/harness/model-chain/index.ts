/**
 * Models on chain (docs/model-contract.md): the `NNModel` config blob built from layer specs, deployment
 * of the shared layer contracts and of a model (config segment, weight upload, seal), the oracle twin of
 * `infer`, and the inference planner / executor (single call or a session across transactions).
 */
export * from './config.ts';
export * from './deploy.ts';
export * from './oracle.ts';
export * from './plan.ts';
export * from './pipeline.ts';
