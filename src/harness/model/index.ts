/**
 * Model IR, shape inference and validation. The tfjs float reference (`buildTfjsModel`, `predictFloat`)
 * lives in `./tfjs.ts` and is not re-exported here, so that using the IR does not load TensorFlow.js.
 */
export * from './errors.ts';
export * from './ir.ts';
export * from './shapes.ts';
export * from './validate.ts';
