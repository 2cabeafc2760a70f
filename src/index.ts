/**
 * nnchain as a typed library: the same functions the `nnchain` command line is built on.
 *
 * - models: `importModel` (solearn JSON, tfjs layers, Keras .h5) → `ModelIR`; `predictFloat` (tfjs reference)
 * - quantization: `quantizeModel` (int8 calibrated / q), `encodeModelInput`, `decodeModelOutput`, `argmax`
 * - the chain: `createChain({ profile })` (embedded ethereumjs), `startRpcServer`, `createEip1193Provider`
 * - models on chain: `deployQuantized`, `buildModel`, `profileModel`, `planInference`, `executePlan`,
 *   `oracleInfer` (the bit-exact WebAssembly twin, with `loadOracle`)
 * - reports: `buildReport`, `renderMarkdown`, `renderHtml`, `renderJson`
 * - real nodes: `prepareModel`, `runDeployment`, the deployment record, `inferRpc`
 */
export { importModel, detectModelFormat } from './harness/import/index.ts';
export type { ModelIR, LayerIR } from './harness/model/ir.ts';
export { predictFloat } from './harness/model/tfjs.ts';
export { ModelError } from './harness/model/errors.ts';
export { quantizeModel, QuantizationError, type QuantizedModel, encodeModelInput, decodeModelOutput, argmax } from './harness/quantize/index.ts';
export { loadOracle, type Oracle } from './harness/oracle.ts';
export { loadMnist } from './harness/data/mnist.ts';
export { syntheticInputs } from './harness/data/synthetic.ts';
export {
  buildModel,
  quantizedModelSpec,
  deployLayers,
  deployModel,
  deployQuantized,
  profileModel,
  planInference,
  executePlan,
  oracleInfer,
  oracleInferAll,
  LAYER_CONTRACTS,
  PlanError,
  ExecutionError,
  ModelConfigError,
  type ModelSpec,
  type BuiltModel,
  type InferencePlan,
  type ModelProfile,
  type ExecutionResult,
} from './harness/model-chain/index.ts';
export { buildReport, renderMarkdown, renderHtml, renderJson, type Report } from './harness/report/index.ts';
export { prepareModel, runDeployment, inferRpc, readRecord, type DeploymentRecord } from './harness/deploy/index.ts';
export { createChain, getProfile, PROFILES, maxTxGas, type Chain, type ChainProfile } from './simulator/index.ts';
export { startRpcServer, createEip1193Provider } from './simulator/rpc/index.ts';
