/**
 * `report.html`: one self-contained page (no network access: the charting library, Chart.js, is inlined
 * from node_modules) with the report's tables and charts — per-layer gas, accuracy by mode, per-layer
 * error.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { accuracyTable, bitExactTable, deployTable, inferenceTable, int, layerTable, shape, type TableModel } from './format.ts';
import type { Report } from './types.ts';

const require = createRequire(import.meta.url);

let chartJs: string | undefined;

/** The Chart.js UMD bundle (the package's `dist/chart.umd.min.js`). */
export function chartLibrary(): string {
  if (chartJs) return chartJs;
  const dist = dirname(require.resolve('chart.js'));
  const src = readFileSync(join(dist, 'chart.umd.min.js'), 'utf8');
  // NOTE: a literal "</script" inside an inline script would end it early.
  chartJs = src.replace(/<\/script/gi, '<\\/script');
  return chartJs;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const tableOf = (t: TableModel): string => table(t.head, t.rows, t.numeric);

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

/** The data the charts draw (embedded as JSON). */
function chartData(r: Report) {
  const names = [...new Set(r.modes.flatMap((m) => m.layers.filter((l) => l.onChain).map((l) => l.name)))];
  const gas = r.modes.map((m) => ({ mode: m.mode, values: names.map((n) => Number(m.layers.find((l) => l.name === n)?.gas ?? 0n)) }));
  const err = r.modes.map((m) => ({ mode: m.mode, values: names.map((n) => m.layers.find((l) => l.name === n)?.meanAbsError ?? null) }));
  const labelled = r.modes[0]!.accuracy.floatTop1 !== null;
  const acc = {
    labels: ['float32 (tfjs)', ...r.modes.map((m) => m.mode)],
    top1: labelled ? [r.modes[0]!.accuracy.floatTop1! * 100, ...r.modes.map((m) => m.accuracy.chainTop1! * 100)] : null,
    agreement: [100, ...r.modes.map((m) => m.accuracy.agreement * 100)],
  };
  return { names, gas, err, acc };
}

const CHART_SCRIPT = `
const d = JSON.parse(document.getElementById('report-data').textContent);
const colors = ['#3b6fb6', '#d9822b', '#3a9a5b', '#9b59b6'];
new Chart(document.getElementById('gas-chart'), {
  type: 'bar',
  data: { labels: d.names, datasets: d.gas.map((g, i) => ({ label: g.mode + ' gas', data: g.values, backgroundColor: colors[i % colors.length] })) },
  options: { responsive: true, plugins: { title: { display: true, text: 'Gas per layer (measured inside the model)' } }, scales: { y: { title: { display: true, text: 'gas' } } } },
});
const accSets = [];
if (d.acc.top1) accSets.push({ label: 'top-1 accuracy (%)', data: d.acc.top1, backgroundColor: '#3b6fb6' });
accSets.push({ label: 'top-1 agreement with float32 (%)', data: d.acc.agreement, backgroundColor: '#3a9a5b' });
new Chart(document.getElementById('acc-chart'), {
  type: 'bar',
  data: { labels: d.acc.labels, datasets: accSets },
  options: { responsive: true, plugins: { title: { display: true, text: 'Accuracy by mode' } }, scales: { y: { suggestedMin: 0, suggestedMax: 100, title: { display: true, text: '%' } } } },
});
new Chart(document.getElementById('err-chart'), {
  type: 'bar',
  data: { labels: d.names, datasets: d.err.map((g, i) => ({ label: g.mode + ' mean abs error', data: g.values, backgroundColor: colors[i % colors.length] })) },
  options: { responsive: true, plugins: { title: { display: true, text: 'Mean absolute error per layer vs float64 (log scale)' } }, scales: { y: { type: 'logarithmic' } } },
});
`;

export function renderHtml(r: Report): string {
  const first = r.modes[0]!;
  const parts: string[] = [];
  parts.push(`<h1>Feasibility report: ${esc(r.model)} <small>(${esc(r.file)})</small></h1>`);
  parts.push(
    `<ul><li><b>profile</b>: ${esc(r.profile)}</li><li><b>model</b>: ${int(first.params)} parameters, ${int(first.macs)} MACs per inference, input ${esc(shape(first.inputShape))}</li><li><b>data</b>: ${esc(r.data)}</li>${r.modes
      .map((m) => `<li><b>${esc(m.mode)} calibration</b>: ${esc(m.calibration)}</li>`)
      .join('')}<li><b>folded off chain</b>: ${esc(first.folded.join(', ') || 'nothing')}</li></ul>`,
  );
  parts.push('<h2>Verdict</h2>');
  parts.push(`<ul>${r.modes.map((m) => `<li class="${m.verdicts.find((v) => v.profile === m.profile)!.deployable ? 'ok' : 'bad'}"><b>${esc(m.mode)} on ${esc(m.profile)}</b>: ${esc(m.verdict)}</li>`).join('')}</ul>`);
  parts.push(table(['mode', 'profile', 'deployable', 'inference txs', 'detail'], r.modes.flatMap((m) => m.verdicts.map((v) => [m.mode, v.profile, v.deployable ? 'yes' : 'no', v.inferenceTxs === null ? 'does not fit' : int(v.inferenceTxs), v.reason]))));
  parts.push('<div class="charts"><div><canvas id="gas-chart"></canvas></div><div><canvas id="acc-chart"></canvas></div><div><canvas id="err-chart"></canvas></div></div>');
  parts.push('<h2>Deployment</h2>');
  parts.push(tableOf(deployTable(r)));
  parts.push('<h2>Inference</h2>');
  parts.push(tableOf(inferenceTable(r)));
  parts.push(`<ul>${r.modes.map((m) => `<li>${esc(m.mode)}: ${esc(m.inference.error ?? m.inference.plan.join('; '))}</li>`).join('')}</ul>`);
  parts.push('<h2>Accuracy</h2>');
  parts.push(tableOf(accuracyTable(r)));
  parts.push('<h2>Bit-exactness (EVM vs oracle)</h2>');
  parts.push(tableOf(bitExactTable(r)));
  for (const m of r.modes) {
    parts.push(`<h2>Per layer: ${esc(m.mode)}</h2>`);
    parts.push(tableOf(layerTable(m)));
  }
  parts.push(`<p class="foot">${esc(r.generatedBy)}, ${r.seconds.toFixed(1)} s. Gas is measured on the embedded ethereumjs chain (Osaka pricing); see docs/report.md.</p>`);
  const data = JSON.stringify(chartData(r)).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nnchain report: ${esc(r.model)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #f2f2f2; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 1em; }
li.ok b { color: #2a7a3b; } li.bad b { color: #b33; }
small { color: #666; font-weight: normal; } .foot { color: #666; }
</style>
<script>
${chartLibrary()}
</script>
</head>
<body>
${parts.join('\n')}
<script type="application/json" id="report-data">${data}</script>
<script>
${CHART_SCRIPT}
</script>
</body>
</html>
`;
}
