/**
 * The pre-deploy feasibility report (docs/report.md): `buildReport(modelPath, opts)` measures a model on
 * an embedded chain and against the oracle and the float reference; `renderMarkdown`, `renderJson` /
 * `reportJson` and `renderHtml` write it out.
 */
export * from './types.ts';
export { buildReport, REPORT_DEFAULTS } from './build.ts';
export { ReportInputError } from './errors.ts';
export { loadReportData, type ReportData } from './inputs.ts';
export { evaluateModes, layerOutputParams, type ModeEvaluation } from './evaluate.ts';
export { measureOnChain, type ChainMeasurement } from './chain.ts';
export { renderMarkdown } from './markdown.ts';
export { renderJson, reportJson, modeJson, gasJson } from './json.ts';
export { renderHtml, chartLibrary } from './html.ts';
