/** The headline figures of bench/baseline.json (docs/bench.md). */

/** Keys the issue requires in bench/baseline.json "figures" (tests/bench.test.ts checks them). */
export const REQUIRED_FIGURES = [
  'denseInt8GasPerMac',
  'conv2dInt8GasPerMac',
  'denseQ32GasPerMac',
  'gasPerParamInt8',
  'cifarCnnInt8Gas',
  'mnistCnnInt8Gas',
  'mnistCnnAccuracy',
  'oracleMacPerSec',
] as const;

/** Figures that are times: reported, never checked. */
export const TIME_FIGURES = new Set(['oracleMacPerSec', 'oracleQ32MacPerSec', 'simulatorMgasPerSec']);

/** Figures that are accuracies (%): checked against a drop, not a rise. */
export const ACCURACY_FIGURES = new Set(['mnistCnnAccuracy']);
