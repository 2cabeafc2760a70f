/**
 * `nnchain bench [--check] [--update]`: the benchmark suite (`npm run bench`: build, then bench/run.ts;
 * docs/bench.md) as a child process with inherited stdio; exits with its code (`--check`: non-zero on a gas regression over 2 %
 * against bench/baseline.json).
 */
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { REPO_ROOT } from '../../compile.ts';

export function register(program: Command): void {
  program
    .command('bench')
    .description('gas per op / layer / MAC / parameter, whole models vs the original design, oracle MAC/s, EVM Mgas/s (bench/baseline.json)')
    .option('--check', 'exit non-zero when a gas figure regresses by more than 2 % (or accuracy drops by more than 0.1 pt)')
    .option('--update', 'rewrite bench/baseline.json with this run')
    .option('--no-models', 'skip the whole-model section (faster)')
    .action((opts: { check?: boolean; update?: boolean; models: boolean }) => {
      const args: string[] = [];
      if (opts.check) args.push('--check');
      if (opts.update) args.push('--update');
      if (!opts.models) args.push('--no-models');
      // `npm run bench` = build (WASM oracle, contracts) + tsx bench/run.ts.
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const r = spawnSync(npm, ['run', '--silent', 'bench', '--', ...args], { cwd: REPO_ROOT, stdio: 'inherit' });
      if (r.error) throw r.error;
      process.exitCode = r.status ?? 1;
    });
}
