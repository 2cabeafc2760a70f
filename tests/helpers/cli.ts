/**
 * Running the `nnchain` CLI as a child process in tests (`node bin/nnchain.js …`: one process, so a kill
 * hits the command itself), and killing a deployment once its record shows some progress.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/harness/compile.ts';
import type { DeploymentRecord } from '../../src/harness/deploy/index.ts';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `nnchain args…`; with `killWhen`, poll `record` every 25 ms and SIGKILL the command as soon as
 * `killWhen(record)` holds.
 */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; record?: string; killWhen?: (r: DeploymentRecord) => boolean; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/nnchain.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    let poll: NodeJS.Timeout | undefined;
    if (opts.killWhen && opts.record) {
      const { record, killWhen } = opts;
      poll = setInterval(() => {
        if (!existsSync(record)) return;
        try {
          if (killWhen(JSON.parse(readFileSync(record, 'utf8')) as DeploymentRecord)) {
            child.kill('SIGKILL');
            clearInterval(poll);
          }
        } catch {
          // mid-rename: try again
        }
      }, 25);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nnchain ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      // let the pipes drain
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** Segments the record shows registered. */
export const registeredSegments = (r: DeploymentRecord): number => r.addresses.segments.filter((a) => a).length;
