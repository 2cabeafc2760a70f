/**
 * Generates the unrolled parts of the int8 SWAR kernel in contracts/tensor/MatVec.sol
 * (docs/numerics.md §4.2), each between a pair of markers
 *   // BEGIN GENERATED <name> (scripts/gen-matvec.ts)
 *   // END GENERATED <name>
 * - panelDotI8: the row loop of `_panelDotI8`, UNROLL rows per iteration;
 * - flushLanesI8: the eight lane extractions of `_flushLanes`.
 *
 *   npx tsx scripts/gen-matvec.ts          rewrite the block in place
 *   npx tsx scripts/gen-matvec.ts --check  exit 1 if the committed block differs from the generator
 *
 * tests/tensor/MatVec.test.ts also checks that the committed blocks equal the generator's output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Rows per iteration of the unrolled loop (≤ 32: one activation word serves the whole iteration).
 * Measured at K = 784, N = 128 (whole kernel): 8 rows 5.46 gas/MAC, 16 rows 5.30, 32 rows 5.28 (+0.9 KB).
 */
export const UNROLL = 16;
/**
 * Rows whose lane products are summed before one accumulator update (saves a DUP/ADD/SWAP/POP per lane
 * word per extra row). 1 → 5.80 gas/MAC, 2 → 5.30; 3 or more rows do not fit the 16-slot stack window.
 */
export const GROUP = 2;
if (UNROLL > 32 || UNROLL % GROUP !== 0) throw new Error('UNROLL must be ≤ 32 and a multiple of GROUP');

export const MATVEC_SOL = join(dirname(fileURLToPath(import.meta.url)), '..', 'contracts', 'tensor', 'MatVec.sol');

// The constants live in Yul variables: the optimizer would turn repeated 32-byte literals into
// CODECOPYs from the data section (to save code size), which cost far more than a DUP.
const OFFSET = 'offset';
const LANE = 'lane';

/** Yul for the rows `r0 .. r0 + n − 1` of an unrolled iteration, whose lane products are summed
 *  before they are added to the accumulators (one accumulator update per lane word per group). */
function rows(r0: number, n: number, indent: string): string[] {
  const out = [`${indent}{`];
  for (let j = 0; j < n; j++) {
    const r = r0 + j;
    const wAt = r === 0 ? 'wp' : `add(wp, ${32 * r})`;
    out.push(`${indent}    let w${j} := xor(mload(${wAt}), ${OFFSET})`, `${indent}    let s${j} := sub(byte(${r}, xw), xo)`);
  }
  for (let m = 0; m < 4; m++) {
    const term = (j: number) => `mul(and(${m === 0 ? `w${j}` : `shr(${8 * m}, w${j})`}, ${LANE}), s${j})`;
    let sum = term(0);
    for (let j = 1; j < n; j++) sum = `add(${sum}, ${term(j)})`;
    out.push(`${indent}    a${m} := add(a${m}, ${sum})`);
  }
  out.push(`${indent}}`);
  return out;
}

/** The generated block (without markers), indented for its place in MatVec.sol. */
export function generatePanelDotI8(indent = '            '): string {
  const step = 32 * UNROLL;
  const lines: string[] = [
    `${indent}// ${UNROLL} rows per iteration while at least ${UNROLL} remain (wp + ${step} <= end).`,
    `${indent}for {} lt(add(wp, ${step - 1}), end) {} {`,
    `${indent}    // x[i..i+31] + 128 (offset binary); rows use bytes 0..${UNROLL - 1}.`,
    `${indent}    let xw := xor(mload(xp), ${OFFSET})`,
  ];
  for (let r = 0; r < UNROLL; r += GROUP) lines.push(...rows(r, GROUP, indent + '    '));
  lines.push(`${indent}    wp := add(wp, ${step})`, `${indent}    xp := add(xp, ${UNROLL})`, `${indent}}`);
  lines.push(`${indent}// The remaining rows one at a time.`, `${indent}for {} lt(wp, end) {} {`);
  lines.push(`${indent}    let xw := xor(mload(xp), ${OFFSET})`);
  lines.push(...rows(0, 1, indent + '    '));
  lines.push(`${indent}    wp := add(wp, 32)`, `${indent}    xp := add(xp, 1)`, `${indent}}`);
  return lines.join('\n');
}

/** Yul of `_flushLanes`: lane k of `a` added to the int256 word at `top − 128k`. */
export function generateFlushLanesI8(indent = '            '): string {
  const lines: string[] = [];
  for (let k = 0; k < 8; k++) {
    const p = k === 0 ? 'top' : `sub(top, ${128 * k})`;
    lines.push(`${indent}{`, `${indent}    let v := signextend(3, a)`, `${indent}    let p := ${p}`, `${indent}    mstore(p, add(mload(p), v))`);
    if (k < 7) lines.push(`${indent}    a := shr(32, sub(a, v))`);
    lines.push(`${indent}}`);
  }
  return lines.join('\n');
}

/** The generated blocks by marker name. */
export const BLOCKS: Record<string, (indent: string) => string> = {
  panelDotI8: generatePanelDotI8,
  flushLanesI8: generateFlushLanesI8,
};

const begin = (name: string) => `// BEGIN GENERATED ${name} (scripts/gen-matvec.ts)`;
const end = (name: string) => `// END GENERATED ${name}`;

/** Replace every generated block of `source` (between its markers, keeping the markers' indentation). */
export function applyGenerated(source: string): string {
  let out = source;
  for (const [name, gen] of Object.entries(BLOCKS)) {
    const b = out.indexOf(begin(name));
    const e = out.indexOf(end(name));
    if (b < 0 || e < b) throw new Error(`markers of ${name} not found in ${MATVEC_SOL}`);
    const indent = out.slice(out.lastIndexOf('\n', b) + 1, b);
    const afterBegin = out.indexOf('\n', b) + 1;
    const endLineStart = out.lastIndexOf('\n', e) + 1;
    out = out.slice(0, afterBegin) + gen(indent) + '\n' + out.slice(endLineStart);
  }
  return out;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const src = readFileSync(MATVEC_SOL, 'utf8');
  const out = applyGenerated(src);
  if (process.argv.includes('--check')) {
    if (out !== src) {
      console.error('contracts/tensor/MatVec.sol: a generated block is stale — run `npx tsx scripts/gen-matvec.ts`');
      process.exit(1);
    }
    console.log('MatVec.sol generated blocks are up to date');
  } else {
    writeFileSync(MATVEC_SOL, out);
    console.log(`MatVec.sol: regenerated ${Object.keys(BLOCKS).join(', ')} (${UNROLL} rows per iteration)`);
  }
}
