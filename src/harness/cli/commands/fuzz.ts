/**
 * `nnchain fuzz [name] --runs N [--seed S]`: the property tests (`tests/**\/*.fuzz.test.ts`, vitest with
 * vitest.fuzz.config.ts) at a budget of N cases per property (`FUZZ_RUNS`), optionally replaying a seed
 * (`FUZZ_SEED`, tests/fuzz.ts), filtered to one op (tests/tensor: MatVec, Conv, …) or layer
 * (tests/layers: Dense, Conv2D, …). Runs `npm run fuzz -- <files>` (build, then vitest) as a child
 * process with inherited stdio and exits with its code.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../../compile.ts';
import { intArg, UserError } from '../errors.ts';

const SUFFIX = '.fuzz.test.ts';

/** Fuzz suites by name (file stem): op suites under tests/tensor, layer suites under tests/layers, … */
export function fuzzSuites(): { name: string; kind: string; file: string }[] {
  const out: { name: string; kind: string; file: string }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(SUFFIX)) {
        const rel = relative(REPO_ROOT, p);
        const kind = rel.startsWith('tests/tensor/') ? 'op' : rel.startsWith('tests/layers/') ? 'layer' : 'other';
        out.push({ name: e.name.slice(0, -SUFFIX.length), kind, file: rel });
      }
    }
  };
  walk(join(REPO_ROOT, 'tests'));
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export function register(program: Command): void {
  program
    .command('fuzz')
    .description('run the property tests (EVM == oracle, oracle vs float64), all or one op / layer')
    .argument('[name]', 'op (MatVec, Conv, QMath, …) or layer (Dense, Conv2D, LSTM, …); default: all')
    .option('--runs <n>', 'cases per property (FUZZ_RUNS)', intArg('runs', 1, 10_000_000), 2000)
    .option('--seed <s>', 'replay this seed (FUZZ_SEED; printed by a failing property)', intArg('seed', -(2 ** 31), 2 ** 32 - 1))
    .option('--list', 'list the op and layer names and exit')
    .action((name: string | undefined, opts: { runs: number; seed?: number; list?: boolean }) => {
      const suites = fuzzSuites();
      const listing = () =>
        ['op', 'layer', 'other']
          .map((k) => [k, suites.filter((s) => s.kind === k).map((s) => s.name)] as const)
          .filter(([, n]) => n.length > 0)
          .map(([k, n]) => `${k}s: ${n.join(', ')}`)
          .join('; ');
      if (opts.list) {
        for (const s of suites) console.log(`${s.kind.padEnd(6)} ${s.name.padEnd(24)} ${s.file}`);
        return;
      }
      let files: string[] = [];
      if (name !== undefined) {
        const hit = suites.filter((s) => s.name.toLowerCase() === name.toLowerCase());
        if (hit.length === 0) throw new UserError(`no fuzz suite named ${name} — ${listing()}`);
        files = hit.map((s) => s.file);
      }
      const env: NodeJS.ProcessEnv = { ...process.env, FUZZ_RUNS: String(opts.runs) };
      if (opts.seed !== undefined) env.FUZZ_SEED = String(opts.seed);
      else delete env.FUZZ_SEED;
      console.error(`nnchain fuzz: ${files.length ? files.join(' ') : `all ${suites.length} suites`}, FUZZ_RUNS=${opts.runs}${opts.seed !== undefined ? ` FUZZ_SEED=${opts.seed}` : ''}`);
      // `npm run fuzz` = build (WASM oracle, contracts) + vitest with vitest.fuzz.config.ts; files filter it.
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const r = spawnSync(npm, ['run', '--silent', 'fuzz', '--', ...files], { cwd: REPO_ROOT, stdio: 'inherit', env });
      if (r.error) throw r.error;
      process.exitCode = r.status ?? 1;
    });
}
