/**
 * Compile every Solidity source under `contracts/` with solc-js in one batch.
 *
 * Artifacts are cached by the content hash of (solc version, settings, all sources,
 * every imported library file) in `build/contracts/<hash>.json`, so an unchanged tree
 * costs one hash and one JSON read. A compile error throws `SolcError` carrying solc's
 * own formatted messages.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Artifact {
  /** Contract name, e.g. `QMathHarness`. */
  name: string;
  /** Source unit path relative to the repo, e.g. `contracts/test/QMathHarness.sol`. */
  source: string;
  abi: unknown[];
  /** Creation bytecode, 0x-prefixed (unlinked placeholders are an error at deploy time). */
  bytecode: string;
  /** Runtime bytecode, 0x-prefixed. */
  deployedBytecode: string;
}

export interface CompileOutput {
  solcVersion: string;
  hash: string;
  /** Artifacts by contract name; a name defined twice is only reachable through `bySource`. */
  contracts: Record<string, Artifact>;
  /** Artifacts by `source:Name`. */
  bySource: Record<string, Artifact>;
  warnings: string[];
}

export class SolcError extends Error {
  constructor(readonly messages: string[]) {
    super(`solc failed with ${messages.length} error(s):\n${messages.join('\n')}`);
    this.name = 'SolcError';
  }
}

export interface CompileOptions {
  /** Root folder holding the sources; default `<repo>/contracts`. */
  contractsDir?: string;
  /** Cache folder; default `<repo>/build/contracts`. */
  cacheDir?: string;
  /** Skip the cache read (the result is still written). */
  force?: boolean;
  /**
   * Compile only these source files (repo-relative, e.g. `contracts/test/QMathHarness.sol`) and what
   * they import, instead of the whole tree. Used by tests so one harness compiles on its own.
   */
  entries?: string[];
}

/** The one settings object every build uses; part of the cache key. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'prague',
  viaIR: false,
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

function listSol(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...listSol(p));
    else if (entry.endsWith('.sol')) out.push(p);
  }
  return out;
}

/** Resolve a non-relative import such as `@openzeppelin/contracts/...` from node_modules. */
function resolveImport(path: string): string | undefined {
  const candidates = [join(REPO_ROOT, path), join(REPO_ROOT, 'node_modules', path)];
  return candidates.find((p) => existsSync(p));
}

/** Collect `sources` for solc plus every file reachable by imports, keyed by import path. */
function collectSources(files: string[]): Record<string, { content: string }> {
  const sources: Record<string, { content: string }> = {};
  const queue = files.map((f) => relative(REPO_ROOT, f).split(sep).join('/'));
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (sources[key]) continue;
    const file = resolveImport(key);
    if (!file) throw new SolcError([`import not found: ${key}`]);
    const content = readFileSync(file, 'utf8');
    sources[key] = { content };
    for (const m of content.matchAll(/^\s*import\s+(?:[^'"]*from\s+)?["']([^"']+)["']/gm)) {
      const spec = m[1]!;
      const target = spec.startsWith('.') ? join(dirname(key), spec).split(sep).join('/') : spec;
      if (!sources[target]) queue.push(target);
    }
  }
  return sources;
}

const memo = new Map<string, CompileOutput>();

export function compileContracts(options: CompileOptions = {}): CompileOutput {
  const contractsDir = options.contractsDir ?? join(REPO_ROOT, 'contracts');
  const cacheDir = options.cacheDir ?? join(REPO_ROOT, 'build', 'contracts');
  const solc = require('solc') as { version(): string; compile(input: string): string };
  const files = options.entries ? options.entries.map((e) => resolve(REPO_ROOT, e)) : listSol(contractsDir);
  const sources = collectSources(files);
  const hasher = createHash('sha256').update(solc.version()).update(JSON.stringify(SOLC_SETTINGS));
  for (const key of Object.keys(sources).sort()) hasher.update(key).update('\0').update(sources[key]!.content);
  const hash = hasher.digest('hex').slice(0, 32);
  if (!options.force && memo.has(hash)) return memo.get(hash)!;
  const cacheFile = join(cacheDir, `${hash}.json`);
  if (!options.force && existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as CompileOutput;
    memo.set(hash, cached);
    return cached;
  }
  const input = { language: 'Solidity', sources, settings: SOLC_SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error').map((e) => e.formattedMessage);
  if (errors.length > 0) throw new SolcError(errors);
  const warnings = (output.errors ?? []).filter((e) => e.severity !== 'error').map((e) => e.formattedMessage);
  const result: CompileOutput = { solcVersion: solc.version(), hash, contracts: {}, bySource: {}, warnings };
  for (const [source, units] of Object.entries(output.contracts ?? {})) {
    if (!source.startsWith('contracts/')) continue; // library sources are compiled but not exported
    for (const [name, c] of Object.entries(units)) {
      const artifact: Artifact = {
        name,
        source,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      };
      result.bySource[`${source}:${name}`] = artifact;
      result.contracts[name] = artifact;
    }
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(result));
  memo.set(hash, result);
  return result;
}

/** The artifact of one contract by name (or `source:Name`); throws naming what exists. */
export function getArtifact(name: string, output: CompileOutput = compileContracts()): Artifact {
  const a = output.bySource[name] ?? output.contracts[name];
  if (!a) throw new Error(`no compiled contract named ${name}; known: ${Object.keys(output.contracts).sort().join(', ')}`);
  return a;
}

/**
 * The artifacts a caller needs: the whole-tree build (cached by `npm run compile`, so every test file
 * and benchmark shares one solc run), or, while some unrelated source does not compile, only `entries`
 * and their imports.
 */
export function compileFor(entries: string[]): CompileOutput {
  try {
    return compileContracts();
  } catch (e) {
    if (!(e instanceof SolcError)) throw e;
    return compileContracts({ entries });
  }
}
