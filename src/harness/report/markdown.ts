/** `report.md` (and the CLI's terminal output): the report as Markdown tables. */
import { accuracyTable, bitExactTable, deployTable, inferenceTable, int, layerTable, shape, type TableModel } from './format.ts';
import type { Report } from './types.ts';

const table = (head: string[], rows: string[][], align?: ('l' | 'r')[]): string => {
  const sep = head.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
};

const md = (t: TableModel): string => table(t.head, t.rows, t.numeric.map((n) => (n ? 'r' : 'l')));

export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  const first = r.modes[0]!;
  out.push(`# Feasibility report: ${r.model} (${r.file})`, '');
  out.push(`- **profile**: ${r.profile} (deployed and run on the embedded ethereumjs chain with this profile's limits)`);
  out.push(`- **model**: ${int(first.params)} parameters, ${int(first.macs)} multiply-accumulates per inference, input ${shape(first.inputShape)}`);
  out.push(`- **data**: ${r.data}`);
  for (const m of r.modes) out.push(`- **${m.mode} calibration**: ${m.calibration}`);
  out.push(`- **folded off chain**: ${first.folded.length ? first.folded.join(', ') : 'nothing'}`);
  out.push('');
  out.push('## Verdict', '');
  for (const m of r.modes) out.push(`- **${m.mode} on ${m.profile}**: ${m.verdict}`);
  out.push('');
  out.push(
    table(
      ['mode', ...r.modes[0]!.verdicts.map((v) => v.profile)],
      r.modes.map((m) => [m.mode, ...m.verdicts.map((v) => `${v.deployable ? 'deployable' : 'not deployable'}; ${v.inferenceTxs === null ? 'inference does not fit' : `inference ${v.inferenceTxs} tx`}`)]),
    ),
  );
  out.push('');
  out.push('## Deployment', '');
  out.push(md(deployTable(r)));
  for (const m of r.modes) if (m.deploy.refused) out.push('', `${m.mode}: ${m.deploy.refused} (measured on the unlimited profile instead)`);
  out.push('', 'Deploy gas = the sum of the receipts of every deployment transaction on a fresh chain, the shared layer contracts (deployed once per chain, reused by every model) included; model gas/param excludes them.', '');
  out.push('## Inference', '');
  out.push(md(inferenceTable(r)));
  for (const m of r.modes) {
    if (m.inference.error) out.push('', `${m.mode}: ${m.inference.error}`);
    else out.push('', `${m.mode} under the cap of ${int(m.inference.cap)} gas (budget ${int(m.inference.budget)}): ${m.inference.plan.join('; ')}`);
  }
  out.push('');
  out.push('## Accuracy', '');
  out.push(md(accuracyTable(r)));
  out.push('', 'float32 = tfjs; quantized = the WebAssembly oracle, which the chain matches bit for bit (below).', '');
  out.push('## Bit-exactness (EVM vs oracle)', '');
  out.push(md(bitExactTable(r)));
  out.push('');
  for (const m of r.modes) {
    out.push(`## Per layer: ${m.mode}`, '');
    out.push(md(layerTable(m)), '');
  }
  out.push(
    'gas = the layer call measured inside the model (`inferLayers`); fits one tx = a session step running the layer alone stays under the budget (cap·0.9); errors = the dequantized oracle output vs the float64 reference over the samples; clipped = values at the format limit whose float value lies beyond the representable range.',
    '',
  );
  out.push(`_${r.generatedBy}, ${r.seconds.toFixed(1)} s_`, '');
  return out.join('\n');
}
