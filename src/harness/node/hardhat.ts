/**
 * A real, independent Ethereum node for cross-checks: `hardhat node` (Hardhat 2.29.1, EDR/revm),
 * spawned as a child process on 127.0.0.1 with a free port.
 *
 *   const node = await startHardhatNode();
 *   const provider = new ethers.JsonRpcProvider(node.url);
 *   ...
 *   await node.stop();
 *
 * The node is configured by `hardhat.config.cjs` (Osaka, chainId 31337, 60M block gas limit,
 * failed transactions and calls answered as a production node does). It is started with plain
 * `node .../hardhat/internal/cli/bootstrap.js` (not through npx, so `stop()` kills the node
 * itself), offline, with HOME and the XDG folders pointed at a temp dir (Hardhat writes small
 * files there) which `stop()` removes. The URL is read from its "Started HTTP and WebSocket
 * JSON-RPC server at http://127.0.0.1:PORT/" line.
 *
 * `HARDHAT_NODE_PROFILE` is the embedded chain's profile that mirrors that node's limits, so the
 * same transactions are accepted or refused alike and charged the same gas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hardfork } from '@ethereumjs/common';
import { REPO_ROOT } from '../compile.ts';
import type { ChainProfile } from '../../simulator/profiles.ts';

/** Hardhat 2.29's default in-process network: Osaka, chainId 31337, 60M block gas, EIP-7825 cap, 24 KiB code. */
export const HARDHAT_NODE_PROFILE: ChainProfile = Object.freeze({
  name: 'hardhat',
  description: 'Mirror of a default Hardhat 2.29 node (hardfork osaka): chainId 31337, 60M block gas limit, EIP-7825 cap of 16,777,216 gas per transaction, 24 KiB code / 48 KiB initcode.',
  hardfork: Hardfork.Osaka,
  chainId: 31337n,
  blockGasLimit: 60_000_000n,
  txGasCap: 16_777_216n,
  codeSizeLimit: 24_576,
  initCodeSizeLimit: 49_152,
  deployable: true,
});

export interface HardhatNode {
  /** e.g. `http://127.0.0.1:40123/` */
  readonly url: string;
  readonly pid: number;
  /** Kill the node (SIGTERM, then SIGKILL after 3 s) and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartHardhatNodeOptions {
  /** Config file, relative to the repo or absolute. Default `hardhat.config.cjs`. */
  config?: string;
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
}

const READY = /Started HTTP and WebSocket JSON-RPC server at (http:\/\/[^\s/]+\/?)/;

export async function startHardhatNode(opts: StartHardhatNodeOptions = {}): Promise<HardhatNode> {
  const scratch = mkdtempSync(join(tmpdir(), 'nnchain-hardhat-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: scratch,
    XDG_CONFIG_HOME: join(scratch, 'config'),
    XDG_DATA_HOME: join(scratch, 'data'),
    XDG_CACHE_HOME: join(scratch, 'cache'),
    NNCHAIN_HARDHAT_DIR: join(scratch, 'hardhat'),
    HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/hardhat/internal/cli/bootstrap.js'), 'node', '--hostname', '127.0.0.1', '--port', '0', '--config', opts.config ?? 'hardhat.config.cjs'],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // Safety net: never leave the node running when this process ends without calling stop().
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(scratch, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const url = await waitForUrl(child, opts.timeoutMs ?? 30_000);
    return { url, pid: child.pid!, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const done = (f: () => void): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onOut);
      child.off('exit', onExit);
      // Keep draining so the node never blocks on a full pipe.
      child.stdout!.resume();
      child.stderr!.resume();
      f();
    };
    const onOut = (c: Buffer): void => {
      out += c.toString('utf8');
      const m = READY.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) done(() => resolve(m[1]!));
    };
    const onErr = (c: Buffer): void => {
      if (err.length < 20_000) err += c.toString('utf8');
    };
    const onExit = (code: number | null, signal: string | null): void =>
      done(() => reject(new Error(`hardhat node exited (code ${code}, signal ${signal}) before it was ready:\n${err || out}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`hardhat node did not start within ${timeoutMs} ms:\n${err || out}`))), timeoutMs);
    child.stdout!.on('data', onOut);
    child.stderr!.on('data', onErr);
    child.once('exit', onExit);
  });
}
